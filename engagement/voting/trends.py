"""The voting headline of the dashboard: votes in the last seven days, per week for twelve."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engagement.formatting import number
from engagement.newsroom import registry
from engagement.newsroom.trends import Headline, dashboard_now, weekly_rate
from engagement.voting.blueprints import newsroom
from engagement.voting.models import Vote


def headlines() -> list[Headline]:
    """Votes this week against the week before."""
    points, trend, direction = weekly_rate(
        "votes", lambda: (select().select_from(Vote), Vote.created_at, None), dashboard_now()
    )
    return [
        Headline(
            "votes",
            _("Votes this week"),
            number(points[-1]),
            trend,
            direction,
            points,
            url_for("voting_newsroom.rounds"),
            _("Rounds"),
            empty="" if any(points) else _("No votes in twelve weeks: open a round of topics."),
            order=60,
        )
    ]


registry.register_headline(newsroom, "voting", headlines)
