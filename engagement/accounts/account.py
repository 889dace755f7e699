"""A patron's own account: what they hold, their data as JSON, and erasing it.

Other features add to a patron's account without this module importing them:
`register_data_section(name, function(patron) -> JSON-able)` adds a key to "download my data",
`register_eraser(function(patron))` removes that feature's personal data on erasure. The
account page includes `templates/account/_votes.html` when the voting feature provides it
(context: `patron`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from engagement.accounts.erasure import bury
from engagement.accounts.magic_links import MagicLink, forget_links
from engagement.accounts.models import Patron, normalise_email
from engagement.database import utcnow
from engagement.extensions import db

DATA_SECTIONS: dict[str, Callable[[Patron], Any]] = {}
ERASERS: list[Callable[[Patron], None]] = []


def register_data_section(name: str, function: Callable[[Patron], Any]) -> None:
    """Add `name` to the patron's data download (registering a name again replaces it)."""
    DATA_SECTIONS[name] = function


def register_eraser(function: Callable[[Patron], None]) -> None:
    """Run `function(patron)` when a patron's personal data is erased (flush, never commit)."""
    if function not in ERASERS:
        ERASERS.append(function)


def memberships_of(patron: Patron) -> list:
    """The patron's memberships, the live ones first, newest first."""
    from engagement.membership.models import Membership

    rows = db.session.scalars(select(Membership).where(Membership.patron_id == patron.id)
                              .order_by(Membership.id.desc())).all()
    return sorted(rows, key=lambda m: m.ended_at is not None)


def donations_of(patron: Patron) -> list:
    """The patron's one-time gifts, newest first."""
    from engagement.membership.models import Donation

    return list(db.session.scalars(select(Donation).where(Donation.patron_id == patron.id)
                                   .order_by(Donation.id.desc())))


def reports_of(patron: Patron) -> list:
    """Correction reports the patron sent: linked to them, or made with their email (any case)."""
    from engagement.corrections.models import Report

    return list(db.session.scalars(select(Report).where(reports_match(patron))
                                   .order_by(Report.id.desc())))


def reports_match(patron: Patron):
    """The SQL condition for the patron's reports: linked to them or sent with their email."""
    from engagement.corrections.models import Report

    matches = [Report.patron_id == patron.id]
    if patron.email:
        matches.append(func.lower(Report.email) == normalise_email(patron.email))
    return or_(*matches)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _membership_data(m) -> dict:
    return {
        "tier": m.tier.name if m.tier else None, "source": m.source, "status": m.status,
        "interval": m.interval, "amount": m.amount, "currency": m.currency,
        "started_at": _iso(m.started_at), "current_period_end": _iso(m.current_period_end),
        "access_until": _iso(m.access_until), "cancel_at_period_end": m.cancel_at_period_end,
        "ended_at": _iso(m.ended_at), "stripe_subscription_id": m.stripe_subscription_id,
        "cancellation_reason": m.cancellation_reason,
    }


def _report_data(r) -> dict:
    return {
        "page_url": r.page_url, "quote": r.quote_exact, "suggestion": r.suggestion,
        "comment": r.comment, "email": r.email, "created_at": _iso(r.created_at),
        "state": r.correction.status if r.correction else None,
    }


def _links_data(patron: Patron) -> list[dict]:
    links = db.session.scalars(select(MagicLink).where(MagicLink.patron_id == patron.id)
                               .order_by(MagicLink.id))
    return [{"created_at": _iso(link.created_at), "expires_at": _iso(link.expires_at),
             "used_at": _iso(link.used_at)} for link in links]


def export_data(patron: Patron) -> dict:
    """Everything the service holds about the patron, as plain JSON values."""
    data = {
        "patron": {"email": patron.email, "name": patron.name,
                   "stripe_customer_id": patron.stripe_customer_id,
                   "created_at": _iso(patron.created_at),
                   "last_sign_in_at": _iso(patron.last_sign_in_at)},
        "memberships": [_membership_data(m) for m in memberships_of(patron)],
        "donations": [{"amount": d.amount, "currency": d.currency,
                       "refunded_amount": d.refunded_amount, "created_at": _iso(d.created_at),
                       "stripe_payment_intent_id": d.stripe_payment_intent_id}
                      for d in donations_of(patron)],
        "reports": [_report_data(r) for r in reports_of(patron)],
        "sign_in_links": _links_data(patron),
    }
    for name, function in DATA_SECTIONS.items():
        data[name] = function(patron)
    return data


def erase_patron(patron: Patron) -> None:
    """Remove the patron's personal data everywhere; keep Stripe ids and amounts for the books.

    Every feature's eraser runs while the email and name are still known (each finds its rows
    by them, in any case); then the patron row loses both, a tombstone keeps the email from
    coming back, and the sign-in links go. Flushes, never commits.
    """
    from engagement.membership.models import Membership

    now = utcnow()
    db.session.execute(update(Membership).where(Membership.patron_id == patron.id)
                       .values(cancellation_reason=None)
                       .execution_options(synchronize_session=False))
    for eraser in ERASERS:
        eraser(patron)
    bury("email", patron.email, now)
    forget_links(patron)
    patron.email = None
    patron.name = ""
    patron.erased_at = now
    db.session.flush()
