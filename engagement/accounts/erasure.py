"""What erasing a person needs everywhere: their traces, a scrubber, and tombstones.

`Traces` is what identifies the person in stored text (their email, in any case, and their
name); every feature's eraser uses it to find and blank what it holds. A tombstone keeps an
HMAC of the erased email (and of each Stripe customer id that was theirs), never the value,
so no later webhook, retry or "Process again" creates the person anew from old data.

The digest is HMAC-SHA256 keyed with SECRET_KEY: a copy of the database alone cannot be used
to test a list of addresses for "was a supporter and asked to be forgotten". Rotating
SECRET_KEY leaves old tombstones unmatched (docs/patrons.md says so).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from markupsafe import escape
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    String,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from engagement.accounts.models import normalise_email
from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db

ERASED = "[erased]"
TOMBSTONE_KINDS = ("email", "customer")


class ErasureTombstone(db.Model):
    """A keyed hash of something that identified an erased person; the value itself is gone."""

    __tablename__ = "erasure_tombstones"
    __table_args__ = (CheckConstraint("kind IN ('email', 'customer')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonErased(Exception):
    """Stored or late data would bring back a person who erased theirs; it is left alone."""


def tombstone_digest(kind: str, value: str) -> str:
    """The keyed hash stored for an email (normalised) or a Stripe customer id."""
    text = normalise_email(value) if kind == "email" else value.strip()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()


def bury(kind: str, value: str | None, at: datetime) -> None:
    """Record a tombstone for `value` (once); flushes."""
    if not value or not value.strip():
        return
    digest = tombstone_digest(kind, value)
    if db.session.scalar(select(ErasureTombstone.id).where(ErasureTombstone.digest == digest)):
        return
    db.session.add(ErasureTombstone(kind=kind, digest=digest, erased_at=at))
    db.session.flush()


def erased_at(kind: str, value: str | None) -> datetime | None:
    """When `value` was erased, or None when no tombstone holds it."""
    if not value or not value.strip():
        return None
    return db.session.scalar(
        select(ErasureTombstone.erased_at).where(
            ErasureTombstone.digest == tombstone_digest(kind, value)
        )
    )


def is_erased(customer_id: str | None, email: str | None, at: datetime | None) -> bool:
    """True when data about this customer or email, from `at`, belongs to an erased person.

    A customer id that belonged to an erased person always does. An erased email does when
    the data is from before the erasure (or of unknown age): a person who comes back through
    a checkout started after their erasure gives their data anew.
    """
    if erased_at("customer", customer_id) is not None:
        return True
    when = erased_at("email", email)
    return when is not None and (at is None or at <= when)


def any_erased(customer_id: str | None, emails: list[str], at: datetime | None) -> bool:
    """`is_erased` for one customer and several emails at once: one query for every digest."""
    digests = erasure_params(customer_id, emails)
    wanted = dict.fromkeys(digests["erased_emails"], "email")
    if digests["erased_customer"]:
        wanted[digests["erased_customer"]] = "customer"
    if not wanted:
        return False
    found = db.session.connection().execute(_TOMBSTONES, {"digests": list(wanted)}).all()
    return any(
        wanted[row.digest] == "customer" or at is None or at <= row.erased_at for row in found
    )


_TOMBSTONES = select(ErasureTombstone.digest, ErasureTombstone.erased_at).where(
    ErasureTombstone.digest.in_(bindparam("digests", expanding=True))
)


def erasure_params(customer_id: str | None, emails: list[str]) -> dict:
    """The bound values `none_erased` asks about: the customer's and the emails' digests."""
    return {
        "erased_customer": tombstone_digest("customer", customer_id)
        if customer_id and customer_id.strip()
        else None,
        "erased_emails": [tombstone_digest("email", e) for e in emails if e and e.strip()],
    }


def none_erased(at: ColumnElement) -> ColumnElement[bool]:
    """`not any_erased(...)` as a SQL condition, for a statement to carry instead of a query of
    its own; `at` is when the data is from (NULL: unknown), its digests `erasure_params`."""
    tombstones = ErasureTombstone.__table__
    return ~exists().where(
        or_(
            tombstones.c.digest == bindparam("erased_customer"),
            and_(
                tombstones.c.digest.in_(bindparam("erased_emails", expanding=True)),
                or_(at.is_(None), at <= tombstones.c.erased_at),
            ),
        )
    )


def refuse_to_recreate(
    customer_id: str | None, email: str | None, consented_at: datetime | None
) -> None:
    """Raise PersonErased when a new patron would be made from an erased person's data."""
    if is_erased(customer_id, email, consented_at):
        raise PersonErased("the Stripe customer or email belongs to a person who erased their data")


@dataclass
class Traces:
    """How a person shows up in stored text: their email (any case) and their name."""

    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, email: str | None, name: str | None) -> Traces:
        """The traces of one email and one name (either may be empty)."""
        traces = cls()
        traces.add(email, name)
        return traces

    def add(self, email: str | None = None, name: str | None = None) -> None:
        """Look for another email or name of the same person too."""
        if email and email.strip():
            self.emails.add(normalise_email(email))
        if name and name.strip():
            self.names.add(" ".join(name.split()))

    def __bool__(self) -> bool:
        return bool(self.emails or self.names)

    def _patterns(self) -> list[re.Pattern]:
        patterns = [re.compile(re.escape(email), re.IGNORECASE) for email in self.emails]
        for name in self.names:
            for form in {name, str(escape(name))}:
                patterns.append(re.compile(rf"(?<!\w){re.escape(form)}(?!\w)", re.IGNORECASE))
        return patterns

    def found_in(self, text: str | None) -> bool:
        """True when the text holds one of the traces."""
        return bool(text) and any(p.search(text) for p in self._patterns())

    def scrub(self, text: str | None) -> str | None:
        """The text with every trace replaced by "[erased]"."""
        if not text:
            return text
        for pattern in self._patterns():
            text = pattern.sub(ERASED, text)
        return text

    def matched_by(self, column) -> ColumnElement[bool]:
        """A SQL condition picking rows whose column may hold a trace (check with found_in)."""
        needles = set(self.emails)
        for name in self.names:
            needles |= {name.lower(), str(escape(name)).lower()}
        conditions = [func.lower(column).contains(needle, autoescape=True) for needle in needles]
        conditions += [column.contains(name, autoescape=True) for name in self.names]
        return or_(*conditions) if conditions else false()
