"""Starting a Stripe Checkout: a tier (monthly or yearly), your own amount monthly, or a gift."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from engagement.accounts.models import normalise_email
from engagement.database import utcnow
from engagement.errors import InvalidInput
from engagement.extensions import db
from engagement.formatting import money
from engagement.membership import stripe_sync
from engagement.membership.models import Tier
from engagement.membership.stripe_gateway import Gateway, GatewayError
from engagement.membership.tiers import (
    CUSTOM_PRODUCT_ID,
    GIFT_PRODUCT_ID,
    ensure_product,
    interval_offered,
    sync_tier,
)
from engagement.notifications import enqueue
from engagement.urls import public_url

GIFT_PRESETS = (1000, 2500, 5000)


@dataclass
class CheckoutRequest:
    """What the reader chose on /support."""

    kind: str  # "membership" (a tier), "custom" (own amount) or "gift" (one time)
    email: str | None  # None: Stripe Checkout asks for it
    tier: Tier | None = None
    interval: str = "month"
    amount: int | None = None  # minor units, for "custom" and "gift"
    nonce: str = ""


def find_tier(slug: str | None) -> Tier:
    """An active tier by slug; InvalidInput on the `tier` field otherwise."""
    tier = db.session.scalar(select(Tier).where(Tier.slug == (slug or ""), Tier.active.is_(True)))
    if tier is None:
        raise InvalidInput(_("Choose one of the tiers."), field="tier")
    return tier


def check_amount(amount: int | None, field: str) -> int:
    """Refuse amounts outside SUPPORT_MIN_AMOUNT..SUPPORT_MAX_AMOUNT, naming the field."""
    low = current_app.config["SUPPORT_MIN_AMOUNT"]
    high = current_app.config["SUPPORT_MAX_AMOUNT"]
    currency = current_app.config["SUPPORT_CURRENCY"]
    if amount is None:
        raise InvalidInput(_("Enter an amount."), field=field)
    if amount < low:
        raise InvalidInput(
            _("The smallest amount is %(amount)s.", amount=money(low, currency)), field=field
        )
    if amount > high:
        raise InvalidInput(
            _("The largest amount is %(amount)s.", amount=money(high, currency)), field=field
        )
    return amount


def tell_a_live_member(email: str) -> None:
    """A checkout for an address with a live membership goes on like any other (the answer must
    not tell who is a member: issue 14, item 6); the address gets a mail, at most one a day,
    saying it already supports us and where to manage that, in case a second one is a mistake.
    A second subscription that does get paid is left to the editors (see
    stripe_sync.sync_subscription).
    """
    patron = stripe_sync.find_patron(email=email)
    membership = stripe_sync.live_membership(patron) if patron and patron.email else None
    if membership is None:
        return
    day = utcnow().date().isoformat()
    enqueue(
        "membership_already",
        patron.email,
        f"membership-already:{_email_ref(email)}:{day}",
        patron=patron,
        membership=membership,
        account_url=public_url("accounts.patron_account"),
    )


def _idempotency_key(order: CheckoutRequest, params: dict) -> str:
    # The form's nonce makes a double click one checkout, while a new visit gets a new one. The
    # parameters are part of the key: the same key with other parameters (say the address has
    # become a Stripe customer since) would make Stripe refuse, and that refusal would tell
    # whoever asks that the address now belongs to a patron (issue 14, item 6).
    parts = [
        order.kind,
        order.email or "",
        order.tier.slug if order.tier else "",
        order.interval,
        str(order.amount or ""),
        order.nonce,
        json.dumps(params, sort_keys=True),
    ]
    return "engagement-checkout-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _line_item(gw: Gateway, order: CheckoutRequest, currency: str) -> tuple[dict, dict]:
    """The line item and the metadata naming what is bought."""
    if order.kind == "membership":
        tier = order.tier
        if not interval_offered(tier, order.interval):
            raise InvalidInput(_("This tier is not offered for that period."), field="interval")
        price_id = tier.price_id_for(order.interval)
        if not price_id or tier.needs_sync:
            sync_tier(gw, tier)
            price_id = tier.price_id_for(order.interval)
        metadata = {
            "engagement_kind": "membership",
            "engagement_tier": tier.slug,
            "engagement_interval": order.interval,
        }
        return {"price": price_id, "quantity": 1}, metadata
    if order.kind == "custom":
        ensure_product(
            gw,
            CUSTOM_PRODUCT_ID,
            {
                "name": "Membership (your own amount)",
                "description": "Your own amount",
                "active": True,
                "metadata": {"engagement_product": CUSTOM_PRODUCT_ID},
            },
        )
        tier = order.tier
        metadata = {
            "engagement_kind": "membership",
            "engagement_interval": order.interval,
            "engagement_amount": str(order.amount),
        }
        if tier is not None:
            metadata["engagement_tier"] = tier.slug
        price_data = {
            "currency": currency,
            "unit_amount": order.amount,
            "product": CUSTOM_PRODUCT_ID,
            "recurring": {"interval": order.interval},
        }
        return {"price_data": price_data, "quantity": 1}, metadata
    ensure_product(
        gw,
        GIFT_PRODUCT_ID,
        {
            "name": "One-time gift",
            "description": "One-time gift",
            "active": True,
            "metadata": {"engagement_product": GIFT_PRODUCT_ID},
        },
    )
    price_data = {"currency": currency, "unit_amount": order.amount, "product": GIFT_PRODUCT_ID}
    return {"price_data": price_data, "quantity": 1}, {
        "engagement_kind": "gift",
        "engagement_amount": str(order.amount),
    }


def tier_for_amount(amount: int, interval: str = "month") -> Tier | None:
    """For "your own amount": the richest active tier the amount pays for in that interval."""
    column = Tier.monthly_amount if interval == "month" else Tier.yearly_amount
    return db.session.scalars(
        select(Tier)
        .where(
            Tier.active.is_(True),
            column.is_not(None),
            column <= amount,
        )
        .order_by(column.desc(), Tier.position)
    ).first()


def start_checkout(gw: Gateway, order: CheckoutRequest) -> dict:
    """Create the Checkout Session for the reader's choice; returns it (with its `url`)."""
    email = normalise_email(order.email) if order.email else None
    order.email = email
    if email and order.kind in ("membership", "custom"):
        tell_a_live_member(email)
    if order.kind == "custom":
        order.tier = tier_for_amount(order.amount, order.interval)
    currency = (
        order.tier.currency
        if order.kind == "membership"
        else current_app.config["SUPPORT_CURRENCY"]
    )
    line_item, metadata = _line_item(gw, order, currency)
    params: dict = {
        "mode": "payment" if order.kind == "gift" else "subscription",
        "line_items": [line_item],
        # From PUBLIC_BASE_URL, never the request's Host (issue 14, item 5).
        "success_url": public_url("membership.thanks") + "?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": public_url("membership.support"),
        "metadata": metadata,
        **_who_pays(email),
    }
    if order.kind == "gift":
        params["payment_intent_data"] = {"metadata": metadata}
        if not params.get("customer"):
            params["customer_creation"] = "always"
    else:
        params["subscription_data"] = {"metadata": metadata}
    try:
        return gw.create_checkout_session(params, idempotency_key=_idempotency_key(order, params))
    except GatewayError as exc:
        if not exc.missing:
            raise
    # Stripe forgot a price or customer we had (a fresh emulator, a deleted customer): sync the
    # tier again, start from the email, and try once more.
    if order.kind == "membership":
        sync_tier(gw, order.tier)
        params["line_items"] = [_line_item(gw, order, currency)[0]]
    params.pop("customer", None)
    if email:
        params["customer_email"] = email
    if order.kind == "gift":
        params["customer_creation"] = "always"
    return gw.create_checkout_session(
        params, idempotency_key=_idempotency_key(order, params) + "-2"
    )


def _who_pays(email: str | None) -> dict:
    """The customer (or the address to prefill) and our reference; nothing when Checkout is to
    ask for the address."""
    if not email:
        return {}
    patron = stripe_sync.find_patron(email=email)
    params = {
        "client_reference_id": f"patron-{patron.id}" if patron else f"email-{_email_ref(email)}"
    }
    if patron is not None and patron.stripe_customer_id:
        params["customer"] = patron.stripe_customer_id
    else:
        params["customer_email"] = email
    return params


def _email_ref(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]
