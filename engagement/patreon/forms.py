"""Forms of the Patreon page: the tier mapping and the members export upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class MappingForm(FlaskForm):
    """Save the tier mapping (one select per Patreon tier, named `tier-<id>`)."""

    submit = SubmitField(_l("Save the mapping"))


class ImportForm(FlaskForm):
    """Upload Patreon's members export."""

    file = FileField(
        _l("Patreon's members export (CSV, up to 20 MB)"),
        validators=[FileRequired(_l("Choose the CSV file Patreon exported."))],
    )
    submit = SubmitField(_l("Import"))


class ProcessDeliveryForm(FlaskForm):
    """Apply a stored Patreon delivery again."""

    submit = SubmitField(_l("Process again"))
