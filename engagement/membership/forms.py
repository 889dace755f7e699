"""Forms: becoming a member or giving once on /support; in the newsroom the tier editor, granting
and revoking a membership, and processing a webhook event again."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from engagement.membership.grants import MAX_MONTHS
from engagement.membership.tiers import CURRENCIES

CUSTOM = "custom"
OTHER = "other"


class MembershipForm(FlaskForm):
    """A "Join" on a tier's card (or on "your own amount"), monthly or yearly.

    No email is asked: Stripe Checkout asks for it, or it comes from the signed-in patron. An
    `email` posted anyway (older forms, scripts) is checked and prefilled at Checkout.
    """

    kind = HiddenField(default="membership")
    nonce = HiddenField()
    interval = RadioField("How often", choices=[SelectChoice("month", "Monthly"),
                                                SelectChoice("year", "Yearly")],
                          default="month", validators=[DataRequired("Choose monthly or yearly.")])
    tier = HiddenField("Membership", validators=[DataRequired("Choose a membership.")])
    amount = StringField("Your own amount", validators=[Optional(), Length(max=20)])
    email = EmailField("Your email", validators=[
        Optional(), Email("Enter an email address such as name@example.org."), Length(max=254)])


class GiftForm(FlaskForm):
    """A one-time gift: a preset or another amount; Checkout asks for the email."""

    kind = HiddenField(default="gift")
    nonce = HiddenField()
    gift_preset = RadioField("Amount", validate_choice=False,
                             validators=[DataRequired("Choose an amount.")])
    gift_amount = StringField("Another amount", validators=[Optional(), Length(max=20)])
    gift_email = EmailField("Your email", validators=[
        Optional(), Email("Enter an email address such as name@example.org."), Length(max=254)])


class TierForm(FlaskForm):
    """An admin's tier editor; amounts in major units, blank for "not offered"."""

    name = StringField("Name", validators=[DataRequired("Give the tier a name."),
                                           Length(max=80)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    monthly_amount = StringField("Monthly amount", validators=[Length(max=20)])
    yearly_amount = StringField("Yearly amount", validators=[Length(max=20)])
    currency = SelectField("Currency", choices=[SelectChoice(c, c.upper()) for c in CURRENCIES],
                           default="eur")
    grants_voting = BooleanField("Grants the right to vote on topics (co-creators)", default=True)
    position = IntegerField("Order on the support page", default=0,
                            validators=[Optional(), NumberRange(min=0, max=1000)])
    active = BooleanField("On sale", default=True)
    submit = SubmitField("Save tier")


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class GrantForm(FlaskForm):
    """An admin's complimentary membership: who, which tier, how long, why."""

    email = EmailField("Email", validators=[DataRequired("Enter the patron's email."),
                                            Email("Enter a valid email address."),
                                            Length(max=254)])
    tier = SelectField("Tier", coerce=int, validators=[DataRequired("Choose a tier.")])
    months = IntegerField("Months (leave empty for no end)", validators=[
        Optional(), NumberRange(min=1, max=MAX_MONTHS)])
    reason = TextAreaField("Why", validators=[DataRequired("Say why (for the record)."),
                                              Length(max=2000)])
    submit = SubmitField("Grant membership")


class RevokeForm(FlaskForm):
    """End a complimentary membership now."""

    submit = SubmitField("Revoke")


class ProcessAgainForm(FlaskForm):
    """Run the handler again for a stored event."""

    submit = SubmitField("Process again")
