"""Patreon's API v2 member documents (JSON:API), as webhooks send them and the members list
pages them, read into `MemberReport`s."""

from __future__ import annotations

from datetime import UTC, datetime

from engagement.patreon.members import MemberReport
from engagement.patreon.models import PATRON_STATUSES

DELETING_TRIGGERS = ("members:delete", "members:pledge:delete")
MAX_CENTS = 10**9
MIN_YEAR, MAX_YEAR = 2000, 2200


class Malformed(ValueError):
    """The document does not have the shape of a Patreon member."""


def parse_time(value) -> datetime | None:
    """An ISO 8601 time as Patreon writes it, as aware UTC; None when empty."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise Malformed(f"not a time: {str(value)[:40]!r}")
    text = value.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Malformed(f"not a time: {value!r}") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # room for months and grace days on top
        raise Malformed(f"a time out of range: {value!r}")
    return moment


def _cents(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_CENTS:
        raise Malformed(f"not an amount in cents: {str(value)[:40]!r}")
    return value


def _text(value, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Malformed("a text attribute is not text")
    return value.strip()[:limit]


def _related_ids(resource: dict, name: str) -> list[str]:
    data = ((resource.get("relationships") or {}).get(name) or {}).get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return []
    return [str(item["id"]) for item in data if isinstance(item, dict) and item.get("id")]


def _tier(member: dict, included: list) -> dict | None:
    ids = set(_related_ids(member, "currently_entitled_tiers"))
    tiers = [
        item
        for item in included
        if isinstance(item, dict) and item.get("type") == "tier" and str(item.get("id")) in ids
    ]
    if not tiers and ids:
        return {"id": sorted(ids)[0], "attributes": {}}
    if not tiers:
        return None
    return max(tiers, key=lambda t: (t.get("attributes") or {}).get("amount_cents") or 0)


def _state(attributes: dict, trigger: str | None) -> str:
    if trigger in DELETING_TRIGGERS:
        return "former"
    status = attributes.get("patron_status")
    if status is None:
        return "former"  # no pledge (any more): a follower, or a pledge gone
    if status not in PATRON_STATUSES:
        raise Malformed(f"unknown patron_status {str(status)[:40]!r}")
    return PATRON_STATUSES[status]


def member_report(
    member: dict, included: list | None = None, trigger: str | None = None
) -> MemberReport:
    """The report one member resource (with the document's `included`) makes."""
    if not isinstance(member, dict) or member.get("type") != "member" or not member.get("id"):
        raise Malformed("data is not a member")
    attributes = member.get("attributes")
    if not isinstance(attributes, dict):
        raise Malformed("data.attributes is not an object")
    included = included if isinstance(included, list) else []
    users = _related_ids(member, "user")
    tier = _tier(member, included)
    tier_attributes = (tier or {}).get("attributes") or {}
    cadence = attributes.get("pledge_cadence")
    return MemberReport(
        user_id=users[0] if users else f"member:{member['id']}",
        member_id=str(member["id"])[:64],
        state=_state(attributes, trigger),
        email=_text(attributes.get("email"), 254),
        full_name=_text(attributes.get("full_name"), 200) or "",
        amount_cents=_cents(attributes.get("currently_entitled_amount_cents")),
        currency=_text(attributes.get("currency"), 3),
        cadence_months=cadence if isinstance(cadence, int) and 0 < cadence <= 12 else 1,
        pledge_start=parse_time(attributes.get("pledge_relationship_start")),
        last_charge_at=parse_time(attributes.get("last_charge_date")),
        last_charge_status=_text(attributes.get("last_charge_status"), 24),
        next_charge_at=parse_time(attributes.get("next_charge_date")),
        tier_id=str(tier["id"])[:64] if tier else None,
        tier_title=_text(tier_attributes.get("title"), 200),
        tier_amount_cents=_cents(tier_attributes.get("amount_cents")),
    )


def document_report(document, trigger: str | None = None) -> MemberReport:
    """The report a webhook's body (one member document) makes."""
    if not isinstance(document, dict):
        raise Malformed("the body is not a JSON object")
    return member_report(document.get("data"), document.get("included"), trigger)
