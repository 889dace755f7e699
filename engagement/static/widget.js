/* Corrections widget: select a passage in the article, press Ctrl+Enter (or tap the button),
   and send the newsroom a correction. No dependencies; no inline styles (works under a strict CSP). */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__engwLoaded) return;
  window.__engwLoaded = true;

  var src = new URL(me.src, location.href);
  var service = src.origin + src.pathname.replace(/\/widget\.js$/, "");
  var selector = me.getAttribute("data-article") || "article";
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "en").toLowerCase();
  var code = lang.replace(/_/g, "-");
  var CATALOG = "__CATALOG_VERSION__";  // the service writes the catalogs' version in
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  var isTouch = window.matchMedia && matchMedia("(pointer: coarse)").matches;
  var CONTEXT = 64;

  /* The widget's words in English; the service's catalogs translate them (docs/translating.md).
     _() marks each for the message extraction and changes nothing here. */
  function _(text) { return text; }
  var EN = {
    hint: _("Found a mistake? Select the text and press {keys}, or use the “Suggest a correction” button."),
    touchHint: _("Found a mistake? Select the text and tap “Suggest a correction”."),
    how: _("No text is selected. Close this, select the words in the article (drag with the mouse, or press and hold a word on a phone) and press {keys}. Or copy the passage here."),
    quote: _("The passage with the mistake"),
    nothing: _("Write the correction you suggest, or a comment."),
    noQuote: _("Copy the passage with the mistake here."),
    form: _("Or write to us"),
    button: _("Suggest a correction"),
    title: _("Suggest a correction"),
    passage: _("The passage"),
    suggestion: _("Suggested correction"),
    comment: _("Comment"),
    email: _("Email"),
    emailNote: _("Optional. Only to tell you when it is fixed."),
    notify: _("Tell me when it is fixed"),
    trap: _("Leave this field empty"),
    send: _("Send"),
    cancel: _("Cancel"),
    close: _("Close"),
    sending: _("Sending…"),
    thanks: _("Thank you! The editors will look at this passage."),
    invalid: _("Please check the fields marked below."),
    busy: _("Too many reports from here just now. Please try again later."),
    failed: _("Sorry, the report could not be sent. Please try again.")
  };
  var t = {};
  for (var key in EN) t[key] = EN[key];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }
  var keys = isMac ? "⌘+Enter" : "Ctrl+Enter";
  function squash(s) { return s.replace(/\s+/g, " "); }
  /* Cut the ends of a context without splitting a character made of two UTF-16 units. */
  function tail(s) { s = s.slice(-CONTEXT); return /^[\udc00-\udfff]/.test(s) ? s.slice(1) : s; }
  /* W3C positions count Unicode code points, not UTF-16 units (an emoji is one). */
  function points(s) { return s.length - (s.match(/[\ud800-\udbff][\udc00-\udfff]/g) || []).length; }
  function head(s) { s = s.slice(0, CONTEXT); return /[\ud800-\udbff]$/.test(s) ? s.slice(0, -1) : s; }
  function articles() { return Array.prototype.slice.call(document.querySelectorAll(selector)); }

  /* The selection as W3C selectors over the article's textContent, exactly as the standard
     says (no trimming, whitespace kept), when it lies inside one article; otherwise null. */
  function capture() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var range = sel.getRangeAt(0);
    var article = articles().filter(function (a) { return a.contains(range.commonAncestorContainer); })[0];
    if (!article) return null;
    var before = document.createRange();
    before.setStart(article, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var text = article.textContent;
    var start = before.toString().length;
    var exact = range.toString();
    if (!exact.trim()) return null;
    var end = start + exact.length;
    var first = points(text.slice(0, start));
    return {
      range: range.cloneRange(),
      rect: range.getBoundingClientRect(),
      quote: { exact: exact, prefix: tail(text.slice(0, start)), suffix: head(text.slice(end)) },
      position: { start: first, end: first + points(exact) },
      cut: [start > CONTEXT, text.length - end > CONTEXT]
    };
  }

  function pageUrl() {
    var link = document.querySelector('link[rel="canonical"]');
    return (link && link.href) || location.href.split("#")[0];
  }

  /* og:title, else the first h1, else the page's title without the site's name. */
  function articleTitle() {
    var og = document.querySelector('meta[property="og:title"]');
    var h1 = document.querySelector("h1");
    var title = (og && og.content) || (h1 && h1.textContent) || "";
    if (!title.trim()) {
      var site = document.querySelector('meta[property="og:site_name"]');
      title = document.title || "";
      title = site && site.content && title.indexOf(site.content) > 0 ?
        title.slice(0, title.lastIndexOf(site.content)) : title.replace(/\s+[—–|·-]\s+[^—–|·]*$/, "");
      title = title.replace(/[\s—–|·:-]+$/, "");
    }
    return squash(title).trim().slice(0, 300);
  }

  /* ---- the dialog ---- */
  var dialog, form, statusLine, quoteBox, fields = {}, returnTo, pending = false, current, fab;

  function field(name, label, control, note) {
    var id = "engw-" + name;
    var box = el("div", { "class": "engw-field" + (control === "checkbox" ? " engw-check" : "") });
    var input = control === "textarea" ? el("textarea", { rows: "3" }) :
      el("input", { type: control === "checkbox" ? "checkbox" : "email" });
    input.id = id;
    input.name = name;
    var error = el("p", { "class": "engw-error", id: id + "-error" });
    var described = [id + "-error"];
    if (note) described.unshift(id + "-note");
    input.setAttribute("aria-describedby", described.join(" "));
    var labelNode = el("label", { "for": id }, label);
    if (control === "checkbox") { box.appendChild(input); box.appendChild(labelNode); }
    else { box.appendChild(labelNode); box.appendChild(input); }
    if (note) box.appendChild(el("p", { "class": "engw-note", id: id + "-note" }, note));
    box.appendChild(error);
    fields[name] = { input: input, error: error };
    return box;
  }

  function build() {
    dialog = el("dialog", { "class": "engw-dialog", "aria-labelledby": "engw-title", "aria-modal": "true", lang: lang });
    form = el("form", { "class": "engw-form", novalidate: "" });
    form.appendChild(el("h2", { id: "engw-title" }, t.title));
    form.appendChild(el("p", { "class": "engw-note", id: "engw-passage-label" }, t.passage));
    quoteBox = el("blockquote", { "class": "engw-quote", "aria-labelledby": "engw-passage-label" });
    form.appendChild(quoteBox);
    var free = field("exact", t.quote, "textarea", t.how.replace("{keys}", keys));
    free.classList.add("engw-free");
    form.appendChild(free);
    form.appendChild(field("suggestion", t.suggestion, "textarea"));
    form.appendChild(field("comment", t.comment, "textarea"));
    form.appendChild(field("email", t.email, "email", t.emailNote));
    fields.email.input.autocomplete = "email";
    form.appendChild(field("notify", t.notify, "checkbox"));
    var trap = el("div", { "class": "engw-trap", "aria-hidden": "true" });
    trap.appendChild(el("label", { "for": "engw-website" }, t.trap));
    trap.appendChild(el("input", { id: "engw-website", name: "website", type: "text", tabindex: "-1", autocomplete: "off" }));
    form.appendChild(trap);
    statusLine = el("p", { "class": "engw-status", role: "status", "aria-live": "polite" });
    form.appendChild(statusLine);
    var actions = el("div", { "class": "engw-actions" });
    var send = el("button", { type: "submit", "class": "engw-send" }, t.send);
    var cancel = el("button", { type: "button", "class": "engw-secondary engw-cancel" }, t.cancel);
    actions.appendChild(send);
    actions.appendChild(cancel);
    form.appendChild(actions);
    dialog.appendChild(form);
    document.body.appendChild(dialog);

    cancel.addEventListener("click", closeDialog);
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    dialog.addEventListener("close", giveFocusBack);
    dialog.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !form.classList.contains("engw-done")) {
        e.preventDefault();
        submit();
      } else if (e.key === "Tab") {
        trapFocus(e);
      } else if (e.key === "Escape") {
        e.preventDefault();
        closeDialog();
      }
    });
  }

  /* Close and hand focus back in the same task, so a keyboard or assistive technology never
     lands on <body> between the two; the close event covers any other way the dialog shuts. */
  function closeDialog() {
    if (dialog.open) dialog.close();
    giveFocusBack();
  }

  /* Focus goes back where it was: the control that had it, or else the reader's place in the
     article (the paragraph of the selection, which gets the selection back too). */
  function giveFocusBack() {
    if (!pending) return;
    var back = returnTo, range = current && current.range;
    pending = false;
    returnTo = null;
    if (back && back !== document.body && document.contains(back) && back.focus) return back.focus();
    if (!range || !document.contains(range.startContainer)) return;
    var node = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentNode;
    var place = node.closest("p, li, blockquote, h1, h2, h3, h4, td, figcaption") || node;
    if (!place.hasAttribute("tabindex")) place.setAttribute("tabindex", "-1");
    place.focus({ preventScroll: true });
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function focusables() {
    return Array.prototype.slice.call(dialog.querySelectorAll("textarea, input, button"))
      .filter(function (n) { return n.tabIndex >= 0 && !n.disabled && n.offsetParent !== null; });
  }

  function trapFocus(e) {
    var list = focusables();
    if (!list.length) return;
    var first = list[0], last = list[list.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  }

  /* The passage for reading: whitespace collapsed, its context cut at word boundaries. */
  function showQuote(c) {
    var before = squash(c.quote.prefix), exact = squash(c.quote.exact), after = squash(c.quote.suffix);
    if (/^ /.test(exact) && before && !/ $/.test(before)) before += " ";
    if (/ $/.test(exact) && after && !/^ /.test(after)) after = " " + after;
    if (c.cut[0]) before = "…" + (/^ /.test(before) ? before : before.replace(/^\S*/, "")).replace(/^ +/, "");
    else before = before.replace(/^ +/, "");
    if (c.cut[1]) after = (/ $/.test(after) ? after : after.replace(/\S*$/, "")).replace(/ +$/, "") + "…";
    else after = after.replace(/ +$/, "");
    quoteBox.textContent = "";
    if (before.replace(/[ …]/g, "")) quoteBox.appendChild(document.createTextNode(before));
    quoteBox.appendChild(el("mark", {}, exact.trim()));
    if (after.replace(/[ …]/g, "")) quoteBox.appendChild(document.createTextNode(after));
  }

  function clearErrors() {
    for (var name in fields) {
      fields[name].error.textContent = "";
      fields[name].input.removeAttribute("aria-invalid");
    }
  }

  /* Open the dialog for a captured selection, or (null) for a passage the reader copies in. */
  function open(captured, opener) {
    if (!dialog) build();
    if (dialog.open) return;
    current = captured;
    returnTo = opener || document.activeElement;
    pending = true;
    form.reset();
    form.classList.remove("engw-done");
    form.classList.toggle("engw-picked", !!captured);
    form.querySelector(".engw-cancel").textContent = t.cancel;
    clearErrors();
    say("");
    if (captured) showQuote(captured);
    hideFab();
    dialog.showModal();
    (captured ? fields.suggestion : fields.exact).input.focus();
  }

  function say(text, kind) {
    statusLine.className = "engw-status" + (kind ? " engw-" + kind : "");
    statusLine.textContent = text;
  }

  function refuse(name, text) {
    fields[name].error.textContent = text;
    fields[name].input.setAttribute("aria-invalid", "true");
  }

  /* What the service would refuse anyway, said at once beside the field. */
  function checked() {
    var bad = [];
    if (!current && !fields.exact.input.value.trim()) { refuse("exact", t.noQuote); bad.push("exact"); }
    if (!fields.suggestion.input.value.trim() && !fields.comment.input.value.trim()) {
      refuse("suggestion", t.nothing);
      bad.push("suggestion");
    }
    if (!bad.length) return true;
    say(t.invalid, "bad");
    fields[bad[0]].input.focus();
    return false;
  }

  function submit() {
    var send = form.querySelector(".engw-send");
    if (send.disabled) return;
    clearErrors();
    if (!checked()) return;
    var body = {
      url: pageUrl(),
      title: articleTitle(),
      quote: current ? current.quote : { exact: fields.exact.input.value },
      position: current ? current.position : null,
      suggestion: fields.suggestion.input.value,
      comment: fields.comment.input.value,
      email: fields.email.input.value.trim() || null,
      notify: fields.notify.input.checked,
      lang: lang.slice(0, 16),
      website: form.querySelector("#engw-website").value
    };
    send.disabled = true;
    say(t.sending);
    fetch(service + "/api/v1/corrections", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Engagement-Widget": "1" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { answered(response.status, data); });
    }).catch(function () { say(t.failed, "bad"); }).then(function () { send.disabled = false; });
  }

  function answered(status, data) {
    if (status === 201) {
      form.classList.add("engw-done");
      var cancel = form.querySelector(".engw-cancel");
      cancel.textContent = t.close;
      say(t.thanks, "ok");
      cancel.focus();
      return;
    }
    if (status === 429) return say(t.busy, "bad");
    var problems = (data && data.error && data.error.fields) || {};
    var general = [], firstBad = null;
    for (var name in problems) {
      var f = fields[name] || (!current && fields[name.split(".").pop()]);
      if (f) {
        f.error.textContent = problems[name];
        f.input.setAttribute("aria-invalid", "true");
        firstBad = firstBad || f.input;
      } else {
        general.push(problems[name]);
      }
    }
    say(status === 422 ? [t.invalid].concat(general).join(" ") : t.failed, "bad");
    if (firstBad) firstBad.focus();
  }

  /* ---- the floating button ---- */
  function hideFab() { if (fab) fab.hidden = true; }

  function showFab() {
    var captured = dialog && dialog.open ? null : capture();
    if (!captured) return hideFab();
    if (!fab) {
      fab = el("button", { type: "button", "class": "engw-fab" }, t.button);
      fab.hidden = true;
      // Keep the reader's selection when the button is pressed.
      fab.addEventListener("pointerdown", function (e) { e.preventDefault(); });
      fab.addEventListener("mousedown", function (e) { e.preventDefault(); });
      fab.addEventListener("click", function () {
        var again = capture() || fab.captured;
        if (again) open(again);
      });
      document.body.appendChild(fab);
    }
    fab.captured = captured;
    var r = captured.rect;
    fab.style.top = Math.round(r.bottom + window.scrollY + 8) + "px";
    fab.style.left = Math.round(Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - 220))) + "px";
    fab.hidden = false;
  }

  var timer;
  function later() { clearTimeout(timer); timer = setTimeout(showFab, 200); }

  /* Ctrl+Enter: the selection, or (none in an article) the dialog that says how to select. */
  function keydown(e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || (dialog && dialog.open)) return;
    var sel = window.getSelection();
    var captured = capture();
    // Not for a selection outside the articles, nor for the page's own fields.
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) || e.target.isContentEditable;
    if (!captured && ((sel && !sel.isCollapsed) || typing)) return;
    e.preventDefault();
    open(captured);
  }

  /* Under each article: how to report, a button keyboard users reach with Tab, and the form. */
  function addHints() {
    articles().forEach(function (article) {
      var hint = el("p", { "class": "engw-hint" });
      hint.appendChild(document.createTextNode((isTouch ? t.touchHint : t.hint.replace("{keys}", keys)) + " "));
      var button = el("button", { type: "button", "class": "engw-open" }, t.button);
      button.addEventListener("mousedown", function (e) { e.preventDefault(); });
      button.addEventListener("click", function () { open(capture(), button); });
      hint.appendChild(button);
      hint.appendChild(document.createTextNode(" "));
      var link = el("a", { href: service + "/corrections/report?url=" + encodeURIComponent(pageUrl()) +
        "&title=" + encodeURIComponent(articleTitle()) + "&lang=" + encodeURIComponent(code) }, t.form);
      hint.appendChild(link);
      article.parentNode.insertBefore(hint, article.nextSibling);
    });
  }

  function start() {
    document.head.appendChild(el("link", { rel: "stylesheet", href: service + "/widget.css" }));
    addHints();
    document.addEventListener("keydown", keydown);
    document.addEventListener("selectionchange", later);
    document.addEventListener("mouseup", later);
    document.addEventListener("touchend", later);
  }

  /* Another language: its messages (msgid -> translation) from the service, at a URL that changes
     whenever they do (so cached for good), before anything is shown. English needs none. */
  function translated() {
    if (/^en(-[a-z]+)?$/.test(code) && code !== "en-xa") return Promise.resolve();
    return fetch(service + "/widget/messages/" + CATALOG + "/" + encodeURIComponent(code) + ".json")
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (messages) { for (var key in EN) t[key] = messages[EN[key]] || EN[key]; })
      .catch(function () {});
  }

  function ready() {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
  translated().then(ready);
})();
