"""Forms of the voting feature: a round, a topic, a suggestion."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from engagement.edge import IdRange, SaneDate
from engagement.formatting import newsroom_zone
from engagement.voting.curation import RoundData

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local: datetime) -> datetime:
    """A time typed in the newsroom's zone, as an aware UTC datetime."""
    return local.replace(tzinfo=newsroom_zone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware time as the newsroom's wall clock (naive, for the form)."""
    return moment.astimezone(newsroom_zone()).replace(tzinfo=None, second=0, microsecond=0)


class RoundForm(FlaskForm):
    """An editor's round: what, when, how many votes, who votes, what readers see."""

    title = StringField(
        lazy_gettext("Title"),
        validators=[
            DataRequired(lazy_gettext("Give the round a title.")),
            Length(max=200, message=lazy_gettext("Keep the title under 200 characters.")),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Description (shown to readers)"),
        validators=[
            Length(max=4000, message=lazy_gettext("Keep the description under 4000 characters."))
        ],
    )
    opens_at = DateTimeLocalField(
        lazy_gettext("Opens at"),
        format=TIME_FORMAT,
        validators=[
            InputRequired(lazy_gettext("Say when voting opens, as a date and time.")),
            SaneDate(),
        ],
    )
    closes_at = DateTimeLocalField(
        lazy_gettext("Closes at"),
        format=TIME_FORMAT,
        validators=[
            InputRequired(lazy_gettext("Say when voting closes, as a date and time.")),
            SaneDate(),
        ],
    )
    vote_budget = IntegerField(
        lazy_gettext("Votes per co-creator"),
        default=3,
        validators=[
            InputRequired(lazy_gettext("Give each co-creator a number of votes.")),
            NumberRange(
                min=1,
                max=100,
                message=lazy_gettext("Give each co-creator between 1 and 100 votes."),
            ),
        ],
    )
    results_visibility = RadioField(
        lazy_gettext("Results"),
        default="live",
        choices=[
            SelectChoice("live", lazy_gettext("Live: readers see the counts while voting is open")),
            SelectChoice("sealed", lazy_gettext("Sealed: counts appear only after the close")),
        ],
        validators=[DataRequired(lazy_gettext("Choose live or sealed results."))],
    )
    allow_suggestions = BooleanField(lazy_gettext("Co-creators may suggest topics"), default=True)
    tier_ids = SelectMultipleField(
        lazy_gettext("Tiers whose members may vote"),
        coerce=int,
        validate_choice=False,
        validators=[IdRange()],
    )
    submit = SubmitField(lazy_gettext("Save round"))

    def data_for_service(self) -> RoundData:
        """The parsed round, times in UTC."""
        return RoundData(
            title=self.title.data or "",
            description=self.description.data or "",
            opens_at=to_utc(self.opens_at.data),
            closes_at=to_utc(self.closes_at.data),
            vote_budget=self.vote_budget.data,
            results_visibility=self.results_visibility.data,
            allow_suggestions=bool(self.allow_suggestions.data),
            tier_ids=list(self.tier_ids.data or []),
        )


class TopicForm(FlaskForm):
    """A topic's title and description."""

    title = StringField(
        lazy_gettext("Topic title"),
        validators=[
            DataRequired(lazy_gettext("Give the topic a title.")),
            Length(max=200, message=lazy_gettext("Keep the title under 200 characters.")),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Topic description"),
        validators=[
            Optional(),
            Length(max=4000, message=lazy_gettext("Keep the description under 4000 characters.")),
        ],
    )
    submit = SubmitField(lazy_gettext("Save topic"))


class SuggestionForm(FlaskForm):
    """A co-creator's suggestion for a round."""

    round_id = HiddenField()
    title = StringField(
        lazy_gettext("Your topic"),
        validators=[
            DataRequired(lazy_gettext("Say what the topic is.")),
            Length(max=200, message=lazy_gettext("Keep the title under 200 characters.")),
        ],
    )
    description = TextAreaField(
        lazy_gettext("Why it matters (optional)"),
        validators=[
            Optional(),
            Length(max=4000, message=lazy_gettext("Keep it under 4000 characters.")),
        ],
    )
    submit = SubmitField(lazy_gettext("Suggest this topic"))
