"""Mails written when the worker sends them, not when they are queued.

Some mails carry a secret that must never sit readable in the database, even for an admin
reading the outbox: a sign-in link is a password for 15 minutes. Their feature queues the row
with a redacted body and registers a *writer* for the mail's kind on its blueprint (each app
has its own writers, `app.extensions["send_time"]`). Just before sending such a
mail, the worker calls the writer, which may create what the mail needs (e.g. the link, stored
as a hash) and returns the message to send and the redacted text the row keeps. The writer may
also say there is nothing to send (None): the row is then deleted.

The writer's changes and the row's redacted text are committed together, and only while the
worker still holds its claim on the row; the message itself lives only in memory until the SMTP
server has it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app
from flask.sansio.app import App
from sqlalchemy import delete, update

from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.sending import OutgoingMail


@dataclass(frozen=True)
class Written:
    """What a writer made of a claimed mail: the message to send, and what the row keeps."""

    outgoing: OutgoingMail
    stored_text: str
    stored_html: str


Writer = Callable[[OutgoingMail, datetime], Written | None]


def writers_of(app: App) -> dict[str, Writer]:
    """The app's writers by mail kind, made on first use."""
    return app.extensions.setdefault("send_time", {})


def register_writer(blueprint: Blueprint, kind: str, writer: Writer) -> None:
    """Have `writer(mail, now)` write every mail of `kind` at send time (flush, never commit),
    from when `blueprint` registers (the same kind again replaces it)."""
    blueprint.record_once(lambda state: writers_of(state.app).__setitem__(kind, writer))


def write(mail: OutgoingMail, worker_id: str, now: datetime) -> OutgoingMail | None:
    """The message to send for a claimed mail, or None when there is nothing to send.

    Mails of kinds without a writer go out as queued. Commits (this is the worker's side).
    """
    writer = writers_of(current_app).get(mail.kind)
    if writer is None:
        return mail
    written = writer(mail, now)
    held = _held(mail, worker_id)
    if written is None:
        db.session.execute(delete(Email).where(held).execution_options(synchronize_session=False))
        db.session.commit()
        return None
    changed = db.session.execute(
        update(Email)
        .where(held)
        .values(
            recipients=",".join(written.outgoing.recipients),
            text_body=written.stored_text,
            html_body=written.stored_html,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:  # our claim expired and another worker has the row: it sends, not us
        db.session.rollback()
        return None
    db.session.commit()
    return written.outgoing


def _held(mail: OutgoingMail, worker_id: str):
    return (Email.id == mail.id) & (Email.claimed_by == worker_id) & (Email.status == "sending")
