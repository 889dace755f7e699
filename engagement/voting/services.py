"""Casting and taking back votes, suggestions, and what /topics and /account show.

Races are settled by the database (see casting.py): a vote first spends one unit of the
co-creator's `Ballot` with a conditional upsert (`used < budget`), which on PostgreSQL locks that
row until the transaction ends, then inserts the `Vote`, which the unique (patron, topic)
constraint guards; a refused vote gives its unit back, so the ballot stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.engine import Connection

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.errors import InvalidInput, NotAllowed
from engagement.extensions import db
from engagement.notifications import notify_editors
from engagement.voting import casting, eligibility
from engagement.voting.models import Round, Topic, Vote


def cast_vote(
    patron_id: int,
    topic_id: int,
    conn: Connection | None = None,
    session_version: int | None = None,
) -> casting.Counted:
    """Vote for a topic; returns the votes the patron has left in the round (and the count).

    On `conn` (else the ORM session's connection); with `session_version`, the patron's
    session is checked in the same statement (casting.SessionOver)."""
    counted = casting.cast(
        conn or db.session.connection(), patron_id, topic_id, utcnow(), session_version
    )
    _expire(topic_id)
    return counted


def withdraw_vote(
    patron_id: int,
    topic_id: int,
    conn: Connection | None = None,
    session_version: int | None = None,
) -> casting.Counted:
    """Take back a vote while the round is open; returns the votes the patron has left."""
    counted = casting.withdraw(
        conn or db.session.connection(), patron_id, topic_id, utcnow(), session_version
    )
    _expire(topic_id)
    return counted


def _expire(topic_id: int) -> None:
    # Written with Core: a Topic object already in the session would show the old count.
    # No session made for the asking (the vote's own view has none).
    if not db.session.registry.has():
        return
    topic = db.session.identity_map.get(db.session.identity_key(Topic, topic_id))
    if topic is not None:
        db.session.expire(topic, ["vote_count"])


def suggest_topic(patron: Patron, round_id: int | None, title: str, description: str) -> Topic:
    """Queue a co-creator's suggestion for the editors, who publish, decline or merge it."""
    round_ = db.session.get(Round, round_id) if round_id else None
    if round_ is None or not round_.is_open():
        raise InvalidInput(_("Choose a round that is open."), field="round_id")
    if not round_.allow_suggestions:
        raise NotAllowed(_("This round does not take suggestions."), field="round_id")
    if not eligibility.may_vote(patron, round_):
        raise NotAllowed(_("Only co-creators of this round can suggest topics."))
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Say what the topic is."), field="title")
    if len(title) > 200:
        raise InvalidInput(_("Keep the title under 200 characters."), field="title")
    if len(description or "") > 4000:
        raise InvalidInput(_("Keep the description under 4000 characters."), field="description")
    topic = Topic(
        round_id=round_.id,
        title=title,
        description=(description or "").strip(),
        state="suggested",
        suggested_by_id=patron.id,
        position=0,
    )
    db.session.add(topic)
    db.session.flush()
    round_title = round_.title
    notify_editors(
        "suggestion",
        "topic_suggested",
        f"topic-suggested:{topic.id}",
        summary=lambda: _(
            "Topic suggested for “%(round)s”: %(title)s", round=round_title, title=title
        ),
        url="/newsroom/suggestions",
        topic=topic,
        round=round_,
    )
    return topic


# --- what /topics shows ---------------------------------------------------------------------


@dataclass
class RoundView:
    """A round as one reader sees it."""

    round: Round
    topics: list[Topic]
    show_counts: bool
    may_vote: bool = False
    remaining: int = 0
    voted: set[int] = field(default_factory=set)


def open_rounds(with_tiers: bool = True) -> list[Round]:
    """Rounds open for votes now, soonest close first (with their tiers, unless told not to)."""
    now = utcnow()
    query = select(Round).where(
        Round.opens_at <= now, Round.closes_at > now, Round.closed_early_at.is_(None)
    )
    if with_tiers:
        query = query.options(db.selectinload(Round.eligible_tiers))
    return list(db.session.scalars(query.order_by(Round.closes_at, Round.id)))


def recent_results(limit: int = 3) -> list[Round]:
    """The last closed (and tallied) rounds, newest first."""
    return list(
        db.session.scalars(
            select(Round)
            .where(Round.tallied_at.is_not(None))
            .order_by(Round.tallied_at.desc(), Round.id.desc())
            .limit(limit)
        )
    )


def _topics_by_round(round_ids: list[int], states: tuple[str, ...]) -> dict[int, list[Topic]]:
    grouped: dict[int, list[Topic]] = {rid: [] for rid in round_ids}
    if round_ids:
        for topic in db.session.scalars(
            select(Topic)
            .where(Topic.round_id.in_(round_ids), Topic.state.in_(states))
            .order_by(Topic.position, Topic.id)
        ):
            grouped[topic.round_id].append(topic)
    return grouped


SORTS = ("votes", "newest")


def open_topics(round_: Round) -> list[Topic]:
    """The round's topics open for votes, in the editors' order."""
    return _topics_by_round([round_.id], ("open",))[round_.id]


def sort_topics(topics: list[Topic], sort: str) -> list[Topic]:
    """Topics by "votes" (most first), "newest" (latest in the round first), else as given."""
    if sort == "votes":
        return sorted(topics, key=lambda t: (-t.vote_count, t.position, t.id))
    if sort == "newest":
        return sorted(topics, key=lambda t: (t.state_changed_at, t.id), reverse=True)
    return list(topics)


def topics_page(
    patron: Patron | None, fill: bool = True
) -> tuple[list[RoundView], list[tuple[Round, list]]]:
    """Open rounds as this reader sees them (`fill=False`: without their ballot), and the
    results of recently closed rounds.

    A fixed number of queries, whatever the number of votes: the counts are counters on topics.
    """
    rounds = open_rounds(with_tiers=patron is not None)  # anonymous readers see no tiers
    topics = _topics_by_round([r.id for r in rounds], ("open",))
    views = [RoundView(r, topics[r.id], r.results_visible()) for r in rounds]
    if patron is not None and views and fill:
        _fill_patron(views, patron)
    closed = recent_results()
    shown = ("open", "planned", "in_progress", "published", "declined")
    closed_topics = _topics_by_round([r.id for r in closed], shown)
    results = [(r, ranking(r, closed_topics[r.id])) for r in closed]
    return views, results


def _fill_patron(views: list[RoundView], patron: Patron) -> None:
    ids = [view.round.id for view in views]
    voted = db.session.execute(
        select(Vote.round_id, Vote.topic_id).where(
            Vote.patron_id == patron.id, Vote.round_id.in_(ids)
        )
    ).all()
    memberships = eligibility._memberships(patron)
    now = utcnow()
    for view in views:
        view.voted = {topic_id for round_id, topic_id in voted if round_id == view.round.id}
        view.may_vote = any(eligibility._membership_counts(m, view.round, now) for m in memberships)
        view.remaining = max(view.round.vote_budget - len(view.voted), 0)


def ranking(round_: Round, topics: list[Topic] | None = None) -> list[Topic]:
    """Topics by counted votes, then raw votes, then the editors' order, then title."""
    if topics is None:
        topics = list(
            db.session.scalars(
                select(Topic).where(
                    Topic.round_id == round_.id, Topic.state.notin_(("suggested", "merged"))
                )
            )
        )
    return sorted(
        topics,
        key=lambda t: (
            -(t.counted_votes if t.counted_votes is not None else t.vote_count),
            -t.vote_count,
            t.position,
            t.title.casefold(),
            t.id,
        ),
    )


@dataclass
class MyVote:
    """One of a patron's votes and what it led to."""

    topic: Topic
    round: Round
    state: str
    published_url: str | None
    counted: bool | None  # None while the round is open


def votes_for_patron(patron: Patron) -> list[MyVote]:
    """Every vote the patron cast, newest round first, with its topic's outcome."""
    rows = db.session.execute(
        select(Vote, Topic, Round)
        .join(Topic, Topic.id == Vote.topic_id)
        .join(Round, Round.id == Vote.round_id)
        .where(Vote.patron_id == patron.id)
        .order_by(Round.closes_at.desc(), Topic.position, Topic.id)
    ).all()
    result = []
    for _vote, topic, round_ in rows:
        final = topic.merged_into if topic.state == "merged" and topic.merged_into else topic
        counted = None
        if round_.status() == "closed":
            counted = eligibility.may_vote(patron, round_, round_.closed_at)
        result.append(MyVote(final, round_, final.state, final.published_url, counted))
    return result
