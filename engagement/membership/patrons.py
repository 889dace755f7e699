"""The patron list editors see: search, filters, a page at a time, and the same rows as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, false, func, or_, select

from engagement.accounts.models import Patron
from engagement.edge import parse_id
from engagement.extensions import db
from engagement.formatting import safe_cell
from engagement.membership.models import STATUSES, Membership, StripeEvent

PAGE_SIZE = 50
NO_MEMBERSHIP = "none"
STATUS_CHOICES = (*STATUSES, NO_MEMBERSHIP)
# A membership's status as editors read it in the list and on a patron's page.
STATUS_LABELS = {
    "active": _l("active"),
    "trialing": _l("trialing"),
    "past_due": _l("past due"),
    "canceled": _l("canceled"),
    "incomplete": _l("incomplete"),
    "incomplete_expired": _l("incomplete expired"),
    "unpaid": _l("unpaid"),
    "paused": _l("paused"),
    NO_MEMBERSHIP: _l("no membership"),
}
CSV_COLUMNS = (
    "email",
    "name",
    "tier",
    "source",
    "status",
    "interval",
    "amount",
    "currency",
    "access_until",
    "since",
    "stripe_customer_id",
)


def status_label(status: str | None) -> str:
    """A status in words; one this list does not know as it is stored."""
    label = STATUS_LABELS.get(status or "")
    return str(label) if label is not None else (status or "").replace("_", " ")


@dataclass(frozen=True)
class PatronFilter:
    """What the editor asked for: words to search, a tier id, a membership status."""

    q: str = ""
    tier_id: int | None = None
    status: str = ""

    @classmethod
    def from_args(cls, args) -> PatronFilter:
        """Read the filter from query-string arguments, ignoring values that make no sense."""
        tier = args.get("tier", "")
        status = args.get("status", "")
        return cls(
            q=(args.get("q") or "").strip()[:200],
            tier_id=parse_id(tier),
            status=status if status in STATUS_CHOICES else "",
        )

    def as_args(self) -> dict:
        """The filter as query-string arguments (for links and the CSV export)."""
        args = {"q": self.q, "tier": self.tier_id or "", "status": self.status}
        return {key: value for key, value in args.items() if value}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def patrons_query(flt: PatronFilter) -> Select:
    """Patrons matching the filter, newest first (erased patrons included, anonymous)."""
    query = select(Patron)
    if flt.q:
        pattern = f"%{_escape_like(flt.q.lower())}%"
        query = query.where(
            or_(
                func.lower(Patron.email).like(pattern, escape="\\"),
                func.lower(Patron.name).like(pattern, escape="\\"),
            )
        )
    if flt.status == NO_MEMBERSHIP:
        query = query.where(~exists().where(Membership.patron_id == Patron.id))
        if flt.tier_id:
            query = query.where(false())
    elif flt.tier_id or flt.status:
        condition = Membership.patron_id == Patron.id
        if flt.tier_id:
            condition = condition & (Membership.tier_id == flt.tier_id)
        if flt.status:
            condition = condition & (Membership.status == flt.status)
        query = query.where(exists().where(condition))
    return query.order_by(Patron.id.desc())


def page_of_patrons(flt: PatronFilter, page: int) -> tuple[list[Patron], int]:
    """One page of matching patrons and the number of matches."""
    query = patrons_query(flt)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return list(rows), total or 0


def main_memberships(patron_ids: list[int]) -> dict[int, Membership]:
    """Each patron's membership to show in a list: a live one first, then the newest."""
    if not patron_ids:
        return {}
    rows = db.session.scalars(
        select(Membership).where(Membership.patron_id.in_(patron_ids)).order_by(Membership.id)
    ).all()
    chosen: dict[int, Membership] = {}
    for membership in rows:  # oldest first: later rows replace earlier ones
        current = chosen.get(membership.patron_id)
        if current is None or membership.ended_at is None or current.ended_at is not None:
            chosen[membership.patron_id] = membership
    return chosen


def row_for(patron: Patron, membership: Membership | None) -> dict:
    """The columns a patron shows in the list and in the CSV."""
    return {
        "email": patron.email or "",
        "name": patron.name or "",
        "tier": (
            membership.tier.name
            if membership and membership.tier
            else ("own amount" if membership else "")
        ),
        "source": membership.source if membership else "",
        "status": membership.status if membership else NO_MEMBERSHIP,
        "interval": (membership.interval or "") if membership else "",
        "amount": f"{membership.amount / 100:.2f}" if membership and membership.amount else "",
        "currency": (membership.currency or "").upper() if membership else "",
        "access_until": membership.access_until.date().isoformat()
        if membership and membership.access_until
        else "",
        "since": (membership.started_at if membership else patron.created_at).date().isoformat(),
        "stripe_customer_id": patron.stripe_customer_id or "",
    }


def iter_rows(flt: PatronFilter, batch: int = 500) -> Iterator[dict]:
    """Every matching patron's row, fetched in batches (keyset on id, newest first)."""
    last_id = None
    while True:
        query = patrons_query(flt)
        if last_id is not None:
            query = query.where(Patron.id < last_id)
        patrons = db.session.scalars(query.limit(batch)).all()
        if not patrons:
            return
        memberships = main_memberships([p.id for p in patrons])
        for patron in patrons:
            yield row_for(patron, memberships.get(patron.id))
        last_id = patrons[-1].id
        db.session.expunge_all()


def count_rows(flt: PatronFilter) -> int:
    """How many patrons match."""
    query = patrons_query(flt).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(query)) or 0


def csv_lines(rows) -> Iterator[str]:
    """The header and one CSV line per row, each escaped against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(row[column]) for column in CSV_COLUMNS])
        yield buffer.getvalue()


def stripe_events_of(patron: Patron, limit: int = 200) -> list[StripeEvent]:
    """The patron's Stripe events, oldest first: by customer id or by their subscriptions."""
    conditions = []
    if patron.stripe_customer_id:
        conditions.append(StripeEvent.customer_id == patron.stripe_customer_id)
    subscription_ids = db.session.scalars(
        select(Membership.stripe_subscription_id).where(
            Membership.patron_id == patron.id, Membership.stripe_subscription_id.is_not(None)
        )
    ).all()
    if subscription_ids:
        conditions.append(StripeEvent.object_id.in_(subscription_ids))
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(StripeEvent)
            .where(or_(*conditions))
            .order_by(StripeEvent.received_at, StripeEvent.id)
            .limit(limit)
        )
    )
