"""The stand-in's campaign: tiers, members as Patreon's API v2 shows them, and the deliveries
it sent (signed as Patreon signs them)."""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

DEFAULT_TIERS = {
    "9001": {"title": "Supporter", "amount_cents": 300},
    "9002": {"title": "Co-creator", "amount_cents": 800},
}
ATTRIBUTES = (
    "email",
    "full_name",
    "patron_status",
    "currently_entitled_amount_cents",
    "last_charge_status",
    "last_charge_date",
    "next_charge_date",
    "pledge_relationship_start",
    "pledge_cadence",
)
STATUSES = ("active_patron", "declined_patron", "former_patron", None)


def iso(moment: datetime) -> str:
    """A time as Patreon writes it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def month_later(moment: datetime) -> datetime:
    """The same day one month later (the month's last day when shorter)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def sign(body: bytes, secret: str) -> str:
    """X-Patreon-Signature: the hex HMAC-MD5 of the raw body with the webhook's secret."""
    return hmac.new(secret.encode(), body, hashlib.md5).hexdigest()


class Campaign:
    """Members and tiers of one campaign, and a webhook endpoint to tell about changes."""

    def __init__(
        self,
        campaign_id: str = "4242",
        token: str = "standin-token",
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ):
        self.campaign_id, self.token = campaign_id, token
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget every member and delivery; the default tiers again."""
        with self.lock:
            self.tiers = {key: dict(value) for key, value in DEFAULT_TIERS.items()}
            self.members: dict[str, dict] = {}  # member id -> {"user_id", "tier_id", attrs...}
            self.deliveries: list[dict] = []

    # --- members ---------------------------------------------------------------------------

    def find(
        self, member_id: str | None = None, email: str | None = None, user_id: str | None = None
    ) -> dict | None:
        """A member by member id, user id or email."""
        for key, member in self.members.items():
            if (
                key == member_id
                or (user_id and member["user_id"] == user_id)
                or (email and member["email"] == email)
            ):
                return member
        return None

    def change(self, fields: dict, now: datetime | None = None) -> tuple[dict, str]:
        """Create or change a member; (member, the trigger Patreon would send)."""
        now = now or datetime.now(UTC)
        with self.lock:
            member = self.find(fields.get("member_id"), fields.get("email"), fields.get("user_id"))
            created = member is None
            if created:
                member = self._new(fields, now)
            status_before = member["patron_status"]
            for name in ATTRIBUTES:
                if name in fields:
                    member[name] = fields[name]
            if "tier_id" in fields:
                member["tier_id"] = fields["tier_id"] or None
            if fields.get("charge"):  # a charge now: paid, next one a month on
                member.update(
                    last_charge_date=iso(now),
                    last_charge_status="Paid",
                    next_charge_date=iso(month_later(now)),
                )
            tier = self.tiers.get(member["tier_id"] or "")
            if "currently_entitled_amount_cents" not in fields:
                member["currently_entitled_amount_cents"] = (
                    tier["amount_cents"]
                    if tier and member["patron_status"] == "active_patron"
                    else 0
                )
            return member, fields.get("trigger") or self._trigger(created, status_before, member)

    def _new(self, fields: dict, now: datetime) -> dict:
        member_id = fields.get("member_id") or str(uuid.uuid4())
        member = {
            "id": member_id,
            "user_id": fields.get("user_id") or str(len(self.members) + 70001),
            "tier_id": None,
            "email": None,
            "full_name": "",
            "patron_status": None,
            "last_charge_status": None,
            "last_charge_date": None,
            "next_charge_date": None,
            "pledge_relationship_start": iso(now),
            "pledge_cadence": 1,
            "currently_entitled_amount_cents": 0,
        }
        self.members[member_id] = member
        return member

    @staticmethod
    def _trigger(created: bool, status_before, member: dict) -> str:
        if created:
            return "members:pledge:create" if member["patron_status"] else "members:create"
        if member["patron_status"] == "former_patron" and status_before != "former_patron":
            return "members:pledge:delete"
        if member["patron_status"] == "active_patron" and status_before != "active_patron":
            return "members:pledge:create"
        return "members:pledge:update"

    # --- JSON:API documents ------------------------------------------------------------------

    def resource(self, member: dict) -> dict:
        """A member resource as the API shows it."""
        tiers = [{"id": member["tier_id"], "type": "tier"}] if member["tier_id"] else []
        return {
            "type": "member",
            "id": member["id"],
            "attributes": {name: member[name] for name in ATTRIBUTES},
            "relationships": {
                "currently_entitled_tiers": {"data": tiers},
                "user": {"data": {"id": member["user_id"], "type": "user"}},
                "campaign": {"data": {"id": self.campaign_id, "type": "campaign"}},
            },
        }

    def included(self, members: list[dict]) -> list[dict]:
        """The tiers and users the members point at."""
        tier_ids = sorted({m["tier_id"] for m in members if m["tier_id"]})
        found = [
            {"type": "tier", "id": tid, "attributes": dict(self.tiers[tid])}
            for tid in tier_ids
            if tid in self.tiers
        ]
        found += [
            {"type": "user", "id": m["user_id"], "attributes": {"full_name": m["full_name"]}}
            for m in members
        ]
        return found

    def document(self, member: dict) -> dict:
        """A webhook's body: one member with its tiers and user."""
        return {
            "data": self.resource(member),
            "included": self.included([member]),
            "links": {"self": f"https://www.patreon.com/api/oauth2/v2/members/{member['id']}"},
        }

    def page(self, cursor: str | None, count: int) -> dict:
        """One page of the members list, cursor-paged as Patreon pages it."""
        with self.lock:
            members = list(self.members.values())
        start = int(cursor) if cursor and cursor.isdigit() else 0
        chunk = members[start : start + count]
        following = str(start + count) if start + count < len(members) else None
        return {
            "data": [self.resource(m) for m in chunk],
            "included": self.included(chunk),
            "meta": {"pagination": {"total": len(members), "cursors": {"next": following}}},
        }

    # --- webhooks ----------------------------------------------------------------------------

    def deliver(self, trigger: str, body: bytes, secret: str | None = None) -> dict:
        """Send a delivery, signed with the webhook's secret (or `secret`); log and return it."""
        secret = secret or self.webhook_secret or ""
        entry = {
            "n": len(self.deliveries),
            "trigger": trigger,
            "body": body.decode(),
            "status": None,
            "answer": None,
        }
        if self.webhook_url:
            request = urllib.request.Request(  # noqa: S310 - loopback URL given by the developer
                self.webhook_url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "X-Patreon-Event": trigger,
                    "X-Patreon-Signature": sign(body, secret),
                    "User-Agent": "Patreon-Webhooks (stand-in)",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                    entry["status"], entry["answer"] = response.status, response.read().decode()
            except urllib.error.HTTPError as exc:
                entry["status"], entry["answer"] = exc.code, exc.read().decode()
            except OSError as exc:
                entry["answer"] = f"not delivered: {exc}"
        with self.lock:
            self.deliveries.append(entry)
        return entry

    def send_member(self, member: dict, trigger: str) -> dict:
        """Tell the webhook about a member."""
        body = json.dumps(self.document(member), separators=(",", ":")).encode()
        return self.deliver(trigger, body)


def days_ago(days: float, now: datetime | None = None) -> str:
    """An ISO time some days before now (negative: after)."""
    return iso((now or datetime.now(UTC)) - timedelta(days=days))
