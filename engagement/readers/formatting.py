"""One way to write money, dates and states on every readers' page and in every mail."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from engagement.formatting import age, http_only, money, newsroom_time, outbox_time, voting_time

MEMBERSHIP_STATES = {
    "active": "Active",
    "trialing": "Trial",
    "past_due": "Payment overdue: please update your card",
    "canceled": "Ended",
    "incomplete": "Payment not completed",
    "incomplete_expired": "Payment not completed",
    "unpaid": "Unpaid",
    "paused": "Paused",
}
CORRECTION_STATES = {
    "new": "Received",
    "in_review": "Being checked",
    "corrected": "Corrected",
    "clarified": "Clarified",
    "no_action": "Checked: no change needed",
    "spam": "Closed",
    "duplicate": "Already reported by another reader",
}
INTERVALS = {"month": "a month", "year": "a year"}


def zone_name() -> str:
    """The newsroom's time zone as written after a time, e.g. "Europe/Berlin"."""
    return current_app.config["NEWSROOM_TIMEZONE"]


def newsroom_date(moment: datetime | None) -> str:
    """A day on the newsroom's calendar, e.g. "5 December 2026"."""
    if moment is None:
        return ""
    local = newsroom_time(moment)
    return f"{local.day} {local:%B %Y}"


def newsroom_datetime(moment: datetime | None) -> str:
    """A moment on the newsroom's clock with its zone, e.g. "5 December 2026, 18:00
    (Europe/Berlin)"."""
    if moment is None:
        return ""
    local = newsroom_time(moment)
    return f"{local.day} {local:%B %Y, %H:%M} ({zone_name()})"


def price(amount: int | None, currency: str | None, interval: str | None = None) -> str:
    """An amount with its interval, e.g. "€3 a month"; a one-time amount alone, e.g. "€25"."""
    text = money(amount, currency or current_app.config["SUPPORT_CURRENCY"])
    return f"{text} {INTERVALS[interval]}" if interval in INTERVALS else text


def membership_state(membership) -> str:
    """A membership's state in words: "Active", "Payment overdue: ...", "Ends 5 May 2026"."""
    if membership.is_grant:
        if membership.revoked_at is not None or membership.ended_at is not None:
            return "Ended"
        return "Active (complimentary)"
    if membership.ended_at is not None:
        return "Ended"
    label = MEMBERSHIP_STATES.get(membership.status, "Being updated")
    if membership.cancel_at_period_end and membership.current_period_end:
        return f"{label}: cancelled, ends {newsroom_date(membership.current_period_end)}"
    return label


def correction_state(status: str | None) -> str:
    """A correction's state as a reader reads it."""
    return CORRECTION_STATES.get(status or "", "Received")


def init_app(app: Flask) -> None:
    """Make the formats available to every template (pages and mails)."""
    app.add_template_global(money, "money")
    app.add_template_filter(price, "price")
    app.add_template_filter(newsroom_date, "newsroom_date")
    app.add_template_filter(newsroom_datetime, "newsroom_datetime")
    app.add_template_filter(membership_state, "membership_state")
    app.add_template_filter(correction_state, "correction_state")
    for function in (age, http_only, outbox_time, voting_time):
        app.add_template_filter(function, function.__name__)
