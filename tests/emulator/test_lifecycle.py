"""Subscription lifecycle: renewals, failed payments, cancellation, lists, the clock."""

import pytest
import stripe

from devtools.stripe_emulator.billing import add_interval
from tests.support.emulator import call

from .conftest import make_price, subscribe


def _types_since(emu, n):
    return [e["type"] for e in emu.events()[n:]]


def test_renewal_paid_moves_period_and_clock(client, emu):
    price = make_price(client, 1000, interval="month")
    sub = subscribe(emu, price.id, metadata={"user_id": "1"})["subscription"]
    item = sub["items"]["data"][0]
    n = len(emu.events())
    status, body = call(emu, "clock/advance", {"subscription": sub["id"], "outcome": "paid"})
    assert status == 200
    new_item = body["subscription"]["items"]["data"][0]
    assert new_item["current_period_start"] == item["current_period_end"]
    assert new_item["current_period_end"] == add_interval(item["current_period_end"], "month")
    assert body["invoice"]["status"] == "paid"
    assert body["invoice"]["billing_reason"] == "subscription_cycle"
    assert body["now"] >= item["current_period_end"]
    assert _types_since(emu, n) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
    ]
    updated = emu.events("customer.subscription.updated")[-1]["data"]
    assert "items" in updated["previous_attributes"]
    assert client.v1.customers.create(params={}).created >= item["current_period_end"]
    invoices = client.v1.invoices.list(params={"subscription": sub["id"]}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_create"]


def test_failed_payments_then_cancel(client, emu):
    price = make_price(client)
    sub_id = subscribe(emu, price.id)["subscription"]["id"]
    n = len(emu.events())
    body = call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})[1]
    assert body["subscription"]["status"] == "past_due" and body["invoice"]["status"] == "open"
    assert _types_since(emu, n) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    prev = emu.events("customer.subscription.updated")[-1]["data"]["previous_attributes"]
    assert prev["status"] == "active"
    call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})
    n = len(emu.events())
    body = call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})[1]
    assert body["subscription"]["status"] == "canceled"
    assert _types_since(emu, n) == ["invoice.payment_failed", "customer.subscription.deleted"]
    assert body["invoice"]["attempt_count"] == 3
    assert call(emu, "clock/advance", {"subscription": sub_id})[0] == 400


def test_failed_then_paid_recovers(client, emu):
    sub_id = subscribe(emu, make_price(client).id)["subscription"]["id"]
    call(emu, "config", {"failures_before_cancel": 2})
    call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})
    body = call(emu, "clock/advance", {"subscription": sub_id, "outcome": "paid"})[1]
    assert body["subscription"]["status"] == "active" and body["invoice"]["status"] == "paid"
    call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})
    assert client.v1.subscriptions.retrieve(sub_id).status == "past_due"


def test_cancel_at_period_end_ends_at_advance(client, emu):
    sub_id = subscribe(emu, make_price(client).id)["subscription"]["id"]
    sub = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    assert sub.cancel_at_period_end and sub.cancel_at == sub["items"].data[0].current_period_end
    prev = emu.events("customer.subscription.updated")[-1]["data"]["previous_attributes"]
    assert prev["cancel_at_period_end"] is False
    n = len(emu.events())
    body = call(emu, "clock/advance", {"subscription": sub_id, "outcome": "paid"})[1]
    assert body["subscription"]["status"] == "canceled" and body["invoice"] is None
    assert _types_since(emu, n) == ["customer.subscription.deleted"]


def test_delete_cancels_now_and_lists_filter(client, emu):
    price = make_price(client)
    ids = [
        subscribe(emu, price.id, email=f"l{i}@example.com")["subscription"]["id"] for i in range(3)
    ]
    canceled = client.v1.subscriptions.cancel(ids[0])
    assert canceled.status == "canceled" and emu.events()[-1]["type"] == (
        "customer.subscription.deleted"
    )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(ids[0])
    assert [s.id for s in client.v1.subscriptions.list().data] == ids[:0:-1]
    assert len(client.v1.subscriptions.list(params={"status": "all"}).data) == 3
    assert [s.id for s in client.v1.subscriptions.list(params={"status": "canceled"}).data] == [
        ids[0]
    ]
    cust = client.v1.subscriptions.retrieve(ids[1]).customer
    assert [s.id for s in client.v1.subscriptions.list(params={"customer": cust}).data] == [ids[1]]


def test_switch_price_and_metadata(client, emu):
    pro, team = make_price(client, 1000, name="Pro"), make_price(client, 3000, name="Team")
    sub_id = subscribe(emu, pro.id, metadata={"a": "1"})["subscription"]["id"]
    sub = client.v1.subscriptions.retrieve(sub_id)
    sub = client.v1.subscriptions.update(
        sub_id,
        params={
            "items": [{"id": sub["items"].data[0].id, "price": team.id}],
            "metadata": {"b": "2", "a": ""},
            "proration_behavior": "none",
        },
    )
    assert sub["items"].data[0].price.id == team.id
    assert sub.metadata.to_dict() == {"b": "2"}
    prev = emu.events("customer.subscription.updated")[-1]["data"]["previous_attributes"]
    assert prev["metadata"] == {"a": "1"}
    assert prev["items"]["data"][0]["price"]["id"] == pro.id


def test_bulk_subscriptions_and_pagination(client, emu):
    price = make_price(client)
    for i in range(200):
        subscribe(emu, price.id, email=f"bulk{i}@example.com")
    page = client.v1.subscriptions.list(params={"limit": 100})
    assert len(page.data) == 100 and page.has_more
    second = client.v1.subscriptions.list(params={"limit": 100, "starting_after": page.data[-1].id})
    assert len(second.data) == 100 and not second.has_more
    assert len({s.id for s in client.v1.subscriptions.list().auto_paging_iter()}) == 200
    state = call(emu, "state", method="GET")[1]
    assert state["counts"]["subscription"] == 200 and state["counts"]["customer"] == 200
    assert call(emu, "reset")[1] == {"reset": True}
    assert call(emu, "state", method="GET")[1]["counts"] == {}


def test_add_interval_is_calendar_aware():
    jan31 = 1706659200  # 2024-01-31T00:00:00Z
    assert add_interval(jan31, "month") == 1709164800  # 2024-02-29
    assert add_interval(jan31, "year") == 1738281600  # 2025-01-31
