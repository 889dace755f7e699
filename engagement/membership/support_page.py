"""The /support page: a card per tier with its own "Join", "your own amount" and a one-time
gift, each a plain form; which card an error belongs to, and the summary at the top."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, render_template, request
from flask_babel import gettext as _

from engagement.accounts.auth import current_patron
from engagement.formatting import money
from engagement.membership.checkout import GIFT_PRESETS
from engagement.membership.forms import CUSTOM, OTHER, GiftForm, MembershipForm, choices
from engagement.membership.models import Tier

OWN_CARD = "own-amount"
GIFT_CARD = "gift"
# Fields shown beside their own input; every other error shows under its card's button.
INLINE_FIELDS = {"amount": "amount", "gift_amount": "gift_amount", "gift_preset": "gift-amounts"}


@dataclass(frozen=True)
class Saving:
    """What paying yearly saves against twelve monthly payments."""

    amount: int
    percent: int


def saving(tier: Tier) -> Saving | None:
    """The yearly saving of a tier offered both ways, or None."""
    if not tier.monthly_amount or not tier.yearly_amount:
        return None
    saved = tier.monthly_amount * 12 - tier.yearly_amount
    if saved <= 0:
        return None
    return Saving(saved, round(100 * saved / (tier.monthly_amount * 12)))


def chosen_interval() -> str:
    """The interval the page shows: from the posted form, else `?interval=`, else monthly."""
    value = request.form.get("interval") or request.args.get("interval")
    return value if value in ("month", "year") else "month"


def build_forms() -> tuple[MembershipForm, GiftForm]:
    """The two forms, bound to the post when it is theirs, with fresh nonces otherwise."""
    posted = request.method == "POST"
    kind = request.form.get("kind") if posted else None
    membership = MembershipForm(formdata=request.form if kind == "membership" else None)
    gift = GiftForm(formdata=request.form if kind == "gift" else None)
    currency = current_app.config["SUPPORT_CURRENCY"]
    gift.gift_preset.choices = choices(
        [(str(a), money(a, currency)) for a in GIFT_PRESETS] + [(OTHER, _("Another amount"))]
    )
    if kind != "membership":
        membership.nonce.data = secrets.token_urlsafe(16)
    if kind != "gift":
        gift.gift_preset.data = gift.gift_preset.data or str(GIFT_PRESETS[1])
        gift.nonce.data = secrets.token_urlsafe(16)
    return membership, gift


def failed_card(kind: str | None, form, tiers: list[Tier]) -> str | None:
    """The id of the card whose form was posted and refused (None: no such card)."""
    if kind == "gift":
        return GIFT_CARD
    if kind != "membership":
        return None
    slug = form.tier.data or ""
    if slug == CUSTOM:
        return OWN_CARD
    return f"tier-{slug}" if any(tier.slug == slug for tier in tiers) else None


def summary(form, card: str | None) -> list[tuple[str, str]]:
    """(anchor, message) for every error of the posted form, for the summary at the top."""
    if form is None:
        return []
    return [
        (INLINE_FIELDS.get(name) or card or "support-title", message)
        for name, messages in form.errors.items()
        if name != "csrf_token"
        for message in messages
    ]


def render_support(
    membership: MembershipForm,
    gift: GiftForm,
    tiers: list[Tier],
    status: int = 200,
    error: str | None = None,
):
    """The page, with the refused card's errors beside it and in a summary that takes focus."""
    config = current_app.config
    kind = request.form.get("kind") if request.method == "POST" else None
    form = {"membership": membership, "gift": gift}.get(kind)
    card = failed_card(kind, form, tiers)
    patron = current_patron()
    return render_template(
        "membership/support.html",
        form=membership,
        gift=gift,
        tiers=tiers,
        error=error,
        interval=chosen_interval(),
        failed=card,
        errors=summary(form, card),
        card_errors=_card_errors(form),
        saving=saving,
        best_saving=max((s.percent for s in map(saving, tiers) if s), default=0),
        patron_email=patron.email if patron else None,
        custom=CUSTOM,
        other=OTHER,
        min_amount=money(config["SUPPORT_MIN_AMOUNT"], config["SUPPORT_CURRENCY"]),
        max_amount=money(config["SUPPORT_MAX_AMOUNT"], config["SUPPORT_CURRENCY"]),
        currency_symbol=money(100, config["SUPPORT_CURRENCY"]).replace("1", "").strip(),
    ), status


def _card_errors(form) -> list[tuple[str, str]]:
    """(field, message) of the errors shown under the card's button (not beside an input)."""
    if form is None:
        return []
    return [
        (name, " ".join(map(str, messages)))
        for name, messages in form.errors.items()
        if name not in INLINE_FIELDS and name != "csrf_token"
    ]
