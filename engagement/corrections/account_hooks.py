"""What the corrections feature holds about a patron, and erasing it.

Reports the patron sent (linked to them, or made with their email in any case) lose the email,
the wish to be told and the link to the patron: the passage, suggestion and comment stay for
the newsroom's record. Editors' notes and state-change notes lose the email where they quote it.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from engagement.accounts import account
from engagement.accounts.erasure import Traces
from engagement.accounts.models import Patron, normalise_email
from engagement.corrections.blueprints import public
from engagement.corrections.models import CorrectionEvent, CorrectionNote, Report
from engagement.extensions import db


def reports_match(patron: Patron):
    """The SQL condition for the patron's reports: linked to them or sent with their email."""
    matches = [Report.patron_id == patron.id]
    if patron.email:
        matches.append(func.lower(Report.email) == normalise_email(patron.email))
    return or_(*matches)


def reports_of(patron: Patron) -> list[Report]:
    """Correction reports the patron sent: linked to them, or made with their email (any case)."""
    return list(
        db.session.scalars(select(Report).where(reports_match(patron)).order_by(Report.id.desc()))
    )


def reports_data(patron: Patron) -> list[dict]:
    """The patron's reports for the data download."""
    return [
        {
            "page_url": r.page_url,
            "quote": r.quote_exact,
            "suggestion": r.suggestion,
            "comment": r.comment,
            "email": r.email,
            "created_at": account.iso(r.created_at),
            "state": r.correction.status if r.correction else None,
        }
        for r in reports_of(patron)
    ]


def erase_reports(patron: Patron) -> None:
    """Unlink the patron's reports and forget their email (flushes, never commits)."""
    db.session.execute(
        update(Report)
        .where(reports_match(patron))
        .values(email=None, notify=False, patron_id=None)
        .execution_options(synchronize_session=False)
    )
    traces = Traces.of(patron.email, None)
    if not traces:
        return
    for model, column in ((CorrectionNote, "body"), (CorrectionEvent, "note")):
        _scrub_column(model, column, traces)
    db.session.flush()


def _scrub_column(model, column: str, traces: Traces) -> None:
    attribute = getattr(model, column)
    for row in db.session.scalars(select(model).where(traces.matched_by(attribute))):
        setattr(row, column, traces.scrub(getattr(row, column)))


account.register_section(public, "reports", "corrections/_account_reports.html", order=30)
account.register_page_context(public, lambda patron: {"reports": reports_of(patron)})
account.register_data_section(public, "reports", reports_data)
account.register_eraser(public, erase_reports)
