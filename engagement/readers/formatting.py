"""One way to write money, dates and states on every readers' page and in every mail, in the
reader's language."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engagement.formatting import (
    age,
    day,
    day_and_time,
    http_only,
    money,
    number,
    outbox_time,
    voting_time,
)

MEMBERSHIP_STATES = {
    "active": _l("Active"),
    "trialing": _l("Trial"),
    "past_due": _l("Payment overdue: please update your card"),
    "canceled": _l("Ended"),
    "incomplete": _l("Payment not completed"),
    "incomplete_expired": _l("Payment not completed"),
    "unpaid": _l("Unpaid"),
    "paused": _l("Paused"),
}
CORRECTION_STATES = {
    "new": _l("Received"),
    "in_review": _l("Being checked"),
    "corrected": _l("Corrected"),
    "clarified": _l("Clarified"),
    "no_action": _l("Checked: no change needed"),
    "spam": _l("Closed"),
    "duplicate": _l("Already reported by another reader"),
}
# An amount with its interval, in words.
INTERVALS = {"month": _l("%(amount)s a month"), "year": _l("%(amount)s a year")}


def zone_name() -> str:
    """The newsroom's time zone as written after a time, e.g. "Europe/Berlin"."""
    return current_app.config["NEWSROOM_TIMEZONE"]


def newsroom_date(moment: datetime | None) -> str:
    """A day on the newsroom's calendar, e.g. "5 December 2026" ("5 грудня 2026")."""
    return "" if moment is None else day(moment)


def newsroom_datetime(moment: datetime | None) -> str:
    """A moment on the newsroom's clock with its zone, e.g. "5 December 2026, 18:00
    (Europe/Berlin)"."""
    return "" if moment is None else day_and_time(moment)


def price(amount: int | None, currency: str | None, interval: str | None = None) -> str:
    """An amount with its interval, e.g. "€3 a month"; a one-time amount alone, e.g. "€25"."""
    text = money(amount, currency or current_app.config["SUPPORT_CURRENCY"])
    return str(INTERVALS[interval]) % {"amount": text} if interval in INTERVALS else text


def membership_state(membership) -> str:
    """A membership's state in words: "Active", "Payment overdue: ...", "Ends 5 May 2026"."""
    if membership.is_grant:
        if membership.revoked_at is not None or membership.ended_at is not None:
            return _("Ended")
        return _("Active (complimentary)")
    if membership.ended_at is not None:
        return _("Ended")
    label = str(MEMBERSHIP_STATES.get(membership.status, _l("Being updated")))
    if membership.cancel_at_period_end and membership.current_period_end:
        return _(
            "%(state)s: cancelled, ends %(day)s",
            state=label,
            day=newsroom_date(membership.current_period_end),
        )
    return label


def correction_state(status: str | None) -> str:
    """A correction's state as a reader reads it."""
    return str(CORRECTION_STATES.get(status or "", _l("Received")))


def init_app(app: Flask) -> None:
    """Make the formats available to every template (pages and mails)."""
    app.add_template_global(money, "money")
    app.add_template_filter(price, "price")
    app.add_template_filter(newsroom_date, "newsroom_date")
    app.add_template_filter(newsroom_datetime, "newsroom_datetime")
    app.add_template_filter(membership_state, "membership_state")
    app.add_template_filter(correction_state, "correction_state")
    for function in (age, http_only, number, outbox_time, voting_time):
        app.add_template_filter(function, function.__name__)
