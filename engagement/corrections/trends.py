"""The corrections headline of the dashboard: open corrections, the oldest one's age, a week's
trend and twelve weeks of levels (corrections reported and closed per week, in SQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import g, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from engagement.corrections.blueprints import newsroom
from engagement.corrections.models import _OPEN_SQL as OPEN_SQL
from engagement.corrections.models import OPEN_STATUSES, Correction
from engagement.extensions import db
from engagement.formatting import age, number
from engagement.newsroom import registry
from engagement.newsroom.trends import (
    Headline,
    bucketed,
    change,
    dashboard_now,
    levels_back,
    points_at,
)


def oldest_open_age(now: datetime) -> timedelta | None:
    """How long the oldest open correction has waited; the states are written into the SQL so
    the partial index of open corrections answers it (a bound list would make it a scan)."""
    if has_request_context() and "oldest_open" in g:
        return g.oldest_open
    oldest = db.session.scalar(
        select(Correction.first_reported_at)
        .where(text(OPEN_SQL))
        .order_by(Correction.first_reported_at, Correction.id)
        .limit(1)
    )
    age = None if oldest is None else now - oldest
    if has_request_context():
        g.oldest_open = age
    return age


def open_levels(now) -> list[int]:
    """Open corrections at the end of each of the last twelve weeks (reopening not replayed)."""
    points = points_at(now)
    open_now = (
        db.session.scalar(
            select(func.count()).select_from(Correction).where(Correction.status.in_(OPEN_STATUSES))
        )
        or 0
    )
    gained = bucketed(
        "corrections-reported",
        lambda: (select().select_from(Correction), Correction.created_at, None),
        points,
    )
    lost = bucketed(
        "corrections-closed",
        lambda: (
            select().select_from(Correction).where(Correction.status.not_in(OPEN_STATUSES)),
            Correction.resolved_at,
            None,
        ),
        points,
    )
    return levels_back(open_now, gained, lost)


def headlines() -> list[Headline]:
    """Open corrections, with the oldest one's wait."""
    now = dashboard_now()
    levels = open_levels(now)
    trend, direction = change(
        levels[-1],
        levels[-2],
        # TRANSLATORS: a dashboard trend: open corrections now against a week ago.
        lambda figure: _("%(change)s vs a week ago", change=figure),
    )
    oldest = oldest_open_age(now)
    note = _("The oldest has waited %(waited)s.", waited=age(oldest)) if oldest is not None else ""
    return [
        Headline(
            "open-corrections",
            _("Open corrections"),
            number(levels[-1]),
            trend,
            direction,
            levels,
            url_for("corrections_newsroom.triage_list", sort="oldest_unhandled"),
            _("Triage, oldest first"),
            empty=""
            if levels[-1] or any(levels)
            else _("No reports yet: embed the widget on your articles (see the widget guide)."),
            note=note,
            order=50,
        )
    ]


registry.register_headline(newsroom, "corrections", headlines)
