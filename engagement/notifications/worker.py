"""The outbox worker: claim what is due, send it over one SMTP connection, record each outcome.

Delivery is at-least-once: a mail is marked `sent` (and committed) right after the server
accepted it, so a worker that dies loses nothing and repeats at most the one mail in flight.
"Sent" is one statement in autocommit mode on a connection of the batch's own.
See docs/notifications.md.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, bindparam, or_, select, update

from engagement.database import is_postgres, utcnow
from engagement.extensions import db
from engagement.notifications import jobs, send_time, sending
from engagement.notifications.models import Email
from engagement.notifications.sending import OutgoingMail, SendFailure

log = logging.getLogger(__name__)

DIGEST_CHECK_SECONDS = 60
MAX_IDLE_BACKOFF = 60.0


def new_worker_id() -> str:
    """host:pid:random, so every worker process (and every restart) claims under its own name."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass
class BatchResult:
    """What one batch did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    released: int = 0
    connection_error: str | None = None

    def add(self, other: BatchResult) -> None:
        """Fold another batch's figures into this one."""
        for name in ("claimed", "sent", "failed", "dead", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.connection_error = other.connection_error or self.connection_error


def _due(now: datetime, claim_timeout: int):
    expired = now - timedelta(seconds=claim_timeout)
    return or_(
        and_(Email.status.in_(("queued", "failed")), Email.next_attempt_at <= now),
        and_(Email.status == "sending", Email.claimed_at < expired),
    )


def claim_batch(worker_id: str, now: datetime, size: int, claim_timeout: int) -> list[OutgoingMail]:
    """Atomically take up to `size` due mails for this worker and commit the claim."""
    db.session.rollback()  # start from a fresh transaction: the claim must see committed rows
    due = _due(now, claim_timeout)
    oldest_first = select(Email.id).where(due).order_by(Email.next_attempt_at, Email.id).limit(size)
    claim = update(Email).values(status="sending", claimed_at=now, claimed_by=worker_id)
    if is_postgres():
        # Rows another worker holds are skipped, never waited for, never taken twice.
        ids = db.session.scalars(oldest_first.with_for_update(skip_locked=True)).all()
        if not ids:
            db.session.rollback()
            return []
        claim = claim.where(Email.id.in_(ids))
    else:
        # SQLite runs one writer at a time; the WHERE re-checks the row is still due.
        claim = claim.where(Email.id.in_(oldest_first.scalar_subquery()), due)
    db.session.execute(claim.execution_options(synchronize_session=False))
    db.session.commit()
    rows = db.session.execute(
        select(
            Email.id,
            Email.dedupe_key,
            Email.recipients,
            Email.subject,
            Email.text_body,
            Email.html_body,
            Email.attempts,
            Email.kind,
            Email.language,
        )
        .where(Email.claimed_by == worker_id, Email.status == "sending")
        .order_by(Email.id)
    ).all()
    db.session.rollback()
    return [
        OutgoingMail(
            row.id,
            row.dedupe_key,
            tuple(a for a in row.recipients.split(",") if a),
            row.subject,
            row.text_body,
            row.html_body,
            row.attempts,
            row.kind,
            row.language,
        )
        for row in rows
    ]


def _record(mail: OutgoingMail, worker_id: str, **values) -> bool:
    """Update the row only while this worker still holds the claim; commit at once."""
    result = db.session.execute(
        update(Email)
        .where(Email.id == mail.id, Email.claimed_by == worker_id, Email.status == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        log.warning("mail %s: claim lost before its outcome was recorded", mail.id)
    return result.rowcount == 1


_EMAILS = Email.__table__
# The outcome written most: built once, sent as one statement and committed at once.
_MARK_SENT = (
    update(_EMAILS)
    .where(
        _EMAILS.c.id == bindparam("mail_id"),
        _EMAILS.c.claimed_by == bindparam("worker"),
        _EMAILS.c.status == "sending",
    )
    .values(
        status="sent",
        sent_at=bindparam("now", type_=_EMAILS.c.sent_at.type),
        attempts=bindparam("tries"),
        claimed_at=None,
    )
)


def outcome_connection():
    """A pooled connection of the batch's own in autocommit mode: each outcome written on it
    is one statement, durable when it returns (no BEGIN/COMMIT round trips, no ORM session)."""
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def mark_sent(mail: OutgoingMail, worker_id: str, now: datetime, conn=None) -> None:
    """The server accepted the mail: recorded and committed before the next one is sent (on
    `conn` from `outcome_connection()`, else in the ORM session, committed)."""
    params = {"mail_id": mail.id, "worker": worker_id, "now": now, "tries": mail.attempts + 1}
    if conn is not None:
        result = conn.execute(_MARK_SENT, params)
    else:
        result = db.session.connection().execute(_MARK_SENT, params)
        db.session.commit()
    if result.rowcount != 1:
        log.warning("mail %s: claim lost before its outcome was recorded", mail.id)


def mark_failed(
    mail: OutgoingMail, worker_id: str, now: datetime, failure: SendFailure, max_attempts: int
) -> str:
    """Count a failed attempt: retry later with backoff, or park the mail as `dead`."""
    attempts = mail.attempts + 1
    status = "dead" if failure.permanent or attempts >= max_attempts else "failed"
    _record(
        mail,
        worker_id,
        status=status,
        attempts=attempts,
        last_error=failure.error[:2000],
        next_attempt_at=now + sending.retry_delay(attempts),
        claimed_at=None,
    )
    return status


def release(mail: OutgoingMail, worker_id: str, now: datetime, error: str) -> None:
    """Hand a mail that was never tried back to the queue, without spending an attempt."""
    delay = sending.retry_delay(max(mail.attempts, 1))
    _record(
        mail,
        worker_id,
        status="failed" if mail.attempts else "queued",
        last_error=error[:2000],
        next_attempt_at=now + delay,
        claimed_at=None,
    )


class Worker:
    """Sends the outbox. `clock` is injectable so tests can move time (backoff, claims, digests).

    `digests=False` sends only what is queued and never builds the daily digests: the digests
    depend on the hour, so a caller that wants the same result at any hour says so.
    """

    def __init__(
        self, app: Flask, worker_id: str | None = None, clock=utcnow, digests: bool = True
    ):
        self.app = app
        self.worker_id = worker_id or new_worker_id()
        self.clock = clock
        self.digests = digests
        self.stop_event = threading.Event()

    def _settings(self) -> tuple[int, int, int]:
        config = self.app.config
        return (
            config["WORKER_BATCH_SIZE"],
            config["OUTBOX_CLAIM_TIMEOUT"],
            config["OUTBOX_MAX_ATTEMPTS"],
        )

    def run_batch(self) -> BatchResult:
        """Claim one batch and send it; never raises for SMTP trouble."""
        size, claim_timeout, max_attempts = self._settings()
        now = self.clock()
        batch = claim_batch(self.worker_id, now, size, claim_timeout)
        result = BatchResult(claimed=len(batch))
        if not batch:
            return result
        sender = self.app.config["MAIL_DEFAULT_SENDER"]
        try:
            connection = sending.open_connection()
        except Exception as exc:  # noqa: BLE001 - any failure to connect means "server down"
            result.connection_error = f"SMTP server unreachable: {exc}"
            for mail in batch:
                release(mail, self.worker_id, self.clock(), result.connection_error)
            result.released = len(batch)
            return result
        try:
            with outcome_connection() as outcomes:
                self._send_all(
                    connection, batch, sender, max_attempts, claim_timeout, result, outcomes
                )
        finally:
            connection.close()
        return result

    def _send_all(
        self, connection, batch, sender, max_attempts, claim_timeout, result, outcomes=None
    ) -> None:
        started = time.monotonic()
        for index, mail in enumerate(batch):
            if time.monotonic() - started > claim_timeout / 2:
                # A slow server: give the rest back before our claim could expire under us.
                self._release_rest(batch[index:], "released: batch took too long", result)
                return
            mail = send_time.write(mail, self.worker_id, self.clock())
            if mail is None:  # nothing to send (a sign-in link asked for by no patron's address)
                continue
            failure = sending.send_one(connection, mail, sender)
            now = self.clock()
            if failure is None:
                mark_sent(mail, self.worker_id, now, outcomes)
                result.sent += 1
                continue
            status = mark_failed(mail, self.worker_id, now, failure, max_attempts)
            setattr(result, status, getattr(result, status) + 1)
            log.warning(
                "mail %s to %s: %s (%s)", mail.id, ",".join(mail.recipients), failure.error, status
            )
            if failure.connection_lost:
                result.connection_error = failure.error
                self._release_rest(batch[index + 1 :], f"not tried: {failure.error}", result)
                return

    def _release_rest(self, mails, error: str, result: BatchResult) -> None:
        for mail in mails:
            release(mail, self.worker_id, self.clock(), error)
        result.released += len(mails)

    def queue_digests(self) -> None:
        """Queue the daily digests that are due on this worker's clock (unless switched off)."""
        from engagement.notifications.digests import run_digests

        if self.digests:
            run_digests(self.clock())
            db.session.commit()

    def run_jobs(self) -> None:
        """Run the features' jobs (notifications.jobs), e.g. counting rounds closed by the
        clock, before the mail they may cause is claimed."""
        jobs.run_jobs(self.app, self.clock())

    def drain(self) -> BatchResult:
        """Send everything due now, batch after batch, then return the totals (`--once`)."""
        totals = BatchResult()
        self.run_jobs()
        self.queue_digests()
        while True:
            result = self.run_batch()
            totals.add(result)
            if not result.claimed or result.connection_error:
                return totals

    def run_forever(self) -> None:
        """Loop until `stop_event` is set; finish the current batch first; never raise."""
        log.info("worker %s started", self.worker_id)
        next_digest_check = 0.0
        idle_wait = self.app.config["WORKER_POLL_INTERVAL"]
        errors_in_a_row = 0
        while not self.stop_event.is_set():
            try:
                self.run_jobs()
                if time.monotonic() >= next_digest_check:
                    self.queue_digests()
                    next_digest_check = time.monotonic() + DIGEST_CHECK_SECONDS
                result = self.run_batch()
                errors_in_a_row = 0
            except Exception:  # noqa: BLE001 - e.g. the database is down: log, wait, go on
                log.exception("worker %s: batch failed", self.worker_id)
                db.session.rollback()
                errors_in_a_row += 1
                self.stop_event.wait(min(idle_wait * 2**errors_in_a_row, MAX_IDLE_BACKOFF))
                continue
            if result.sent or result.failed or result.dead:
                log.info(
                    "worker %s: sent %d, failed %d, dead %d",
                    self.worker_id,
                    result.sent,
                    result.failed,
                    result.dead,
                )
            if not result.claimed or result.connection_error:
                self.stop_event.wait(idle_wait)
        db.session.remove()
        log.info("worker %s stopped", self.worker_id)


@dataclass
class StopOnSignals:
    """Route SIGTERM and SIGINT to the worker's stop event (main thread only)."""

    worker: Worker
    previous: dict = field(default_factory=dict)

    def __enter__(self) -> StopOnSignals:
        import signal

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        log.info("worker %s: signal %s, stopping after this batch", self.worker.worker_id, signum)
        self.worker.stop_event.set()

    def __exit__(self, *exc) -> None:
        import signal

        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def current_worker(clock=utcnow) -> Worker:
    """A worker bound to the current app."""
    return Worker(current_app._get_current_object(), clock=clock)
