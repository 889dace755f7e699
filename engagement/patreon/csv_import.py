"""Patreon's members export (CSV), read by header name and applied in one transaction.

The file is refused whole, before anything changes, when it is over 20 MB, not text in UTF-8
(a BOM is fine), not CSV, or lacks the columns a patron is made from. A row that cannot be
used is skipped with its reason; the rest go in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from engagement.accounts.erasure import PersonErased
from engagement.patreon.documents import Malformed, parse_time
from engagement.patreon.members import MemberReport, Skipped, apply_report

MAX_BYTES = 20 * 1024 * 1024
TOO_LARGE = _l(
    "The file is larger than 20 MB. Export fewer members at a time (filter the export by tier)."
)
REQUIRED = ("Email", "Patron Status", "User ID")
USED = (
    "Name",
    "Tier",
    "Pledge Amount",
    "Currency",
    "Patronage Since Date",
    "Last Charge Date",
    "Last Charge Status",
    "Next Charge Date",
    "Charge Frequency",
)
# Patreon's other columns: known, not needed here.
KNOWN = (
    "Twitter",
    "Discord",
    "Follows You",
    "Free Member",
    "Free Trial",
    "Lifetime Amount",
    "Addressee",
    "Street",
    "City",
    "State",
    "Zip",
    "Country",
    "Phone",
    "Additional Details",
    "Last Updated",
    "Max Posts",
    "Access Expiration",
    "Note",
)
STATUSES = {"active patron": "active", "declined patron": "declined", "former patron": "former"}
YEARLY = {"annual", "annually", "yearly", "year"}


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing was changed."""


@dataclass
class ImportSummary:
    """What an import did, for the summary page and the command's last lines."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    lapsed: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """The file's text; ImportRefused when it is too large, binary or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(str(TOO_LARGE))
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise ImportRefused(
            _(
                "This is not a CSV file (it looks like a spreadsheet or another "
                "binary file). Use Patreon's “Export CSV”."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("cp1252")
            hint = " " + _(
                "It looks like Windows-1252 (what some spreadsheet programs save); "
                "save it as “CSV UTF-8”, or export it from Patreon again."
            )
        except UnicodeDecodeError:
            pass
        raise ImportRefused(
            _("The file is not UTF-8 text (line %(line)s).", line=line) + hint
        ) from None


def _header(names: list[str]) -> tuple[dict[str, int], ImportSummary]:
    summary = ImportSummary()
    index: dict[str, int] = {}
    wanted = {name.lower(): name for name in (*REQUIRED, *USED, *KNOWN)}
    for position, raw in enumerate(names):
        name = raw.strip().lstrip("\ufeff")
        canonical = wanted.get(name.lower())
        if canonical is None:
            if name:
                summary.unknown_columns.append(name)
        elif canonical not in index:
            index[canonical] = position
    missing = [name for name in REQUIRED if name not in index]
    if missing:
        raise ImportRefused(
            ngettext(
                "This does not look like Patreon's members export: the column %(columns)s is "
                "missing.",
                "This does not look like Patreon's members export: the columns "
                "%(columns)s are missing.",
                len(missing),
                columns=", ".join(missing),
            )
        )
    summary.missing_columns = [name for name in USED if name not in index]
    return index, summary


def read_rows(text: str) -> tuple[ImportSummary, list[tuple[int, dict[str, str]]]]:
    """The header's summary and the non-empty rows (line number, column -> value)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header or len(header) < 2:
            raise ImportRefused(
                _("This is not a CSV file: the first line has no columns separated by commas.")
            )
        index, summary = _header(header)
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # an empty line
            rows.append(
                (
                    reader.line_num,
                    {
                        name: values[at].strip() if at < len(values) else ""
                        for name, at in index.items()
                    },
                )
            )
    except csv.Error as exc:
        raise ImportRefused(
            _(
                "This is not a valid CSV file (line %(line)s: %(error)s).",
                line=reader.line_num,
                error=exc,
            )
        ) from None
    return summary, rows


def _amount(text: str) -> int | None:
    cleaned = re.sub(r"[^\d.,-]", "", text)
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"\d+,\d{2}", cleaned):
        cleaned = cleaned.replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        cents = int((Decimal(cleaned) * 100).to_integral_value())
    except InvalidOperation:
        raise Skipped(
            _("the pledge amount %(amount)s is not a number", amount=repr(text))
        ) from None
    if not 0 <= cents < 10**9:
        raise Skipped(_("the pledge amount %(amount)s is out of range", amount=repr(text)))
    return cents


def _time(row: dict[str, str], name: str) -> datetime | None:
    try:
        return parse_time(row.get(name) or None)
    except Malformed:
        raise Skipped(
            _("%(column)s %(value)s is not a date", column=name, value=repr(row.get(name)))
        ) from None


def row_report(row: dict[str, str]) -> MemberReport:
    """The report one CSV row makes; Skipped when it cannot make one."""
    state = STATUSES.get(row["Patron Status"].strip().lower().replace("_", " "))
    if state is None:
        raise Skipped(_("unknown Patron Status %(value)s", value=repr(row["Patron Status"])))
    user_id = row["User ID"].strip()
    if not user_id or len(user_id) > 64:
        raise Skipped(_("no User ID"))
    frequency = (row.get("Charge Frequency") or "").strip().lower()
    return MemberReport(
        user_id=user_id,
        state=state,
        email=row["Email"] or None,
        full_name=row.get("Name", "")[:200],
        amount_cents=_amount(row.get("Pledge Amount") or ""),
        currency=(row.get("Currency") or "")[:3] or None,
        cadence_months=12 if frequency in YEARLY else 1,
        pledge_start=_time(row, "Patronage Since Date"),
        last_charge_at=_time(row, "Last Charge Date"),
        last_charge_status=(row.get("Last Charge Status") or None),
        next_charge_at=_time(row, "Next Charge Date"),
        tier_title=row.get("Tier") or None,
    )


def import_members(
    data: bytes, now: datetime, progress: Callable[[Iterator], Iterator] | None = None
) -> ImportSummary:
    """Apply every row of the export; flushes, never commits (the caller commits once, or rolls
    back everything on ImportRefused or any error)."""
    summary, rows = read_rows(decode(data))
    summary.rows = len(rows)
    for line, row in (progress or iter)(rows):
        try:
            report = row_report(row)
            result, member = apply_report(report, "csv", now)
        except (Skipped, PersonErased) as exc:
            reason = (
                "the person erased their data here" if isinstance(exc, PersonErased) else str(exc)
            )
            summary.skipped.append((line, reason))
            continue
        if result == "stale":
            summary.skipped.append(
                (line, "older than what is already known (a webhook or a newer export)")
            )
            continue
        _count(summary, result, report)
    return summary


def _count(summary: ImportSummary, result: str, report: MemberReport) -> None:
    if result == "unchanged":
        summary.unchanged += 1
    elif report.state != "active":
        summary.lapsed += 1
    elif result == "created":
        summary.created += 1
    else:
        summary.updated += 1
