"""Formats shared by every feature: money, numbers and dates in the reader's language (Babel),
spreadsheet-safe CSV cells, the newsroom's clock.

The template filters and globals built on these are registered once, by
`engagement.readers.formatting.init_app`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from engagement.i18n import accent, is_pseudo

CURRENCY_SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A day and a moment, the same pattern in every language (Babel writes the month's name in the
# reader's: "5 December 2026", "5 грудня 2026").
DAY = "d MMMM y"
MOMENT = "d MMMM y, HH:mm"


def reader_locale() -> Locale:
    """The locale being served (DEFAULT_LANGUAGE's outside a request and a forced one)."""
    return get_locale() or Locale.parse(current_app.config["DEFAULT_LANGUAGE"])


def _words(text: str) -> str:
    """Babel's words (month names) accented in the pseudo-locale, so they read as translated."""
    return accent(text) if is_pseudo() else text


def money(amount: int | None, currency: str = "eur") -> str:
    """Minor units as the reader reads them: "€3", "€3.50", "€1,000" in English, "3 €" and
    "3,50 €" in Ukrainian; "" for no amount."""
    if amount is None:
        return ""
    locale = reader_locale()
    value = Decimal(amount) / 100
    pattern = locale.currency_formats["standard"].pattern
    if amount % 100 == 0:
        pattern = pattern.replace(".00", "")
    symbol = CURRENCY_SYMBOLS.get(currency.lower())
    if symbol is None:
        figure = format_decimal(value, format=pattern.replace("¤", ""), locale=locale)
        return f"{figure.strip()} {currency.upper()}"
    return format_decimal(value, format=pattern.replace("¤", f"'{symbol}'"), locale=locale)


def number(value: int | float | Decimal | None) -> str:
    """A number as the reader writes it: "12,345" in English, "12 345" in Ukrainian."""
    return "" if value is None else format_decimal(value, locale=reader_locale())


def day(moment: datetime) -> str:
    """A day on the newsroom's calendar in the reader's language, e.g. "5 December 2026"."""
    return _words(format_datetime(moment, DAY, tzinfo=newsroom_zone(), locale=reader_locale()))


def day_and_time(moment: datetime) -> str:
    """A moment on the newsroom's clock with its zone, e.g. "5 December 2026, 18:00
    (Europe/Berlin)"."""
    zone = newsroom_zone()
    text = format_datetime(moment, MOMENT, tzinfo=zone, locale=reader_locale())
    return f"{_words(text)} ({zone.key})"


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
    """A waiting time in words, in the reader's language: 3 days, 5 hours, 12 minutes."""
    seconds = int(delta.total_seconds())
    if seconds >= 86400:
        return ngettext("%(num)s day", "%(num)s days", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)s hour", "%(num)s hours", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)s minute", "%(num)s minutes", seconds // 60)
    return _("less than a minute")


def http_only(url: str) -> str:
    """The URL if it is http(s), else a harmless '#': no javascript: link ever reaches a page."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


def outbox_time(value: datetime | None) -> str:
    """A timestamp on the newsroom's clock, e.g. 2026-11-28 09:15 EET."""
    return newsroom_time(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def voting_time(moment: datetime) -> str:
    """A time as the newsroom's wall clock, e.g. "5 December 2026, 18:00 (Europe/Berlin)"."""
    return day_and_time(moment)
