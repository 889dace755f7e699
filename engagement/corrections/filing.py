"""The statements that file a report, built once (SQLAlchemy Core, no unit of work).

A report costs three statements: the open corrections with the same normalised quote (with,
in the same SELECT, whether any editor listens for corrections), then one write for its
correction (an UPDATE of the matching one, or an INSERT that, when a parallel report of the
same anchored passage won the race on the partial unique index, counts this report in that one
instead: `ON CONFLICT ... DO UPDATE ... RETURNING`), then the report's INSERT. Counters are
raised in SQL, so parallel reports all count. On PostgreSQL the last two are one statement (the
correction's write as a CTE, the report inserted from its RETURNING row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, case, literal_column, select, text, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from engagement.corrections.models import OPEN_STATUSES, Correction, Report
from engagement.database import sql_in
from engagement.notifications.preferences import listening

_C = Correction.__table__
_R = Report.__table__
_OPEN_WHERE = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


@dataclass(frozen=True)
class Filed:
    """Where a report went: its correction, that correction's state and count, and whether
    this report opened it."""

    id: int
    status: str
    report_count: int
    created: bool


CANDIDATES = (
    select(
        _C.c.id,
        _C.c.quote_exact,
        _C.c.quote_prefix,
        _C.c.quote_suffix,
        _C.c.position_start,
        _C.c.position_end,
    )
    .where(
        _C.c.article_url == bindparam("article_url"),
        _C.c.quote_key == bindparam("quote_key"),
        sql_in(_C.c.status, OPEN_STATUSES),
    )
    .order_by(_C.c.report_count.desc(), _C.c.id)
)
# The same candidates joined to one row that says whether any editor listens: always at least
# that row (its correction columns NULL when there is no candidate).
_ONE = select(literal_column("1").label("one")).subquery("one")
LOOKUP = (
    select(listening("correction").label("listening"), *CANDIDATES.selected_columns)
    .select_from(_ONE.outerjoin(_C, CANDIDATES.whereclause))
    .order_by(_C.c.report_count.desc(), _C.c.id)
)
INSERT_REPORT = _R.insert()
_JOIN = (
    update(_C)
    .where(_C.c.id == bindparam("correction_id"), sql_in(_C.c.status, OPEN_STATUSES))
    .returning(_C.c.id, _C.c.status, _C.c.report_count)
)
_JOIN_VALUES = {
    "report_count": _C.c.report_count + 1,
    "last_reported_at": bindparam("now", type_=_C.c.last_reported_at.type),
}
JOIN = _JOIN.values(_JOIN_VALUES)
# A report that brings the article's title fills it in when the correction has none yet.
JOIN_WITH_TITLE = _JOIN.values(
    {
        **_JOIN_VALUES,
        "article_title": case(
            (_C.c.article_title == "", bindparam("title", type_=_C.c.article_title.type)),
            else_=_C.c.article_title,
        ),
    }
)
_OPENED: dict[tuple[str, bool], object] = {}  # by dialect and "may join a parallel one"


def _open_statement(dialect: str, joinable: bool):
    key = (dialect, joinable)
    if key not in _OPENED:
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(_C)
        if joinable:
            stmt = stmt.on_conflict_do_update(
                index_elements=["article_url", "anchor_key"],
                index_where=text(_OPEN_WHERE),
                set_={
                    "report_count": _C.c.report_count + 1,
                    "last_reported_at": stmt.excluded.last_reported_at,
                },
            )
        _OPENED[key] = stmt.returning(_C.c.id, _C.c.status, _C.c.report_count)
    return _OPENED[key]


def candidates(conn: Connection, article_url: str, quote_key: str) -> list:
    """Open corrections of the article with this quote key, the most reported first."""
    return conn.execute(CANDIDATES, {"article_url": article_url, "quote_key": quote_key}).all()


def lookup(conn: Connection, article_url: str, quote_key: str) -> tuple[bool, list]:
    """Whether any editor listens for corrections, and `candidates(...)`, in one statement."""
    rows = conn.execute(LOOKUP, {"article_url": article_url, "quote_key": quote_key}).all()
    return bool(rows[0].listening), [row for row in rows if row.id is not None]


def join(conn: Connection, correction_id: int, title: str, now: datetime) -> Filed | None:
    """Count a report in an open correction; None when it was closed meanwhile."""
    params = {"correction_id": correction_id, "now": now}
    if title:
        params["title"] = title
    row = conn.execute(JOIN_WITH_TITLE if title else JOIN, params).first()
    return Filed(row.id, row.status, row.report_count, False) if row else None


def open_correction(conn: Connection, values: dict) -> Filed:
    """INSERT a correction (`values` counts this report); an open one of the same anchored
    passage, opened meanwhile by a parallel report, counts it instead (never for spam)."""
    stmt = _open_statement(conn.dialect.name, values["status"] != "spam")
    row = conn.execute(stmt, values).one()
    # The INSERT counts 1; joining a parallel one raised the count to 2 or more.
    return Filed(row.id, row.status, row.report_count, row.report_count == 1)


def insert_report(conn: Connection, values: dict) -> int:
    """INSERT the report; its id."""
    return conn.execute(INSERT_REPORT, values).inserted_primary_key[0]


# On PostgreSQL the correction's write and the report's INSERT go in one statement: the write
# as a CTE, the report inserted from its RETURNING row (none: nothing inserted). The report's
# values are bound as r_<column>, the correction's under their own names.
_TOGETHER: dict[tuple, Select] = {}


def _with_report(key: tuple, correction_write, report_keys: tuple[str, ...]) -> Select:
    if key not in _TOGETHER:
        written = correction_write.cte("written")
        report = (
            _R.insert()
            .from_select(
                [*report_keys, "correction_id"],
                select(
                    *(bindparam("r_" + k, type_=_R.c[k].type) for k in report_keys),
                    written.c.id,
                ),
            )
            .returning(_R.c.id)
            .cte("report")
        )
        _TOGETHER[key] = select(
            report.c.id.label("report_id"), written.c.id, written.c.status, written.c.report_count
        ).select_from(report.join(written, true()))
    return _TOGETHER[key]


def _report_params(report: dict) -> tuple[tuple[str, ...], dict]:
    return tuple(report), {"r_" + k: v for k, v in report.items()}


def join_and_report(
    conn: Connection, correction_id: int, title: str, now: datetime, report: dict
) -> tuple[Filed, int] | None:
    """`join`, then the report's INSERT in that correction (one statement on PostgreSQL):
    (where it went, the report's id), or None when the correction was closed meanwhile
    (nothing written)."""
    if conn.dialect.name != "postgresql":
        filed = join(conn, correction_id, title, now)
        if filed is None:
            return None
        return filed, insert_report(conn, {**report, "correction_id": filed.id})
    keys, params = _report_params(report)
    params.update(correction_id=correction_id, now=now)
    if title:
        params["title"] = title
    statement = _with_report(("join", bool(title), keys), JOIN_WITH_TITLE if title else JOIN, keys)
    row = conn.execute(statement, params).first()
    if row is None:
        return None
    return Filed(row.id, row.status, row.report_count, False), row.report_id


def open_and_report(conn: Connection, values: dict, report: dict) -> tuple[Filed, int]:
    """`open_correction`, then the report's INSERT in it (one statement on PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        filed = open_correction(conn, values)
        return filed, insert_report(conn, {**report, "correction_id": filed.id})
    joinable = values["status"] != "spam"
    columns = tuple(values)
    keys, params = _report_params(report)
    params.update(values)
    key = ("open", joinable, columns, keys)
    if key not in _TOGETHER:
        write = _open_statement("postgresql", joinable).values(
            {name: bindparam(name, type_=_C.c[name].type) for name in columns}
        )
        _with_report(key, write, keys)
    row = conn.execute(_TOGETHER[key], params).one()
    return Filed(row.id, row.status, row.report_count, row.report_count == 1), row.report_id
