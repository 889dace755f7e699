"""Patreon's webhook deliveries: signed with HMAC-MD5, stored once by a hash of the trigger and
the body, applied in one transaction each."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engagement.accounts.erasure import PersonErased
from engagement.database import utcnow
from engagement.extensions import db
from engagement.patreon.documents import Malformed, document_report
from engagement.patreon.members import Skipped, apply_report
from engagement.patreon.models import PatreonDelivery

log = logging.getLogger(__name__)

TRIGGERS = (
    "members:create",
    "members:update",
    "members:delete",
    "members:pledge:create",
    "members:pledge:update",
    "members:pledge:delete",
)


class BadSignature(Exception):
    """The delivery is not signed with a configured secret."""


def sign(body: bytes, secret: str) -> str:
    """The X-Patreon-Signature of a body: the hex HMAC-MD5 of the raw bytes with the secret."""
    return hmac.new(secret.encode(), body, hashlib.md5).hexdigest()


def verify(body: bytes, signature: str | None, secrets: list[str]) -> None:
    """Raise BadSignature unless one of the secrets signed the body (compared in constant
    time, every secret tried)."""
    if not secrets:
        raise BadSignature("no PATREON_WEBHOOK_SECRET is configured")
    if not signature:
        raise BadSignature("the X-Patreon-Signature header is missing")
    given = signature.strip().lower().encode()
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(sign(body, secret).encode(), given)
    if not matched:
        raise BadSignature("the signature does not match the body")


def digest_of(trigger: str, body: bytes) -> str:
    """What stands in for an event id: SHA-256 of the trigger and the raw body."""
    return hashlib.sha256(trigger.encode() + b"\n" + body).hexdigest()


def receive(trigger: str, body: bytes) -> tuple[int, str]:
    """Store and apply one verified delivery; (HTTP status, outcome). Commits."""
    trigger = (trigger or "").strip()[:64]
    digest = digest_of(trigger, body)
    row = db.session.scalar(select(PatreonDelivery).where(PatreonDelivery.digest == digest))
    if row is not None and row.outcome != "failed":
        return 200, "duplicate"
    if row is None:
        row = PatreonDelivery(digest=digest, trigger=trigger)
        db.session.add(row)
    row.payload = body.decode("utf-8", errors="replace")
    return _apply_row(row, body)


def _apply_row(row: PatreonDelivery, body: bytes) -> tuple[int, str]:
    digest, trigger = row.digest, row.trigger
    row.outcome, row.error = None, None
    try:
        status, row.outcome, row.error = _handle(row, trigger, body)
        row.processed_at = utcnow()
        db.session.commit()
        return status, row.outcome
    except IntegrityError:
        db.session.rollback()
        if _already_stored(digest):
            return 200, "duplicate"
        return _failed(digest, trigger, body, "conflicting write; Patreon will retry")
    except Exception as exc:  # noqa: BLE001 - any handler error: roll back, answer 500, retry
        db.session.rollback()
        log.exception("patreon delivery %s (%s) failed", digest[:12], trigger)
        return _failed(digest, trigger, body, f"{type(exc).__name__}: {exc}")


def _handle(row: PatreonDelivery, trigger: str, body: bytes) -> tuple[int, str, str | None]:
    if trigger not in TRIGGERS:
        return 200, "ignored", "trigger not handled"
    try:
        document = json.loads(body)
        report = document_report(document, trigger)
    except (ValueError, Malformed) as exc:
        return 400, "failed", f"malformed delivery: {exc}"[:2000]
    row.patreon_member_id, row.patreon_user_id = report.member_id, report.user_id[:64]
    try:
        result, _member = apply_report(report, "webhook", utcnow())
    except PersonErased as exc:
        from engagement.patreon.account_hooks import scrubbed_payload

        row.payload = scrubbed_payload(document)
        return 200, "ignored", str(exc)
    except Skipped as exc:
        return 200, "ignored", str(exc)
    if result == "stale":
        return 200, "ignored", "older than what is stored (arrived out of order)"
    return 200, "processed", None


def _already_stored(digest: str) -> bool:
    row = db.session.scalar(select(PatreonDelivery).where(PatreonDelivery.digest == digest))
    return row is not None and row.outcome != "failed"


def _failed(digest: str, trigger: str, body: bytes, error: str) -> tuple[int, str]:
    """Record the failure in its own transaction (Patreon's retry applies it again)."""
    try:
        row = db.session.scalar(select(PatreonDelivery).where(PatreonDelivery.digest == digest))
        if row is None:
            row = PatreonDelivery(digest=digest, trigger=trigger)
            db.session.add(row)
        row.payload = body.decode("utf-8", errors="replace")
        row.outcome, row.error, row.processed_at = "failed", error[:2000], utcnow()
        db.session.commit()
    except Exception:  # noqa: BLE001 - the 500 matters more than the audit row
        db.session.rollback()
        log.exception("could not record the failure of patreon delivery %s", digest[:12])
    return 500, "failed"


def process_again(row: PatreonDelivery) -> tuple[int, str]:
    """Apply a stored delivery again, as if Patreon sent it now; commits like a delivery."""
    return _apply_row(row, row.payload.encode("utf-8"))
