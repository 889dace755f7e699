"""What the Patreon bridge stores: Patreon's tiers and how they map to ours, each Patreon member
as last seen, and every webhook delivery received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.accounts.models import Patron
from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db
from engagement.membership.models import EVENT_OUTCOMES, Membership, Tier

# A member's pledge state, in the order that settles two reports with the same dates: a pledge
# declined, then paid again on the same charge date, is paid; a pledge deleted stays deleted.
STATES = ("declined", "active", "former")
PATRON_STATUSES = {
    "declined_patron": "declined",
    "active_patron": "active",
    "former_patron": "former",
}


class PatreonTier(db.Model):
    """A tier of the campaign on Patreon, and the tier of ours it counts as.

    `decided_at` is empty until an admin chose: then `tier_id` names our tier, or is empty for
    "no voting".
    """

    __tablename__ = "patreon_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    patreon_tier_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    amount_cents: Mapped[int | None] = mapped_column()
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tier: Mapped[Tier | None] = relationship()

    @property
    def needs_decision(self) -> bool:
        """True until an admin mapped the tier to one of ours or to "no voting"."""
        return self.decided_at is None

    @property
    def label(self) -> str:
        """How the newsroom names this Patreon tier."""
        return self.title or f"Patreon tier {self.patreon_tier_id}"


class PatreonMember(db.Model):
    """One Patreon user's membership of the campaign, as last reported (CSV, webhook or API)."""

    __tablename__ = "patreon_members"
    __table_args__ = (
        CheckConstraint("state IN ('declined', 'active', 'former')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patreon_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    patreon_member_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("memberships.id", ondelete="SET NULL")
    )
    patreon_tier_id: Mapped[int | None] = mapped_column(
        ForeignKey("patreon_tiers.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(3))
    cadence_months: Mapped[int] = mapped_column(default=1)
    pledge_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_charge_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_charge_status: Mapped[str | None] = mapped_column(String(24))
    next_charge_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(16), default="webhook")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    patron: Mapped[Patron] = relationship()
    membership: Mapped[Membership | None] = relationship()
    patreon_tier: Mapped[PatreonTier | None] = relationship()


class PatreonDelivery(db.Model):
    """A received webhook delivery. Patreon sends no event id: a hash of the trigger and the
    body stands for one, so a delivery sent again is stored once."""

    __tablename__ = "patreon_deliveries"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN (" + ", ".join(repr(o) for o in EVENT_OUTCOMES) + ")",
            name="outcome_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    trigger: Mapped[str] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    patreon_member_id: Mapped[str | None] = mapped_column(String(64), index=True)
    patreon_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
