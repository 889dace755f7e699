"""Headline figures of the dashboard: a value, its trend and a 12-week sparkline drawn here.

Features register a function that returns their `Headline`s (see `registry.register_headline`);
each counts with SQL aggregates. The weekly points come from `weekly_counts`: one GROUP BY over
an indexed time column, bucketed by a CASE on twelve week boundaries (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, literal_column
from sqlalchemy.sql import ColumnElement, Select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.formatting import newsroom_midnight, newsroom_time, number

WEEKS = 12
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3


@dataclass(frozen=True)
class Headline:
    """One figure on the dashboard: what it is, its value, its trend and its weekly points."""

    key: str
    label: str
    value: str
    trend: str = ""  # "+3 vs last month"
    direction: str = "flat"  # up | down | flat: for the arrow, not a judgement
    points: list[int] = field(default_factory=list)  # oldest first, WEEKS of them
    link: str = ""
    link_label: str = ""
    empty: str = ""  # said instead of the value when there is nothing yet: what to do next
    note: str = ""  # a second line: "the oldest has waited 3 days"
    order: int = 100

    @property
    def spark(self) -> Sparkline | None:
        """The sparkline's geometry, or None without points."""
        return sparkline(self.points) if self.points else None


@dataclass(frozen=True)
class Sparkline:
    """A polyline's points and the figures its text alternative names."""

    path: str
    last_x: float
    last_y: float
    first: int
    last: int
    low: int
    high: int
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(points: list[int]) -> Sparkline:
    """The SVG polyline of `points` scaled into the sparkline's box (a flat line when all equal)."""
    low, high = min(points), max(points)
    span = (high - low) or 1
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(points) - 1, 1)
    plot = SPARK_HEIGHT - 2 * SPARK_PAD
    coords = []
    for index, value in enumerate(points):
        x = round(SPARK_PAD + index * step, 1)
        y = (
            round(SPARK_PAD + plot - (value - low) / span * plot, 1)
            if high != low
            else (SPARK_HEIGHT / 2)
        )
        coords.append((x, y))
    path = " ".join(f"{x},{y}" for x, y in coords)
    return Sparkline(path, coords[-1][0], coords[-1][1], points[0], points[-1], low, high)


def dashboard_now() -> datetime:
    """One "now" for every figure of a request, so figures asked twice are counted once."""
    if not has_request_context():
        return utcnow()
    return g.setdefault("dashboard_now", utcnow())


def points_at(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The ends of the last `weeks` weeks, oldest first; the last one is `now`."""
    return [now - timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]


def edges_of_weeks(now: datetime) -> list[datetime]:
    """The WEEKS + 1 edges of the last WEEKS seven-day windows, oldest first, ending at `now`."""
    return [now - timedelta(days=7 * back) for back in range(WEEKS, -1, -1)]


def bucket_of(column: ColumnElement, edges: list) -> ColumnElement:
    """k for a time in (edges[k], edges[k + 1]] (the caller keeps times inside the edges)."""
    # Constants are written into the SQL, so PostgreSQL sees one expression in SELECT and GROUP BY.
    whens = [(column > edges[k], literal_column(str(k))) for k in range(len(edges) - 2, 0, -1)]
    return case(*whens, else_=literal_column("0")) if whens else literal_column("0")


_STATEMENTS: dict[tuple[str, int], Select] = {}


def bucketed(
    key: str,
    build: Callable[[], tuple[Select, ColumnElement, ColumnElement | None]],
    edges: list[datetime],
    **params,
) -> list[int]:
    """Per window between consecutive `edges`: the rows of the query `build()` gives (or the sum
    of its measure) whose column falls in it; one GROUP BY, no loop over rows.

    `build` returns (query, time column, measure or None) and runs once per `key`: the statement
    is kept with its edges as bound parameters, so a request only binds them (`params` fill the
    query's own `bindparam`s)."""
    statement = _STATEMENTS.get((key, len(edges)))
    if statement is None:
        query, column, measure = build()
        names = [bindparam(f"edge_{k}", type_=column.type) for k in range(len(edges))]
        bucket = bucket_of(column, names).label("bucket")
        total = func.count() if measure is None else func.coalesce(func.sum(measure), 0)
        statement = (
            query.add_columns(bucket, total.label("n"))
            .where(column > names[0], column <= names[-1])
            .group_by(literal_column("1"))
        )
        _STATEMENTS[(key, len(edges))] = statement
    values = {f"edge_{k}": edge for k, edge in enumerate(edges)}
    counts = [0] * (len(edges) - 1)
    for index, count in db.session.execute(statement, {**values, **params}).all():
        counts[int(index)] = int(count)
    return counts


def levels_back(value_now: int, gained: list[int], lost: list[int]) -> list[int]:
    """The level at each point, oldest first, from the level now and what each window between
    two points gained and lost (`gained[k]` happened between point k and point k + 1)."""
    levels = [value_now]
    for k in range(len(gained) - 1, -1, -1):
        levels.append(levels[-1] - gained[k] + lost[k])
    return levels[::-1]


def earliest(*columns: ColumnElement) -> ColumnElement:
    """The earliest non-NULL of some times (NULL when all are), in SQL both databases run."""
    first = columns[0]
    for other in columns[1:]:
        first = case(
            (first.is_(None), other), (other.is_(None), first), (first <= other, first), else_=other
        )
    return first


def month_starts(now: datetime) -> tuple[datetime, datetime]:
    """The start of this month and of last month on the newsroom's clock, in UTC."""
    local = newsroom_time(now)
    this = newsroom_midnight(local.replace(day=1, hour=12))
    previous_local = (newsroom_time(this) - timedelta(days=1)).replace(day=1, hour=12)
    return this, newsroom_midnight(previous_local)


def change(
    current: int,
    previous: int,
    compared: Callable[[str], str],
    shown: Callable[[int], str] = number,
) -> tuple[str, str]:
    """A trend's words and direction: "+3 vs last month", "up". `compared` writes the whole
    comparison around the signed figure, translated as one sentence, e.g.
    `lambda figure: _("%(change)s vs the week before", change=figure)`."""
    delta = current - previous
    direction = "up" if delta > 0 else "down" if delta < 0 else "flat"
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return compared(sign + shown(abs(delta))), direction


def weekly_rate(
    key: str, build: Callable[[], tuple[Select, ColumnElement, None]], now: datetime
) -> tuple[list[int], str, str]:
    """Rows per week for twelve weeks, and the last week against the one before as a trend."""
    points = bucketed(key, build, edges_of_weeks(now))
    trend, direction = change(
        points[-1],
        points[-2],
        # TRANSLATORS: a dashboard trend: this week's count against the week before's.
        lambda figure: _("%(change)s vs the week before", change=figure),
    )
    return points, trend, direction
