"""Magic links: a patron signs in with a link sent by email, valid 15 minutes, usable once.

Asking for a link only queues a mail for the address typed; the worker looks the patron up and
creates the token when it sends that mail, so the token exists in the mail alone: the database
holds its SHA-256 and the outbox row a copy of the mail without the link. A copy of the
database, or an admin reading the outbox, signs nobody in.

A link is used up by one conditional UPDATE (`... WHERE used_at IS NULL AND expires_at > now`):
of two parallel uses, exactly one changes the row, so exactly one signs in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, current_app
from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.accounts.models import Patron, normalise_email
from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db

LINK_LIFETIME = timedelta(minutes=15)
MAILER_KEY = "accounts.link_mailer"
LINK_MINUTES = int(LINK_LIFETIME.total_seconds() // 60)
TOKEN_BYTES = 32
KEY_PREFIX = "magic-link:"
NEXT_MAX = 200  # a longer `next` is dropped: the link then leads to /account


class MagicLink(db.Model):
    """A sign-in link sent to a patron: the hash of its token, when it expires, when it was used."""

    __tablename__ = "magic_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patron: Mapped[Patron] = relationship()


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def find_patron_by_email(email: str) -> Patron | None:
    """The patron (not erased) with this email, whatever its case."""
    address = normalise_email(email or "")
    if not address:
        return None
    return db.session.scalar(
        select(Patron).where(Patron.email == address, Patron.erased_at.is_(None))
    )


def request_link(email: str, next_path: str | None = None) -> None:
    """Queue a sign-in mail for the address, whoever it belongs to; flush, never commit.

    Nothing is looked up here, so the request does the same work for a patron's address and
    for any other one: the worker decides at send time (the mail's writer, registered with
    `register_link_mailer` by the notifications feature). The queued row
    holds no link, and its dedupe key is random, so it can never collide with an older mail.
    `next_path` (a path on this site, checked by the caller) is where the link leads after
    signing in; it rides in the dedupe key after the random part, the one place the worker
    reads from the queued row.
    """
    address = normalise_email(email or "")
    if not address:
        return
    key = f"{KEY_PREFIX}{secrets.token_hex(16)}"
    if next_path and len(next_path) <= NEXT_MAX:
        key += f":{next_path}"
    mailer = current_app.extensions.get(MAILER_KEY)
    if mailer is None:
        raise RuntimeError("no feature queues sign-in mails (register_link_mailer)")
    mailer(address, key, next_path)


def register_link_mailer(
    blueprint: Blueprint, mailer: Callable[[str, str, str | None], None]
) -> None:
    """Have `mailer(address, dedupe_key, next_path)` queue sign-in mails in this app."""
    blueprint.record_once(lambda state: state.app.extensions.__setitem__(MAILER_KEY, mailer))


def next_path_of(dedupe_key: str) -> str | None:
    """The `next` path a queued sign-in mail carries, if any."""
    parts = dedupe_key.removeprefix(KEY_PREFIX).split(":", 1)
    return parts[1] if len(parts) == 2 and parts[1].startswith("/") else None


@dataclass(frozen=True)
class LinkState:
    """What a token is worth right now: "valid", "used", "expired" or "unknown"."""

    state: str
    link: MagicLink | None = None


def inspect_token(token: str, now: datetime | None = None) -> LinkState:
    """Look a token up without using it (the page a GET shows)."""
    if not token or len(token) > 200:
        return LinkState("unknown")
    link = db.session.scalar(select(MagicLink).where(MagicLink.token_hash == hash_token(token)))
    if link is None or link.patron.erased_at is not None:
        return LinkState("unknown")
    if link.used_at is not None:
        return LinkState("used", link)
    if link.expires_at <= (now or utcnow()):
        return LinkState("expired", link)
    return LinkState("valid", link)


def consume_token(token: str, now: datetime | None = None) -> tuple[str, Patron | None]:
    """Use the link up, atomically: ("valid", patron) for the one caller that won, else the
    reason ("used", "expired", "unknown") and None."""
    if not token or len(token) > 200:
        return "unknown", None
    now = now or utcnow()
    token_hash = hash_token(token)
    result = db.session.execute(
        update(MagicLink)
        .where(
            MagicLink.token_hash == token_hash,
            MagicLink.used_at.is_(None),
            MagicLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        state = inspect_token(token, now).state
        return ("used" if state == "valid" else state), None
    link = db.session.scalar(select(MagicLink).where(MagicLink.token_hash == token_hash))
    db.session.refresh(link)
    patron = link.patron
    if patron.erased_at is not None:
        return "unknown", None
    patron.last_sign_in_at = now
    db.session.flush()
    return "valid", patron


def forget_links(patron: Patron) -> None:
    """Delete every link of the patron (their data is being erased)."""
    db.session.execute(delete(MagicLink).where(MagicLink.patron_id == patron.id))
