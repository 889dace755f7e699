/* /topics: vote and take a vote back without leaving the page. The forms work without this.
   Every word shown comes from the server in the reader's language: the button labels and the
   fallback error from the round's data- attributes, the counts' wording from the JSON answer. */
(function () {
  "use strict";

  function setVoted(form, voted, body) {
    var topic = form.closest(".topic");
    var button = form.querySelector("button");
    var round = form.closest("[data-ballot]");
    topic.classList.toggle("voted", voted);
    topic.querySelector("[data-voted-badge]").hidden = !voted;
    form.action = form.getAttribute(voted ? "data-unvote-url" : "data-vote-url");
    button.textContent = round.getAttribute(voted ? "data-unvote-label" : "data-vote-label");
    button.classList.toggle("secondary", voted);
    var remaining = body.remaining;
    round.setAttribute("data-remaining", remaining);
    round.querySelector("[data-remaining-text]").textContent = body.remaining_text;
    var reason = round.querySelector(".no-votes");
    reason.hidden = remaining > 0;
    round.querySelectorAll("[data-vote-form]").forEach(function (other) {
      var otherButton = other.querySelector("button");
      if (other.closest(".topic").classList.contains("voted")) {
        otherButton.disabled = false;
        otherButton.setAttribute("aria-describedby", other.closest(".topic").id + "-title");
        return;
      }
      otherButton.disabled = remaining === 0;
      otherButton.setAttribute("aria-describedby", other.closest(".topic").id + "-title" +
        (remaining === 0 ? " " + reason.id : ""));
    });
  }

  function say(form, text, isError) {
    var message = form.closest("[data-ballot]").querySelector("[data-vote-message]");
    message.textContent = text;
    message.classList.toggle("error", !!isError);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-vote-form]");
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    var voting = form.action.indexOf(form.getAttribute("data-vote-url")) !== -1;
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok) {
        say(form, (result.body.error && result.body.error.message) ||
          form.closest("[data-ballot]").getAttribute("data-failed"), true);
        return;
      }
      var body = result.body;
      setVoted(form, voting, body);
      var count = form.closest(".topic").querySelector("[data-count]");
      if (count && body.count_text !== null) { count.textContent = body.count_text; }
      say(form, body.message, false);
      button.focus();
    }).catch(function () {
      button.disabled = false;
      HTMLFormElement.prototype.submit.call(form);  // fall back to the plain form
    });
  });
})();
