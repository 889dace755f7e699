"""The outbox: one row per message, sent by the worker, never lost."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.accounts.erasure import ERASED
from engagement.database import UTCDateTime, utcnow
from engagement.errors import Conflict
from engagement.extensions import db

EMAIL_STATUSES = ("queued", "sending", "sent", "failed", "dead")
RETRYABLE_STATUSES = ("failed", "dead")


class Email(db.Model):
    """A message in the outbox, queued with the change that caused it."""

    __tablename__ = "emails"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'dead')", name="status_known"
        ),
        Index("ix_emails_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    subject: Mapped[str] = mapped_column(String(998))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # The language the mail is written in (engagement.i18n), e.g. "uk"; a send-time writer
    # writes it again in the same one.
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def recipient_list(self) -> list[str]:
        """The addresses this mail goes to."""
        return [address for address in self.recipients.split(",") if address]

    @property
    def retryable(self) -> bool:
        """True when an admin may send it again now ("Retry now"); never to an erased person."""
        return self.status in RETRYABLE_STATUSES and self.recipients != ERASED

    def requeue(self, now: datetime) -> None:
        """Give a failed or dead mail a fresh start: due now, with its full set of attempts."""
        if self.recipients == ERASED:
            raise Conflict(
                gettext("This mail was to a person who erased their data; it is never sent.")
            )
        if not self.retryable:
            raise Conflict(
                gettext(
                    "Only failed or dead mails can be retried; this one is %(state)s.",
                    state=self.status,
                )
            )
        self.status = "queued"
        self.attempts = 0
        self.next_attempt_at = now
        self.claimed_at = None
        self.claimed_by = None
