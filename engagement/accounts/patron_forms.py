"""Forms of the patron's side: asking for a sign-in link, using it, erasing one's data."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class MagicLinkRequestForm(FlaskForm):
    """The email to send a sign-in link to."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254, message=_l("Keep the address under %(max)s characters.", max=254)),
        ],
    )
    submit = SubmitField(_l("Email me a sign-in link"))


class MagicLinkSignInForm(FlaskForm):
    """The one button that uses a sign-in link (a GET never does)."""

    submit = SubmitField(_l("Sign in"))


class SignOutForm(FlaskForm):
    """Sign the patron out."""

    submit = SubmitField(_l("Sign out"))


class BillingForm(FlaskForm):
    """Open Stripe's customer portal."""

    submit = SubmitField(_l("Manage billing"))


class EraseStartForm(FlaskForm):
    """The first step of deleting one's data."""

    submit = SubmitField(_l("Delete my data…"))


class EraseConfirmForm(FlaskForm):
    """The second step: a checkbox that says the patron understands."""

    understood = BooleanField(
        _l("I understand that my personal data will be removed and I will be signed out."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my data now"))
