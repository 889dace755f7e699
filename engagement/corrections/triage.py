"""Triage: editors move corrections between states, assign, annotate and merge them; readers
who asked are told of the outcome once. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from engagement.accounts.models import Editor, normalise_email
from engagement.corrections import grouping
from engagement.corrections.models import (
    OPEN_STATUSES,
    STATUSES,
    Correction,
    CorrectionEvent,
    CorrectionNote,
    Report,
)
from engagement.database import utcnow
from engagement.errors import Conflict, InvalidInput, NotFound
from engagement.extensions import db
from engagement.notifications import enqueue
from engagement.urls import public_url

# Reporters who asked to be told hear of these outcomes. A duplicate's reports move to the
# correction it was merged into, so they hear when that one is decided; spam never mails.
TELL_READERS = ("corrected", "clarified", "no_action")
BULK_ACTIONS = ("spam", "no_action", "assign")
NOTE_MAX = 4000
STOP_SALT = "corrections-stop-mails"
STOP_MAX_AGE = 400 * 24 * 3600  # a link in an old mail still works for more than a year


def get_correction(correction_id: int) -> Correction:
    """The correction with this id, or NotFound."""
    correction = db.session.get(Correction, correction_id)
    if correction is None:
        raise NotFound(_("There is no correction with this number."))
    return correction


def detail(correction_id: int) -> Correction:
    """A correction with its reports, history and notes loaded for its page."""
    correction = db.session.scalar(
        select(Correction)
        .where(Correction.id == correction_id)
        .options(
            selectinload(Correction.reports),
            selectinload(Correction.events).joinedload(CorrectionEvent.editor),
        )
    )
    if correction is None:
        raise NotFound(_("There is no correction with this number."))
    return correction


def notes_of(correction: Correction) -> list[CorrectionNote]:
    """The editors' notes on a correction, oldest first."""
    return list(
        db.session.scalars(
            select(CorrectionNote)
            .where(CorrectionNote.correction_id == correction.id)
            .order_by(CorrectionNote.id)
        )
    )


def active_editors() -> list[Editor]:
    """Editors a correction may be assigned to."""
    return list(
        db.session.scalars(
            select(Editor)
            .where(Editor.active.is_(True))
            .order_by(Editor.display_name, Editor.email)
        )
    )


def passage_of(correction: Correction) -> grouping.Passage:
    """The correction's passage, for its text-fragment link."""
    return grouping.Passage(
        correction.quote_exact,
        correction.quote_prefix,
        correction.quote_suffix,
        correction.position_start,
        correction.position_end,
    )


def fragment_url(correction: Correction) -> str:
    """The article's URL that scrolls to and highlights the passage."""
    return grouping.text_fragment_url(correction.article_url, passage_of(correction))


def _check_no_open_twin(correction: Correction) -> None:
    # Reopening must not make two open corrections of one passage (the intake's unique index).
    twin = db.session.scalar(
        select(Correction.id).where(
            Correction.article_url == correction.article_url,
            Correction.anchor_key == correction.anchor_key,
            Correction.status.in_(OPEN_STATUSES),
            Correction.id != correction.id,
        )
    )
    if twin is not None:
        raise Conflict(
            _(
                "Correction #%(number)s is open for the same passage; merge this one "
                "into it instead of reopening.",
                number=twin,
            ),
            field="status",
        )


def change_status(
    correction: Correction,
    status: str,
    editor: Editor,
    note: str = "",
    public_note: str | None = None,
) -> CorrectionEvent:
    """Move a correction to `status` (the model refuses invalid moves); tell readers if closed."""
    if len(note) > NOTE_MAX or len(public_note or "") > NOTE_MAX:
        raise InvalidInput(
            _("Keep notes under %(max)d characters.", max=NOTE_MAX),
            field="note" if len(note) > NOTE_MAX else "public_note",
        )
    if status == "in_review" and not correction.is_open:
        _check_no_open_twin(correction)
    event = correction.move_to(status, editor.id, note=note, public_note=public_note)
    db.session.add(event)
    db.session.flush()
    if status in TELL_READERS:
        tell_reporters(correction)
    return event


def _check_assignee(assignee_id: int | None) -> None:
    if assignee_id is not None:
        editor = db.session.get(Editor, assignee_id)
        if editor is None or not editor.active:
            raise InvalidInput(_("Choose an editor from the list."), field="assignee")


def assign(correction: Correction, assignee_id: int | None) -> None:
    """Give the correction to an active editor, or to nobody (None)."""
    _check_assignee(assignee_id)
    correction.assignee_id = assignee_id
    db.session.flush()


def add_note(correction: Correction, editor: Editor, body: str) -> CorrectionNote:
    """Keep an editors-only note on the correction."""
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write the note first."), field="body")
    if len(body) > NOTE_MAX:
        raise InvalidInput(_("Keep the note under %(max)d characters.", max=NOTE_MAX), field="body")
    note = CorrectionNote(
        correction_id=correction.id, editor_id=editor.id, body=body, created_at=utcnow()
    )
    db.session.add(note)
    db.session.flush()
    return note


def merge_into(source: Correction, target_id: int, editor: Editor) -> Correction:
    """Move every report of `source` to the target; `source` becomes its duplicate."""
    if target_id == source.id:
        raise InvalidInput(_("A correction cannot be merged into itself."), field="target")
    target = db.session.get(Correction, target_id)
    if target is None:
        raise InvalidInput(
            _("There is no correction #%(number)s.", number=target_id), field="target"
        )
    # Refuses a closed source or a duplicate target.
    db.session.add(source.mark_duplicate_of(target, editor.id))
    moved = db.session.execute(
        update(Report)
        .where(Report.correction_id == source.id)
        .values(correction_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    target.report_count = target.report_count + source.report_count
    target.first_reported_at = min(target.first_reported_at, source.first_reported_at)
    target.last_reported_at = max(target.last_reported_at, source.last_reported_at)
    source.report_count = 0
    db.session.add(
        CorrectionEvent(
            correction_id=target.id,
            editor_id=editor.id,
            from_status=target.status,
            to_status=target.status,
            note=f"Merged #{source.id} here ({moved} reports).",
            created_at=utcnow(),
        )
    )
    db.session.flush()
    db.session.expire(source, ["reports"])
    db.session.expire(target, ["reports"])
    if target.status in TELL_READERS:
        tell_reporters(target)  # the moved reporters hear now; the others were told already
    return target


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: the corrections changed and those left as they were."""

    done: list[int]
    skipped: list[int]


def apply_bulk(
    ids: list[int], action: str, editor: Editor, assignee_id: int | None = None
) -> BulkResult:
    """Mark spam, close with no action, or assign many corrections at once."""
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("Choose an action."), field="action")
    if not ids:
        raise InvalidInput(_("Tick at least one correction."), field="ids")
    corrections = list(
        db.session.scalars(select(Correction).where(Correction.id.in_(ids)).order_by(Correction.id))
    )
    done, skipped = [], []
    if action == "assign":
        _check_assignee(assignee_id)
        for correction in corrections:
            correction.assignee_id = assignee_id
            done.append(correction.id)
    else:
        for correction in corrections:
            if action in correction.next_statuses:
                change_status(correction, action, editor, note="Bulk action")
                done.append(correction.id)
            else:
                skipped.append(correction.id)
    db.session.flush()
    return BulkResult(done, skipped + sorted(set(ids) - {c.id for c in corrections}))


# --- telling readers ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=STOP_SALT)


def stop_token(email: str) -> str:
    """A signed token that lets the holder of `email` stop correction mails."""
    return _serializer().dumps({"email": normalise_email(email)})


def email_from_stop_token(token: str) -> str:
    """The email a stop token was made for; NotFound when it was not made here or is too old."""
    try:
        data = _serializer().loads(token, max_age=STOP_MAX_AGE)
    except BadSignature:
        raise NotFound(_("This link is not valid (it may be incomplete or too old).")) from None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise NotFound(_("This link is not valid (it may be incomplete or too old)."))
    return data["email"]


def stop_mails(email: str) -> int:
    """Stop every pending "your report led to ..." mail for this email; how many reports."""
    return db.session.execute(
        update(Report)
        .where(func.lower(Report.email) == normalise_email(email), Report.notify.is_(True))
        .values(notify=False)
        .execution_options(synchronize_session=False)
    ).rowcount


def _public_url(endpoint: str, **values) -> str:
    return public_url(endpoint, **values)


def tell_reporters(correction: Correction) -> int:
    """Queue one mail per report whose reader asked to be told (never twice for a report)."""
    reports = db.session.scalars(
        select(Report)
        .where(
            Report.correction_id == correction.id,
            Report.notify.is_(True),
            Report.email.is_not(None),
            Report.is_spam.is_(False),
        )
        .order_by(Report.id)
    )
    queued = 0
    article_link = (
        fragment_url(correction) if correction.status != "corrected" else (correction.article_url)
    )
    for report in reports:
        email = enqueue(
            "correction_resolved",
            report.email,
            dedupe_key=f"correction-resolved:{report.id}",
            language=report.lang,
            correction=correction,
            report=report,
            article_link=article_link,
            log_url=_public_url("corrections.public_log"),
            stop_url=_public_url("corrections.stop_mails", token=stop_token(report.email)),
        )
        queued += email is not None
    return queued


# --- dashboard ------------------------------------------------------------------------------


def counts_by_status() -> dict[str, int]:
    """How many corrections are in each state (every state listed, zeros included)."""
    counts = dict.fromkeys(STATUSES, 0)
    rows = db.session.execute(select(Correction.status, func.count()).group_by(Correction.status))
    counts.update({status: count for status, count in rows})
    return counts


def oldest_unhandled_age(now: datetime | None = None) -> timedelta | None:
    """How long the oldest new or in-review correction has waited (None when none waits)."""
    oldest = db.session.scalar(
        select(Correction.first_reported_at)
        .where(Correction.status.in_(OPEN_STATUSES))
        .order_by(Correction.first_reported_at, Correction.id)
        .limit(1)
    )
    if oldest is None:
        return None
    return (now or utcnow()) - oldest
