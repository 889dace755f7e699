"""Moving through triage: the open correction after (or before) this one in the list's default
order, and the confirmation pages of the actions that touch many readers or corrections."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import and_, func, or_, select

from engagement.accounts.models import Editor
from engagement.corrections.models import OPEN_STATUSES, Correction, Report
from engagement.corrections.triage_forms import BULK_LABELS
from engagement.extensions import db
from engagement.newsroom.confirm import confirm, plural


def _open():
    return select(Correction.id).where(Correction.status.in_(OPEN_STATUSES))


def next_open(correction: Correction) -> int | None:
    """The open correction after this one, newest report first (the list's order), wrapping."""
    key = (Correction.last_reported_at, Correction.id)
    after = db.session.scalar(_open().where(or_(
        key[0] < correction.last_reported_at,
        and_(key[0] == correction.last_reported_at, key[1] < correction.id)))
        .order_by(key[0].desc(), key[1].desc()).limit(1))
    if after is not None:
        return after
    return db.session.scalar(_open().where(Correction.id != correction.id)
                             .order_by(key[0].desc(), key[1].desc()).limit(1))


def previous_open(correction: Correction) -> int | None:
    """The open correction before this one in the list's order (None at the top)."""
    key = (Correction.last_reported_at, Correction.id)
    return db.session.scalar(_open().where(or_(
        key[0] > correction.last_reported_at,
        and_(key[0] == correction.last_reported_at, key[1] > correction.id)))
        .order_by(key[0].asc(), key[1].asc()).limit(1))


def _readers_told(ids: list[int]) -> int:
    return db.session.scalar(select(func.count(func.distinct(func.lower(Report.email)))).where(
        Report.correction_id.in_(ids), Report.notify.is_(True), Report.email.is_not(None),
        Report.is_spam.is_(False))) or 0


def bulk_page(ids: list[int], action: str, assignee_id: int | None, back: str) -> str:
    """What applying `action` to the ticked corrections will do, and the button that does it."""
    count = plural(len(ids), "correction")
    if action == "assign":
        editor = db.session.get(Editor, assignee_id) if assignee_id else None
        lines = [f"{count} will be assigned to {editor.name if editor else 'nobody'}."]
    elif action == "spam":
        lines = [f"{count} will be marked spam and leave the open list.",
                 "Nobody is told; reopening one brings it back."]
    else:
        told = _readers_told(ids)
        lines = [f"{count} will be closed with no action.",
                 f"{plural(told, 'reader')} who asked to be told will get a mail."]
    fields = [("ids", str(i)) for i in ids] + [("action", action), ("back", back),
                                               ("assignee", str(assignee_id or ""))]
    return confirm(f"{BULK_LABELS[action]}: {count}?", lines,
                   url_for("corrections_newsroom.triage_bulk"), f"{BULK_LABELS[action]} ({count})",
                   back, fields, danger=action != "assign")


def merge_page(source: Correction, target: Correction) -> str:
    """What merging `source` into `target` will do, and the button that does it."""
    lines = [f"{plural(source.report_count, 'report')} of #{source.id} move to #{target.id}; "
             f"#{source.id} becomes its duplicate and leaves the open list."]
    told = _readers_told([source.id])
    if told and target.status in ("corrected", "clarified", "no_action"):
        lines.append(f"#{target.id} is decided, so {plural(told, 'reader')} who asked to be "
                     "told will get its outcome now.")
    elif told:
        lines.append(f"{plural(told, 'reader')} who asked to be told will hear when "
                     f"#{target.id} is decided.")
    back = url_for("corrections_newsroom.triage_detail", correction_id=source.id)
    return confirm(f"Merge #{source.id} into #{target.id}?", lines,
                   url_for("corrections_newsroom.triage_merge", correction_id=source.id),
                   f"Merge into #{target.id}", back, [("target", str(target.id))])
