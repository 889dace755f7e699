"""Rounds of topics, co-creators' votes, and each co-creator's budget in a round."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.database import UTCDateTime, utcnow
from engagement.errors import Conflict, InvalidInput
from engagement.extensions import db
from engagement.membership.models import Tier

VISIBILITIES = ("live", "sealed")
TOPIC_STATES = ("suggested", "open", "planned", "in_progress", "published", "declined", "merged")
# Where each state may go next; "merged" is reached only through merging.
TRANSITIONS = {
    "suggested": {"open", "declined", "merged"},
    "open": {"planned", "in_progress", "published", "declined", "merged"},
    "planned": {"in_progress", "published", "declined"},
    "in_progress": {"published", "declined", "planned"},
    "published": set(),
    "declined": set(),
    "merged": set(),
}
STATE_LABELS = {
    "suggested": lazy_gettext("Suggested"),
    "open": lazy_gettext("Open for votes"),
    "planned": lazy_gettext("Planned"),
    "in_progress": lazy_gettext("In progress"),
    "published": lazy_gettext("Published"),
    "declined": lazy_gettext("Declined"),
    "merged": lazy_gettext("Merged"),
}
# A round's status (Round.status) and its results' visibility, as the editors read them.
ROUND_STATUS_LABELS = {
    "scheduled": lazy_gettext("Scheduled"),
    "open": lazy_gettext("Open"),
    "closed": lazy_gettext("Closed"),
}
VISIBILITY_LABELS = {"live": lazy_gettext("Live"), "sealed": lazy_gettext("Sealed")}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


round_tiers = Table(
    "round_tiers",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("tier_id", ForeignKey("tiers.id", ondelete="CASCADE"), primary_key=True),
)


class Round(db.Model):
    """A voting round: when it opens and closes, votes per co-creator, who may vote."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("vote_budget >= 1", name="budget_positive"),
        CheckConstraint(_in("results_visibility", VISIBILITIES), name="visibility_known"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set once the counted votes (eligibility at the close) are stored on the topics.
    tallied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vote_budget: Mapped[int] = mapped_column(default=3)
    results_visibility: Mapped[str] = mapped_column(String(8), default="live")
    allow_suggestions: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    eligible_tiers: Mapped[list[Tier]] = relationship(secondary=round_tiers, order_by=Tier.position)
    topics: Mapped[list[Topic]] = relationship(
        back_populates="round", order_by="Topic.position, Topic.id"
    )

    @property
    def closed_at(self) -> datetime:
        """When voting ends (or ended): the early close, else the planned one."""
        return self.closed_early_at or self.closes_at

    def status(self, at: datetime | None = None) -> str:
        """ "scheduled", "open" or "closed" at `at`."""
        at = at or utcnow()
        if at >= self.closed_at:
            return "closed"
        return "open" if at >= self.opens_at else "scheduled"

    def is_open(self, at: datetime | None = None) -> bool:
        """True while co-creators may vote."""
        return self.status(at) == "open"

    def results_visible(self, at: datetime | None = None) -> bool:
        """Counts show while open only when results are live; always after the close."""
        return self.results_visibility == "live" or self.status(at) == "closed"

    def open_now(self, at: datetime | None = None) -> None:
        """Open a scheduled round at once."""
        at = at or utcnow()
        if self.status(at) != "scheduled":
            raise Conflict(_("Only a round that has not opened yet can be opened now."))
        self.opens_at = at

    def close_early(self, at: datetime | None = None) -> None:
        """End voting now, before the planned close."""
        at = at or utcnow()
        if self.status(at) != "open":
            raise Conflict(_("Only an open round can be closed early."))
        self.closed_early_at = at

    def set_budget(self, budget: int) -> None:
        """Change the votes per co-creator; never below 1, never lowered once voting began."""
        if budget < 1:
            raise InvalidInput(_("Give each co-creator at least one vote."), field="vote_budget")
        if budget < self.vote_budget and self.status() != "scheduled":
            raise InvalidInput(
                _("The budget cannot be lowered once the round has opened."), field="vote_budget"
            )
        self.vote_budget = budget


class Topic(db.Model):
    """A candidate subject: suggested by a co-creator or added by an editor, voted on, covered."""

    __tablename__ = "topics"
    __table_args__ = (
        CheckConstraint(_in("state", TOPIC_STATES), name="state_known"),
        CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
        CheckConstraint(
            "state <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"
        ),
        Index("ix_topics_round_id_state", "round_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    suggested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrons.id", ondelete="SET NULL")
    )
    public_reason: Mapped[str] = mapped_column(Text, default="")
    published_url: Mapped[str | None] = mapped_column(String(2000))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    vote_count: Mapped[int] = mapped_column(default=0)
    counted_votes: Mapped[int | None] = mapped_column()  # stored at the close
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round | None] = relationship(back_populates="topics")
    merged_into: Mapped[Topic | None] = relationship(remote_side="Topic.id")

    @property
    def state_label(self) -> str:
        """The state in the newsroom's words."""
        return str(STATE_LABELS[self.state])

    def move_to(self, state: str, *, reason: str = "", url: str | None = None) -> None:
        """Change state, refusing moves the lifecycle does not allow."""
        if state not in TOPIC_STATES:
            raise InvalidInput(_("Choose a known state."), field="state")
        if state not in TRANSITIONS[self.state]:
            raise Conflict(
                _(
                    "A topic that is %(now)s cannot become %(next)s.",
                    now=STATE_LABELS[self.state].lower(),
                    next=STATE_LABELS[state].lower(),
                ),
                field="state",
            )
        if state == "declined" and not reason.strip():
            raise InvalidInput(_("Give readers a reason for declining."), field="reason")
        if state == "published" and not url:
            raise InvalidInput(_("Give the published article's address."), field="published_url")
        self.state = state
        self.state_changed_at = utcnow()
        if state == "declined":
            self.public_reason = reason.strip()
        if state == "published":
            self.published_url = url


class Vote(db.Model):
    """One co-creator's vote for one topic."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("patron_id", "topic_id"),
        Index("ix_votes_topic_id", "topic_id"),
        Index("ix_votes_round_id_patron_id", "round_id", "patron_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Ballot(db.Model):
    """How many of the round's votes a co-creator has used: the row races are settled on."""

    __tablename__ = "ballots"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    patron_id: Mapped[int] = mapped_column(
        ForeignKey("patrons.id", ondelete="CASCADE"), primary_key=True
    )
    used: Mapped[int] = mapped_column(default=0)
