"""Webhook delivery: signatures stripe verifies, order, retries, hold/release, redelivery."""

import time

import pytest
import stripe

from devtools.stripe_emulator.webhooks import sign
from tests.support.emulator import call

from .conftest import WEBHOOK_SECRET, make_price, subscribe

SUBSCRIBE_TYPES = [
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
]


def test_deliveries_are_signed_and_in_order(client, emu, receiver):
    price = make_price(client)
    subscribe(emu, price.id)
    assert emu.wait_idle(5)
    events = receiver.events()  # construct_event raises if a signature is wrong
    assert [e.type for e in events] == ["product.created", "price.created", *SUBSCRIBE_TYPES]
    assert all(isinstance(e, stripe.Event) for e in events)
    headers, _ = receiver.requests[0]
    assert headers["Stripe-Signature"].startswith("t=") and ",v1=" in headers["Stripe-Signature"]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            receiver.requests[0][1], headers["Stripe-Signature"], "whsec_wrong"
        )


def test_sign_matches_stripe_library():
    payload = '{"id": "evt_1", "object": "event"}'
    header = sign(payload, WEBHOOK_SECRET)
    assert stripe.WebhookSignature.verify_header(payload, header, WEBHOOK_SECRET, 300)


def test_retries_with_backoff_then_succeeds(client, emu, receiver):
    receiver.fail_first = 2
    client.v1.customers.create(params={"email": "retry@example.com"})
    assert emu.wait_idle(5)
    log = emu.deliveries()
    assert [(d["attempt"], d["status"]) for d in log] == [(1, 500), (2, 500), (3, 200)]
    assert log[1]["at"] - log[0]["at"] >= 0.015
    status, body = call(emu, "deliveries", method="GET")
    assert status == 200 and len(body["deliveries"]) == 3 and body["pending"] == 0


def test_gives_up_after_max_attempts_and_connection_errors(client, emu):
    emu.set_webhook("http://127.0.0.1:9/unreachable", WEBHOOK_SECRET, max_attempts=3)
    client.v1.customers.create(params={"email": "down@example.com"})
    assert emu.wait_idle(10)
    log = emu.deliveries()
    assert [d["attempt"] for d in log] == [1, 2, 3]
    assert not any(d["ok"] for d in log) and log[0]["status"] is None and log[0]["error"]


def test_hold_and_release_reversed_with_duplicates(client, emu, receiver):
    price = make_price(client)
    emu.wait_idle(5)
    before = len(receiver.requests)
    assert call(emu, "webhooks/hold")[1] == {"holding": True}
    subscribe(emu, price.id)
    time.sleep(0.1)
    assert len(receiver.requests) == before
    status, body = call(
        emu, "webhooks/release", {"order": "reverse", "seed": 1, "duplicates": [1, 3]}
    )
    assert status == 200 and body["released"] >= len(SUBSCRIBE_TYPES)
    assert emu.wait_idle(5)
    types = receiver.types()[before:]
    assert len(types) == body["released"]
    deduped = list(dict.fromkeys(types))
    assert deduped == SUBSCRIBE_TYPES[::-1]


def test_release_random_from_threads(client, emu, receiver):
    price = make_price(client)
    emu.wait_idle(5)
    before = len(receiver.requests)
    call(emu, "webhooks/hold")
    for i in range(5):
        subscribe(emu, price.id, email=f"t{i}@example.com")
    status, body = call(emu, "webhooks/release", {"order": "random", "seed": 7, "threads": 4})
    assert status == 200 and body["released"] == 5 * len(SUBSCRIBE_TYPES)
    assert call(emu, "webhooks/wait", {"timeout": 5})[1] == {"idle": True}
    assert sorted(receiver.types()[before:]) == sorted(SUBSCRIBE_TYPES * 5)


def test_discard_drops_held_events_and_redeliver(client, emu, receiver):
    call(emu, "webhooks/hold")
    cust = client.v1.customers.create(params={"email": "missed@example.com"})
    assert call(emu, "webhooks/discard")[1] == {"discarded": 1}
    assert emu.wait_idle(5) and receiver.requests == []
    event = emu.events("customer.created")[-1]
    assert event["data"]["object"]["id"] == cust.id
    assert client.v1.events.retrieve(event["id"]).type == "customer.created"
    assert call(emu, f"events/{event['id']}/deliver")[0] == 200
    assert emu.wait_idle(5)
    assert [e.id for e in receiver.events()] == [event["id"]]
    client.v1.customers.create(params={"email": "after@example.com"})
    assert emu.wait_idle(5) and len(receiver.requests) == 2


def test_events_api_lists_and_filters(client, emu):
    price = make_price(client)
    subscribe(emu, price.id)
    invoice_events = client.v1.events.list(params={"type": "invoice.*", "limit": 2})
    assert invoice_events.has_more
    assert [e.type for e in invoice_events.auto_paging_iter()] == [
        "invoice.payment_succeeded",
        "invoice.paid",
        "invoice.finalized",
        "invoice.created",
    ]
    assert [e.type for e in client.v1.events.list(params={"type": "price.created"}).data] == [
        "price.created"
    ]
