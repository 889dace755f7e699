"""Reconciliation with Stripe: mend what a missed webhook left behind.

`flask stripe reconcile` walks every subscription (all statuses) and every customer Stripe has,
page by page, and passes each through the same code the webhook uses
(`stripe_sync.sync_subscription`, `webhooks.on_customer_updated`). Each function here says
what it changed, as lines to print; nothing changed means an empty list, so a second run
prints no change.
"""

from __future__ import annotations

from sqlalchemy import select

from engagement.accounts.erasure import PersonErased
from engagement.accounts.models import normalise_email
from engagement.extensions import db
from engagement.membership import stripe_sync, webhooks
from engagement.membership.models import Membership
from engagement.membership.stripe_gateway import Gateway

WATCHED = (
    "status",
    "tier_id",
    "interval",
    "amount",
    "currency",
    "current_period_end",
    "access_until",
    "cancel_at_period_end",
    "ended_at",
)


def _snapshot(membership: Membership | None) -> dict | None:
    if membership is None:
        return None
    return {name: getattr(membership, name) for name in WATCHED}


def _show(value) -> str:
    if value is None:
        return "none"
    if hasattr(value, "isoformat"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def reconcile_subscription(gw: Gateway, subscription: dict) -> list[str]:
    """Mirror one subscription as Stripe has it; lines saying what changed (none: no drift)."""
    if not stripe_sync.subscription_is_ours(subscription):
        return []
    membership = stripe_sync.membership_for(subscription["id"])
    before = _snapshot(membership)
    try:
        patron = (
            membership.patron if membership else webhooks._patron_for_subscription(gw, subscription)
        )
    except PersonErased:
        return []  # a subscription of a person who erased their data never makes a patron
    result = stripe_sync.sync_subscription(subscription, patron, membership)
    if result is None:
        return []  # a second live subscription: the editors were told, as by the webhook
    db.session.flush()
    after = _snapshot(result)
    who = f"{subscription['id']} ({patron.display})"
    if before is None:
        return [
            f"{who}: created membership, status {result.status}, access until "
            f"{_show(result.access_until)}"
        ]
    return [
        f"{who}: {name} {_show(before[name])} -> {_show(after[name])}"
        for name in WATCHED
        if before[name] != after[name]
    ]


def reconcile_customer(gw: Gateway, customer: dict) -> list[str]:
    """Copy a customer's email and name to its patron as the webhook would; lines of changes.

    Patrons who erased their data are left alone: their email must not come back.
    """
    if customer.get("deleted"):
        return []
    patron = stripe_sync.find_patron(customer_id=customer.get("id"))
    if patron is None or patron.erased_at is not None:
        return []
    email = normalise_email(customer["email"]) if customer.get("email") else patron.email
    name = str(customer["name"])[:200] if customer.get("name") else patron.name
    if email == patron.email and name == patron.name:
        return []
    before = (patron.email, patron.name)
    webhooks.on_customer_updated(gw, customer)
    changes = []
    if patron.email != before[0]:
        changes.append(f"{customer['id']}: email {before[0]} -> {patron.email}")
    if patron.name != before[1]:
        changes.append(f"{customer['id']}: name {before[1] or 'none'} -> {patron.name}")
    return changes


def missing_in_stripe(seen_subscription_ids: set[str]) -> list[str]:
    """Live local memberships whose subscription Stripe did not list (left for an editor)."""
    rows = db.session.scalars(
        select(Membership).where(
            Membership.source == "stripe",
            Membership.ended_at.is_(None),
            Membership.stripe_subscription_id.is_not(None),
        )
    ).all()
    return [
        f"{m.stripe_subscription_id} ({m.patron.display}): not in Stripe; left as it is"
        for m in rows
        if m.stripe_subscription_id not in seen_subscription_ids
    ]
