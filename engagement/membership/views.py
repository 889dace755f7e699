"""Pages of the membership feature: /support, checkout, thanks, and the Stripe webhook."""

from __future__ import annotations

import json
import re
import secrets

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request
from sqlalchemy import select

from engagement.errors import DomainError
from engagement.extensions import csrf, db, limiter
from engagement.membership import checkout as checkout_service
from engagement.membership import webhooks
from engagement.membership.checkout import GIFT_PRESETS, CheckoutRequest, money
from engagement.membership.forms import CUSTOM, OTHER, GiftForm, MembershipForm, choices
from engagement.membership.models import StripeEvent, Tier
from engagement.membership.stripe_gateway import BadSignature, Gateway, GatewayError, gateway
from engagement.membership.tiers import ordered_tiers, parse_amount

bp = Blueprint("membership", __name__)

SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")


def _support_limit() -> str:
    return current_app.config["SUPPORT_RATE_LIMIT"]


def _tier_label(tier: Tier) -> str:
    offers = []
    if tier.monthly_amount:
        offers.append(f"{money(tier.monthly_amount, tier.currency)} a month")
    if tier.yearly_amount:
        offers.append(f"{money(tier.yearly_amount, tier.currency)} a year")
    return f"{tier.name}: {' or '.join(offers)}"


def _forms(tiers: list[Tier]) -> tuple[MembershipForm, GiftForm]:
    posted = request.method == "POST"
    kind = request.form.get("kind") if posted else None
    membership = MembershipForm(formdata=request.form if kind == "membership" else None)
    gift = GiftForm(formdata=request.form if kind == "gift" else None)
    membership.tier.choices = choices([(t.slug, _tier_label(t)) for t in tiers] + [
        (CUSTOM, "Your own amount, monthly")])
    currency = current_app.config["SUPPORT_CURRENCY"]
    gift.gift_preset.choices = choices([(str(a), money(a, currency)) for a in GIFT_PRESETS] + [
        (OTHER, "Another amount")])
    if not posted or kind != "membership":
        if request.args.get("interval") in ("month", "year"):
            membership.interval.data = request.args["interval"]
        membership.nonce.data = secrets.token_urlsafe(16)
    if not posted or kind != "gift":
        gift.gift_preset.data = gift.gift_preset.data or str(GIFT_PRESETS[1])
        gift.nonce.data = secrets.token_urlsafe(16)
    return membership, gift


def _render_support(membership: MembershipForm, gift: GiftForm, tiers: list[Tier],
                    status: int = 200, error: str | None = None):
    config = current_app.config
    return render_template(
        "membership/support.html", form=membership, gift=gift, tiers=tiers, error=error,
        interval=membership.interval.data or "month", money=money,
        min_amount=money(config["SUPPORT_MIN_AMOUNT"], config["SUPPORT_CURRENCY"]),
        max_amount=money(config["SUPPORT_MAX_AMOUNT"], config["SUPPORT_CURRENCY"]),
    ), status


@bp.get("/support")
def support():
    """The tiers, your own amount and a one-time gift."""
    tiers = ordered_tiers(active_only=True)
    membership, gift = _forms(tiers)
    return _render_support(membership, gift, tiers)


def _membership_request(form: MembershipForm) -> CheckoutRequest:
    email = form.email.data
    if form.tier.data == CUSTOM:
        if form.interval.data != "month":
            raise DomainError("Your own amount is paid monthly.", field="interval")
        amount = parse_amount(form.amount.data, "amount", required=True)
        checkout_service.check_amount(amount, "amount")
        return CheckoutRequest("custom", email, amount=amount, interval="month",
                               nonce=form.nonce.data or "")
    tier = checkout_service.find_tier(form.tier.data)
    if tier.amount_for(form.interval.data) is None:
        other = "yearly" if form.interval.data == "month" else "monthly"
        raise DomainError(f"{tier.name} is only offered {other}.", field="interval")
    return CheckoutRequest("membership", email, tier=tier, interval=form.interval.data,
                           nonce=form.nonce.data or "")


def _gift_request(form: GiftForm) -> CheckoutRequest:
    if form.gift_preset.data == OTHER:
        amount = parse_amount(form.gift_amount.data, "gift_amount", required=True)
        field = "gift_amount"
    else:
        try:
            amount = int(form.gift_preset.data)
        except (TypeError, ValueError):
            raise DomainError("Choose an amount.", field="gift_preset") from None
        if amount not in GIFT_PRESETS:
            raise DomainError("Choose an amount.", field="gift_preset")
        field = "gift_preset"
    checkout_service.check_amount(amount, field)
    return CheckoutRequest("gift", form.gift_email.data, amount=amount,
                           nonce=form.nonce.data or "")


@bp.post("/support/checkout")
@limiter.limit(_support_limit)
def checkout():
    """Start Stripe Checkout for the reader's choice: 303 to the payment page."""
    tiers = ordered_tiers(active_only=True)
    membership, gift = _forms(tiers)
    kind = request.form.get("kind")
    form = {"membership": membership, "gift": gift}.get(kind)
    if form is None:
        return _render_support(membership, gift, tiers, 400, "Choose a membership or a gift.")
    if not form.validate():
        return _render_support(membership, gift, tiers, 422)
    gw = gateway()
    try:
        checkout_request = _membership_request(form) if kind == "membership" else \
            _gift_request(form)
        session = checkout_service.start_checkout(gw, checkout_request)
    except DomainError as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        return _render_support(membership, gift, tiers, exc.status,
                               None if exc.fields else exc.message)
    except GatewayError as exc:
        db.session.rollback()
        current_app.logger.warning("checkout could not start: %s", exc.message)
        return _render_support(membership, gift, tiers, 503,
                               "Payments cannot be taken right now. Please try again shortly.")
    db.session.commit()  # a tier synced on the way keeps its Stripe ids
    return redirect(session["url"], 303)


@bp.get("/support/thanks")
def thanks():
    """Welcome once the webhook landed; "confirming your payment" (refreshing) until then."""
    session_id = request.args.get("session_id", "")
    if not SESSION_ID_RE.match(session_id):
        abort(404)
    event = db.session.scalar(select(StripeEvent).where(
        StripeEvent.object_id == session_id,
        StripeEvent.type == "checkout.session.completed",
        StripeEvent.outcome == "processed",
    ))
    if event is None:
        return render_template("membership/confirming.html", session_id=session_id)
    session = json.loads(event.payload)["data"]["object"]
    metadata = session.get("metadata") or {}
    tier = db.session.scalar(select(Tier).where(Tier.slug == metadata.get("engagement_tier", "")))
    return render_template(
        "membership/thanks.html", kind=metadata.get("engagement_kind"), tier=tier,
        amount=money(session.get("amount_total"), session.get("currency") or "eur"),
    )


@bp.post("/stripe/webhook")
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Receive a Stripe event: verify its signature, store it once, handle it."""
    config = current_app.config
    try:
        event, raw = Gateway.verify_event(request.get_data(cache=False),
                                     request.headers.get("Stripe-Signature"),
                                     config["STRIPE_WEBHOOK_SECRET"],
                                     config["STRIPE_WEBHOOK_TOLERANCE"])
    except BadSignature as exc:
        return jsonify(error={"code": "bad_signature", "message": str(exc)}), 400
    status, outcome = webhooks.receive(event, raw)
    return jsonify(received=event["id"], outcome=outcome), status


# The newsroom pages on this blueprint, and the Stripe events' part of a patron's erasure.
from engagement.membership import account_hooks, admin  # noqa: E402, F401
