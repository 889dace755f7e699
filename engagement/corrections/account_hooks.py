"""What the corrections feature holds about a patron, and erasing it.

Reports the patron sent (linked to them, or made with their email in any case) lose the email,
the wish to be told and the link to the patron: the passage, suggestion and comment stay for
the newsroom's record. Editors' notes and state-change notes lose the email where they quote it.
"""

from __future__ import annotations

from sqlalchemy import select, update

from engagement.accounts import account
from engagement.accounts.erasure import Traces
from engagement.accounts.models import Patron
from engagement.corrections.models import CorrectionEvent, CorrectionNote, Report
from engagement.extensions import db


def erase_reports(patron: Patron) -> None:
    """Unlink the patron's reports and forget their email (flushes, never commits)."""
    db.session.execute(update(Report).where(account.reports_match(patron))
                       .values(email=None, notify=False, patron_id=None)
                       .execution_options(synchronize_session=False))
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


account.register_eraser(erase_reports)
