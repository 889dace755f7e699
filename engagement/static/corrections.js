// The triage list: a "select all on this page" box, added only when JavaScript runs. Its label
// comes translated from the page (the table's data-select-all).
(function () {
  "use strict";
  var table = document.querySelector("table.corrections");
  var head = document.querySelector("table.corrections thead th");
  var boxes = document.querySelectorAll("table.corrections input[name='ids']");
  if (!head || !boxes.length || !table.getAttribute("data-select-all")) { return; }
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "pick-all";
  var label = document.createElement("label");
  label.htmlFor = "pick-all";
  label.className = "visually-hidden";
  label.textContent = table.getAttribute("data-select-all");
  head.textContent = "";
  head.appendChild(all);
  head.appendChild(label);
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
})();
