"""Forms: becoming a member or giving once on /support; in the newsroom the tier editor, granting
and revoking a membership, and processing a webhook event again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
    interval = RadioField(
        _l("How often"),
        choices=[SelectChoice("month", _l("Monthly")), SelectChoice("year", _l("Yearly"))],
        default="month",
        validators=[DataRequired(_l("Choose monthly or yearly."))],
    )
    tier = HiddenField(_l("Membership"), validators=[DataRequired(_l("Choose a membership."))])
    amount = StringField(_l("Your own amount"), validators=[Optional(), Length(max=20)])
    email = EmailField(
        _l("Your email"),
        validators=[
            Optional(),
            Email(_l("Enter an email address such as name@example.org.")),
            Length(max=254),
        ],
    )


class GiftForm(FlaskForm):
    """A one-time gift: a preset or another amount; Checkout asks for the email."""

    kind = HiddenField(default="gift")
    nonce = HiddenField()
    gift_preset = RadioField(
        _l("Amount"), validate_choice=False, validators=[DataRequired(_l("Choose an amount."))]
    )
    gift_amount = StringField(_l("Another amount"), validators=[Optional(), Length(max=20)])
    gift_email = EmailField(
        _l("Your email"),
        validators=[
            Optional(),
            Email(_l("Enter an email address such as name@example.org.")),
            Length(max=254),
        ],
    )


class TierForm(FlaskForm):
    """An admin's tier editor; amounts in major units, blank for "not offered"."""

    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the tier a name.")), Length(max=80)]
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    monthly_amount = StringField(_l("Monthly amount"), validators=[Length(max=20)])
    yearly_amount = StringField(_l("Yearly amount"), validators=[Length(max=20)])
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(c, c.upper()) for c in CURRENCIES], default="eur"
    )
    grants_voting = BooleanField(
        _l("Grants the right to vote on topics (co-creators)"), default=True
    )
    position = IntegerField(
        _l("Order on the support page"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=1000)],
    )
    active = BooleanField(_l("On sale"), default=True)
    submit = SubmitField(_l("Save tier"))


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class GrantForm(FlaskForm):
    """An admin's complimentary membership: who, which tier, how long, why."""

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter the patron's email.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    tier = SelectField(_l("Tier"), coerce=int, validators=[DataRequired(_l("Choose a tier."))])
    months = IntegerField(
        _l("Months (leave empty for no end)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_MONTHS)],
    )
    reason = TextAreaField(
        _l("Why"), validators=[DataRequired(_l("Say why (for the record).")), Length(max=2000)]
    )
    submit = SubmitField(_l("Grant membership"))


class RevokeForm(FlaskForm):
    """End a complimentary membership now."""

    submit = SubmitField(_l("Revoke"))


class ProcessAgainForm(FlaskForm):
    """Run the handler again for a stored event."""

    submit = SubmitField(_l("Process again"))
