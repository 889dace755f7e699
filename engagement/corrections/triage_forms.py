"""Forms of the triage pages: the list's filters (GET), bulk actions, and a correction's page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
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
    "new": "New", "in_review": "In review", "corrected": "Corrected", "clarified": "Clarified",
    "no_action": "No action", "spam": "Spam", "duplicate": "Duplicate",
}
# What the state buttons on a correction's page say.
MOVE_LABELS = {
    "in_review": "Start review", "corrected": "Mark corrected", "clarified": "Mark clarified",
    "no_action": "Close with no action", "spam": "Mark spam",
}
REOPEN_LABEL = "Reopen"


class FilterForm(FlaskForm):
    """The list's filters; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional(), Length(max=200)])
    status = SelectField("Status", default="open", choices=[
        SelectChoice("open", "Open (new and in review)"), SelectChoice("all", "Any status"),
        *[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES]])
    article = StringField("Article URL or host", validators=[Optional(), Length(max=2048)])
    since = DateField("Reported from", validators=[Optional(), SaneDate()])
    until = DateField("Reported until", validators=[Optional(), SaneDate()])
    has_suggestion = BooleanField("Only with a suggested wording")
    sort = SelectField("Sort", default="newest",
                       choices=[SelectChoice(key, label)
                                for key, (_, _, label) in SORTS.items()])

    def validate_until(self, field) -> None:
        """The range must not end before it starts."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Must be on or after the start date.")

    def as_query(self, after: str, before: str) -> TriageQuery:
        """The filters as the listing service takes them."""
        return TriageQuery(
            status=self.status.data or "open", article=self.article.data or "",
            since=self.since.data, until=self.until.data,
            has_suggestion=bool(self.has_suggestion.data), q=self.q.data or "",
            sort=self.sort.data or "newest", after=after, before=before)


class BulkForm(FlaskForm):
    """One action for every ticked correction."""

    action = SelectField("Action for the ticked corrections", choices=[
        SelectChoice("spam", "Mark spam"), SelectChoice("no_action", "Close with no action"),
        SelectChoice("assign", "Assign to the editor below")])
    assignee = SelectField("Editor", choices=[], validate_choice=False)


class StatusForm(FlaskForm):
    """Move a correction: the button pressed names the new state."""

    public_note = TextAreaField(
        "Public note: what was wrong, and what is right",
        validators=[Length(max=NOTE_MAX)])
    note = TextAreaField("Note for the history (editors only, optional)",
                         validators=[Length(max=NOTE_MAX)])


class AssignForm(FlaskForm):
    """Give the correction to an editor."""

    assignee = SelectField("Assigned to", choices=[], validate_choice=False)


class NoteForm(FlaskForm):
    """An editors-only note."""

    body = TextAreaField("Internal note", validators=[DataRequired("Write the note first."),
                                                      Length(max=NOTE_MAX)])


class MergeForm(FlaskForm):
    """Merge this correction into another one, by its number."""

    target = IntegerField("Merge into correction number",
                          validators=[InputRequired("Give the number of the other correction."),
                                      NumberRange(min=1, max=MAX_ID,
                                                  message="Give a correction number.")])


class StopMailsForm(FlaskForm):
    """Confirm that no more correction mails should come."""


def editor_choices(editors) -> list[SelectChoice]:
    """Choices for an assignee select: nobody, then each active editor."""
    return [SelectChoice("", "Nobody")] + [SelectChoice(str(e.id), e.name) for e in editors]


def parse_assignee(raw: str | None) -> int | None:
    """The chosen editor's id, None for nobody; ValueError for anything else."""
    if raw in (None, ""):
        return None
    editor_id = parse_id(raw)
    if editor_id is None:
        raise ValueError(raw)
    return editor_id
