"""The outbox headline of the dashboard (admins): mails failing now, and per week."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from engagement.extensions import db
from engagement.formatting import number
from engagement.newsroom import registry
from engagement.newsroom.trends import Headline, dashboard_now, weekly_rate
from engagement.notifications.blueprints import newsroom
from engagement.notifications.models import RETRYABLE_STATUSES, Email


def headlines() -> list[Headline]:
    """Failed and dead mails now; the weekly points count them by the week they were queued."""
    failing = (
        db.session.scalar(
            select(func.count()).select_from(Email).where(Email.status.in_(RETRYABLE_STATUSES))
        )
        or 0
    )
    points, _trend, _direction = weekly_rate(
        "mails-failing",
        lambda: (
            select().select_from(Email).where(Email.status.in_(RETRYABLE_STATUSES)),
            Email.created_at,
            None,
        ),
        dashboard_now(),
    )
    return [
        Headline(
            "mails-failing",
            _("Mails failing"),
            number(failing),
            _("every mail is going out") if not failing else _("see the outbox for the errors"),
            "down" if failing else "flat",
            points,
            url_for("notifications_newsroom.outbox"),
            _("Outbox"),
            order=70,
        )
    ]


registry.register_headline(newsroom, "notifications", headlines, admin_only=True)
