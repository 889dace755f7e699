"""`flask patreon reconcile`: the campaign's members as Patreon lists them now, applied over
what webhooks and imports left, and what changed in words (nothing changed: no line)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engagement.accounts.erasure import PersonErased
from engagement.extensions import db
from engagement.patreon.documents import Malformed, member_report
from engagement.patreon.members import Skipped, apply_report, find_member, snapshot
from engagement.patreon.models import PatreonMember

SHOWN = (
    "state",
    "status",
    "tier",
    "amount_cents",
    "access_until",
    "ended_at",
    "last_charge_at",
    "next_charge_at",
    "email",
)


def _show(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def reconcile_member(member: dict, included: list[dict], now: datetime) -> list[str]:
    """Apply one member as the API lists it (the state now, so it wins over any stored
    report); lines saying what changed."""
    try:
        report = member_report(member, included)
    except Malformed as exc:
        return [f"member {str(member.get('id'))[:64]}: not understood ({exc}); left alone"]
    stored = find_member(report)
    before = snapshot(stored) if stored is not None else None
    who = f"Patreon user {report.user_id}"
    try:
        result, found = apply_report(report, "api", now, force=True)
    except (Skipped, PersonErased) as exc:
        return [] if before is None else [f"{who}: {exc}; left alone"]
    if result == "created":
        return [
            f"{who} ({found.patron.display}): created, {found.state}, membership "
            f"{found.membership.status if found.membership else 'none'}"
        ]
    after = snapshot(found)
    return [
        f"{who} ({found.patron.display}): {name} {_show(before.get(name))} -> "
        f"{_show(after.get(name))}"
        for name in SHOWN
        if before.get(name) != after.get(name)
    ]


def missing_on_patreon(seen_user_ids: set[str]) -> list[str]:
    """Stored members with a live membership that Patreon did not list (left for an editor)."""
    rows = db.session.scalars(select(PatreonMember).where(PatreonMember.state != "former"))
    return [
        f"Patreon user {m.patreon_user_id} ({m.patron.display}): not listed by Patreon; "
        "left as it is"
        for m in rows
        if m.patreon_user_id not in seen_user_ids
    ]
