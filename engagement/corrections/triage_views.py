"""Newsroom pages of triage: the corrections list with bulk actions, and a correction's page.

The routes are on the feature's newsroom blueprint, so the intake's mail link
`/newsroom/corrections/<id>` is `corrections_newsroom.triage_detail`.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from engagement.accounts.auth import editor_required
from engagement.corrections import annotation, listing, triage, triage_flow, wording
from engagement.corrections import trends as _trends
from engagement.corrections.blueprints import newsroom
from engagement.corrections.models import STATE_WORDS, Correction
from engagement.corrections.triage_forms import (
    BULK_LABELS,
    MOVE_LABELS,
    REOPEN_LABEL,
    STATUS_LABELS,
    AssignForm,
    BulkForm,
    FilterForm,
    MergeForm,
    NoteForm,
    StatusForm,
    editor_choices,
    parse_assignee,
)
from engagement.database import utcnow
from engagement.edge import parse_id
from engagement.errors import DomainError, InvalidInput, apply_domain_error
from engagement.extensions import db
from engagement.newsroom import registry


def _panel_context() -> dict:
    return {
        "counts": triage.counts_by_status(),
        "oldest_age": _trends.oldest_open_age(_trends.dashboard_now()),
        "labels": STATUS_LABELS,
    }


registry.register_nav(newsroom, _l("Corrections"), "corrections_newsroom.triage_list", order=20)
registry.register_panel(
    newsroom, "corrections", "corrections/newsroom/panel.html", _panel_context, order=20
)


@newsroom.get("/corrections")
@editor_required
def triage_list():
    """The corrections to triage, filtered, searched, sorted, a page at a time."""
    form = FilterForm(request.args)
    after, before = request.args.get("after", ""), request.args.get("before", "")
    status_code = 200
    page = listing.Page()
    if form.validate():
        try:
            page = listing.triage_page(form.as_query(after, before))
        except InvalidInput as error:
            flash(error.message, "error")
            status_code = 400
    else:
        status_code = 422
    return _render_list(form, page, BulkForm()), status_code


def _render_list(form: FilterForm, page: listing.Page, bulk: BulkForm) -> str:
    editors = triage.active_editors()
    bulk.assignee.choices = editor_choices(editors)
    args = {k: v for k, v in request.args.items() if k not in ("after", "before") and v}
    return render_template(
        "corrections/newsroom/list.html",
        form=form,
        page=page,
        bulk=bulk,
        args=args,
        labels=STATUS_LABELS,
        with_suggestion=listing.suggestion_counts(page.rows),
    )


@newsroom.get("/corrections/bulk")
@editor_required
def triage_bulk_confirm():
    """What the bulk action will do to the ticked corrections: the page that asks first."""
    back = request.args.get("back", "")
    back = back if back.startswith("/newsroom/corrections") else url_for(".triage_list")
    try:
        ids = sorted({_id(raw) for raw in request.args.getlist("ids")})
        assignee_id = parse_assignee(request.args.get("assignee"))
    except ValueError:
        ids, assignee_id = [], None
    action = request.args.get("action", "")
    if not ids or action not in BULK_LABELS:
        flash(
            _("Tick at least one correction and choose an action.")
            if action
            else _("Choose an action for the ticked corrections."),
            "error",
        )
        return redirect(back)
    return triage_flow.bulk_page(ids, action, assignee_id, back)


@newsroom.post("/corrections/bulk")
@editor_required
def triage_bulk():
    """Apply one action (spam, no action, assign) to every ticked correction."""
    bulk = BulkForm()
    back = request.form.get("back", "")
    back = back if back.startswith("/newsroom/corrections") else url_for(".triage_list")
    if not bulk.validate_on_submit():
        return _bulk_refused(bulk, _("Choose one of the offered actions."))
    try:
        ids = sorted({_id(raw) for raw in request.form.getlist("ids")})
        assignee_id = parse_assignee(bulk.assignee.data)
    except ValueError:
        return _bulk_refused(bulk, _("The ticked corrections or the editor are not valid."))
    try:
        result = triage.apply_bulk(ids, bulk.action.data, current_user, assignee_id)
    except DomainError as error:
        return _bulk_refused(bulk, error.message, error.status)
    db.session.commit()
    message = ngettext(
        "Done for %(num)s correction.", "Done for %(num)s corrections.", len(result.done)
    )
    if result.skipped:
        message += " " + _(
            "Left as they were (the action does not apply to their state): %(numbers)s.",
            numbers=", ".join(f"#{i}" for i in result.skipped),
        )
    flash(message, "success")
    return redirect(back)


def _id(raw: str) -> int:
    number = parse_id(raw)
    if number is None:
        raise ValueError(raw)
    return number


def _bulk_refused(bulk: BulkForm, message: str, status: int = 422):
    db.session.rollback()
    form = FilterForm(request.args)
    form.validate()
    bulk.form_errors.append(message)
    return _render_list(form, listing.triage_page(form.as_query("", "")), bulk), status


@newsroom.get("/corrections/<int:correction_id>")
@editor_required
def triage_detail(correction_id: int):
    """One correction: the passage, every report, history, notes and the editor's actions."""
    return _render_detail(correction_id)


@newsroom.get("/corrections/<int:correction_id>/annotation.json")
@editor_required
def triage_annotation(correction_id: int):
    """The correction as a W3C Web Annotation (JSON-LD), to move it to an annotation tool."""
    response = jsonify(annotation.web_annotation(triage.detail(correction_id)))
    response.headers["Content-Type"] = annotation.MEDIA_TYPE
    return response


def _render_detail(correction_id: int, status_code: int = 200, **forms):
    correction = triage.detail(correction_id)
    editors = triage.active_editors()
    assign_form = forms.get("assign_form") or AssignForm(assignee=str(correction.assignee_id or ""))
    assign_form.assignee.choices = editor_choices(editors)
    suggestions = wording.suggestions_of(correction)
    status_form = forms.get("status_form") or _status_form(
        correction, wording.chosen(suggestions, request.args.get("wording"))
    )
    moves = [
        (s, REOPEN_LABEL if not correction.is_open else MOVE_LABELS[s])
        for s in correction.next_statuses
    ]
    return render_template(
        "corrections/newsroom/detail.html",
        correction=correction,
        suggestions=suggestions,
        next_id=triage_flow.next_open(correction),
        prev_id=triage_flow.previous_open(correction),
        notes=triage.notes_of(correction),
        fragment_url=triage.fragment_url(correction),
        labels=STATUS_LABELS,
        moves=moves,
        now=utcnow(),
        status_form=status_form,
        assign_form=assign_form,
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        merge_form=forms.get("merge_form") or MergeForm(formdata=None),
    ), status_code


def _status_form(correction, suggestion: wording.Suggestion | None) -> StatusForm:
    if suggestion is not None:  # "Use this wording" without JavaScript: a draft public note
        return StatusForm(
            formdata=None,
            note_kind="public",
            note=_(
                "We wrote “%(passage)s”. It should read “%(wording)s”.",
                passage=correction.quote_text,
                wording=suggestion.text,
            ),
        )
    if correction.is_open:
        return StatusForm(formdata=None, note=correction.public_note, note_kind="public")
    return StatusForm(formdata=None, note="", note_kind="internal")  # e.g. why it is reopened


def _refused(correction_id: int, form_name: str, form, error: DomainError):
    db.session.rollback()
    apply_domain_error(form, error, form_level=True)
    return _render_detail(correction_id, error.status, **{form_name: form})


def _done(correction_id: int, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".triage_detail", correction_id=correction_id))


@newsroom.post("/corrections/<int:correction_id>/status")
@editor_required
def triage_status(correction_id: int):
    """Move the correction to the state named by the button pressed."""
    correction = triage.get_correction(correction_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_detail(correction_id, 422, status_form=form)
    status = request.form.get("status", "")
    if status == "duplicate":
        return _duplicate(correction, form)
    note, public_note = form.notes()
    try:
        triage.change_status(correction, status, current_user, note=note, public_note=public_note)
    except DomainError as error:
        return _refused(correction_id, "status_form", form, error)
    done = _(
        "Correction #%(number)s is now %(state)s.", number=correction_id, state=STATE_WORDS[status]
    )
    if request.form.get("back") == "list":  # a key pressed on the list: back to the list
        db.session.commit()
        flash(done, "success")
        return redirect(url_for(".triage_list"))
    if status == "in_review" or request.form.get("stay"):
        return _done(correction_id, done)
    return _next(correction, done)


def _duplicate(correction, form: StatusForm):
    if not form.duplicate_of.data:
        return _refused(
            correction.id,
            "status_form",
            form,
            InvalidInput(
                _("Give the number of the correction this one repeats."), field="duplicate_of"
            ),
        )
    return redirect(
        url_for(".triage_merge_confirm", correction_id=correction.id, target=form.duplicate_of.data)
    )


def _next(correction, message: str):
    """After a decision, the next open correction opens (or the list, when none is left)."""
    db.session.commit()
    following = triage_flow.next_open(correction)
    if following is None:
        flash(f"{message} {_('No open correction is left.')}", "success")
        return redirect(url_for(".triage_list"))
    flash(f"{message} {_('Here is the next open one.')}", "success")
    return redirect(url_for(".triage_detail", correction_id=following))


@newsroom.post("/corrections/<int:correction_id>/assign")
@editor_required
def triage_assign(correction_id: int):
    """Give the correction to an editor (or to nobody)."""
    correction = triage.get_correction(correction_id)
    form = AssignForm()
    form.assignee.choices = editor_choices(triage.active_editors())
    if not form.validate_on_submit():
        return _render_detail(correction_id, 422, assign_form=form)
    if form.assignee.data == "me":
        form.assignee.data = str(current_user.id)
    try:
        triage.assign(correction, parse_assignee(form.assignee.data))
    except ValueError:
        return _refused(
            correction_id,
            "assign_form",
            form,
            InvalidInput(_("Choose an editor from the list."), field="assignee"),
        )
    except DomainError as error:
        return _refused(correction_id, "assign_form", form, error)
    if correction.assignee:
        message = _(
            "Correction #%(number)s is assigned to %(editor)s.",
            number=correction_id,
            editor=correction.assignee.name,
        )
    else:
        message = _("Correction #%(number)s is assigned to nobody.", number=correction_id)
    if request.form.get("back") == "list":
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(".triage_list"))
    return _done(correction_id, message)


@newsroom.post("/corrections/<int:correction_id>/notes")
@editor_required
def triage_note(correction_id: int):
    """Keep an internal note on the correction."""
    correction = triage.get_correction(correction_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(correction_id, 422, note_form=form)
    try:
        triage.add_note(correction, current_user, form.body.data)
    except DomainError as error:
        return _refused(correction_id, "note_form", form, error)
    return _done(correction_id, _("Your note is kept."))


@newsroom.get("/corrections/<int:correction_id>/merge")
@editor_required
def triage_merge_confirm(correction_id: int):
    """What merging into the chosen correction will do: the page that asks first."""
    correction = triage.get_correction(correction_id)
    form = MergeForm(request.args, meta={"csrf": False})
    target = db.session.get(Correction, form.target.data) if form.validate() else None
    if target is None or target.id == correction.id or not correction.is_open:
        form.target.errors = list(form.target.errors) or [
            _("Only a new or in-review correction can be merged.")
            if not correction.is_open
            else _("Give the number of another correction.")
        ]
        return _render_detail(correction_id, 422, merge_form=form)
    return triage_flow.merge_page(correction, target)


@newsroom.post("/corrections/<int:correction_id>/merge")
@editor_required
def triage_merge(correction_id: int):
    """Move this correction's reports into another and close it as a duplicate."""
    correction = triage.get_correction(correction_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _render_detail(correction_id, 422, merge_form=form)
    try:
        target = triage.merge_into(correction, form.target.data, current_user)
    except DomainError as error:
        return _refused(correction_id, "merge_form", form, error)
    db.session.commit()
    flash(
        _(
            "Correction #%(number)s is merged into #%(target)s.",
            number=correction_id,
            target=target.id,
        ),
        "success",
    )
    return redirect(url_for(".triage_detail", correction_id=target.id))
