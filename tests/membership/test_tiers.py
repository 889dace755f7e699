"""Tiers in the newsroom and `flask stripe sync-tiers`: products and prices by lookup key."""

from __future__ import annotations

import stripe
from sqlalchemy import select

from engagement.extensions import db
from engagement.membership.models import Tier

from .conftest import tier_row


def _client(emulator):
    return stripe.StripeClient("sk_test_x", base_addresses={"api": emulator.url})


def _price(emulator, lookup_key):
    found = _client(emulator).v1.prices.list(params={"lookup_keys": [lookup_key]}).data
    return found[0] if found else None


def test_only_admins_manage_tiers(client, auth):
    assert client.get("/newsroom/tiers").status_code == 302  # to the sign-in page
    auth.login("editor")
    assert client.get("/newsroom/tiers").status_code == 403
    assert client.get("/newsroom/tiers/new").status_code == 403


def test_admin_creates_a_tier_and_stripe_gets_it(app, client, auth, forms, emulator):
    auth.login("admin")
    response = forms.post(
        "/newsroom/tiers/new",
        {
            "name": "Supporter",
            "description": "Keeps us free",
            "monthly_amount": "8",
            "yearly_amount": "80.00",
            "currency": "eur",
            "grants_voting": "y",
            "position": "1",
            "active": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    listing = client.get("/newsroom/tiers").get_data(as_text=True)
    assert "Supporter" in listing and "€8" in listing and "€80" in listing
    assert "updated it in Stripe" in listing
    with app.app_context():
        tier = db.session.scalar(select(Tier).where(Tier.slug == "supporter"))
        assert (tier.monthly_amount, tier.yearly_amount, tier.grants_voting) == (800, 8000, True)
        monthly_id = tier.stripe_monthly_price_id
    product = _client(emulator).v1.products.retrieve("engagement_tier_supporter")
    assert product.name == "Supporter" and product.active
    price = _price(emulator, "engagement_supporter_monthly")
    assert (price.id, price.unit_amount, price.recurring.interval) == (monthly_id, 800, "month")


def test_a_new_amount_makes_a_new_price_and_archives_the_old(app, auth, forms, emulator, coffee):
    auth.login("admin")
    old = tier_row(app, coffee)
    response = forms.post(
        f"/newsroom/tiers/{coffee}",
        {
            "name": "Coffee",
            "description": "A bigger cup",
            "monthly_amount": "3.50",
            "yearly_amount": "30",
            "currency": "eur",
            "grants_voting": "y",
            "position": "0",
            "active": "y",
        },
    )
    assert response.status_code == 303
    new = tier_row(app, coffee)
    assert new.monthly_amount == 350
    assert new.stripe_monthly_price_id != old.stripe_monthly_price_id
    assert new.stripe_yearly_price_id == old.stripe_yearly_price_id  # unchanged amount, same price
    current = _price(emulator, "engagement_coffee_monthly")
    assert current.id == new.stripe_monthly_price_id and current.unit_amount == 350
    archived = _client(emulator).v1.prices.retrieve(old.stripe_monthly_price_id)
    assert archived.active is False and archived.lookup_key is None


def test_invalid_tier_fields_are_shown_beside_them(app, auth, forms):
    auth.login("admin")
    response = forms.post(
        "/newsroom/tiers/new",
        {
            "name": "",
            "monthly_amount": "abc",
            "yearly_amount": "",
            "currency": "eur",
            "position": "0",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error">Give the tier a name.' in html
    response = forms.post(
        "/newsroom/tiers/new",
        {
            "name": "Odd",
            "monthly_amount": "abc",
            "yearly_amount": "",
            "currency": "eur",
            "position": "0",
        },
    )
    assert response.status_code == 422
    assert 'id="monthly_amount-error">Enter an amount such as 5 or 5.50.' in response.get_data(
        as_text=True
    )
    response = forms.post(
        "/newsroom/tiers/new",
        {
            "name": "Odd",
            "monthly_amount": "",
            "yearly_amount": "",
            "currency": "eur",
            "position": "0",
        },
    )
    assert 'id="monthly_amount-error">Offer the tier monthly, yearly or both.' in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(Tier.id)) is None


def test_sync_tiers_command(app, runner, emulator):
    with app.app_context():
        db.session.add(
            Tier(
                name="Champion",
                slug="champion",
                description="",
                monthly_amount=2000,
                yearly_amount=None,
                currency="eur",
                grants_voting=True,
                position=2,
                active=True,
            )
        )
        db.session.commit()
    result = runner.invoke(args=["stripe", "sync-tiers"])
    assert result.exit_code == 0, result.output
    assert "champion: product engagement_tier_champion" in result.output
    assert "Synced 1 tier(s)." in result.output
    assert _price(emulator, "engagement_champion_monthly").unit_amount == 2000
    assert _price(emulator, "engagement_champion_yearly") is None
    again = runner.invoke(args=["stripe", "sync-tiers"])  # nothing changes the second time
    assert again.exit_code == 0
    prices = _client(emulator).v1.prices.list(params={"product": "engagement_tier_champion"})
    assert len(prices.data) == 1


def test_sync_tiers_without_stripe_says_so(app, runner):
    app.config["STRIPE_SECRET_KEY"] = None
    app.extensions.pop("stripe_gateway", None)
    result = runner.invoke(args=["stripe", "sync-tiers"])
    assert result.exit_code != 0 and "STRIPE_SECRET_KEY" in result.output


def test_dashboard_billing_panel_counts_cancellations(
    app, client, auth, forms, stripe_live, coffee
):
    from .conftest import join

    join(forms, stripe_live, email="panel@example.org")
    auth.login("editor")
    html = client.get("/newsroom/").get_data(as_text=True)
    assert 'id="panel-membership"' in html
    assert "<dt>Cancelling at period end</dt><dd>0</dd>" in html
    with app.app_context():
        from engagement.membership.models import Membership

        db.session.scalar(db.select(Membership)).cancel_at_period_end = True
        db.session.commit()
    html = client.get("/newsroom/").get_data(as_text=True)
    assert "<dt>Cancelling at period end</dt><dd>1</dd>" in html


def test_dashboard_cache_keeps_the_figures_until_asked_to_count_again(
    app, client, auth, forms, stripe_live, coffee
):
    from .conftest import join

    app.config["DASHBOARD_CACHE_SECONDS"] = 300
    join(forms, stripe_live, email="cached@example.org")
    auth.login("editor")
    assert "<dt>Cancelling at period end</dt><dd>0</dd>" in client.get("/newsroom/").text
    with app.app_context():
        from engagement.membership.models import Membership

        db.session.scalar(db.select(Membership)).cancel_at_period_end = True
        db.session.commit()
    assert "<dt>Cancelling at period end</dt><dd>0</dd>" in client.get("/newsroom/").text
    assert "<dt>Cancelling at period end</dt><dd>1</dd>" in client.get("/newsroom/?fresh=1").text
