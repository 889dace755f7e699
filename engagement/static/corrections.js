// The triage list: a "select all on this page" box, added only when JavaScript runs.
(function () {
  "use strict";
  var head = document.querySelector("table.corrections thead th");
  var boxes = document.querySelectorAll("table.corrections input[name='ids']");
  if (!head || !boxes.length) { return; }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "pick-all";
  var label = document.createElement("label");
  label.htmlFor = "pick-all";
  label.className = "visually-hidden";
  label.textContent = "Select every correction on this page";
  head.textContent = "";
  head.appendChild(all);
  head.appendChild(label);
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
