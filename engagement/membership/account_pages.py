"""What membership adds to a patron's /account: memberships and gifts, their data, the billing
portal, and stopping renewals before erasure."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, url_for
from flask.sansio.app import App
from flask_babel import gettext as _
from sqlalchemy import select, update

from engagement.accounts import account
from engagement.accounts.auth import current_patron, patron_required
from engagement.accounts.models import Patron
from engagement.accounts.patron_forms import BillingForm
from engagement.extensions import db
from engagement.membership.blueprints import public
from engagement.membership.models import Donation, Membership
from engagement.membership.stripe_gateway import GatewayError, gateway
from engagement.urls import public_url


def memberships_of(patron: Patron) -> list[Membership]:
    """The patron's memberships, the live ones first, newest first."""
    rows = db.session.scalars(
        select(Membership).where(Membership.patron_id == patron.id).order_by(Membership.id.desc())
    ).all()
    return sorted(rows, key=lambda m: m.ended_at is not None)


def donations_of(patron: Patron) -> list[Donation]:
    """The patron's one-time gifts, newest first."""
    return list(
        db.session.scalars(
            select(Donation).where(Donation.patron_id == patron.id).order_by(Donation.id.desc())
        )
    )


def notes_of(app: App) -> dict[str, str]:
    """The app's notes shown below a membership on /account, by the membership's source."""
    return app.extensions.setdefault("membership_notes", {})


def register_membership_note(blueprint: Blueprint, source: str, template: str) -> None:
    """Show `template` (context: `m`, the membership) below each of a patron's memberships from
    `source` on /account, from when `blueprint` registers."""
    blueprint.record_once(lambda state: notes_of(state.app).__setitem__(source, template))


def page_context(patron: Patron) -> dict:
    """The account page's memberships, gifts and billing button."""
    return {
        "memberships": memberships_of(patron),
        "donations": donations_of(patron),
        "billing_form": BillingForm(),
        "membership_notes": notes_of(current_app),
    }


def memberships_data(patron: Patron) -> list[dict]:
    """The patron's memberships for the data download."""
    iso = account.iso
    return [
        {
            "tier": m.tier.name if m.tier else None,
            "source": m.source,
            "status": m.status,
            "interval": m.interval,
            "amount": m.amount,
            "currency": m.currency,
            "started_at": iso(m.started_at),
            "current_period_end": iso(m.current_period_end),
            "access_until": iso(m.access_until),
            "cancel_at_period_end": m.cancel_at_period_end,
            "ended_at": iso(m.ended_at),
            "stripe_subscription_id": m.stripe_subscription_id,
            "cancellation_reason": m.cancellation_reason,
        }
        for m in memberships_of(patron)
    ]


def donations_data(patron: Patron) -> list[dict]:
    """The patron's gifts for the data download."""
    return [
        {
            "amount": d.amount,
            "currency": d.currency,
            "refunded_amount": d.refunded_amount,
            "created_at": account.iso(d.created_at),
            "stripe_payment_intent_id": d.stripe_payment_intent_id,
        }
        for d in donations_of(patron)
    ]


def stop_renewals(patron: Patron) -> bool:
    """Ask Stripe to end any renewing subscription at period end (nobody could sign in to it)."""
    for membership in memberships_of(patron):
        if (
            membership.source != "stripe"
            or membership.ended_at is not None
            or membership.cancel_at_period_end
            or not membership.stripe_subscription_id
        ):
            continue
        try:
            gateway().cancel_subscription_at_period_end(membership.stripe_subscription_id)
        except GatewayError as exc:
            if exc.missing:
                continue
            current_app.logger.warning("could not stop renewal before erasure: %s", exc.message)
            return False
        membership.cancel_at_period_end = True
    return True


def forget_cancellation_reasons(patron: Patron) -> None:
    """A cancellation reason is the patron's own words: erased with them (flushes on commit)."""
    db.session.execute(
        update(Membership)
        .where(Membership.patron_id == patron.id)
        .values(cancellation_reason=None)
        .execution_options(synchronize_session=False)
    )


@public.post("/account/billing")
@patron_required
def patron_billing():
    """Open Stripe's customer portal for the patron (303), returning to /account."""
    from engagement.accounts.patron_views import render_account

    if not BillingForm().validate_on_submit():
        return render_account(400)
    patron = current_patron()
    if not patron.stripe_customer_id:
        flash(_("There is no billing to manage: you have no payment with us."), "info")
        return redirect(url_for("accounts.patron_account"), 303)
    return_url = public_url("accounts.patron_account")
    try:
        session = gateway().create_portal_session(
            patron.stripe_customer_id,
            return_url,
            idempotency_key=f"portal:{patron.id}:{secrets.token_hex(8)}",
        )
    except GatewayError as exc:
        current_app.logger.warning("billing portal could not open: %s", exc.message)
        flash(_("Billing cannot be opened right now. Please try again shortly."), "error")
        return redirect(url_for("accounts.patron_account"), 303)
    return redirect(session["url"], 303)


account.register_section(public, "membership", "membership/_account_membership.html", order=10)
account.register_section(public, "gifts", "membership/_account_gifts.html", order=20)
account.register_page_context(public, page_context)
account.register_data_section(public, "memberships", memberships_data)
account.register_data_section(public, "donations", donations_data)
account.register_erase_check(public, stop_renewals)
account.register_eraser(public, forget_cancellation_reasons)
