"""Newsroom pages of the membership feature: tiers (admins) and the dashboard panel."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from engagement.accounts.auth import admin_required
from engagement.database import utcnow
from engagement.errors import DomainError, apply_domain_error
from engagement.extensions import db
from engagement.formatting import money
from engagement.membership import tiers as tier_service
from engagement.membership.blueprints import newsroom
from engagement.membership.forms import TierForm
from engagement.membership.models import Donation, Membership, StripeEvent, Tier
from engagement.membership.stripe_gateway import GatewayError, gateway
from engagement.newsroom import registry


def _major(amount: int | None) -> str:
    return "" if amount is None else f"{amount / 100:.2f}"


@newsroom.get("/tiers")
@admin_required
def tiers():
    """The tiers, their prices and whether Stripe has them."""
    return render_template(
        "membership/newsroom/tiers.html",
        tiers=tier_service.ordered_tiers(),
        stripe_configured=gateway().configured,
    )


def _save(tier: Tier | None, form: TierForm) -> Tier:
    monthly = tier_service.parse_amount(form.monthly_amount.data, "monthly_amount")
    yearly = tier_service.parse_amount(form.yearly_amount.data, "yearly_amount")
    return tier_service.save_tier(
        tier,
        name=form.name.data,
        description=form.description.data or "",
        monthly_amount=monthly,
        yearly_amount=yearly,
        currency=form.currency.data,
        grants_voting=form.grants_voting.data,
        position=form.position.data or 0,
        active=form.active.data,
    )


def _edit(tier: Tier | None):
    form = TierForm(obj=None)
    if tier is not None and not form.is_submitted():
        form.name.data, form.description.data = tier.name, tier.description
        form.monthly_amount.data = _major(tier.monthly_amount)
        form.yearly_amount.data = _major(tier.yearly_amount)
        form.currency.data, form.grants_voting.data = tier.currency, tier.grants_voting
        form.position.data, form.active.data = tier.position, tier.active
    status = 200
    if form.validate_on_submit():
        try:
            saved = _save(tier, form)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
            return (
                render_template("membership/newsroom/tier_form.html", form=form, tier=tier),
                exc.status,
            )
        db.session.commit()
        _sync_after_save(saved)
        return redirect(url_for("membership_newsroom.tiers"), 303)
    if form.is_submitted():
        status = 422
    return render_template("membership/newsroom/tier_form.html", form=form, tier=tier), status


def _sync_after_save(tier: Tier) -> None:
    gw = gateway()
    if not gw.configured:
        flash(
            _(
                "Saved %(tier)s. Stripe is not configured, so it is not on sale yet.",
                tier=tier.name,
            ),
            "info",
        )
        return
    try:
        tier_service.sync_tier(gw, tier)
        db.session.commit()
        flash(_("Saved %(tier)s and updated it in Stripe.", tier=tier.name), "success")
    except GatewayError as exc:
        db.session.rollback()
        current_app.logger.warning("tier sync failed: %s", exc.message)
        flash(
            _(
                "Saved %(tier)s, but Stripe could not be updated (%(error)s). Save again or run "
                "%(command)s.",
                tier=tier.name,
                error=exc.message,
                command="`flask stripe sync-tiers`",
            ),
            "error",
        )


@newsroom.route("/tiers/new", methods=["GET", "POST"])
@admin_required
def tier_new():
    """Create a tier."""
    return _edit(None)


@newsroom.route("/tiers/<int:tier_id>", methods=["GET", "POST"])
@admin_required
def tier_edit(tier_id: int):
    """Change a tier; a new amount makes a new Stripe price."""
    tier = db.get_or_404(Tier, tier_id)
    return _edit(tier)


def _panel_context() -> dict:
    # Patron counts and recurring revenue are the patrons panel's; this one is about billing.
    now = utcnow()
    live = Membership.ended_at.is_(None)

    def count(*conditions) -> int:
        return db.session.scalar(select(func.count(Membership.id)).where(live, *conditions)) or 0

    gifts = db.session.execute(
        select(
            func.count(Donation.id),
            func.coalesce(func.sum(Donation.amount - Donation.refunded_amount), 0),
        ).where(Donation.created_at >= now - timedelta(days=30))
    ).one()
    failed = (
        db.session.scalar(select(func.count(StripeEvent.id)).where(StripeEvent.outcome == "failed"))
        or 0
    )
    currency = current_app.config["SUPPORT_CURRENCY"]
    return {
        "past_due": count(Membership.status == "past_due"),
        "cancelling": count(
            Membership.cancel_at_period_end.is_(True), Membership.access_until >= now
        ),
        "gifts_count": gifts[0],
        "gifts_total": money(int(gifts[1] or 0), currency),
        "failed_events": failed,
    }


registry.register_nav(newsroom, _l("Tiers"), "membership_newsroom.tiers", admin_only=True, order=60)
registry.register_panel(
    newsroom, "membership", "membership/newsroom/panel.html", _panel_context, order=21
)
