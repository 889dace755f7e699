"""Readers' pages of the voting feature: /topics, voting, taking a vote back, suggesting."""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext, ngettext
from flask_login import current_user

from engagement.accounts.auth import (
    current_patron,
    current_patron_id,
    patron_claim,
    remember_patron,
)
from engagement.chrome import register_reader_nav
from engagement.database import writing
from engagement.edge import parse_id
from engagement.errors import DomainError, NotAllowed, NotFound, apply_domain_error, wants_json
from engagement.extensions import db, limiter
from engagement.i18n import current_language
from engagement.voting import casting, eligibility, services, topics_cache
from engagement.voting.blueprints import public
from engagement.voting.forms import SuggestionForm
from engagement.voting.models import STATE_LABELS

SIGN_IN_PATH = "/account/login"


@public.app_template_global("voting_votes_for")
def voting_votes_for(patron) -> list[services.MyVote]:
    """The patron's votes and their outcomes, for the /account page's fragment."""
    return services.votes_for_patron(patron) if patron is not None else []


def _vote_limit() -> str:
    return current_app.config["VOTING_RATE_LIMIT"]


def _suggestion_limit() -> str:
    return current_app.config["SUGGESTION_RATE_LIMIT"]


def _patron_key() -> str:
    # Signed-in patrons are limited per person, so a newsroom's shared office IP is no problem.
    # The bucket is named from the signed cookie without a query (the vote checks the session
    # itself); a cookie can only be made by this app, so it still counts per person.
    claim = patron_claim()
    return f"patron:{claim[0]}" if claim else f"ip:{request.remote_addr}"


# Voting and taking back share one budget of requests per patron.
_voting_limit = limiter.shared_limit(_vote_limit, scope="voting", key_func=_patron_key)


def _sign_in_redirect():
    return redirect(f"{SIGN_IN_PATH}?next={quote('/topics', safe='')}", 303)


def _anonymous_cache() -> dict | None:
    """The per-process cache of the page as anonymous readers see it, when it may be used:
    TOPICS_CACHE_SECONDS > 0, nobody signed in, no flashed message waiting."""
    if current_app.config["TOPICS_CACHE_SECONDS"] <= 0 or "_flashes" in session:
        return None
    if current_user.is_authenticated or current_patron_id() is not None:
        return None
    return current_app.extensions.setdefault("voting_topics_cache", {})


register_reader_nav(public, "topics", lazy_gettext("Topics"), "voting.topics", order=20)


@public.get("/topics")
def topics():
    """Open rounds and their topics; what a co-creator may do; recent results."""
    claim = patron_claim()
    if claim is not None and topics_cache.may_use():
        # The shared page with this reader's ballot and token laid over (topics_cache); the
        # session is checked with the ballot. None: not a current session, so signed out.
        answer = topics_cache.page(claim, _sort(), lambda: _topics_page(overlay=True))
        if answer is not None:
            return answer
    cache = _anonymous_cache()
    if cache is None:
        return _topics_page()
    now = time.monotonic()
    key = ("page", _sort(), current_language())  # one page per language
    cached = cache.get(key)
    if cached is None or cached[0] <= now:
        # A viral round: every anonymous reader gets the same page, so each process renders
        # it at most once per TOPICS_CACHE_SECONDS (live counts lag by at most that).
        cached = (now + current_app.config["TOPICS_CACHE_SECONDS"], _topics_page())
        cache[key] = cached
    return cached[1]


def _sort() -> str:
    """`?sort=votes` (most votes first, only where counts are public) or `newest`."""
    return request.args.get("sort") if request.args.get("sort") in services.SORTS else "votes"


def _render_topics(
    patron, rounds, results, suggestion, status: int = 200, overlay: bool = False, **extra
):
    sort = _sort()
    for view in rounds:
        # A sealed round is never ordered by its hidden counts: the editors' order instead.
        view.topics = services.sort_topics(
            view.topics, sort if view.show_counts or sort != "votes" else "editors"
        )
    return render_template(
        "voting/topics.html",
        rounds=rounds,
        results=results,
        patron=patron,
        suggestion=suggestion,
        voting_tiers=_voting_tiers(rounds, overlay),
        state_labels=STATE_LABELS,
        sort=sort,
        overlay=overlay,
        **extra,
    ), status


def _topics_page(overlay: bool = False):
    # Only reads: rounds closed by the clock are counted by the worker (voting/closing.py).
    # `overlay`: every reader's variants between markers, for topics_cache (no ballot filled).
    patron = current_patron()
    rounds, results = services.topics_page(patron, fill=not overlay)
    return _render_topics(patron, rounds, results, SuggestionForm(), overlay=overlay)


def _voting_tiers(rounds: list[services.RoundView], overlay: bool = False) -> dict:
    # Only a signed-in patron who cannot vote is told which tiers can.
    if current_patron() is None or (not overlay and all(view.may_vote for view in rounds)):
        return {}
    every = eligibility.voting_tiers()
    return {
        view.round.id: [t for t in view.round.eligible_tiers if t.grants_voting] or every
        for view in rounds
    }


def _vote_json(counted: services.casting.Counted, message: str):
    """What the page updates in place: the topic's count (None when sealed), the budget, and
    the words for them in the reader's language."""
    count = counted.vote_count
    return jsonify(
        {
            "topic_id": counted.topic_id,
            "remaining": counted.remaining,
            "message": message,
            "budget": counted.budget,
            "vote_count": count,
            "count_text": None
            if count is None
            else ngettext("%(count)s vote", "%(count)s votes", count, count=count),
            "remaining_text": ngettext(
                "You have %(remaining)s of %(count)s vote left in this round.",
                "You have %(remaining)s of %(count)s votes left in this round.",
                counted.budget,
                count=counted.budget,
                remaining=counted.remaining,
            ),
        }
    )


def _respond(
    ok_message: str,
    topic_id: int,
    counted: services.casting.Counted | None = None,
    error: DomainError | None = None,
):
    if wants_json():
        if error is not None:
            raise error
        return _vote_json(counted, ok_message)
    if error is not None:
        if isinstance(error, (NotAllowed, NotFound)):
            raise error
        flash(str(error.message), "error")
    else:
        flash(ok_message, "success")
    return redirect(url_for("voting.topics", _anchor=f"topic-{topic_id}"), 303)


def _not_signed_in():
    if wants_json():
        raise NotAllowed(_("Sign in as a co-creator to vote."))
    return _sign_in_redirect()


def _vote_action(topic_id: int, action, ok):
    claim = patron_claim()  # the session is checked by the vote's first statement
    if claim is None:
        return _not_signed_in()
    try:
        # Core statements on a pooled connection of their own, committed at the end of the
        # block (rolled back on a refusal): no ORM session. The first one checks the session
        # and reads the reader's language, so choosing the language asks nothing more. On
        # PostgreSQL the vote is one statement, run without BEGIN and COMMIT around it.
        with writing(autocommit_on_postgres=True) as conn:
            counted = action(claim[0], topic_id, conn, session_version=claim[1])
    except casting.SessionOver:
        return _not_signed_in()
    except DomainError as exc:
        return _respond("", topic_id, error=exc)
    remember_patron(claim[0], counted.language)  # checked: the request asks no more
    remaining = counted.remaining
    left = (
        _("You have no votes left in this round.")
        if remaining == 0
        else ngettext(
            "You have %(num)s vote left in this round.",
            "You have %(num)s votes left in this round.",
            remaining,
        )
    )
    return _respond(f"{ok()} {left}", topic_id, counted)


@public.post("/topics/<int:topic_id>/vote")
@_voting_limit
def vote(topic_id: int):
    """Spend one of the round's votes on a topic."""
    return _vote_action(topic_id, services.cast_vote, lambda: _("Your vote is in."))


@public.post("/topics/<int:topic_id>/unvote")
@_voting_limit
def unvote(topic_id: int):
    """Take a vote back while the round is open."""
    return _vote_action(topic_id, services.withdraw_vote, lambda: _("Your vote is taken back."))


@public.post("/topics/suggest")
@limiter.limit(_suggestion_limit, key_func=_patron_key)
def suggest():
    """Queue a co-creator's topic suggestion for the editors."""
    patron = current_patron()
    if patron is None:
        return _sign_in_redirect()
    form = SuggestionForm()
    round_id = parse_id(form.round_id.data)  # 1..2^31-1, else None ("no such round")
    if form.validate_on_submit():
        try:
            services.suggest_topic(patron, round_id, form.title.data, form.description.data)
        except DomainError as exc:
            db.session.rollback()
            if isinstance(exc, NotAllowed):
                raise
            if not apply_domain_error(form, exc, ignore=("round_id",)):
                flash(exc.message, "error")
                return redirect(url_for("voting.topics"), 303)
        else:
            db.session.commit()
            flash(
                _(
                    "Thank you: your suggestion is with the editors. If they add it to the "
                    "round, it appears here."
                ),
                "success",
            )
            return redirect(url_for("voting.topics"), 303)
    rounds, results = services.topics_page(patron)
    return _render_topics(patron, rounds, results, form, 422, suggestion_round=round_id)
