"""The editors' side: rounds, topics and their order, suggestions, the close, outcomes, export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.errors import Conflict, InvalidInput, NotFound
from engagement.extensions import db
from engagement.formatting import newsroom_midnight, safe_cell
from engagement.membership.models import Tier
from engagement.notifications import enqueue
from engagement.voting import eligibility
from engagement.voting.models import TRANSITIONS, Ballot, Round, Topic, Vote
from engagement.voting.services import ranking


@dataclass
class RoundData:
    """A round as an editor fills it in, already parsed."""

    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    vote_budget: int
    results_visibility: str
    allow_suggestions: bool
    tier_ids: list[int]


def save_round(round_: Round | None, data: RoundData) -> Round:
    """Create or change a round; times are checked against each other and the round's state."""
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput(_("Give the round a title."), field="title")
    if data.closes_at <= data.opens_at:
        raise InvalidInput(_("The round must close after it opens."), field="closes_at")
    if data.results_visibility not in ("live", "sealed"):
        raise InvalidInput(_("Choose live or sealed results."), field="results_visibility")
    if round_ is None:
        round_ = Round(vote_budget=data.vote_budget)
        db.session.add(round_)
    elif round_.status() == "closed":
        raise Conflict(_("A closed round cannot be changed."))
    elif round_.status() == "open":
        if abs((data.opens_at - round_.opens_at).total_seconds()) >= 60:
            raise InvalidInput(_("An open round keeps its opening time."), field="opens_at")
        data.opens_at = round_.opens_at  # the form shows minutes; keep the stored seconds
    round_.set_budget(data.vote_budget)
    round_.title = title
    round_.description = data.description.strip()
    round_.opens_at, round_.closes_at = data.opens_at, data.closes_at
    round_.results_visibility = data.results_visibility
    round_.allow_suggestions = data.allow_suggestions
    tiers = (
        list(db.session.scalars(select(Tier).where(Tier.id.in_(data.tier_ids))))
        if data.tier_ids
        else []
    )
    if len(tiers) != len(set(data.tier_ids)):
        raise InvalidInput(_("Choose tiers from the list."), field="tier_ids")
    round_.eligible_tiers = tiers
    db.session.flush()
    return round_


def _clean_topic(title: str, description: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the topic a title."), field="title")
    if len(title) > 200:
        raise InvalidInput(_("Keep the title under 200 characters."), field="title")
    return title, (description or "").strip()


def add_topic(round_: Round, title: str, description: str = "") -> Topic:
    """Add a topic at the end of the round's list."""
    if round_.status() == "closed":
        raise Conflict(_("Topics cannot be added to a closed round."))
    title, description = _clean_topic(title, description)
    last = db.session.scalar(select(func.max(Topic.position)).where(Topic.round_id == round_.id))
    topic = Topic(
        round=round_, title=title, description=description, state="open", position=(last or 0) + 1
    )
    db.session.add(topic)
    db.session.flush()
    return topic


def edit_topic(topic: Topic, title: str, description: str) -> None:
    """Change a topic's title and description."""
    topic.title, topic.description = _clean_topic(title, description)
    db.session.flush()


def move_topic(topic: Topic, direction: str) -> None:
    """Swap the topic with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise InvalidInput(_("Move a topic up or down."), field="direction")
    siblings = [t for t in topic.round.topics if t.state not in ("suggested", "merged")]
    for index, sibling in enumerate(siblings):
        sibling.position = index + 1
    index = siblings.index(topic)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = (
            siblings[other].position,
            siblings[index].position,
        )
    db.session.flush()


# --- the close --------------------------------------------------------------------------------


def close_round(round_: Round) -> None:
    """Close an open round now and store the counted votes."""
    round_.close_early()
    db.session.flush()
    tally_round(round_)


def tally_round(round_: Round, at: datetime | None = None) -> None:
    """Store on each topic the votes whose patron was a co-creator at the round's close."""
    if round_.status(at) != "closed":
        raise Conflict(_("A round is counted only once it has closed."))
    counted = dict(
        db.session.execute(
            select(Vote.topic_id, func.count(Vote.id))
            .where(Vote.round_id == round_.id, eligibility.eligible_at_close(round_))
            .group_by(Vote.topic_id)
        ).all()
    )
    for topic in db.session.scalars(select(Topic).where(Topic.round_id == round_.id)):
        topic.counted_votes = counted.get(topic.id, 0)
    round_.tallied_at = at or utcnow()
    db.session.flush()


def tally_due_rounds(now: datetime | None = None) -> int:
    """Count every round whose closing time has passed but is not counted yet (the outbox
    worker's job, `closing.py`; pages never count). Flushes, never commits."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Round).where(
                Round.tallied_at.is_(None),
                (Round.closes_at <= now) | (Round.closed_early_at.is_not(None)),
            )
        )
    )
    for round_ in due:
        tally_round(round_, now)
    return len(due)


# --- suggestions ------------------------------------------------------------------------------


def pending_suggestions() -> list[Topic]:
    """Suggestions waiting for an editor, oldest first."""
    return list(
        db.session.scalars(
            select(Topic).where(Topic.state == "suggested").order_by(Topic.created_at, Topic.id)
        )
    )


def publish_suggestion(topic: Topic, round_: Round | None) -> None:
    """Put a suggestion up for votes in an open or scheduled round."""
    if topic.state != "suggested":
        raise Conflict(_("Only a suggestion can be published into a round."))
    if round_ is None or round_.status() == "closed":
        raise InvalidInput(_("Choose a round that has not closed."), field="round_id")
    last = db.session.scalar(select(func.max(Topic.position)).where(Topic.round_id == round_.id))
    topic.round_id, topic.position = round_.id, (last or 0) + 1
    topic.move_to("open")
    db.session.flush()
    tell_suggester(topic, "suggestion_published", round=round_)


def decline_topic(topic: Topic, reason: str) -> None:
    """Decline a suggestion or a topic, with a reason readers see."""
    topic.move_to("declined", reason=reason)
    db.session.flush()
    tell_suggester(topic, "suggestion_declined")


def merge_topic(topic: Topic, target: Topic | None) -> int:
    """Merge a topic into another: its votes move (one per voter) and its voters are told.

    Returns how many voters were told.
    """
    if (
        target is None
        or target.id == topic.id
        or target.state in ("suggested", "merged", "declined")
    ):
        raise InvalidInput(_("Choose another topic that is open or planned."), field="target_id")
    if topic.round_id and target.round_id != topic.round_id and topic.vote_count:
        raise InvalidInput(
            _("Votes can move only to a topic of the same round."), field="target_id"
        )
    if "merged" not in TRANSITIONS[topic.state]:
        raise Conflict(
            _("A topic that is %(state)s cannot be merged.", state=topic.state_label.lower())
        )
    voters = list(
        db.session.scalars(
            select(Patron).join(Vote, Vote.patron_id == Patron.id).where(Vote.topic_id == topic.id)
        )
    )
    both = select(Vote.patron_id).where(Vote.topic_id == target.id).scalar_subquery()
    doubled = list(
        db.session.scalars(
            select(Vote.patron_id).where(Vote.topic_id == topic.id, Vote.patron_id.in_(both))
        )
    )
    if doubled:
        db.session.execute(
            delete(Vote).where(Vote.topic_id == topic.id, Vote.patron_id.in_(doubled))
        )
        db.session.execute(
            update(Ballot)
            .where(Ballot.round_id == topic.round_id, Ballot.patron_id.in_(doubled))
            .values(used=Ballot.used - 1)
        )
    db.session.execute(
        update(Vote)
        .where(Vote.topic_id == topic.id)
        .values(topic_id=target.id, round_id=target.round_id)
    )
    _recount(target)
    topic.merged_into_id = target.id
    topic.move_to("merged")
    topic.vote_count = 0
    topic.counted_votes = 0 if topic.counted_votes is not None else None
    db.session.flush()
    if target.round is not None and target.round.tallied_at is not None:
        tally_round(target.round)
    tell_suggester(topic, "suggestion_merged", target=target)
    for patron in voters:
        if patron.email and patron.erased_at is None:
            enqueue(
                "topic_merged",
                patron.email,
                f"topic-merged:{topic.id}:{patron.id}",
                patron=patron,
                topic=topic,
                target=target,
            )
    return len(voters)


def tell_suggester(topic: Topic, template: str, **context) -> None:
    """Mail the co-creator who suggested the topic what became of it (once per outcome)."""
    if topic.suggested_by_id is None:
        return
    patron = db.session.get(Patron, topic.suggested_by_id)
    if patron is None or not patron.email or patron.erased_at is not None:
        return
    enqueue(template, patron.email, f"{template}:{topic.id}", patron=patron, topic=topic, **context)


def _recount(topic: Topic) -> None:
    topic.vote_count = (
        db.session.scalar(select(func.count(Vote.id)).where(Vote.topic_id == topic.id)) or 0
    )


# --- outcomes ---------------------------------------------------------------------------------


def _checked_url(url: str | None) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise InvalidInput(
            _("Give the article's full address, starting with https://."), field="published_url"
        )
    return url


def set_outcome(topic: Topic, state: str, *, reason: str = "", url: str | None = None) -> int:
    """Mark what became of a topic after the close; on publishing, mail each voter once.

    Returns how many mails were queued.
    """
    if topic.round is None or topic.round.status() != "closed":
        raise Conflict(_("Outcomes are set once the round has closed."), field="state")
    if state == "published":
        url = _checked_url(url)
    topic.move_to(state, reason=reason, url=url)
    db.session.flush()
    if state != "published":
        return 0
    queued = 0
    voters = db.session.scalars(
        select(Patron)
        .join(Vote, Vote.patron_id == Patron.id)
        .where(Vote.topic_id == topic.id)
        .order_by(Patron.id)
    )
    for patron in voters:
        if not patron.email or patron.erased_at is not None:
            continue
        if (
            enqueue(
                "topic_published",
                patron.email,
                f"topic-published:{topic.id}:{patron.id}",
                patron=patron,
                topic=topic,
                round=topic.round,
            )
            is not None
        ):
            queued += 1
    return queued


def export_csv(round_: Round) -> str:
    """The round's topics as CSV: rank, topic, votes, counted votes, state, article."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "topic", "votes", "counted_votes", "state", "published_url"])
    for rank, topic in enumerate(ranking(round_), start=1):
        writer.writerow(
            [
                rank,
                safe_cell(topic.title),
                topic.vote_count,
                "" if topic.counted_votes is None else topic.counted_votes,
                topic.state,
                safe_cell(topic.published_url or ""),
            ]
        )
    return out.getvalue()


def panel_figures(now: datetime | None = None) -> dict:
    """Open rounds, votes cast today (the newsroom's day) and suggestions waiting."""
    now = now or utcnow()
    midnight = newsroom_midnight(now)
    open_count = (
        db.session.scalar(
            select(func.count(Round.id)).where(
                Round.opens_at <= now, Round.closes_at > now, Round.closed_early_at.is_(None)
            )
        )
        or 0
    )
    today = db.session.scalar(select(func.count(Vote.id)).where(Vote.created_at >= midnight)) or 0
    pending = db.session.scalar(select(func.count(Topic.id)).where(Topic.state == "suggested")) or 0
    return {"open_rounds": open_count, "votes_today": today, "pending_suggestions": pending}


def get_round(round_id: int) -> Round:
    """The round, or NotFound."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise NotFound(_("There is no such round."))
    return round_


def get_topic(topic_id: int) -> Topic:
    """The topic, or NotFound."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(_("There is no such topic."))
    return topic
