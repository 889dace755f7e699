"""A Patreon member as reported (by the CSV export, a webhook or the API), and how it becomes a
patron here with a membership of source "patreon".

Patreon sends no event time and deliveries come late and out of order, so each report is
ordered by what it says: a later pledge start wins, then a later last charge, then the pledge
state (declined < active < former). A report older than what is stored changes nothing.

The membership's state follows the pledge's, by the same rules as a Stripe subscription:
- active: access until the next charge, plus GRACE_DAYS (Patreon charges in batches and tells
  afterwards);
- declined: "past_due", access until the failed charge plus GRACE_DAYS, as for a card that
  failed at Stripe;
- former (or deleted): ended at the end of what was paid (the next charge date, else the last
  paid charge plus the pledge's cadence), access until then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from engagement.accounts.erasure import refuse_to_recreate
from engagement.accounts.models import Patron, normalise_email
from engagement.extensions import db
from engagement.membership.grants import add_months
from engagement.membership.models import Membership
from engagement.patreon.mapping import find_or_add_tier
from engagement.patreon.models import STATES, PatreonMember

SOURCES = ("csv", "webhook", "api")


class Skipped(Exception):
    """The report cannot make or change a membership; the message says why."""


@dataclass
class MemberReport:
    """What one report says about one Patreon member."""

    user_id: str
    state: str  # "declined", "active" or "former"
    email: str | None = None
    full_name: str = ""
    member_id: str | None = None
    amount_cents: int | None = None
    currency: str | None = None
    cadence_months: int = 1
    pledge_start: datetime | None = None
    last_charge_at: datetime | None = None
    last_charge_status: str | None = None
    next_charge_at: datetime | None = None
    tier_id: str | None = None  # Patreon's tier id
    tier_title: str | None = None
    tier_amount_cents: int | None = None
    extra: dict = field(default_factory=dict)

    def order_key(self) -> tuple:
        """What orders two reports about the same member (see the module's docstring)."""
        return _key(self.pledge_start, self.last_charge_at, self.state)


def _key(pledge_start, last_charge_at, state) -> tuple:
    return (pledge_start, last_charge_at, STATES.index(state))


def is_older(report: MemberReport, member: PatreonMember) -> bool:
    """True when the report says less than what is stored (compared where both know)."""
    mine, stored = (
        report.order_key(),
        _key(member.pledge_start, member.last_charge_at, member.state),
    )
    for new, old in zip(mine, stored, strict=True):
        if new is None or old is None or new == old:
            continue
        return new < old
    return False


def find_member(report: MemberReport) -> PatreonMember | None:
    """The stored member this report is about (by Patreon user id, else member id)."""
    member = db.session.scalar(
        select(PatreonMember).where(PatreonMember.patreon_user_id == report.user_id)
    )
    if member is None and report.member_id:
        member = db.session.scalar(
            select(PatreonMember).where(PatreonMember.patreon_member_id == report.member_id)
        )
    return member


def apply_report(
    report: MemberReport, source: str, now: datetime, force: bool = False
) -> tuple[str, PatreonMember | None]:
    """Bring the report into the patron, the member and the membership; flushes.

    Returns (what happened, member): "created", "updated", "unchanged" or "stale" (an older
    report; `force` applies it anyway, for the API's answer, which is the state now). Raises
    Skipped when the report cannot be used, PersonErased for an erased person's old data.
    """
    member = find_member(report)
    if member is not None and not force and is_older(report, member):
        return "stale", member
    if member is None:
        if report.state != "active" and report.last_charge_at is None:
            raise Skipped(_("never paid: no membership to record"))
        member = _new_member(report, now)
        created = True
    else:
        created = False
    before = snapshot(member)
    _copy(member, report, source)
    membership = _membership(member, now)
    _apply_state(membership, member, now)
    db.session.flush()
    if created:
        return "created", member
    return ("updated" if snapshot(member) != before else "unchanged"), member


def _new_member(report: MemberReport, now: datetime) -> PatreonMember:
    if not report.email or "@" not in report.email:
        raise Skipped(_("no email address"))
    email = normalise_email(report.email)
    patron = db.session.scalar(select(Patron).where(Patron.email == email))
    if patron is not None and _live_patreon_membership(patron.id) is not None:
        raise Skipped(_("the patron already has another live Patreon membership"))
    if patron is None:
        refuse_to_recreate(None, email, report.pledge_start or report.last_charge_at)
        patron = Patron(email=email, name=(report.full_name or "")[:200])
        db.session.add(patron)
        db.session.flush()
    member = PatreonMember(patreon_user_id=report.user_id, patron=patron, state=report.state)
    db.session.add(member)
    return member


WATCHED = (
    "state",
    "email",
    "full_name",
    "amount_cents",
    "currency",
    "cadence_months",
    "pledge_start",
    "last_charge_at",
    "last_charge_status",
    "next_charge_at",
    "patreon_tier_id",
    "patreon_member_id",
)


def snapshot(member: PatreonMember) -> dict:
    """The fields a report can change, with the membership's, to tell what changed."""
    membership = member.membership
    shown = {name: getattr(member, name) for name in WATCHED}
    if membership is not None:
        shown.update(
            status=membership.status,
            access_until=membership.access_until,
            ended_at=membership.ended_at,
            tier=membership.tier_id,
        )
    return shown


def _copy(member: PatreonMember, report: MemberReport, source: str) -> None:
    member.state = report.state
    if report.member_id:
        member.patreon_member_id = report.member_id
    if report.email:
        member.email = normalise_email(report.email)
    if report.full_name:
        member.full_name = report.full_name[:200]
    for name in (
        "amount_cents",
        "currency",
        "cadence_months",
        "pledge_start",
        "last_charge_at",
        "last_charge_status",
        "next_charge_at",
    ):
        value = getattr(report, name)
        if value is not None:  # a report that leaves a field out keeps what is known
            setattr(member, name, value)
    if report.tier_id or report.tier_title:
        tier = find_or_add_tier(report.tier_id, report.tier_title, report.tier_amount_cents)
        member.patreon_tier_id = tier.id
        member.patreon_tier = tier
    elif report.state == "active":
        member.patreon_tier_id, member.patreon_tier = None, None
    member.reported_by = source
    if member.patron.name == "" and report.full_name and member.patron.erased_at is None:
        member.patron.name = report.full_name[:200]


def _membership(member: PatreonMember, now: datetime) -> Membership:
    membership = member.membership
    if membership is None:
        if _live_patreon_membership(member.patron_id) is not None:
            raise Skipped(_("the patron already has another live Patreon membership"))
        membership = Membership(
            patron_id=member.patron_id, source="patreon", started_at=member.pledge_start or now
        )
        db.session.add(membership)
        member.membership = membership
    return membership


def _live_patreon_membership(patron_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.patron_id == patron_id,
            Membership.source == "patreon",
            Membership.ended_at.is_(None),
        )
    )


def paid_through(member: PatreonMember) -> datetime | None:
    """When what the member paid runs out: the next charge, else the last paid one plus the
    pledge's cadence."""
    if member.next_charge_at is not None:
        return member.next_charge_at
    if member.last_charge_at is not None and member.last_charge_status in (None, "Paid"):
        return add_months(member.last_charge_at, max(member.cadence_months, 1))
    return member.last_charge_at


def _apply_state(membership: Membership, member: PatreonMember, now: datetime) -> None:
    grace = timedelta(days=current_app.config["GRACE_DAYS"])
    mapped = member.patreon_tier
    membership.tier_id = mapped.tier_id if mapped is not None else None
    # Patreon's member resource carries no currency; an amount is kept only with its currency.
    membership.currency = (member.currency or "").lower()[:3] or None
    membership.amount = member.amount_cents if membership.currency else None
    membership.interval = {1: "month", 12: "year"}.get(member.cadence_months)
    membership.started_at = member.pledge_start or membership.started_at or now
    membership.current_period_end = member.next_charge_at
    membership.cancel_at_period_end = False
    through = paid_through(member)
    if member.state == "active":
        membership.status = "active"
        membership.access_until = (through or add_months(now, 1)) + grace
        membership.ended_at = None
    elif member.state == "declined":
        membership.status = "past_due"
        failed = member.last_charge_at or through or now
        membership.access_until = failed + grace
        membership.ended_at = None
    else:
        membership.status = "canceled"
        end = through or now
        membership.access_until = end
        membership.ended_at = end
