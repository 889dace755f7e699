"""Tiers, memberships (mirrored from Stripe, or granted), donations and received Stripe events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.accounts.models import Patron
from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db

INTERVALS = ("month", "year")
STATUSES = (
    "active",
    "trialing",
    "past_due",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "unpaid",
    "paused",
)
# Statuses in which a membership still gives access (until `access_until`).
ACCESS_STATUSES = ("active", "trialing", "past_due")
# Statuses after which a subscription never comes back: the membership has ended.
ENDED_STATUSES = ("canceled", "incomplete_expired")
SOURCES = ("stripe", "grant", "patreon")
EVENT_OUTCOMES = ("processed", "ignored", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Tier(db.Model):
    """An offer patrons choose: monthly and/or yearly amount (minor units), and what it grants."""

    __tablename__ = "tiers"
    __table_args__ = (
        CheckConstraint("monthly_amount IS NULL OR monthly_amount > 0", name="monthly_positive"),
        CheckConstraint("yearly_amount IS NULL OR yearly_amount > 0", name="yearly_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    monthly_amount: Mapped[int | None] = mapped_column()  # None: not offered monthly
    yearly_amount: Mapped[int | None] = mapped_column()  # None: not offered yearly
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    grants_voting: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    stripe_product_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_monthly_price_id: Mapped[str | None] = mapped_column(String(255))
    stripe_yearly_price_id: Mapped[str | None] = mapped_column(String(255))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def amount_for(self, interval: str) -> int | None:
        """The amount charged per interval ("month" or "year"), or None when not offered."""
        return self.monthly_amount if interval == "month" else self.yearly_amount

    def price_id_for(self, interval: str) -> str | None:
        """The Stripe price id for that interval, once synced."""
        return self.stripe_monthly_price_id if interval == "month" else self.stripe_yearly_price_id

    def lookup_key(self, interval: str) -> str:
        """The Stripe lookup key that always names this tier's current price for the interval."""
        return f"engagement_{self.slug}_{interval}ly"

    @property
    def needs_sync(self) -> bool:
        """True when Stripe has not seen this tier's current prices."""
        if not self.stripe_product_id:
            return True
        return any(
            self.amount_for(interval) and not self.price_id_for(interval) for interval in INTERVALS
        )


class Membership(db.Model):
    """A patron's subscription to a tier, mirrored from Stripe, or a complimentary grant."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("source", SOURCES), name="source_known"),
        CheckConstraint("interval IS NULL OR " + _in("interval", INTERVALS), name="interval_known"),
        # At most one live (not ended) membership per patron and source.
        Index(
            "uq_memberships_live_per_patron",
            "patron_id",
            "source",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # The dashboard's figures: who started and who stopped in a window (range scans).
        Index("ix_memberships_started_at", "started_at"),
        Index("ix_memberships_ended_at", "ended_at"),
        Index("ix_memberships_access_until", "access_until"),
        Index("ix_memberships_revoked_at", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16), default="stripe")
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_price_id: Mapped[str | None] = mapped_column(String(255))
    interval: Mapped[str | None] = mapped_column(String(8))
    amount: Mapped[int | None] = mapped_column()
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24), default="incomplete")
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    access_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    cancellation_reason: Mapped[str | None] = mapped_column(String(255))
    # Complimentary memberships ("grant"): who granted them, why, and when they were revoked.
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id", ondelete="SET NULL"))
    grant_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    patron: Mapped[Patron] = relationship()
    tier: Mapped[Tier | None] = relationship()

    @property
    def is_live(self) -> bool:
        """True until the membership has ended (canceled, expired or revoked)."""
        return self.ended_at is None

    @property
    def is_grant(self) -> bool:
        """True for a complimentary membership granted by an editor."""
        return self.source == "grant"

    def grants_access(self, at: datetime) -> bool:
        """True when this membership gives its patron access at `at`."""
        if self.is_grant:
            if self.revoked_at is not None and self.revoked_at <= at:
                return False
            if self.started_at is not None and self.started_at > at:
                return False
            return self.access_until is None or self.access_until >= at
        # A paid membership that ends later (a Patreon pledge deleted mid-month ends when what
        # was paid runs out) still counts until then, as at a round's close.
        ends_later = self.ended_at is not None and self.ended_at > at
        if self.status not in ACCESS_STATUSES and not ends_later:
            return False
        return self.access_until is not None and self.access_until >= at


class Donation(db.Model):
    """A one-time payment, and how much of it was refunded."""

    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0", name="refunded_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column()
    currency: Mapped[str] = mapped_column(String(3))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    refunded_amount: Mapped[int] = mapped_column(default=0)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patron: Mapped[Patron] = relationship()

    @property
    def fully_refunded(self) -> bool:
        """True when all of the gift went back."""
        return self.refunded_amount >= self.amount


class StripeEvent(db.Model):
    """A received webhook event, stored by Stripe's id: idempotency, audit and replay."""

    __tablename__ = "stripe_events"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", EVENT_OUTCOMES), name="outcome_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    api_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)


def voting_rights(patron: Patron, at: datetime | None = None) -> bool:
    """True when the patron may vote at `at`: a membership (paid or complimentary) giving access
    at `at` in a tier that grants voting."""
    at = at or utcnow()
    memberships = db.session.scalars(
        select(Membership).where(Membership.patron_id == patron.id)
    ).all()
    for membership in memberships:
        if not membership.grants_access(at):
            continue
        # A grant counts like a paid membership: it gives the vote when its tier does.
        if membership.tier is not None and membership.tier.grants_voting:
            return True
    return False
