"""Membership state mirrored from Stripe: patrons by customer, subscriptions, donations, mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload

from engagement.accounts.erasure import refuse_to_recreate
from engagement.accounts.models import Patron, normalise_email
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import (
    ACCESS_STATUSES,
    ENDED_STATUSES,
    INTERVALS,
    STATUSES,
    Donation,
    Membership,
    Tier,
)
from engagement.membership.tiers import CUSTOM_PRODUCT_ID, our_product_ids, tier_for_product
from engagement.notifications import enqueue, notify_editors


def from_timestamp(value: int | None) -> datetime | None:
    """A Stripe Unix timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(int(value), UTC) if value else None


def live_membership(patron: Patron) -> Membership | None:
    """The patron's live (not ended) Stripe membership, if any."""
    return db.session.scalar(
        select(Membership).where(
            Membership.patron_id == patron.id,
            Membership.source == "stripe",
            Membership.ended_at.is_(None),
        )
    )


def find_patron(email: str | None = None, customer_id: str | None = None) -> Patron | None:
    """The patron with this Stripe customer id, else with this email."""
    if customer_id:
        patron = db.session.scalar(_BY_CUSTOMER, {"customer_id": customer_id})
        if patron is not None:
            return patron
    if email:
        return db.session.scalar(_BY_EMAIL, {"email": normalise_email(email)})
    return None


# Built once: every webhook delivery looks its patron up.
_BY_CUSTOMER = select(Patron).where(Patron.stripe_customer_id == bindparam("customer_id"))
_BY_EMAIL = select(Patron).where(Patron.email == bindparam("email"))


def patron_for_customer(
    customer_id: str | None,
    email: str | None,
    name: str | None = None,
    consented_at: datetime | None = None,
) -> tuple[Patron, bool]:
    """Find or create the patron for a Stripe customer; (patron, created).

    Never makes a patron from a person who erased their data (raises PersonErased), unless
    they came back through a checkout started after the erasure (`consented_at`); never copies
    a name back to an erased patron.
    """
    patron = find_patron(email, customer_id)
    created = False
    if patron is None:
        refuse_to_recreate(customer_id, email, consented_at)
        patron = Patron(email=normalise_email(email) if email else None, name=(name or "")[:200])
        db.session.add(patron)
        created = True
    if customer_id and not patron.stripe_customer_id:
        patron.stripe_customer_id = customer_id
    if name and not patron.name and patron.erased_at is None:
        patron.name = name[:200]
    db.session.flush()
    return patron, created


# --- subscriptions ----------------------------------------------------------------------------


def subscription_is_ours(subscription: dict) -> bool:
    """True when the subscription sells one of our products or was started by our checkout."""
    if (subscription.get("metadata") or {}).get("engagement_kind"):
        return True
    products = our_product_ids()
    return any(_product_of(item) in products for item in _items(subscription))


def _items(subscription: dict) -> list[dict]:
    return ((subscription.get("items") or {}).get("data")) or []


def _product_of(item: dict) -> str | None:
    product = (item.get("price") or {}).get("product")
    return product.get("id") if isinstance(product, dict) else product


def _tier_for(subscription: dict, item: dict, current: Tier | None = None) -> Tier | None:
    product = _product_of(item)
    if current is not None and product and current.stripe_product_id == product:
        return current  # the tier it had sells this product: no need to look it up
    tier = tier_for_product(product) if product != CUSTOM_PRODUCT_ID else None
    if tier is None:
        slug = (subscription.get("metadata") or {}).get("engagement_tier")
        if slug:
            tier = db.session.scalar(select(Tier).where(Tier.slug == slug))
    return tier


def _access_until(status: str, item: dict, subscription: dict) -> datetime | None:
    period_start = from_timestamp(
        item.get("current_period_start") or subscription.get("current_period_start")
    )
    period_end = from_timestamp(
        item.get("current_period_end") or subscription.get("current_period_end")
    )
    if status in ("active", "trialing"):
        return period_end
    if status == "past_due":
        # The renewal invoice is unpaid: access runs to the end of the paid period (the unpaid
        # period's start) plus the grace days.
        paid_through = period_start or period_end
        if paid_through is None:
            return None
        return paid_through + timedelta(days=current_app.config["GRACE_DAYS"])
    return from_timestamp(subscription.get("ended_at")) or utcnow()


def _apply(membership: Membership, subscription: dict, item: dict) -> None:
    status = subscription.get("status")
    membership.status = status if status in STATUSES else "incomplete"
    price = item.get("price") or {}
    interval = (price.get("recurring") or {}).get("interval")
    membership.interval = interval if interval in INTERVALS else None
    membership.stripe_price_id = price.get("id")
    if price.get("unit_amount") is not None:
        membership.amount = int(price["unit_amount"]) * int(item.get("quantity") or 1)
    membership.currency = price.get("currency") or subscription.get("currency")
    membership.tier = _tier_for(subscription, item, membership.tier)
    membership.current_period_end = from_timestamp(
        item.get("current_period_end") or subscription.get("current_period_end")
    )
    membership.access_until = _access_until(membership.status, item, subscription)
    membership.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    details = subscription.get("cancellation_details") or {}
    membership.cancellation_reason = details.get("feedback") or details.get("reason") or None
    membership.started_at = from_timestamp(subscription.get("start_date")) or membership.started_at
    if membership.status in ENDED_STATUSES and membership.ended_at is None:
        membership.ended_at = from_timestamp(subscription.get("ended_at")) or utcnow()


# Built once: each subscription event looks its membership up, with its patron and tier.
_BY_SUBSCRIPTION = (
    select(Membership)
    .where(Membership.stripe_subscription_id == bindparam("subscription_id"))
    .options(joinedload(Membership.patron), joinedload(Membership.tier))
)


def membership_for(subscription_id: str) -> Membership | None:
    """The membership mirroring this subscription, its patron and tier loaded with it."""
    return db.session.scalar(_BY_SUBSCRIPTION, {"subscription_id": subscription_id})


def sync_subscription(
    subscription: dict, patron: Patron, membership: Membership | None
) -> Membership | None:
    """Mirror a subscription (as just fetched from Stripe) into the patron's membership
    (`membership`: the caller looked it up with `membership_for`).

    Queues the welcome, cancellation and ended mails on the transitions, each once. Returns None
    when the patron already has another live membership (the second is left to the editors).
    """
    items = _items(subscription)
    if not items:
        return membership
    if membership is None:
        other = live_membership(patron)
        if other is not None and subscription.get("status") not in ENDED_STATUSES:
            _notify_second_subscription(patron, other, subscription)
            return None
        membership = Membership(
            patron=patron, source="stripe", stripe_subscription_id=subscription["id"]
        )
        db.session.add(membership)
        before = {"access": False, "cancel": False, "ended": False}
    else:
        before = {
            "access": membership.status in ACCESS_STATUSES,
            "cancel": membership.cancel_at_period_end,
            "ended": membership.ended_at is not None,
        }
    _apply(membership, subscription, items[0])
    db.session.flush()
    _mail_transitions(membership, before)
    return membership


def _mail_transitions(membership: Membership, before: dict) -> None:
    patron = membership.patron
    sub_id = membership.stripe_subscription_id
    # The digest lines are written per editor, in each one's language (notifications.dispatch).
    who, tier = patron.display, membership.tier.name if membership.tier else None
    if membership.status in ACCESS_STATUSES and not before["access"] and not before["ended"]:
        if patron.email:
            enqueue(
                "membership_welcome",
                patron.email,
                f"membership-welcome:{sub_id}",
                patron=patron,
                membership=membership,
            )
        notify_editors(
            "patron",
            "patron_new",
            f"patron-new:{sub_id}",
            summary=lambda: gettext(
                "New patron: %(patron)s (%(tier)s)", patron=who, tier=_tier_name(tier)
            ),
            url="/newsroom/",
            patron=patron,
            membership=membership,
        )
    if membership.cancel_at_period_end and not before["cancel"] and membership.ended_at is None:
        period = membership.current_period_end
        notify_editors(
            "patron",
            "patron_cancellation",
            f"patron-cancel:{sub_id}:{int(period.timestamp()) if period else 0}",
            # TRANSLATORS: a digest line: the patron cancelled, the membership runs
            # to the period's end; %(tier)s is a tier's name or "own amount".
            summary=lambda: gettext(
                "%(patron)s cancelled (%(tier)s)", patron=who, tier=_tier_name(tier)
            ),
            url="/newsroom/",
            patron=patron,
            membership=membership,
            ended=False,
        )
    if membership.ended_at is not None and not before["ended"] and before["access"]:
        if patron.email:
            enqueue(
                "membership_ended",
                patron.email,
                f"membership-ended:{sub_id}",
                patron=patron,
                membership=membership,
            )
        notify_editors(
            "patron",
            "patron_cancellation",
            f"patron-ended:{sub_id}",
            summary=lambda: gettext(
                "Membership ended: %(patron)s (%(tier)s)", patron=who, tier=_tier_name(tier)
            ),
            url="/newsroom/",
            patron=patron,
            membership=membership,
            ended=True,
        )


def _tier_name(name: str | None) -> str:
    return name if name is not None else gettext("own amount")


def _notify_second_subscription(patron: Patron, other: Membership, subscription: dict) -> None:
    who = patron.display
    notify_editors(
        "patron",
        "patron_second_subscription",
        f"patron-second:{subscription['id']}",
        summary=lambda: gettext(
            "%(patron)s has a second live subscription (%(subscription)s) besides %(other)s",
            patron=who,
            subscription=subscription["id"],
            other=other.stripe_subscription_id,
        ),
        url="/newsroom/",
        patron=patron,
        other=other,
        subscription_id=subscription["id"],
    )


def payment_failed(membership: Membership, invoice_id: str) -> None:
    """Tell the patron a renewal failed, once per invoice, with a link to update the card."""
    if membership.patron.email:
        enqueue(
            "membership_payment_failed",
            membership.patron.email,
            f"membership-payment-failed:{invoice_id}",
            patron=membership.patron,
            membership=membership,
        )


# --- donations --------------------------------------------------------------------------------


def record_donation(patron: Patron, session: dict) -> Donation:
    """Store a completed one-time checkout as a donation (once per payment)."""
    intent = session.get("payment_intent")
    intent = intent.get("id") if isinstance(intent, dict) else intent
    matches = [Donation.stripe_checkout_session_id == session["id"]]
    if intent:
        matches.append(Donation.stripe_payment_intent_id == intent)
    donation = db.session.scalar(select(Donation).where(or_(*matches)))
    if donation is None:
        donation = Donation(
            patron=patron,
            amount=int(session.get("amount_total") or 0),
            currency=session.get("currency") or "eur",
            stripe_payment_intent_id=intent,
            stripe_checkout_session_id=session["id"],
        )
        db.session.add(donation)
        db.session.flush()
        if patron.email:
            enqueue(
                "gift_thanks",
                patron.email,
                f"gift-thanks:{session['id']}",
                patron=patron,
                donation=donation,
            )
    return donation


def record_refund(charge: dict) -> Donation | None:
    """Record how much of a gift went back; None when the charge is not a donation of ours."""
    intent = charge.get("payment_intent")
    if not intent:
        return None
    donation = db.session.scalar(
        select(Donation).where(Donation.stripe_payment_intent_id == intent)
    )
    if donation is None:
        return None
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded != donation.refunded_amount:
        donation.refunded_amount = min(refunded, donation.amount)
        donation.refunded_at = utcnow()
    db.session.flush()
    return donation
