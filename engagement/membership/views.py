"""Pages of the membership feature: /support, checkout, thanks, and the Stripe webhook."""

from __future__ import annotations

import json
import re

from flask import abort, current_app, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engagement.accounts.auth import current_patron
from engagement.chrome import register_reader_nav
from engagement.errors import DomainError, apply_domain_error
from engagement.extensions import csrf, db, limiter
from engagement.membership import checkout as checkout_service
from engagement.membership import support_page, webhooks
from engagement.membership import thanks as thanks_service
from engagement.membership.blueprints import public
from engagement.membership.checkout import GIFT_PRESETS, CheckoutRequest
from engagement.membership.forms import CUSTOM, OTHER, GiftForm, MembershipForm
from engagement.membership.models import StripeEvent, Tier
from engagement.membership.stripe_gateway import BadSignature, Gateway, GatewayError, gateway
from engagement.membership.tiers import ordered_tiers, parse_amount

SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")


def _support_limit() -> str:
    return current_app.config["SUPPORT_RATE_LIMIT"]


register_reader_nav(public, "support", _l("Support"), "membership.support", order=10)


@public.get("/support")
def support():
    """The tiers, each with its own "Join"; your own amount; a one-time gift."""
    tiers = ordered_tiers(active_only=True)
    membership, gift = support_page.build_forms()
    return support_page.render_support(membership, gift, tiers)


def _email(posted: str | None) -> str | None:
    """The signed-in patron's address, else one posted, else None (Checkout asks for it)."""
    patron = current_patron()
    if patron is not None and patron.email:
        return patron.email
    return posted or None


def _membership_request(form: MembershipForm) -> CheckoutRequest:
    email = _email(form.email.data)
    interval = form.interval.data
    if form.tier.data == CUSTOM:
        amount = parse_amount(form.amount.data, "amount", required=True)
        checkout_service.check_amount(amount, "amount")
        return CheckoutRequest(
            "custom", email, amount=amount, interval=interval, nonce=form.nonce.data or ""
        )
    tier = checkout_service.find_tier(form.tier.data)
    if tier.amount_for(interval) is None:
        message = (
            _("%(tier)s is only offered yearly.", tier=tier.name)
            if interval == "month"
            else _("%(tier)s is only offered monthly.", tier=tier.name)
        )
        raise DomainError(message, field="interval")
    return CheckoutRequest(
        "membership", email, tier=tier, interval=interval, nonce=form.nonce.data or ""
    )


def _gift_request(form: GiftForm) -> CheckoutRequest:
    if form.gift_preset.data == OTHER:
        amount = parse_amount(form.gift_amount.data, "gift_amount", required=True)
        field = "gift_amount"
    else:
        try:
            amount = int(form.gift_preset.data)
        except (TypeError, ValueError):
            raise DomainError(_("Choose an amount."), field="gift_preset") from None
        if amount not in GIFT_PRESETS:
            raise DomainError(_("Choose an amount."), field="gift_preset")
        field = "gift_preset"
    checkout_service.check_amount(amount, field)
    return CheckoutRequest(
        "gift", _email(form.gift_email.data), amount=amount, nonce=form.nonce.data or ""
    )


@public.post("/support/checkout")
@limiter.limit(_support_limit)
def checkout():
    """Start Stripe Checkout for the card the reader chose: 303 to the payment page."""
    tiers = ordered_tiers(active_only=True)
    membership, gift = support_page.build_forms()
    kind = request.form.get("kind")
    form = {"membership": membership, "gift": gift}.get(kind)
    render = support_page.render_support
    if form is None:
        return render(membership, gift, tiers, 400, _("Choose a membership or a gift."))
    if not form.validate():
        return render(membership, gift, tiers, 422)
    try:
        checkout_request = (
            _membership_request(form) if kind == "membership" else _gift_request(form)
        )
        session = checkout_service.start_checkout(gateway(), checkout_request)
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form, exc)
        return render(membership, gift, tiers, exc.status, None if exc.fields else exc.message)
    except GatewayError as exc:
        db.session.rollback()
        current_app.logger.warning("checkout could not start: %s", exc.message)
        return render(
            membership,
            gift,
            tiers,
            503,
            _("Payments cannot be taken right now. Please try again shortly."),
        )
    db.session.commit()  # a tier synced on the way keeps its Stripe ids
    thanks_service.remember_checkout(session["id"])  # only this browser is signed in on its return
    return redirect(session["url"], 303)


@public.get("/support/thanks")
def thanks():
    """Welcome once the webhook landed ("confirming your payment" until then), with the new
    patron signed in when this browser started the Checkout (membership/thanks.py)."""
    session_id = request.args.get("session_id", "")
    if not SESSION_ID_RE.match(session_id):
        abort(404)
    event = db.session.scalar(
        select(StripeEvent).where(
            StripeEvent.object_id == session_id,
            StripeEvent.type == "checkout.session.completed",
            StripeEvent.outcome == "processed",
        )
    )
    if event is None:
        return render_template("membership/confirming.html", session_id=session_id)
    checkout = json.loads(event.payload)["data"]["object"]
    metadata = checkout.get("metadata") or {}
    signed_in = thanks_service.sign_in_returning_payer(gateway(), session_id)
    db.session.commit()
    tier = db.session.scalar(select(Tier).where(Tier.slug == metadata.get("engagement_tier", "")))
    return render_template(
        "membership/thanks.html",
        kind=metadata.get("engagement_kind"),
        tier=tier,
        amount=checkout.get("amount_total"),
        currency=checkout.get("currency") or "eur",
        interval=metadata.get("engagement_interval"),
        signed_in=signed_in,
        patron=current_patron(),
    )


@public.post("/stripe/webhook")
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Receive a Stripe event: verify its signature, store it once, handle it."""
    config = current_app.config
    try:
        event, raw = Gateway.verify_event(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            config["STRIPE_WEBHOOK_SECRET"],
            config["STRIPE_WEBHOOK_TOLERANCE"],
        )
    except BadSignature as exc:
        return jsonify(error={"code": "bad_signature", "message": str(exc)}), 400
    status, outcome = webhooks.receive(event, raw)
    return jsonify(received=event["id"], outcome=outcome), status
