"""Forms of the triage pages: the list's filters (GET), bulk actions, and a correction's page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from engagement.corrections.listing import SORTS, TriageQuery
from engagement.corrections.models import STATUSES
from engagement.corrections.triage import NOTE_MAX
from engagement.edge import MAX_ID, SaneDate, parse_id

STATUS_LABELS = {
    "new": _l("New"),
    "in_review": _l("In review"),
    "corrected": _l("Corrected"),
    "clarified": _l("Clarified"),
    "no_action": _l("No action"),
    "spam": _l("Spam"),
    "duplicate": _l("Duplicate"),
}
# What the state buttons on a correction's page say.
MOVE_LABELS = {
    "in_review": _l("Start review"),
    "corrected": _l("Mark corrected"),
    "clarified": _l("Mark clarified"),
    "no_action": _l("No action"),
    "spam": _l("Spam"),
}
# What each bulk action is called on its confirmation page.
BULK_LABELS = {
    "spam": _l("Mark spam"),
    "no_action": _l("Close with no action"),
    "assign": _l("Assign to the editor below"),
}
REOPEN_LABEL = _l("Reopen")
# TRANSLATORS: %(max)d is a number of characters.
NOTE_TOO_LONG = _l("Keep the note under %(max)d characters.")


class FilterForm(FlaskForm):
    """The list's filters; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Keep the search under %(max)d characters.")),
        ],
    )
    status = SelectField(
        _l("Status"),
        default="open",
        choices=[
            SelectChoice("open", _l("Open (new and in review)")),
            SelectChoice("all", _l("Any status")),
            *[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES],
        ],
    )
    article = StringField(
        _l("Article URL or host"),
        validators=[
            Optional(),
            Length(max=2048, message=_l("Keep the address under %(max)d characters.")),
        ],
    )
    since = DateField(_l("Reported from"), validators=[Optional(), SaneDate()])
    until = DateField(_l("Reported until"), validators=[Optional(), SaneDate()])
    has_suggestion = BooleanField(_l("Only with a suggested wording"))
    sort = SelectField(
        _l("Sort"),
        default="newest",
        choices=[SelectChoice(key, label) for key, (_, _, label) in SORTS.items()],
    )

    def validate_until(self, field) -> None:
        """The range must not end before it starts."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Must be on or after the start date."))

    def as_query(self, after: str, before: str) -> TriageQuery:
        """The filters as the listing service takes them."""
        return TriageQuery(
            status=self.status.data or "open",
            article=self.article.data or "",
            since=self.since.data,
            until=self.until.data,
            has_suggestion=bool(self.has_suggestion.data),
            q=self.q.data or "",
            sort=self.sort.data or "newest",
            after=after,
            before=before,
        )


class BulkForm(FlaskForm):
    """One action for every ticked correction."""

    action = SelectField(
        _l("Action for the ticked corrections"),
        default="",
        choices=[
            SelectChoice("", _l("Choose an action…")),
            *[SelectChoice(key, label) for key, label in BULK_LABELS.items()],
        ],
        validators=[DataRequired(_l("Choose an action for the ticked corrections."))],
    )
    assignee = SelectField(_l("Editor"), choices=[], validate_choice=False)


class StatusForm(FlaskForm):
    """Move a correction: the button pressed names the new state.

    The page shows one note box (`note`) and a switch (`note_kind`): a public note goes to the
    public log and readers' mails, an internal one to the history. Without the switch, the
    fields keep their first meaning (`public_note` public, `note` internal).
    """

    note_kind = RadioField(
        _l("This note is"),
        default="public",
        validators=[Optional()],
        choices=[
            SelectChoice(
                "public",
                _l(
                    "Public note: what was wrong and what is right (shown in the "
                    "public log and in readers' mails; needed to mark it "
                    "corrected or clarified)"
                ),
            ),
            SelectChoice("internal", _l("Internal note (editors only, kept in the history)")),
        ],
    )
    duplicate_of = IntegerField(
        _l("Duplicate of correction number"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_ID, message=_l("Give a correction number.")),
        ],
    )
    public_note = TextAreaField(
        _l("Public note: what was wrong, and what is right"),
        validators=[Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )
    note = TextAreaField(
        _l("Note for the history (editors only, optional)"),
        validators=[Length(max=NOTE_MAX, message=NOTE_TOO_LONG)],
    )

    def notes(self) -> tuple[str, str | None]:
        """(internal note, public note or None to keep it) as the editor meant them."""
        text = self.note.data or ""
        if self.note_kind.raw_data and self.note_kind.data == "public":
            return "", text
        if self.note_kind.raw_data or not self.public_note.raw_data:
            return text, None
        return text, self.public_note.data


class AssignForm(FlaskForm):
    """Give the correction to an editor."""

    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=False)


class NoteForm(FlaskForm):
    """An editors-only note."""

    body = TextAreaField(
        _l("Internal note"),
        validators=[
            DataRequired(_l("Write the note first.")),
            Length(max=NOTE_MAX, message=NOTE_TOO_LONG),
        ],
    )


class MergeForm(FlaskForm):
    """Merge this correction into another one, by its number."""

    target = IntegerField(
        _l("Merge into correction number"),
        validators=[
            InputRequired(_l("Give the number of the other correction.")),
            NumberRange(min=1, max=MAX_ID, message=_l("Give a correction number.")),
        ],
    )


class StopMailsForm(FlaskForm):
    """Confirm that no more correction mails should come."""


def editor_choices(editors) -> list[SelectChoice]:
    """Choices for an assignee select: nobody, then each active editor."""
    return [SelectChoice("", _l("Nobody"))] + [SelectChoice(str(e.id), e.name) for e in editors]


def parse_assignee(raw: str | None) -> int | None:
    """The chosen editor's id, None for nobody; ValueError for anything else."""
    if raw in (None, ""):
        return None
    editor_id = parse_id(raw)
    if editor_id is None:
        raise ValueError(raw)
    return editor_id
