"""Membership figures for the dashboard, each a SQL aggregate: patrons by tier, monthly recurring
revenue, new and lapsed patrons, patrons over the last twelve months (an SVG drawn here) and the
headline figures with their weekly points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_datetime
from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from engagement.extensions import db
from engagement.formatting import money, newsroom_zone, reader_locale
from engagement.i18n import accent, is_pseudo
from engagement.membership.grants import add_months
from engagement.membership.models import ACCESS_STATUSES, Membership, Tier
from engagement.newsroom.trends import bucketed, dashboard_now, earliest, levels_back

NEVER_PAID = ("incomplete", "incomplete_expired")
CHART_WIDTH, CHART_HEIGHT = 360, 160
CHART_TOP, CHART_BOTTOM, CHART_LEFT = 16, 24, 28


def _scanned(column: ColumnElement) -> ColumnElement:
    # Most rows match a test like "started before now": reading the table in order is cheaper
    # than an index lookup per row, so the column is hidden from the planner's index choice.
    return func.coalesce(column, column)


def member_at(m=Membership, at=None, scan: bool = False) -> ColumnElement:
    """SQL: the membership `m` made its patron a patron at `at` (as far as the mirror knows);
    `scan` when most rows match (a count of everyone), so no index is used for it."""
    started = _scanned(m.started_at) if scan else m.started_at
    return and_(
        m.status.not_in(NEVER_PAID),
        started <= at,
        or_(m.ended_at.is_(None), m.ended_at > at),
        or_(m.revoked_at.is_(None), m.revoked_at > at),
        or_(m.access_until.is_(None), m.access_until >= at),
    )


def _ended_between(m, start, end) -> ColumnElement:
    # Each term can use its column's index; together: the membership stopped in [start, end].
    return or_(
        m.ended_at.between(start, end),
        m.revoked_at.between(start, end),
        m.access_until.between(start, end),
    )


def stopped_at(m=Membership) -> ColumnElement:
    """SQL: when a membership stopped making its patron a patron (NULL while it does)."""
    return earliest(m.ended_at, m.revoked_at, m.access_until)


def _at(name: str):
    return bindparam(name, type_=Membership.started_at.type)


def _patrons_at() -> Select:
    return select(func.count(func.distinct(Membership.patron_id))).where(
        member_at(Membership, _at("at"), scan=True)
    )


def _came() -> Select:
    other = aliased(Membership)
    start, end = _at("start"), _at("end")
    return select(func.count(func.distinct(Membership.patron_id))).where(
        Membership.started_at > start,
        member_at(Membership, end),
        ~exists().where(other.patron_id == Membership.patron_id, member_at(other, start)),
    )


def _left() -> Select:
    other = aliased(Membership)
    start, end = _at("start"), _at("end")
    return select(func.count(func.distinct(Membership.patron_id))).where(
        member_at(Membership, start),
        _ended_between(Membership, start, end),
        ~exists().where(other.patron_id == Membership.patron_id, member_at(other, end)),
    )


def _monthly(m=Membership) -> ColumnElement:
    return case((m.interval == "year", m.amount / 12.0), else_=m.amount * 1.0)


def _currency() -> ColumnElement:
    # The default is written into the SQL: PostgreSQL must see one expression in GROUP BY.
    return func.lower(func.coalesce(Membership.currency, literal_column("'eur'")))


def _revenue() -> Select:
    return (
        select(_currency(), func.sum(_monthly()))
        .where(
            Membership.source == "stripe",
            Membership.amount > 0,
            Membership.status.in_(ACCESS_STATUSES),
            _scanned(Membership.access_until) >= _at("at"),
        )
        .group_by(literal_column("1"))
        .order_by(literal_column("1"))
    )


# Built once, bound per request: building a statement costs more CPU than running it here.
STATEMENTS = {"patrons_at": _patrons_at(), "came": _came(), "left": _left(), "revenue": _revenue()}


def _once(name: str, at: datetime, count):
    # The dashboard asks some figures twice (a headline and a panel): count them once.
    if not has_request_context():
        return count()
    memo = g.setdefault("membership_figures", {})
    if (name, at) not in memo:
        memo[(name, at)] = count()
    return memo[(name, at)]


def count_patrons_at(at: datetime) -> int:
    """How many patrons were patrons at `at`."""
    return _once(
        "patrons_at", at, lambda: db.session.scalar(STATEMENTS["patrons_at"], {"at": at}) or 0
    )


def came_between(start: datetime, end: datetime) -> int:
    """Patrons at `end` who were not patrons at `start` (each started a membership between)."""
    return db.session.scalar(STATEMENTS["came"], {"start": start, "end": end}) or 0


def left_between(start: datetime, end: datetime) -> int:
    """Patrons at `start` who are not patrons at `end` (each membership stopped between)."""
    return db.session.scalar(STATEMENTS["left"], {"start": start, "end": end}) or 0


def _starts() -> tuple[Select, ColumnElement, None]:
    return (
        select().select_from(Membership).where(Membership.status.not_in(NEVER_PAID)),
        Membership.started_at,
        None,
    )


def _stops() -> tuple[Select, ColumnElement, None]:
    stop = stopped_at()
    return (
        select()
        .select_from(Membership)
        .where(
            Membership.status.not_in(NEVER_PAID),
            Membership.started_at <= stop,
            _ended_between(Membership, _at("first"), _at("last")),
        ),
        stop,
        None,
    )


def patron_levels(points: list[datetime]) -> list[int]:
    """Patrons at each of `points` (oldest first, the last is now): today's count, walked back
    with the memberships started and stopped between two points (two GROUP BYs)."""
    gained = bucketed("membership-starts", _starts, points)
    lost = bucketed("membership-stops", _stops, points, first=points[0], last=points[-1])
    return levels_back(count_patrons_at(points[-1]), gained, lost)


def _joined() -> tuple[Select, ColumnElement, None]:
    other = aliased(Membership)
    fresh = ~exists().where(
        other.patron_id == Membership.patron_id,
        other.id != Membership.id,
        member_at(other, Membership.started_at),
    )
    return (
        select().select_from(Membership).where(Membership.status.not_in(NEVER_PAID), fresh),
        Membership.started_at,
        None,
    )


def joined_per_window(edges: list[datetime]) -> list[int]:
    """Per window between `edges`: memberships that made someone a patron who was none just
    before (one GROUP BY; a patron moving from one membership to another is not counted)."""
    return bucketed("patrons-joined", _joined, edges)


def _lapsed() -> tuple[Select, ColumnElement, None]:
    other = aliased(Membership)
    stop, other_stop = stopped_at(), stopped_at(other)
    covered = exists().where(
        other.patron_id == Membership.patron_id,
        other.id != Membership.id,
        other.status.not_in(NEVER_PAID),
        other.started_at <= stop,
        or_(other_stop.is_(None), other_stop > stop),
    )
    return (
        select()
        .select_from(Membership)
        .where(
            Membership.status.not_in(NEVER_PAID),
            Membership.started_at <= stop,
            _ended_between(Membership, _at("first"), _at("last")),
            ~covered,
        ),
        stop,
        None,
    )


def lapsed_per_window(edges: list[datetime]) -> list[int]:
    """Per window between `edges`: memberships whose end left their patron with none."""
    return bucketed("patrons-lapsed", _lapsed, edges, first=edges[0], last=edges[-1])


def monthly_revenue(now: datetime) -> dict[str, int]:
    """Monthly recurring revenue per currency in minor units (yearly / 12; grants count 0)."""
    return _once(
        "revenue",
        now,
        lambda: {
            code: int(round(total or 0))
            for code, total in db.session.execute(STATEMENTS["revenue"], {"at": now})
        },
    )


def _paid_in(measure_starts: bool):
    def build() -> tuple[Select, ColumnElement, ColumnElement]:
        mine = and_(
            _currency() == bindparam("currency"),
            Membership.source == "stripe",
            Membership.amount > 0,
            Membership.status.not_in(NEVER_PAID),
        )
        if measure_starts:
            return select().select_from(Membership).where(mine), Membership.started_at, _monthly()
        return (
            select()
            .select_from(Membership)
            .where(mine, _ended_between(Membership, _at("first"), _at("last"))),
            stopped_at(),
            _monthly(),
        )

    return build


def revenue_levels(points: list[datetime], currency: str) -> list[int]:
    """MRR in `currency` at each point: today's, walked back with what started and stopped."""
    gained = bucketed("revenue-starts", _paid_in(True), points, currency=currency)
    lost = bucketed(
        "revenue-stops",
        _paid_in(False),
        points,
        currency=currency,
        first=points[0],
        last=points[-1],
    )
    return levels_back(monthly_revenue(points[-1]).get(currency, 0), gained, lost)


def _by_tier() -> Select:
    paid = aliased(Membership)
    name = Tier.name  # NULL: the patron's own amount
    now = _at("at")
    counted = or_(
        Membership.source == "stripe",
        ~exists().where(
            paid.patron_id == Membership.patron_id, paid.source == "stripe", member_at(paid, now)
        ),
    )
    return (
        select(name, func.count(func.distinct(Membership.patron_id)))
        .select_from(Membership)
        .outerjoin(Tier, Tier.id == Membership.tier_id)
        .where(member_at(Membership, now, scan=True), counted)
        .group_by(literal_column("1"))
    )


STATEMENTS["by_tier"] = _by_tier()


def patrons_by_tier(now: datetime) -> list[tuple[str, int]]:
    """Patrons per tier now; a patron with a paid membership and a grant counts in the paid."""
    rows = db.session.execute(STATEMENTS["by_tier"], {"at": now})
    return sorted(
        ((_("Own amount") if n is None else n, c) for n, c in rows),
        key=lambda item: (-item[1], item[0]),
    )


@dataclass(frozen=True)
class Bar:
    """One month of the chart, with its geometry."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    short_label: str = ""


def month_name(at: datetime, pattern: str = "LLLL y") -> str:
    """A month in the reader's language on the newsroom's calendar: "December 2026" ("LLL":
    "Dec")."""
    text = format_datetime(at, pattern, tzinfo=newsroom_zone(), locale=reader_locale())
    return accent(text) if is_pseudo() else text


def _bars(points: list[tuple[str, int]], shorts: list[str]) -> list[Bar]:
    top = max([count for _, count in points] + [1])
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / len(points)
    bars = []
    for index, (label, count) in enumerate(points):
        height = plot_height * count / top
        bars.append(
            Bar(
                label,
                count,
                round(CHART_LEFT + index * slot + slot * 0.15, 1),
                round(CHART_TOP + plot_height - height, 1),
                round(slot * 0.7, 1),
                round(height, 1),
                shorts[index],
            )
        )
    return bars


def membership_figures(now: datetime | None = None) -> dict:
    """Everything the patrons panel shows."""
    now = now or dashboard_now()
    months = [add_months(now, -back) for back in range(11, -1, -1)]
    levels = patron_levels(months)
    points = [(month_name(at), count) for at, count in zip(months, levels, strict=True)]
    month_ago = now - timedelta(days=30)
    return {
        "active": levels[-1],
        "by_tier": patrons_by_tier(now),
        "revenue": [
            (currency.upper(), money(amount, currency))
            for currency, amount in monthly_revenue(now).items()
        ],
        "new": came_between(month_ago, now),
        "lapsed": left_between(month_ago, now),
        "bars": _bars(points, [month_name(at, "LLL") for at in months]),
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "left": CHART_LEFT,
            "baseline": CHART_HEIGHT - CHART_BOTTOM,
            "top": max([count for _, count in points] + [0]),
        },
    }
