"""The emulator speaks what the official stripe library sends and parses."""

import pytest
import stripe

from .conftest import make_price


def test_products_and_prices_crud(client):
    prod = client.v1.products.create(params={"name": "Pro", "metadata": {"tier": "pro"}})
    assert prod.id.startswith("prod_") and prod.metadata["tier"] == "pro"
    price = client.v1.prices.create(
        params={
            "product": prod.id,
            "currency": "eur",
            "unit_amount": 1500,
            "recurring": {"interval": "year"},
            "lookup_key": "pro_yearly",
            "metadata": {"tier": "pro"},
        }
    )
    assert price.type == "recurring" and price.recurring.interval == "year"
    assert client.v1.prices.retrieve(price.id).lookup_key == "pro_yearly"
    prod = client.v1.products.update(prod.id, params={"name": "Pro plan"})
    assert client.v1.products.retrieve(prod.id).name == "Pro plan"
    assert [p.id for p in client.v1.products.list().data] == [prod.id]
    archived = client.v1.prices.update(price.id, params={"active": False})
    assert archived.active is False
    assert client.v1.prices.list(params={"active": True}).data == []


def test_price_list_filters_and_lookup_key_transfer(client):
    old = make_price(client, 1000, lookup_key="pro_monthly")
    one_time = make_price(client, 500, interval=None, name="Pack")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        make_price(client, 1200, lookup_key="pro_monthly")
    assert exc.value.param == "lookup_key"
    new = client.v1.prices.create(
        params={
            "product": old.product,
            "currency": "usd",
            "unit_amount": 1200,
            "recurring": {"interval": "month"},
            "lookup_key": "pro_monthly",
            "transfer_lookup_key": True,
        }
    )
    found = client.v1.prices.list(
        params={"lookup_keys": ["pro_monthly"], "expand": ["data.product"]}
    )
    assert [p.id for p in found.data] == [new.id]
    assert found.data[0].product.name == "Pro"
    assert client.v1.prices.retrieve(old.id).lookup_key is None
    assert [p.id for p in client.v1.prices.list(params={"type": "one_time"}).data] == [one_time.id]
    assert {p.id for p in client.v1.prices.list(params={"product": old.product}).data} == {
        old.id,
        new.id,
    }


def test_customers_pagination_and_update(client, emu):
    ids = [client.v1.customers.create(params={"email": f"u{i}@example.com"}).id for i in range(25)]
    page = client.v1.customers.list(params={"limit": 10})
    assert page.has_more and [c.id for c in page.data] == ids[::-1][:10]
    assert [c.id for c in page.auto_paging_iter()] == ids[::-1]
    updated = client.v1.customers.update(ids[0], params={"name": "Ada", "metadata": {"a": "1"}})
    assert updated.name == "Ada"
    event = emu.events("customer.updated")[-1]
    assert event["data"]["previous_attributes"] == {"name": None, "metadata": {}}


def test_errors_are_parsed_by_stripe(client, emu):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.retrieve("sub_missing")
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.checkout.sessions.create(
            params={"mode": "subscription", "success_url": "http://x/ok"}
        )
    assert exc.value.http_status == 400 and exc.value.param == "line_items"
    with pytest.raises(stripe.AuthenticationError) as exc:
        stripe.StripeClient("sk_live_nope", base_addresses={"api": emu.url}).v1.customers.list()
    assert exc.value.http_status == 401
    assert "Invalid API Key" in exc.value.json_body["error"]["message"]
    assert exc.value.json_body["error"]["type"] == "invalid_request_error"


def test_idempotency_key_replays_the_stored_response(client, emu):
    params = {"email": "same@example.com"}
    first = client.v1.customers.create(params=params, options={"idempotency_key": "idem-1"})
    again = client.v1.customers.create(params=params, options={"idempotency_key": "idem-1"})
    assert first.id == again.id
    assert len(emu.events("customer.created")) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(
            params={"email": "other@example.com"}, options={"idempotency_key": "idem-1"}
        )


def test_retries_enabled_client_works(emu):
    client = stripe.StripeClient(
        "sk_test_x", base_addresses={"api": emu.url}, max_network_retries=2
    )
    assert client.v1.customers.create(params={"email": "r@example.com"}).email == "r@example.com"


def test_concurrent_requests_are_consistent(client, emu):
    from concurrent.futures import ThreadPoolExecutor

    def create(i):
        return client.v1.customers.create(params={"email": f"c{i}@example.com"}).id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, range(80)))
    assert len(set(ids)) == 80
    assert len(list(client.v1.customers.list(params={"limit": 100}).auto_paging_iter())) == 80
    assert len(emu.events("customer.created")) == 80
