"""The editors' queue of co-creators' suggestions: publish into a round, decline, or merge."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from engagement.accounts.auth import editor_required
from engagement.database import utcnow
from engagement.edge import parse_id
from engagement.errors import DomainError
from engagement.extensions import db
from engagement.newsroom.confirm import confirm
from engagement.voting import curation
from engagement.voting.blueprints import newsroom
from engagement.voting.models import Round, Topic, Vote


def _id(name: str) -> int | None:
    return parse_id(request.form.get(name, ""))  # 1..2^31-1, else None


def _render(status: int = 200, errors: dict | None = None):
    now = utcnow()
    rounds = list(
        db.session.scalars(
            select(Round)
            .where(Round.closes_at > now, Round.closed_early_at.is_(None))
            .order_by(Round.opens_at)
        )
    )
    targets = list(
        db.session.scalars(
            select(Topic)
            .where(Topic.state.in_(("open", "planned", "in_progress")))
            .order_by(Topic.round_id, Topic.position)
        )
    )
    return render_template(
        "voting/newsroom/suggestions.html",
        suggestions=curation.pending_suggestions(),
        rounds=rounds,
        targets=targets,
        errors=errors or {},
        values=request.form if status != 200 else {},
    ), status


@newsroom.get("/suggestions")
@editor_required
def suggestions():
    """Suggestions waiting for an editor."""
    return _render()


def _act(topic_id: int, action, done):
    # `done(title)`: what to flash once the action is taken, in the editor's language.
    topic = curation.get_topic(topic_id)
    try:
        action(topic)
    except DomainError as exc:
        db.session.rollback()
        if request.form.get("back") == "round" and topic.round_id:
            flash(exc.message, "error")
            return redirect(url_for("voting_newsroom.round_detail", round_id=topic.round_id), 303)
        return _render(exc.status, errors={topic_id: exc.fields or {"action": exc.message}})
    db.session.commit()
    flash(done(topic.title), "success")
    if request.form.get("back") == "round" and topic.round_id:
        return redirect(url_for("voting_newsroom.round_detail", round_id=topic.round_id), 303)
    return redirect(url_for("voting_newsroom.suggestions"), 303)


@newsroom.post("/suggestions/<int:topic_id>/publish")
@editor_required
def suggestion_publish(topic_id: int):
    """Put a suggestion up for votes in a round."""
    round_id = _id("round_id")
    return _act(
        topic_id,
        lambda t: curation.publish_suggestion(
            t, db.session.get(Round, round_id) if round_id else None
        ),
        lambda title: _("“%(title)s” is now up for votes.", title=title),
    )


@newsroom.post("/topics/<int:topic_id>/decline")
@editor_required
def topic_decline(topic_id: int):
    """Decline a suggestion or topic with a reason readers see."""
    reason = request.form.get("reason", "")
    return _act(
        topic_id,
        lambda t: curation.decline_topic(t, reason),
        lambda title: _("Declined “%(title)s”.", title=title),
    )


@newsroom.get("/topics/<int:topic_id>/merge")
@editor_required
def topic_merge_confirm(topic_id: int):
    """What merging the topic does (votes move, voters are mailed): the page that asks first."""
    topic = curation.get_topic(topic_id)
    target_id = parse_id(request.args.get("target_id", ""))
    target = db.session.get(Topic, target_id) if target_id else None
    back_round = request.args.get("back") == "round" and topic.round_id
    back = (
        url_for("voting_newsroom.round_detail", round_id=topic.round_id)
        if back_round
        else url_for("voting_newsroom.suggestions")
    )
    if target is None or target.id == topic.id:
        flash(_("Choose another topic to merge into."), "error")
        return redirect(back, 303)
    voters = (
        db.session.scalar(
            select(func.count(func.distinct(Vote.patron_id))).where(Vote.topic_id == topic.id)
        )
        or 0
    )
    lines = [
        _(
            "“%(title)s” becomes part of “%(target)s” and leaves the list.",
            title=topic.title,
            target=target.title,
        ),
        ngettext(
            "Its %(num)s vote moves to “%(target)s” (a voter who voted for both keeps one vote).",
            "Its %(num)s votes move to “%(target)s” (a voter who voted for both keeps one vote).",
            topic.vote_count,
            target=target.title,
        ),
        ngettext(
            "%(num)s voter will get a mail saying where their vote went.",
            "%(num)s voters will get a mail saying where their vote went.",
            voters,
        ),
    ]
    return confirm(
        _("Merge “%(title)s” into “%(target)s”?", title=topic.title, target=target.title),
        lines,
        url_for("voting_newsroom.topic_merge", topic_id=topic.id),
        _("Merge and tell the voters"),
        back,
        [("target_id", str(target.id)), ("back", "round" if back_round else "")],
    )


@newsroom.post("/topics/<int:topic_id>/merge")
@editor_required
def topic_merge(topic_id: int):
    """Merge a topic into another; its votes move and its voters are told."""
    target_id = _id("target_id")
    return _act(
        topic_id,
        lambda t: curation.merge_topic(t, db.session.get(Topic, target_id) if target_id else None),
        lambda title: _("Merged “%(title)s”.", title=title),
    )
