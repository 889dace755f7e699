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
  var isMac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  var CONTEXT = 64;

  var TEXTS = {
    en: {
      hint: "Found a mistake? Select the text and press {keys}, or use the “Suggest a correction” button.",
      form: "Or write to us",
      button: "Suggest a correction",
      title: "Suggest a correction",
      passage: "The passage",
      suggestion: "Suggested correction",
      comment: "Comment",
      email: "Email",
      emailNote: "Optional. Only to tell you when it is fixed.",
      notify: "Tell me when it is fixed",
      trap: "Leave this field empty",
      send: "Send",
      cancel: "Cancel",
      close: "Close",
      sending: "Sending…",
      thanks: "Thank you! The editors will look at this passage.",
      invalid: "Please check the fields marked below.",
      busy: "Too many reports from here just now. Please try again later.",
      failed: "Sorry, the report could not be sent. Please try again."
    },
    uk: {
      hint: "Знайшли помилку? Виділіть текст і натисніть {keys} або скористайтеся кнопкою «Запропонувати виправлення».",
      form: "Або напишіть нам",
      button: "Запропонувати виправлення",
      title: "Запропонувати виправлення",
      passage: "Фрагмент",
      suggestion: "Пропоноване виправлення",
      comment: "Коментар",
      email: "Електронна пошта",
      emailNote: "Необов’язково. Лише щоб повідомити вам про виправлення.",
      notify: "Повідомте мене, коли виправлять",
      trap: "Залиште це поле порожнім",
      send: "Надіслати",
      cancel: "Скасувати",
      close: "Закрити",
      sending: "Надсилаємо…",
      thanks: "Дякуємо! Редакція перегляне цей фрагмент.",
      invalid: "Перевірте позначені поля.",
      busy: "Забагато повідомлень звідси. Спробуйте пізніше.",
      failed: "На жаль, не вдалося надіслати. Спробуйте ще раз."
    }
  };
  var t = TEXTS[lang.split("-")[0]] || TEXTS.en;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }
  function squash(s) { return s.replace(/\s+/g, " "); }
  function articles() { return Array.prototype.slice.call(document.querySelectorAll(selector)); }

  /* The selection as W3C selectors, when it lies inside one article; otherwise null. */
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
    var raw = range.toString();
    var exact = squash(raw).trim();
    if (!exact) return null;
    var end = start + raw.length;
    return {
      rect: range.getBoundingClientRect(),
      quote: {
        exact: exact,
        prefix: squash(text.slice(Math.max(0, start - 4 * CONTEXT), start)).trim().slice(-CONTEXT).trim(),
        suffix: squash(text.slice(end, end + 4 * CONTEXT)).trim().slice(0, CONTEXT).trim()
      },
      position: { start: start, end: end }
    };
  }

  function pageUrl() {
    var link = document.querySelector('link[rel="canonical"]');
    return (link && link.href) || location.href.split("#")[0];
  }

  function articleTitle() {
    var og = document.querySelector('meta[property="og:title"]');
    return squash((og && og.content) || document.title || "").trim().slice(0, 300);
  }

  /* ---- the dialog ---- */
  var dialog, form, statusLine, quoteBox, fields = {}, returnTo, current, fab;

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

    cancel.addEventListener("click", function () { dialog.close(); });
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    dialog.addEventListener("close", function () {
      if (returnTo && returnTo !== document.body && document.contains(returnTo) && returnTo.focus) returnTo.focus();
      returnTo = null;
    });
    dialog.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !form.classList.contains("engw-done")) {
        e.preventDefault();
        submit();
      } else if (e.key === "Tab") {
        trapFocus(e);
      }
    });
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

  function showQuote(q) {
    quoteBox.textContent = "";
    if (q.prefix) quoteBox.appendChild(document.createTextNode("…" + q.prefix + " "));
    quoteBox.appendChild(el("mark", {}, q.exact));
    if (q.suffix) quoteBox.appendChild(document.createTextNode(" " + q.suffix + "…"));
  }

  function clearErrors() {
    for (var name in fields) {
      fields[name].error.textContent = "";
      fields[name].input.removeAttribute("aria-invalid");
    }
  }

  function open(captured, opener) {
    if (!dialog) build();
    if (dialog.open) return;
    current = captured;
    returnTo = opener || document.activeElement;
    form.reset();
    form.classList.remove("engw-done");
    form.querySelector(".engw-cancel").textContent = t.cancel;
    clearErrors();
    statusLine.textContent = "";
    statusLine.className = "engw-status";
    showQuote(captured.quote);
    hideFab();
    dialog.showModal();
    fields.suggestion.input.focus();
  }

  function say(text, kind) {
    statusLine.className = "engw-status" + (kind ? " engw-" + kind : "");
    statusLine.textContent = text;
  }

  function submit() {
    var send = form.querySelector(".engw-send");
    if (send.disabled) return;
    clearErrors();
    var body = {
      url: pageUrl(),
      title: articleTitle(),
      quote: current.quote,
      position: current.position,
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
      var f = fields[name];
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

  function keydown(e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey) || (dialog && dialog.open)) return;
    var captured = capture();
    if (!captured) return;
    e.preventDefault();
    open(captured);
  }

  function addHints() {
    articles().forEach(function (article) {
      var hint = el("p", { "class": "engw-hint" });
      hint.appendChild(document.createTextNode(t.hint.replace("{keys}", isMac ? "⌘+Enter" : "Ctrl+Enter") + " "));
      var link = el("a", { href: service + "/corrections/report?url=" + encodeURIComponent(pageUrl()) }, t.form);
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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
