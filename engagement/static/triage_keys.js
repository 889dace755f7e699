// Keyboard triage, added only when JavaScript runs; every action also has its button or link.
// List: j/k move, o or Enter open, x tick, c open to correct, n no action, s spam, a assign to
// me. A correction: c corrected, n no action, s spam, a assign to me, j/k next/previous open.
// ? shows the keys. Never while typing in a field, nor with Ctrl, Alt or Meta held.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.corrections tbody tr[data-id]"));
  var decide = document.getElementById("decide-form");
  if (!rows.length && !decide) { return; }
  // The help dialog and the hint's words come translated from the page (_keys.html).
  var template = document.getElementById("kbd-help-template");
  if (!template) { return; }
  var current = -1;
  var STORE = "triage-row";

  function typing(target) {
    var tag = target && target.tagName;
    return target && (target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" ||
      tag === "SELECT");
  }

  function helpDialog() {
    var dialog = document.getElementById("kbd-help");
    if (dialog) { return dialog; }
    dialog = template.content.firstElementChild.cloneNode(true);
    dialog.querySelector(".kbd-close").addEventListener("click", function () { dialog.close(); });
    document.body.appendChild(dialog);
    return dialog;
  }

  function hint() {
    var p = document.createElement("p");
    p.className = "hint kbd-hint";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = template.getAttribute("data-hint");
    button.addEventListener("click", function () { helpDialog().showModal(); });
    p.appendChild(button);
    var heading = document.querySelector("main h1");
    heading.parentNode.insertBefore(p, heading.nextSibling);
  }

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (rows[current]) { rows[current].classList.remove("kbd-current"); }
    current = index;
    rows[current].classList.add("kbd-current");
    var link = rows[current].querySelector("a");
    if (link) { link.focus(); }
    try { sessionStorage.setItem(STORE, String(current)); } catch (e) { /* private mode */ }
  }

  function rowPost(path, fields) {
    var form = document.getElementById("row-action");
    var row = rows[current];
    if (!form || !row) { return; }
    form.action = "/newsroom/corrections/" + row.getAttribute("data-id") + path;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    form.submit();
  }

  function onList(key) {
    var row = rows[current];
    var link = row && row.querySelector("a");
    if (key === "j") { select(current + 1); } else if (key === "k") { select(current - 1); }
    else if ((key === "o" || key === "Enter") && link) { window.location.href = link.href; }
    else if (key === "c" && link) { window.location.href = link.href + "#note"; }
    else if (key === "x" && row) { row.querySelector("input[name='ids']").click(); }
    else if (key === "n" && row) { rowPost("/status", {status: "no_action", back: "list"}); }
    else if (key === "s" && row) { rowPost("/status", {status: "spam", back: "list"}); }
    else if (key === "a" && row) { rowPost("/assign", {assignee: "me", back: "list"}); }
    else { return false; }
    return true;
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (button) { button.click(); return true; }
    return false;
  }

  function onCorrection(key) {
    if (key === "c") {
      var note = document.getElementById("note");
      var kind = document.querySelector("input[name='note_kind'][value='public']");
      if (kind) { kind.checked = true; }
      if (note && !note.value.trim()) { note.focus(); return true; }
      return press("#decide-form button[value='corrected']");
    }
    if (key === "n") { return press("#decide-form button[value='no_action']"); }
    if (key === "s") { return press("#decide-form button[value='spam']"); }
    if (key === "a") { return press("#assign-me button"); }
    if (key === "j") { return press("a[rel='next']"); }
    if (key === "k") { return press("a[rel='prev']"); }
    return false;
  }

  // Tells a page (and its browser tests) that the keys below act from now on.
  document.documentElement.dataset.triageKeys = "ready";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (event.key === "?") { helpDialog().showModal(); event.preventDefault(); return; }
    if (event.key === "Enter" && !rows.length) { return; }
    if (event.key === "Enter" && event.target.closest("a, button")) { return; }
    var handled = rows.length ? onList(event.key) : onCorrection(event.key);
    if (handled) { event.preventDefault(); }
  });

  document.querySelectorAll("a.use-wording").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var note = document.getElementById("note");
      var kind = document.querySelector("input[name='note_kind'][value='public']");
      if (!note) { return; }
      event.preventDefault();
      note.value = link.getAttribute("data-note");
      if (kind) { kind.checked = true; }
      note.focus();
    });
  });

  hint();
  if (rows.length) {
    var kept = parseInt(sessionStorage.getItem(STORE) || "0", 10);
    if (rows.length && document.activeElement === document.body) {
      current = -1;
      rows[Math.min(kept, rows.length - 1)].classList.add("kbd-current");
      current = Math.min(kept, rows.length - 1);
    }
  }
})();
