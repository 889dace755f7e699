"""/newsroom/webhooks: received events with their outcome, a filter, and "Process again"."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from engagement.extensions import db
from engagement.membership.models import StripeEvent
from engagement.membership.stripe_gateway import Gateway
from tests.membership.conftest import membership_of, signed
from tests.support.emulator import control


def _held_subscription_event(emulator, coffee_price):
    """A real customer.subscription.created event from the emulator, never delivered."""
    control(emulator, "webhooks/hold")
    created = control(
        emulator, "subscriptions", {"email": "late@example.org", "price": coffee_price}
    )
    control(emulator, "webhooks/discard")
    [event] = [
        e
        for e in emulator.events("customer.subscription.created")
        if e["data"]["object"]["id"] == created["subscription"]["id"]
    ]
    return event


def _coffee_price(app, coffee):
    from engagement.membership.models import Tier

    with app.app_context():
        return db.session.get(Tier, coffee).stripe_monthly_price_id


def test_a_failed_event_is_listed_and_processed_again(app, auth, client, forms, emulator, coffee):
    event = _held_subscription_event(emulator, _coffee_price(app, coffee))
    payload = json.dumps(event)
    # Stripe is unreachable while the event arrives: the handler fails and says why.
    real = app.extensions["stripe_gateway"]
    app.extensions["stripe_gateway"] = Gateway("sk_test_membership", "http://127.0.0.1:9")
    response = client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signed(payload)},
    )
    assert response.status_code == 500
    app.extensions["stripe_gateway"] = real
    assert membership_of(app, "late@example.org") is None

    auth.login("admin")
    html = client.get("/newsroom/webhooks?outcome=failed").get_data(as_text=True)
    assert event["id"] in html and "customer.subscription.created" in html
    assert "GatewayError" in html or "APIConnectionError" in html
    assert (
        client.get("/newsroom/webhooks?outcome=processed").get_data(as_text=True).count(event["id"])
        == 0
    )
    with app.app_context():
        row_id = db.session.scalar(
            select(StripeEvent.id).where(StripeEvent.stripe_id == event["id"])
        )

    again = forms.post(
        f"/newsroom/webhooks/{row_id}/process", {"outcome": "failed"}, page="/newsroom/webhooks"
    )
    assert again.status_code == 303 and again.headers["Location"].endswith("?outcome=failed")
    page = client.get("/newsroom/webhooks?outcome=processed").get_data(as_text=True)
    assert event["id"] in page and f"Processed {event['id']} again: processed." in page
    membership = membership_of(app, "late@example.org")
    assert membership.status == "active" and membership.tier.slug == "coffee"


def test_processing_again_needs_the_forms_token_and_an_admin(app, auth, client, forms):
    with app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id="evt_x",
                type="customer.created",
                payload="{}",
                outcome="failed",
                error="type not handled",
            )
        )
        db.session.commit()
    auth.login("editor")
    assert client.get("/newsroom/webhooks").status_code == 403
    assert client.get("/newsroom/webhooks/1/process").status_code == 403
    auth.logout()
    auth.login("admin")
    html = client.get("/newsroom/webhooks").get_data(as_text=True)
    assert "evt_x" in html and "type not handled" in html
    assert re.search(
        r'href="/newsroom/webhooks/1/process" aria-label="Process again: evt_x">'
        r"Process again…</a>",
        html,
    )
    assert client.post("/newsroom/webhooks/1/process").status_code == 400


def test_an_event_whose_payload_is_not_an_event_is_not_processed(app, auth, client, forms):
    with app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id="evt_bad",
                type="invoice.paid",
                payload="{}",
                outcome="failed",
                error="boom",
            )
        )
        db.session.commit()
    auth.login("admin")
    response = forms.post("/newsroom/webhooks/1/process", page="/newsroom/webhooks")
    assert response.status_code == 303
    html = client.get("/newsroom/webhooks").get_data(as_text=True)
    assert "Processing evt_bad again did not succeed: the stored payload is not this event." in html
    with app.app_context():
        assert db.session.get(StripeEvent, 1).outcome == "failed"
