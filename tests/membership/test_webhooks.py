"""POST /stripe/webhook: signatures, idempotency, order, foreign products, failures."""

from __future__ import annotations

import json
import time

import stripe
from sqlalchemy import func, select

from engagement.extensions import db
from engagement.membership.models import Membership, StripeEvent
from engagement.notifications.models import Email
from tests.support.emulator import control

from .conftest import (
    OLD_WEBHOOK_SECRET,
    events,
    join,
    membership_of,
    signed,
    tier_row,
)


def _event(event_id="evt_test_1", type_="customer.created", obj=None):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "api_version": "2026-10-28.endive",
            "livemode": False,
            "pending_webhooks": 1,
            "data": {"object": obj or {"id": "cus_unknown", "object": "customer"}},
        }
    )


def _post(client, payload, signature):
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature} if signature else {},
    )


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(StripeEvent.id)))


def test_unknown_type_is_recorded_and_answered_200(app, client):
    payload = _event(type_="customer.created")
    response = _post(client, payload, signed(payload))
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    [row] = events(app)
    assert (row.stripe_id, row.type, row.outcome) == ("evt_test_1", "customer.created", "ignored")
    assert json.loads(row.payload)["id"] == "evt_test_1"


def test_second_delivery_of_an_event_does_nothing(app, client):
    payload = _event()
    assert _post(client, payload, signed(payload)).status_code == 200
    again = _post(client, payload, signed(payload))
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert _count(app) == 1


def test_stale_timestamp_is_refused_and_nothing_stored(app, client):
    payload = _event()
    response = _post(client, payload, signed(payload, timestamp=time.time() - 301))
    assert response.status_code == 400
    assert "timestamp" in response.json["error"]["message"].lower()
    assert _count(app) == 0


def test_wrong_secret_missing_header_and_tampered_body_are_refused(app, client):
    payload = _event()
    assert _post(client, payload, signed(payload, secret="whsec_wrong")).status_code == 400
    assert _post(client, payload, None).status_code == 400
    tampered = payload.replace("customer.created", "invoice.paid")
    assert _post(client, tampered, signed(payload)).status_code == 400
    assert _count(app) == 0


def test_an_older_secret_still_verifies_during_rotation(app, client):
    payload = _event()
    response = _post(client, payload, signed(payload, secret=OLD_WEBHOOK_SECRET))
    assert response.status_code == 200
    assert _count(app) == 1


def test_malformed_json_with_a_valid_signature_is_refused(app, client):
    for payload in ('{"id": "evt_1", "type": ', "[1, 2]", '"text"'):
        response = _post(client, payload, signed(payload))
        assert response.status_code == 400, payload
    assert _count(app) == 0


def test_foreign_product_subscription_is_ignored(app, stripe_live, coffee):
    sc = stripe.StripeClient("sk_test_other", base_addresses={"api": stripe_live.url})
    price = sc.v1.prices.create(
        params={
            "product_data": {"name": "Someone else's magazine"},
            "currency": "eur",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
        }
    )
    control(stripe_live, "subscriptions", {"email": "other@example.org", "price": price.id})
    assert stripe_live.wait_idle(20)
    subscription_events = events(app, type="customer.subscription.created")
    assert [e.outcome for e in subscription_events] == ["ignored"]
    assert "not ours" in subscription_events[0].error
    assert membership_of(app, "other@example.org") is None


def test_out_of_order_and_duplicated_delivery_ends_in_the_same_state(
    app, forms, stripe_live, coffee
):
    control(stripe_live, "webhooks/hold")
    join(forms, stripe_live, email="held@example.org")
    membership = membership_of(app, "held@example.org")
    assert membership is None  # nothing delivered yet
    released = control(
        stripe_live, "webhooks/release", {"order": "reverse", "duplicates": [1, 3], "seed": 7}
    )
    assert released["released"] >= 7
    assert stripe_live.wait_idle(30)
    membership = membership_of(app, "held@example.org")
    assert membership.status == "active" and membership.tier.slug == "coffee"
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1
        welcome = db.session.scalar(
            select(func.count(Email.id)).where(Email.kind == "membership_welcome")
        )
        assert welcome == 1
    ids = [e.stripe_id for e in events(app)]
    assert len(ids) == len(set(ids))


def test_cancel_then_events_in_random_order_end_canceled(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="shuffle@example.org")
    subscription_id = membership_of(app, "shuffle@example.org").stripe_subscription_id
    control(stripe_live, "webhooks/hold")
    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_live.url})
    sc.v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": True})
    sc.v1.subscriptions.cancel(subscription_id)
    control(stripe_live, "webhooks/release", {"order": "random", "seed": 3})
    assert stripe_live.wait_idle(30)
    membership = membership_of(app, "shuffle@example.org")
    assert membership.status == "canceled" and membership.ended_at is not None
    assert not membership.grants_access(membership.ended_at)
    with app.app_context():
        ended = db.session.scalars(select(Email).where(Email.kind == "membership_ended")).all()
        assert [e.recipients for e in ended] == ["shuffle@example.org"]


def test_handler_error_rolls_back_and_answers_500_then_a_retry_succeeds(
    app, client, coffee, emulator
):
    # A subscription event naming a subscription Stripe cannot return: the re-fetch fails.
    tier = tier_row(app, coffee)
    payload = _event(
        "evt_broken",
        "customer.subscription.updated",
        {
            "id": "sub_missing",
            "object": "subscription",
            "customer": "cus_x",
            "items": {"data": [{"price": {"product": tier.stripe_product_id}}]},
        },
    )
    response = _post(client, payload, signed(payload))
    assert response.status_code == 500
    [row] = events(app)
    assert row.outcome == "failed" and "sub_missing" in row.error
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 0
    # Stripe retries: the event is handled again, not taken for a duplicate.
    again = _post(client, payload, signed(payload))
    assert again.status_code == 500
    assert len(events(app)) == 1


def test_checkout_not_started_by_the_app_is_ignored(app, stripe_live, coffee):
    sc = stripe.StripeClient("sk_test_other", base_addresses={"api": stripe_live.url})
    price = sc.v1.prices.create(
        params={"product_data": {"name": "A webinar"}, "currency": "eur", "unit_amount": 1500}
    )
    session = sc.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://elsewhere.example/done",
            "customer_email": "w@example.org",
        }
    )
    control(stripe_live, f"checkout/{session.id}/pay", {"card": "4242424242424242"})
    assert stripe_live.wait_idle(20)
    [completed] = events(app, type="checkout.session.completed")
    assert completed.outcome == "ignored"
    from engagement.accounts.models import Patron

    with app.app_context():
        assert db.session.scalar(select(func.count(Patron.id))) == 0


def test_customer_updated_copies_email_and_name(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="old@example.org")
    customer = membership_of(app, "old@example.org").patron.stripe_customer_id
    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_live.url})
    sc.v1.customers.update(customer, params={"email": "New@Example.org", "name": "Ada <b>"})
    assert stripe_live.wait_idle(20)
    membership = membership_of(app, "new@example.org")
    assert membership is not None and membership.patron.name == "Ada <b>"
    assert [e.outcome for e in events(app, type="customer.updated")] == ["processed"]
