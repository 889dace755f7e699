"""Checkout → the emulator's hosted page → webhook → an active membership, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.extensions import db
from engagement.membership.models import Donation
from engagement.notifications.models import Email

from .conftest import events, join, membership_of, pay, start_checkout


def test_checkout_to_active_membership(app, forms, stripe_live, coffee, client):
    success = join(forms, stripe_live, email="Reader@Example.org")

    membership = membership_of(app, "reader@example.org")
    assert membership is not None
    assert membership.status == "active"
    assert membership.tier.slug == "coffee"
    assert (membership.interval, membership.amount, membership.currency) == ("month", 300, "eur")
    assert membership.patron.stripe_customer_id.startswith("cus_")
    assert membership.current_period_end - membership.started_at > timedelta(days=27)
    assert membership.access_until == membership.current_period_end
    assert membership.grants_access(membership.started_at + timedelta(days=1))

    # The thanks page the reader lands on says welcome now that the webhook landed.
    path = success.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Welcome, co-creator!" in html and "Coffee" in html
    assert 'http-equiv="refresh"' not in html

    with app.app_context():
        welcome = db.session.scalars(select(Email).where(Email.kind == "membership_welcome")).all()
        assert [e.recipients for e in welcome] == ["reader@example.org"]
    outcomes = {e.type: e.outcome for e in events(app)}
    assert outcomes["checkout.session.completed"] == "processed"
    assert outcomes["customer.subscription.created"] == "processed"


def test_thanks_page_waits_for_the_webhook(app, forms, emulator, coffee, client):
    # No webhook endpoint: the payment happens, the app has not heard of it yet.
    response = start_checkout(
        forms,
        {"kind": "membership", "tier": "coffee", "interval": "year", "email": "early@example.org"},
    )
    status, headers, _ = pay(response.headers["Location"])
    assert status == 303
    session_id = headers["Location"].split("session_id=")[1]
    page = client.get(f"/support/thanks?session_id={session_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Confirming your payment…" in html and 'http-equiv="refresh"' in html
    assert membership_of(app, "early@example.org") is None


def test_gift_becomes_a_donation_and_refund_is_recorded(app, forms, stripe_live, client):
    response = start_checkout(
        forms,
        {
            "kind": "gift",
            "gift_preset": "other",
            "gift_amount": "12.50",
            "gift_email": "giver@example.org",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    status, headers, _ = pay(response.headers["Location"])
    assert status == 303 and stripe_live.wait_idle(20)
    with app.app_context():
        donation = db.session.scalar(select(Donation))
        assert (donation.amount, donation.currency, donation.refunded_amount) == (1250, "eur", 0)
        assert donation.patron.email == "giver@example.org"
        intent = donation.stripe_payment_intent_id
    page = client.get("/" + headers["Location"].split("/", 3)[3])
    assert "Thank you for your gift" in page.get_data(as_text=True)

    import stripe

    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_live.url})
    sc.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    assert stripe_live.wait_idle(20)
    with app.app_context():
        donation = db.session.scalar(select(Donation))
        assert donation.refunded_amount == 500 and donation.refunded_at is not None
    assert [e.outcome for e in events(app, type="charge.refunded")] == ["processed"]
