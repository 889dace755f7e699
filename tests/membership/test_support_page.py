"""/support: tiers with a monthly/yearly switch, your own amount, gifts, and refusals."""

from __future__ import annotations

import re

import stripe
from sqlalchemy import select

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.stripe_gateway import gateway
from engagement.notifications.models import Email

from .conftest import join, membership_of, pay, start_checkout


def _error_beside(html, field_id):
    """The error message shown right after the field (the macro's <p id="FIELD-error">)."""
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]+)</p>', html)
    return match.group(1) if match else None


def _session(emulator, location):
    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": emulator.url})
    return sc.v1.checkout.sessions.retrieve(
        location.rsplit("/", 1)[1], params={"expand": ["line_items"]}
    )


def test_support_page_has_a_join_per_card_and_switches_to_yearly_without_js(client, coffee):
    html = client.get("/support").get_data(as_text=True)
    assert "Coffee" in html and "€3 <small>a month</small>" in html
    assert 'name="email"' not in html  # Checkout asks for the address
    assert re.search(
        r'name="tier" value="coffee">\s*<button type="submit" class="button">'
        r'Join<span class="visually-hidden"> Coffee</span>',
        html,
    )
    assert "Your own amount" in html and "Give once" in html
    assert 'data-interval="month"' in html
    yearly = client.get("/support?interval=year").get_data(as_text=True)
    assert 'data-interval="year"' in yearly and "€30 <small>a year</small>" in yearly
    assert "Save €6 a year (17%) against paying monthly" in yearly
    assert yearly.count('name="interval" value="year" data-follow-interval') == 2


def test_tier_names_are_escaped(app, client):
    with app.app_context():
        tier_service.save_tier(
            None,
            name="<script>alert(1)</script>",
            description="<b>x</b>",
            monthly_amount=500,
            yearly_amount=None,
            currency="eur",
            grants_voting=True,
            position=0,
            active=True,
        )
        db.session.commit()
    html = client.get("/support").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_checkout_monthly_and_yearly_prices_and_metadata(app, forms, emulator, coffee):
    response = start_checkout(
        forms,
        {"kind": "membership", "tier": "coffee", "interval": "year", "email": "year@example.org"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{emulator.url}/checkout/cs_")
    session = _session(emulator, response.headers["Location"])
    assert session.mode == "subscription" and session.customer_email == "year@example.org"
    assert session.amount_total == 3000
    assert session.metadata.to_dict() == {
        "engagement_kind": "membership",
        "engagement_tier": "coffee",
        "engagement_interval": "year",
    }
    assert session.client_reference_id.startswith("email-")
    assert session.success_url.endswith("/support/thanks?session_id={CHECKOUT_SESSION_ID}")


def test_your_own_amount_makes_a_recurring_price_for_that_checkout(app, forms, stripe_live, coffee):
    response = start_checkout(
        forms,
        {
            "kind": "membership",
            "tier": "custom",
            "interval": "month",
            "amount": "4,50",
            "email": "own@example.org",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    session = _session(stripe_live, response.headers["Location"])
    item = session.line_items.data[0]
    assert item.price.unit_amount == 450 and item.price.recurring.interval == "month"
    assert item.price.product == "engagement_custom"
    pay(response.headers["Location"])
    assert stripe_live.wait_idle(20)
    membership = membership_of(app, "own@example.org")
    assert (membership.status, membership.amount, membership.interval) == ("active", 450, "month")
    assert membership.tier.slug == "coffee"  # 4.50 pays for Coffee (3.00): voting included


def test_bad_amounts_are_refused_beside_the_field(app, forms, emulator, coffee):
    cases = [
        (
            {"kind": "membership", "tier": "custom", "interval": "month", "amount": "1"},
            "amount",
            "The smallest amount is €3.",
        ),
        (
            {"kind": "membership", "tier": "custom", "interval": "month", "amount": "5000"},
            "amount",
            "The largest amount is €1,000.",
        ),
        (
            {"kind": "membership", "tier": "custom", "interval": "month", "amount": "abc"},
            "amount",
            "Enter an amount such as 5 or 5.50.",
        ),
        (
            {"kind": "membership", "tier": "custom", "interval": "month", "amount": "3.999"},
            "amount",
            "Use at most two decimal places.",
        ),
        (
            {"kind": "gift", "gift_preset": "other", "gift_amount": "-5"},
            "gift_amount",
            "The amount must be more than zero.",
        ),
        (
            {"kind": "gift", "gift_preset": "other", "gift_amount": "0.5"},
            "gift_amount",
            "The smallest amount is €3.",
        ),
        ({"kind": "gift", "gift_preset": "777"}, "gift_preset", "Choose an amount."),
    ]
    for data, field, message in cases:
        data.setdefault("email", "bad@example.org")
        data.setdefault("gift_email", "bad@example.org")
        response = start_checkout(forms, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (data, response.status_code)
        assert _error_beside(html, field) == message, (data, _error_beside(html, field))
    no_such_tier = start_checkout(
        forms, {"kind": "membership", "tier": "nope", "interval": "month"}
    )
    assert no_such_tier.status_code == 422
    assert (
        '<li><a href="#support-title">Choose one of the tiers.</a></li>'
        in no_such_tier.get_data(as_text=True)
    )
    invalid_email = start_checkout(
        forms,
        {"kind": "membership", "tier": "coffee", "interval": "month", "email": "not-an-email"},
    )
    assert invalid_email.status_code == 422
    assert "Enter an email address" in _error_beside(invalid_email.get_data(as_text=True), "email")
    assert not emulator.events("checkout.session.completed")


def test_checkout_needs_the_csrf_token(client, coffee):
    response = client.post(
        "/support/checkout",
        data={
            "kind": "membership",
            "tier": "coffee",
            "interval": "month",
            "email": "x@example.org",
        },
    )
    assert response.status_code == 400


def test_a_second_checkout_while_a_membership_is_live_goes_on_and_mails_the_member(
    app, forms, stripe_live, coffee, smtp_sink
):
    """Issue 14, item 6: the answer does not tell who is a member (see
    tests/membership/test_no_member_oracle.py); the member is told by mail instead."""
    join(forms, stripe_live, email="member@example.org")
    again = start_checkout(
        forms,
        {"kind": "membership", "tier": "coffee", "interval": "year", "email": "MEMBER@example.org"},
    )
    assert again.status_code == 303
    assert again.headers["Location"].startswith(stripe_live.url + "/checkout/cs_")
    own = start_checkout(
        forms,
        {
            "kind": "membership",
            "tier": "custom",
            "interval": "month",
            "amount": "10",
            "email": "member@example.org",
        },
    )
    assert own.status_code == 303
    with app.app_context():
        mails = db.session.scalars(select(Email).where(Email.kind == "membership_already")).all()
        assert [m.recipients for m in mails] == ["member@example.org"]  # one a day
    # A one-time gift is always welcome, and uses the known Stripe customer.
    gift = start_checkout(
        forms, {"kind": "gift", "gift_preset": "1000", "gift_email": "member@example.org"}
    )
    assert gift.status_code == 303
    session = _session(stripe_live, gift.headers["Location"])
    assert session.mode == "payment" and session.customer.startswith("cus_")
    assert session.client_reference_id.startswith("patron-")


def test_checkout_posts_are_rate_limited(app, forms, emulator, coffee):
    app.config["SUPPORT_RATE_LIMIT"] = "3 per minute"
    statuses = [
        start_checkout(
            forms,
            {
                "kind": "membership",
                "tier": "coffee",
                "interval": "month",
                "email": f"r{i}@example.org",
            },
        ).status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]


def test_stripe_unreachable_is_a_friendly_503(app, forms, coffee):
    with app.app_context():
        gateway().api_base = "http://127.0.0.1:9"
        gateway()._client = None
    response = start_checkout(
        forms,
        {"kind": "membership", "tier": "coffee", "interval": "month", "email": "x@example.org"},
    )
    assert response.status_code == 503
    assert "Payments cannot be taken right now" in response.get_data(as_text=True)


def test_thanks_needs_a_session_id(client):
    assert client.get("/support/thanks").status_code == 404
    assert client.get("/support/thanks?session_id=<script>").status_code == 404
