"""Forms of the patron's side: asking for a sign-in link, using it, erasing one's data."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class MagicLinkRequestForm(FlaskForm):
    """The email to send a sign-in link to."""

    email = EmailField("Email", validators=[
        DataRequired("Enter your email address."),
        Email("Enter a valid email address."), Length(max=254)])
    submit = SubmitField("Email me a sign-in link")


class MagicLinkSignInForm(FlaskForm):
    """The one button that uses a sign-in link (a GET never does)."""

    submit = SubmitField("Sign in")


class SignOutForm(FlaskForm):
    """Sign the patron out."""

    submit = SubmitField("Sign out")


class BillingForm(FlaskForm):
    """Open Stripe's customer portal."""

    submit = SubmitField("Manage billing")


class EraseStartForm(FlaskForm):
    """The first step of deleting one's data."""

    submit = SubmitField("Delete my data…")


class EraseConfirmForm(FlaskForm):
    """The second step: a checkbox that says the patron understands."""

    understood = BooleanField(
        "I understand that my personal data will be removed and I will be signed out.",
        validators=[DataRequired("Tick the box to confirm.")])
    submit = SubmitField("Delete my data now")
