/* Readers' pages: small improvements over plain forms that work without this file. */
(function () {
  "use strict";

  // An error summary takes focus, so screen readers and keyboards start there.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) { summary.focus(); }

  // A sign-in link's page signs in by itself; the button stays for when this does not run.
  var auto = document.querySelector("form[data-auto-submit]");
  // (The prototype's submit: the form's own "submit" button hides the method.)
  if (auto) { HTMLFormElement.prototype.submit.call(auto); }

  // /support: one monthly/yearly switch, in place.
  var root = document.querySelector("[data-interval-root]");
  if (root) {
    root.addEventListener("click", function (event) {
      var choice = event.target.closest("[data-interval-choice]");
      if (!choice) { return; }
      event.preventDefault();
      var interval = choice.getAttribute("data-interval-choice");
      root.setAttribute("data-interval", interval);
      root.querySelectorAll("[data-interval-choice]").forEach(function (link) {
        if (link === choice) { link.setAttribute("aria-current", "true"); }
        else { link.removeAttribute("aria-current"); }
      });
      root.querySelectorAll("[data-follow-interval]").forEach(function (input) {
        input.value = interval;
      });
      history.replaceState(null, "", choice.getAttribute("href"));
    });
    var other = document.getElementById("gift_amount");
    var otherChoice = document.querySelector("input[name=gift_preset][value=other]");
    if (other && otherChoice) {
      other.addEventListener("input", function () { otherChoice.checked = true; });
    }
  }
})();
