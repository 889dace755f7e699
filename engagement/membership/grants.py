"""Complimentary memberships: an admin grants a tier to an email, for N months or without end.

A grant is a `Membership` with source "grant", status "active", no Stripe ids and no amount; it
records who granted it and why, and it can be revoked. It gives access (and the vote, when its
tier grants voting) from its start until `access_until` (None: without end) or revocation.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from engagement.accounts.models import Editor, Patron, normalise_email
from engagement.database import utcnow
from engagement.errors import Conflict, InvalidInput, NotFound
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.notifications import enqueue

MAX_MONTHS = 120


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def live_grant(patron: Patron) -> Membership | None:
    """The patron's grant that has not ended, if any."""
    return db.session.scalar(
        select(Membership).where(
            Membership.patron_id == patron.id,
            Membership.source == "grant",
            Membership.ended_at.is_(None),
        )
    )


def grant_membership(
    email: str,
    tier: Tier | None,
    months: int | None,
    reason: str,
    granted_by: Editor,
    now: datetime | None = None,
) -> Membership:
    """Grant `tier` to the patron with `email` (created when unknown) for `months` (None: no end).

    Refuses a bad email, an unknown tier, a month count out of range, an empty reason, and a
    patron who already holds a grant that still gives access.
    """
    now = now or utcnow()
    address = normalise_email(email or "")
    if "@" not in address or len(address) > 254:
        raise InvalidInput(_("Enter a valid email address."), field="email")
    if tier is None:
        raise InvalidInput(_("Choose a tier."), field="tier")
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            _("Give between 1 and %(most)s months, or leave it empty for no end.", most=MAX_MONTHS),
            field="months",
        )
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why (for the record)."), field="reason")
    patron = db.session.scalar(select(Patron).where(Patron.email == address))
    if patron is None:
        patron = Patron(email=address)
        db.session.add(patron)
        db.session.flush()
    existing = live_grant(patron)
    if existing is not None:
        if existing.grants_access(now):
            raise Conflict(
                _("This patron already has a complimentary membership; revoke it first."),
                field="email",
            )
        existing.ended_at = existing.access_until or now  # lapsed: close it
    membership = Membership(
        patron=patron,
        tier=tier,
        source="grant",
        status="active",
        started_at=now,
        access_until=add_months(now, months) if months else None,
        current_period_end=None,
        granted_by_id=granted_by.id,
        grant_reason=reason[:2000],
    )
    db.session.add(membership)
    db.session.flush()
    if patron.erased_at is None:
        enqueue(
            "membership_granted",
            address,
            f"membership-granted:{membership.id}",
            patron=patron,
            membership=membership,
        )
    return membership


def revoke_grant(membership: Membership, now: datetime | None = None) -> Membership:
    """End a complimentary membership now; refuse a Stripe membership or one already ended."""
    if membership is None or not membership.is_grant:
        raise NotFound(_("There is no such complimentary membership."))
    if membership.ended_at is not None:
        raise Conflict(_("This complimentary membership has already ended."))
    now = now or utcnow()
    membership.revoked_at = now
    membership.ended_at = now
    membership.status = "canceled"
    db.session.flush()
    return membership
