"""The triage list and the public log: filters, search, sorts and keyset pagination.

A page is found by a cursor, the (sort key, id) of the last row shown, never by OFFSET, so
page 500 costs what page 1 costs; each sort has an index in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, or_, select, text, tuple_
from sqlalchemy.orm import joinedload

from engagement.corrections import grouping
from engagement.corrections.models import Correction, Report
from engagement.errors import InvalidInput
from engagement.extensions import db

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 20
# Literal SQL, so both databases see that the partial indexes match the query.
OPEN_SQL = text("corrections.status IN ('new', 'in_review')")
PUBLIC_SQL = text("corrections.status IN ('corrected', 'clarified')")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# name: (column, descending?, label)
SORTS = {
    "newest": (Correction.last_reported_at, True, _l("Newest report first")),
    "most_reported": (Correction.report_count, True, _l("Most reported first")),
    "oldest_unhandled": (Correction.first_reported_at, False, _l("Oldest unhandled first")),
}


@dataclass(frozen=True)
class Cursor:
    """A position in a sorted list: the sort key and id of a row."""

    key: int | datetime
    id: int

    def encode(self) -> str:
        """The cursor as it goes into a URL: two integers."""
        key = self.key
        if isinstance(key, datetime):
            key = (key - _EPOCH) // timedelta(microseconds=1)
        return f"{key}_{self.id}"

    @classmethod
    def decode(cls, raw: str, is_time: bool, field_name: str) -> Cursor:
        """Read a cursor from the URL; InvalidInput when it was not made here."""
        key, _, row_id = raw.partition("_")
        try:
            number, ident = int(key), int(row_id)
            if not (0 <= ident < 2**63 and -(2**62) < number < 2**62):
                raise ValueError
            value = _EPOCH + timedelta(microseconds=number) if is_time else number
        except (ValueError, OverflowError):
            raise InvalidInput(
                gettext("This page link is damaged; start from the first page."), field=field_name
            ) from None
        return cls(value, ident)


@dataclass
class TriageQuery:
    """What an editor asked the list for."""

    status: str = "open"  # "open", "all" or one state
    article: str = ""  # a host name or an article's URL
    since: date | None = None  # first reported on or after
    until: date | None = None  # first reported on or before
    has_suggestion: bool = False
    q: str = ""
    sort: str = "newest"
    after: str = ""
    before: str = ""
    page_size: int = PAGE_SIZE


@dataclass
class Page:
    """One page of rows and the cursors of its neighbours."""

    rows: list[Correction] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _article_filter(article: str):
    article = article.strip()
    if "://" in article:
        return Correction.article_url == grouping.canonical_url(article)
    return Correction.article_host == article.lower()


def _filters(query: TriageQuery) -> list:
    conditions = []
    if query.status == "open":
        conditions.append(OPEN_SQL)
    elif query.status != "all":
        conditions.append(Correction.status == query.status)
    if query.sort == "oldest_unhandled" and query.status != "open":
        conditions.append(OPEN_SQL)
    if query.article.strip():
        conditions.append(_article_filter(query.article))
    if query.since:
        conditions.append(
            Correction.first_reported_at >= datetime.combine(query.since, time.min, tzinfo=UTC)
        )
    if query.until:
        conditions.append(
            Correction.first_reported_at
            < datetime.combine(query.until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    if query.has_suggestion:
        conditions.append(
            exists().where(Report.correction_id == Correction.id, Report.suggestion != "")
        )
    if query.q.strip():
        pattern = _like(query.q.strip())
        conditions.append(
            or_(
                Correction.quote_exact.ilike(pattern, escape="\\"),
                Correction.article_title.ilike(pattern, escape="\\"),
                exists().where(
                    Report.correction_id == Correction.id,
                    or_(
                        Report.suggestion.ilike(pattern, escape="\\"),
                        Report.comment.ilike(pattern, escape="\\"),
                    ),
                ),
            )
        )
    return conditions


def keyset_page(
    statement: Select, column, descending: bool, after: str, before: str, page_size: int
) -> Page:
    """Run `statement` for one page after (or before) a cursor, sorted by (column, id)."""
    is_time = column is not Correction.report_count
    pair = tuple_(column, Correction.id)
    backwards = bool(before) and not after
    cursor = (
        Cursor.decode(before if backwards else after, is_time, "before" if backwards else "after")
        if (after or before)
        else None
    )
    forward_desc = descending != backwards  # the direction this query walks the index
    if cursor is not None:
        bound = (cursor.key, cursor.id)
        statement = statement.where(pair < bound if forward_desc else pair > bound)
    order = (column.desc(), Correction.id.desc()) if forward_desc else (column, Correction.id)
    rows = list(db.session.scalars(statement.order_by(*order).limit(page_size + 1)).unique())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    page = Page(rows=rows)
    if rows:
        first, last = rows[0], rows[-1]
        has_next = more if not backwards else True
        has_prev = (cursor is not None) if not backwards else more
        if has_next:
            page.next_cursor = Cursor(getattr(last, column.key), last.id).encode()
        if has_prev:
            page.prev_cursor = Cursor(getattr(first, column.key), first.id).encode()
    return page


def triage_page(query: TriageQuery) -> Page:
    """One page of the editors' list: one query, whatever the page."""
    column, descending, _ = SORTS[query.sort]
    statement = select(Correction).options(joinedload(Correction.assignee)).where(*_filters(query))
    return keyset_page(statement, column, descending, query.after, query.before, query.page_size)


def public_page(
    article: str = "", after: str = "", before: str = "", page_size: int = PUBLIC_PAGE_SIZE
) -> Page:
    """One page of the public log: corrected and clarified, newest decision first."""
    statement = select(Correction).where(PUBLIC_SQL)
    if article.strip():
        statement = statement.where(_article_filter(article))
    return keyset_page(statement, Correction.resolved_at, True, after, before, page_size)


def latest_public(limit: int = 50) -> list[Correction]:
    """The newest entries of the public log, for the feed."""
    return list(
        db.session.scalars(
            select(Correction)
            .where(PUBLIC_SQL)
            .order_by(Correction.resolved_at.desc(), Correction.id.desc())
            .limit(limit)
        )
    )


def suggestion_counts(rows: list[Correction]) -> set[int]:
    """Which of these corrections have at least one suggested wording (one query)."""
    ids = [row.id for row in rows]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Report.correction_id)
            .where(and_(Report.correction_id.in_(ids), Report.suggestion != ""))
            .distinct()
        )
    )
