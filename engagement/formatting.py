"""Formats shared by every feature: money, spreadsheet-safe CSV cells, the newsroom's clock.

The template filters and globals built on these are registered once, by
`engagement.readers.formatting.init_app`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

CURRENCY_SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money(amount: int | None, currency: str = "eur") -> str:
    """Minor units as the reader reads them, e.g. "€3" or "€3.50"; "" for no amount."""
    if amount is None:
        return ""
    value = f"{amount / 100:.2f}".removesuffix(".00")
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def newsroom_zone() -> ZoneInfo:
    """The newsroom's time zone (NEWSROOM_TIMEZONE)."""
    return ZoneInfo(current_app.config["NEWSROOM_TIMEZONE"])


def newsroom_time(moment: datetime) -> datetime:
    """`moment` on the newsroom's clock (NEWSROOM_TIMEZONE)."""
    return moment.astimezone(newsroom_zone())


def newsroom_midnight(moment: datetime) -> datetime:
    """The start of `moment`'s day on the newsroom's clock, in UTC."""
    local = newsroom_time(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def age(delta) -> str:
    """A waiting time in words: 3 days, 5 hours, 12 minutes."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"


def http_only(url: str) -> str:
    """The URL if it is http(s), else a harmless '#': no javascript: link ever reaches a page."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


def outbox_time(value: datetime | None) -> str:
    """A timestamp on the newsroom's clock, e.g. 2026-11-28 09:15 EET."""
    return newsroom_time(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def voting_time(moment: datetime) -> str:
    """A time as the newsroom's wall clock, e.g. "5 December 2026, 18:00 (Europe/Berlin)"."""
    zone = newsroom_zone()
    local = moment.astimezone(zone)
    return f"{local.day} {local:%B %Y, %H:%M} ({zone.key})"
