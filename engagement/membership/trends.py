"""The membership headlines of the dashboard: active patrons, MRR, new and lapsed this month."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from engagement.formatting import money, number
from engagement.membership import figures
from engagement.membership.blueprints import newsroom
from engagement.newsroom import registry
from engagement.newsroom.trends import (
    Headline,
    change,
    dashboard_now,
    edges_of_weeks,
    month_starts,
    points_at,
)


def _four_weeks_ago(figure: str) -> str:
    # TRANSLATORS: a dashboard trend, e.g. "+3 vs 4 weeks ago": the figure now against four
    # weeks before.
    return _("%(change)s vs 4 weeks ago", change=figure)


def _active(now: datetime, points: list[datetime]) -> Headline:
    levels = figures.patron_levels(points)
    trend, direction = change(levels[-1], levels[-5], _four_weeks_ago)
    return Headline(
        "active-patrons",
        _("Active patrons"),
        number(levels[-1]),
        trend,
        direction,
        levels,
        url_for("membership_newsroom.index"),
        _("All patrons"),
        empty=""
        if any(levels)
        else _("No patrons yet: share /support with readers, or grant a membership."),
        order=10,
    )


def _revenue(now: datetime, points: list[datetime]) -> Headline:
    revenue = figures.monthly_revenue(now)
    link = url_for("membership_newsroom.tiers")
    if not revenue:
        return Headline(
            "mrr",
            _("Monthly recurring revenue"),
            number(0),
            link=link,
            link_label=_("Tiers"),
            empty=_("No recurring revenue yet: check the tiers readers can choose."),
            order=20,
        )
    currency = max(revenue, key=revenue.get)
    levels = figures.revenue_levels(points, currency)
    trend, direction = change(
        levels[-1], levels[-5], _four_weeks_ago, lambda amount: money(amount, currency)
    )
    others = ", ".join(money(amount, code) for code, amount in revenue.items() if code != currency)
    value = money(revenue[currency], currency)
    if others:
        value = _("%(amount)s (and %(others)s)", amount=value, others=others)
    return Headline(
        "mrr",
        _("Monthly recurring revenue"),
        value,
        trend,
        direction,
        levels,
        link,
        _("Tiers"),
        order=20,
    )


def _month_pair(
    now: datetime, label: str, key: str, count, weekly, empty: str, order: int
) -> Headline:
    this_month, last_month = month_starts(now)
    current, previous = count(this_month, now), count(last_month, this_month)
    trend, direction = change(
        current,
        previous,
        # TRANSLATORS: a dashboard trend, e.g. "+3 vs 12 last month": this month's count
        # against last month's (%(previous)s).
        lambda figure: _(
            "%(change)s vs %(previous)s last month", change=figure, previous=number(previous)
        ),
    )
    return Headline(
        key,
        label,
        number(current),
        trend,
        direction,
        weekly(edges_of_weeks(now)),
        url_for("membership_newsroom.index"),
        _("Patrons"),
        empty=empty if not current and not previous else "",
        order=order,
    )


def headlines() -> list[Headline]:
    """Active patrons, MRR, new and lapsed this month against last month."""
    now = dashboard_now()
    points = points_at(now)
    return [
        _active(now, points),
        _revenue(now, points),
        _month_pair(
            now,
            _("New patrons this month"),
            "new-patrons",
            figures.came_between,
            figures.joined_per_window,
            _("Nobody joined in the last two months: ask readers on /support."),
            30,
        ),
        _month_pair(
            now,
            _("Lapsed this month"),
            "lapsed-patrons",
            figures.left_between,
            figures.lapsed_per_window,
            "",
            40,
        ),
    ]


registry.register_headline(newsroom, "membership", headlines)
