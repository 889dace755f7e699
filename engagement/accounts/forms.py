"""Forms for signing in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class EditorLoginForm(FlaskForm):
    """An editor's email and password."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=500, message=_l("Keep the password under %(max)s characters.", max=500)),
        ],
    )
    submit = SubmitField(_l("Sign in"))
