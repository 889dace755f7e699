"""Demo tiers, and checkouts that recover when Stripe forgot what it had (a fresh emulator)."""

from __future__ import annotations

from sqlalchemy import select

from engagement.extensions import db
from engagement.membership.models import Tier

from .conftest import join, membership_of, tier_row


def test_demo_seed_makes_three_voting_tiers_and_syncs_them(app, runner, emulator):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Demo tiers: Coffee, Supporter, Champion (synced to Stripe)" in result.output
    with app.app_context():
        tiers = db.session.scalars(select(Tier).order_by(Tier.position)).all()
        assert [(t.name, t.monthly_amount, t.grants_voting) for t in tiers] == [
            ("Coffee", 300, True),
            ("Supporter", 800, True),
            ("Champion", 2000, True),
        ]
        assert all(t.stripe_monthly_price_id for t in tiers)
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(select(Tier)).all()) == 3


def test_demo_seed_without_a_reachable_stripe_leaves_tiers_unsynced(app, runner):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    app.extensions.pop("stripe_gateway", None)
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "not synced yet: Stripe is not reachable" in result.output
    with app.app_context():
        assert all(t.needs_sync for t in db.session.scalars(select(Tier)))


def test_checkout_after_stripe_forgot_the_prices_and_customer(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="back@example.org")
    old_price = tier_row(app, coffee).stripe_monthly_price_id
    # The emulator restarts: every product, price, customer and subscription is gone.
    stripe_live.reset()
    stripe_live.set_webhook(stripe_live.sender.url, stripe_live.sender.secret)
    # A new reader still gets a checkout: the tier is synced again on the way.
    join(forms, stripe_live, email="fresh@example.org")
    assert membership_of(app, "fresh@example.org").status == "active"
    assert tier_row(app, coffee).stripe_monthly_price_id != old_price
    # A known patron whose customer id Stripe no longer knows can still give once.
    response = forms.post(
        "/support/checkout",
        {"kind": "gift", "gift_preset": "1000", "gift_email": "back@example.org"},
        page="/support",
    )
    assert response.status_code == 303
