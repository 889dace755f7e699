"""Moving through triage: the open correction after (or before) this one in the list's default
order, and the confirmation pages of the actions that touch many readers or corrections."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from engagement.accounts.models import Editor
from engagement.corrections.models import OPEN_STATUSES, Correction, Report
from engagement.corrections.triage_forms import BULK_LABELS
from engagement.extensions import db
from engagement.newsroom.confirm import confirm


def _open():
    return select(Correction.id).where(Correction.status.in_(OPEN_STATUSES))


def next_open(correction: Correction) -> int | None:
    """The open correction after this one, newest report first (the list's order), wrapping."""
    key = (Correction.last_reported_at, Correction.id)
    after = db.session.scalar(
        _open()
        .where(
            or_(
                key[0] < correction.last_reported_at,
                and_(key[0] == correction.last_reported_at, key[1] < correction.id),
            )
        )
        .order_by(key[0].desc(), key[1].desc())
        .limit(1)
    )
    if after is not None:
        return after
    return db.session.scalar(
        _open()
        .where(Correction.id != correction.id)
        .order_by(key[0].desc(), key[1].desc())
        .limit(1)
    )


def previous_open(correction: Correction) -> int | None:
    """The open correction before this one in the list's order (None at the top)."""
    key = (Correction.last_reported_at, Correction.id)
    return db.session.scalar(
        _open()
        .where(
            or_(
                key[0] > correction.last_reported_at,
                and_(key[0] == correction.last_reported_at, key[1] > correction.id),
            )
        )
        .order_by(key[0].asc(), key[1].asc())
        .limit(1)
    )


def _readers_told(ids: list[int]) -> int:
    return (
        db.session.scalar(
            select(func.count(func.distinct(func.lower(Report.email)))).where(
                Report.correction_id.in_(ids),
                Report.notify.is_(True),
                Report.email.is_not(None),
                Report.is_spam.is_(False),
            )
        )
        or 0
    )


def _corrections(count: int) -> str:
    return ngettext("%(num)s correction", "%(num)s corrections", count)


def bulk_page(ids: list[int], action: str, assignee_id: int | None, back: str) -> str:
    """What applying `action` to the ticked corrections will do, and the button that does it."""
    count = _corrections(len(ids))
    if action == "assign":
        editor = db.session.get(Editor, assignee_id) if assignee_id else None
        if editor:
            lines = [
                ngettext(
                    "%(num)s correction will be assigned to %(editor)s.",
                    "%(num)s corrections will be assigned to %(editor)s.",
                    len(ids),
                    editor=editor.name,
                )
            ]
        else:
            lines = [
                ngettext(
                    "%(num)s correction will be assigned to nobody.",
                    "%(num)s corrections will be assigned to nobody.",
                    len(ids),
                )
            ]
    elif action == "spam":
        lines = [
            ngettext(
                "%(num)s correction will be marked spam and leave the open list.",
                "%(num)s corrections will be marked spam and leave the open list.",
                len(ids),
            ),
            _("Nobody is told; reopening one brings it back."),
        ]
    else:
        lines = [
            ngettext(
                "%(num)s correction will be closed with no action.",
                "%(num)s corrections will be closed with no action.",
                len(ids),
            ),
            ngettext(
                "%(num)s reader who asked to be told will get a mail.",
                "%(num)s readers who asked to be told will get a mail.",
                _readers_told(ids),
            ),
        ]
    fields = [("ids", str(i)) for i in ids] + [
        ("action", action),
        ("back", back),
        ("assignee", str(assignee_id or "")),
    ]
    label = BULK_LABELS[action]
    return confirm(
        _("%(action)s: %(corrections)s?", action=label, corrections=count),
        lines,
        url_for("corrections_newsroom.triage_bulk"),
        _("%(action)s (%(corrections)s)", action=label, corrections=count),
        back,
        fields,
        danger=action != "assign",
    )


def merge_page(source: Correction, target: Correction) -> str:
    """What merging `source` into `target` will do, and the button that does it."""
    lines = [
        ngettext(
            "%(num)s report of #%(source)s moves to #%(target)s; #%(source)s becomes "
            "its duplicate and leaves the open list.",
            "%(num)s reports of #%(source)s move to #%(target)s; #%(source)s becomes "
            "its duplicate and leaves the open list.",
            source.report_count,
            source=source.id,
            target=target.id,
        )
    ]
    told = _readers_told([source.id])
    if told and target.status in ("corrected", "clarified", "no_action"):
        lines.append(
            ngettext(
                "#%(target)s is decided, so %(num)s reader who asked to be told will get its "
                "outcome now.",
                "#%(target)s is decided, so %(num)s readers who asked to be told will get its "
                "outcome now.",
                told,
                target=target.id,
            )
        )
    elif told:
        lines.append(
            ngettext(
                "%(num)s reader who asked to be told will hear when #%(target)s is decided.",
                "%(num)s readers who asked to be told will hear when #%(target)s is decided.",
                told,
                target=target.id,
            )
        )
    back = url_for("corrections_newsroom.triage_detail", correction_id=source.id)
    return confirm(
        _("Merge #%(source)s into #%(target)s?", source=source.id, target=target.id),
        lines,
        url_for("corrections_newsroom.triage_merge", correction_id=source.id),
        _("Merge into #%(target)s", target=target.id),
        back,
        [("target", str(target.id))],
    )
