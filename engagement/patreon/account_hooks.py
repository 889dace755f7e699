"""What the Patreon bridge adds elsewhere: a note below a Patreon membership on /account, a
patron's data download and erasure, and its deliveries on /newsroom/webhooks."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, or_, select

from engagement.accounts import account
from engagement.accounts.erasure import Traces
from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership import account_pages, admin_webhooks
from engagement.membership.models import EVENT_OUTCOMES, Membership
from engagement.patreon.blueprints import public
from engagement.patreon.models import PatreonDelivery, PatreonMember

# Attributes of Patreon's member and user resources that are about the person.
PERSONAL = frozenset(
    {
        "email",
        "full_name",
        "first_name",
        "last_name",
        "vanity",
        "url",
        "image_url",
        "thumb_url",
        "about",
        "note",
        "social_connections",
    }
)
SECTION_SIZE = 50


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def members_of(patron: Patron) -> list[PatreonMember]:
    """The patron's Patreon members (usually one)."""
    return list(
        db.session.scalars(
            select(PatreonMember)
            .where(PatreonMember.patron_id == patron.id)
            .order_by(PatreonMember.id)
        )
    )


def _deliveries_of(patron: Patron, members: list[PatreonMember]) -> list[PatreonDelivery]:
    traces = Traces.of(patron.email, None)
    conditions = [
        func.lower(PatreonDelivery.payload).contains(email, autoescape=True)
        for email in traces.emails
    ]
    users = [m.patreon_user_id for m in members]
    ids = [m.patreon_member_id for m in members if m.patreon_member_id]
    if users:
        conditions.append(PatreonDelivery.patreon_user_id.in_(users))
    if ids:
        conditions.append(PatreonDelivery.patreon_member_id.in_(ids))
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(PatreonDelivery).where(or_(*conditions)).order_by(PatreonDelivery.id)
        )
    )


def patreon_data(patron: Patron) -> dict:
    """What the bridge holds about the patron: their Patreon membership and the deliveries."""
    members = members_of(patron)
    return {
        "members": [
            {
                "patreon_user_id": m.patreon_user_id,
                "patreon_member_id": m.patreon_member_id,
                "email": m.email,
                "full_name": m.full_name,
                "state": m.state,
                "tier": m.patreon_tier.label if m.patreon_tier else None,
                "amount_cents": m.amount_cents,
                "currency": m.currency,
                "pledge_start": _iso(m.pledge_start),
                "last_charge_at": _iso(m.last_charge_at),
                "last_charge_status": m.last_charge_status,
                "next_charge_at": _iso(m.next_charge_at),
                "reported_by": m.reported_by,
            }
            for m in members
        ],
        "deliveries": [
            {"trigger": d.trigger, "received_at": _iso(d.received_at), "outcome": d.outcome}
            for d in _deliveries_of(patron, members)
        ],
    }


def _scrub(value: Any, traces: Traces) -> Any:
    if isinstance(value, dict):
        return {
            key: None if key in PERSONAL else _scrub(item, traces) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, traces) for item in value]
    return traces.scrub(value) if isinstance(value, str) else value


def scrubbed_payload(document: Any, traces: Traces | None = None) -> str:
    """A delivery's body without the person's attributes (ids and amounts stay)."""
    return json.dumps(_scrub(document, traces or Traces()), separators=(",", ":"))


def erase_patreon_data(patron: Patron) -> None:
    """Blank the patron's deliveries, forget their Patreon members, end the membership when
    what was paid runs out (nobody can sign in to it any more). Flushes."""
    members = members_of(patron)
    traces = Traces.of(patron.email, patron.name)
    for member in members:
        traces.add(member.email, member.full_name)
    for delivery in _deliveries_of(patron, members):
        try:
            delivery.payload = scrubbed_payload(json.loads(delivery.payload), traces)
        except ValueError:
            delivery.payload = traces.scrub(delivery.payload) or ""
        delivery.error = traces.scrub(delivery.error)
    now = utcnow()
    for membership in db.session.scalars(
        select(Membership).where(
            Membership.patron_id == patron.id,
            Membership.source == "patreon",
            Membership.ended_at.is_(None),
        )
    ):
        membership.status = "canceled"
        membership.ended_at = max(membership.access_until or now, now)
    for member in members:
        db.session.delete(member)
    db.session.flush()


def webhooks_section(outcome: str) -> dict:
    """The latest Patreon deliveries (of one outcome, when filtered) for /newsroom/webhooks."""
    query = select(PatreonDelivery)
    if outcome in EVENT_OUTCOMES:
        query = query.where(PatreonDelivery.outcome == outcome)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(PatreonDelivery.received_at.desc(), PatreonDelivery.id.desc()).limit(
            SECTION_SIZE
        )
    )
    return {
        "template": "patreon/newsroom/_webhooks.html",
        "rows": list(rows),
        "total": total,
        "outcome": outcome,
        "shown": SECTION_SIZE,
    }


account_pages.register_membership_note(public, "patreon", "patreon/_account_membership.html")
account.register_data_section(public, "patreon", patreon_data)
account.register_eraser(public, erase_patreon_data)
admin_webhooks.register_source(public, webhooks_section)
