"""What the newsroom pages do with the outbox and with editors' notification settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from engagement.errors import NotFound
from engagement.extensions import db
from engagement.notifications.models import EMAIL_STATUSES, Email

UNSENT_STATUSES = ("queued", "sending", "failed", "dead")
UNSENT_LIMIT = 200
RECENT_SENT_LIMIT = 20


def counts_by_status() -> dict[str, int]:
    """How many mails the outbox holds in each status (zero included)."""
    counts = dict.fromkeys(EMAIL_STATUSES, 0)
    rows = db.session.execute(select(Email.status, func.count()).group_by(Email.status))
    counts.update({status: count for status, count in rows})
    return counts


def unsent_emails(limit: int = UNSENT_LIMIT) -> list[Email]:
    """Mails still waiting or given up on: dead first, then failed, sending and queued."""
    by_status = case({"dead": 0, "failed": 1, "sending": 2}, value=Email.status, else_=3)
    return db.session.scalars(
        select(Email)
        .where(Email.status.in_(UNSENT_STATUSES))
        .order_by(by_status, Email.next_attempt_at, Email.id)
        .limit(limit)
    ).all()


def recently_sent(limit: int = RECENT_SENT_LIMIT) -> list[Email]:
    """The last mails that left, newest first."""
    return db.session.scalars(
        select(Email)
        .where(Email.status == "sent")
        .order_by(Email.sent_at.desc(), Email.id.desc())
        .limit(limit)
    ).all()


def get_email(email_id: int) -> Email:
    """One outbox mail, or NotFound."""
    email = db.session.get(Email, email_id)
    if email is None:
        raise NotFound("There is no such mail in the outbox.")
    return email


def retry_email(email_id: int, now: datetime) -> Email:
    """Put a failed or dead mail back in the queue, due now (the worker picks it up)."""
    email = get_email(email_id)
    email.requeue(now)
    db.session.flush()
    return email
