"""The editors' notification settings form: one choice per kind of news."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from engagement.notifications.preferences import KINDS, MODES


class NotificationSettingsForm(FlaskForm):
    """At once, daily digest or off, for each kind (fields are added below, one per kind)."""

    submit = SubmitField(_l("Save settings"))

    def kind_fields(self):
        """(kind, field) pairs in the order of KINDS."""
        return [(kind, self[kind]) for kind in KINDS]


for _kind, _label in KINDS.items():
    setattr(
        NotificationSettingsForm,
        _kind,
        RadioField(
            _label,
            choices=[SelectChoice(value, label) for value, label in MODES.items()],
            validators=[InputRequired(message=_l("Choose one of the options."))],
        ),
    )


class RetryForm(FlaskForm):
    """The "Retry now" button (only its CSRF token)."""

    submit = SubmitField(_l("Retry now"))
