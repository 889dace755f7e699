/* /topics: vote and take a vote back without leaving the page. The forms work without this. */
(function () {
  "use strict";

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function setVoted(form, voted, remaining, budget) {
    var topic = form.closest(".topic");
    var button = form.querySelector("button");
    var round = form.closest("[data-ballot]");
    topic.classList.toggle("voted", voted);
    topic.querySelector("[data-voted-badge]").hidden = !voted;
    form.action = form.getAttribute(voted ? "data-unvote-url" : "data-vote-url");
    button.textContent = voted ? "Take back my vote" : "Vote";
    button.classList.toggle("secondary", voted);
    round.setAttribute("data-remaining", remaining);
    round.querySelector("[data-remaining-text]").textContent =
      "You have " + remaining + " of " + plural(budget, "vote") + " left in this round.";
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
        say(form, (result.body.error && result.body.error.message) || "That did not work.", true);
        return;
      }
      var body = result.body;
      setVoted(form, voting, body.remaining, body.budget);
      var count = form.closest(".topic").querySelector("[data-count]");
      if (count && body.vote_count !== null) { count.textContent = plural(body.vote_count, "vote"); }
      say(form, body.message, false);
      button.focus();
    }).catch(function () {
      button.disabled = false;
      HTMLFormElement.prototype.submit.call(form);  // fall back to the plain form
    });
  });
})();
