"""Every object and event the emulator produces has exactly the keys of Stripe's own examples.

Shapes come from tests/stripe_shapes.json (see tests/stripe_shapes.md). Rules:
- where the example has a non-empty dict, ours has exactly its keys (or null: nullable field);
- an empty example dict ({}: metadata and other free-form maps) accepts any keys;
- where the example has an id string, ours may hold the expanded object, checked against the
  shape of its own `object` type;
- an event's data.object is checked against the shape of its own `object` type;
- explicit extras: an event's data may carry `previous_attributes` (Stripe sends it on *.updated
  events), and a checkout session may carry `line_items` when it was expanded.
"""

import json
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support.emulator import call

from .conftest import make_price, subscribe

SHAPES = json.loads((Path(__file__).parent.parent / "stripe_shapes.json").read_text())["resources"]
EXTRA_KEYS = {("event", "data"): {"previous_attributes"}, ("checkout.session", ""): {"line_items"}}
SCALARS = {"str": str, "int": int, "bool": bool, "float": (int, float)}


def check(value, shape, path, resource, errors):
    """Append to errors every place where value does not follow shape."""
    if value is None or shape == "null":
        return
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            errors.append(f"{resource}.{path}: expected object, got {value!r}")
        elif shape:
            extra = EXTRA_KEYS.get((resource, path), set())
            missing, unknown = set(shape) - set(value), set(value) - set(shape) - extra
            if missing or unknown:
                errors.append(
                    f"{resource}.{path}: missing {sorted(missing)} unexpected {sorted(unknown)}"
                )
            for key in set(shape) & set(value):
                if (resource, path, key) == ("event", "data", "object"):
                    continue  # the example's is a plan; check_object checks ours by its type
                check(value[key], shape[key], f"{path}.{key}".lstrip("."), resource, errors)
            previous = value.get("previous_attributes", {}) if resource == "event" else {}
            if path == "data" and not isinstance(previous, dict):
                errors.append("event.data.previous_attributes is not an object")
    elif isinstance(shape, list):
        if not isinstance(value, list):
            errors.append(f"{resource}.{path}: expected list, got {value!r}")
            return
        for i, element in enumerate(value):
            if shape:
                check(element, shape[0], f"{path}[{i}]", resource, errors)
            elif isinstance(element, dict) and element.get("object") in SHAPES:
                check_object(element, errors)
    elif isinstance(value, dict) and shape == "str" and value.get("object") in SHAPES:
        check_object(value, errors)  # an expanded reference
    elif not isinstance(value, SCALARS[shape]) or (shape == "int" and isinstance(value, bool)):
        errors.append(f"{resource}.{path}: expected {shape}, got {value!r}")


def check_object(obj, errors):
    """Check a Stripe object against the shape of its `object` type (events: and their data)."""
    kind = obj.get("object")
    if kind not in SHAPES:
        errors.append(f"no shape for object {kind!r}")
        return
    check(obj, SHAPES[kind], "", kind, errors)
    if kind == "event":
        check_object(obj["data"]["object"], errors)


def api(emu, path, params=None, method="GET"):
    """Call the emulator's /v1 API and return the raw JSON."""
    data = urllib.parse.urlencode(params or {}).encode()
    url = f"{emu.url}{path}" + (f"?{data.decode()}" if method == "GET" and params else "")
    req = urllib.request.Request(
        url,
        data=None if method == "GET" else data,
        method=method,
        headers={"Authorization": "Bearer sk_test_contract"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def _pay(emu, cs_id):
    status, body = call(emu, f"checkout/{cs_id}/pay", {"card": "4242424242424242"})
    assert status == 200, body


def _scenario(client, emu):
    """Create every kind of object and trigger every event type the emulator sends."""
    pro = make_price(client, 1000, name="Pro")
    team = make_price(client, 3000, name="Team", lookup_key="team_monthly")
    client.v1.prices.update(team.id, params={"metadata": {"seats": "5"}})
    client.v1.products.update(pro.product, params={"description": "Pro plan"})
    sub_cs = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": pro.id, "quantity": 1}],
            "customer_email": "contract@example.com",
            "success_url": "https://x/ok",
        }
    )
    _pay(emu, sub_cs.id)
    pay_cs = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "success_url": "https://x/ok",
            "customer_email": "p@example.com",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 900,
                        "product_data": {"name": "Pack"},
                    },
                }
            ],
        }
    )
    _pay(emu, pay_cs.id)
    expired = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": pro.id}],
            "success_url": "https://x/",
        }
    )
    client.v1.checkout.sessions.expire(expired.id)
    pi_id = client.v1.checkout.sessions.retrieve(pay_cs.id).payment_intent
    refund = client.v1.refunds.create(params={"payment_intent": pi_id})
    done = client.v1.checkout.sessions.retrieve(sub_cs.id)
    sub_id, cus_id = done.subscription, done.customer
    client.v1.customers.update(cus_id, params={"name": "Contract"})
    client.v1.subscriptions.update(sub_id, params={"items": [{"price": team.id}]})
    call(emu, "clock/advance", {"subscription": sub_id, "outcome": "paid"})
    for _ in range(3):
        call(emu, "clock/advance", {"subscription": sub_id, "outcome": "failed"})
    other = call(emu, "subscriptions", {"email": "o@example.com", "price": pro.id})[1]
    client.v1.subscriptions.update(
        other["subscription"]["id"], params={"cancel_at_period_end": True}
    )
    call(emu, "clock/advance", {"subscription": other["subscription"]["id"]})
    third = call(emu, "subscriptions", {"email": "t@example.com", "price": pro.id})[1]
    client.v1.subscriptions.cancel(third["subscription"]["id"])
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": cus_id, "return_url": "https://x/account"}
    )
    return {
        "pro": pro.id,
        "sub": sub_id,
        "cus": cus_id,
        "pi": pi_id,
        "refund": refund.id,
        "cs": sub_cs.id,
        "pay_cs": pay_cs.id,
        "portal": portal.id,
    }


def test_every_object_and_event_matches_stripe_shapes(client, emu):
    ids = _scenario(client, emu)
    objects = [
        api(emu, f"/v1/products/{client.v1.prices.retrieve(ids['pro']).product}"),
        api(emu, f"/v1/prices/{ids['pro']}"),
        api(emu, f"/v1/customers/{ids['cus']}"),
        api(
            emu,
            f"/v1/checkout/sessions/{ids['cs']}",
            {"expand[0]": "line_items", "expand[1]": "subscription", "expand[2]": "customer"},
        ),
        api(emu, f"/v1/checkout/sessions/{ids['pay_cs']}", {"expand[]": "payment_intent"}),
        api(emu, "/v1/billing_portal/sessions", {"customer": ids["cus"]}, "POST"),
        api(emu, f"/v1/subscriptions/{ids['sub']}", {"expand[]": "latest_invoice"}),
        api(emu, f"/v1/payment_intents/{ids['pi']}", {"expand[]": "latest_charge"}),
        api(emu, f"/v1/refunds/{ids['refund']}"),
    ]
    lists = [
        api(emu, "/v1/subscriptions", {"status": "all"}),
        api(emu, "/v1/subscription_items", {"subscription": ids["sub"]}),
        api(emu, "/v1/invoices", {"limit": 100}),
        api(emu, f"/v1/checkout/sessions/{ids['cs']}/line_items"),
        api(emu, "/v1/charges"),
        api(emu, "/v1/events", {"limit": 100}),
    ]
    errors = []
    kinds = set()
    for obj in objects:
        check_object(obj, errors)
        kinds.add(obj["object"])
    for lst in lists:
        check(lst, SHAPES["list"], "", "list", errors)
        for obj in lst["data"]:
            check_object(obj, errors)
            kinds.add(obj["object"])
    lines = api(emu, "/v1/invoices", {"limit": 1})["data"][0]["lines"]["data"]
    for line in lines:
        check_object(line, errors)
        kinds.add(line["object"])
    event_types = set()
    for event in emu.events():
        check_object(event, errors)
        event_types.add(event["type"])
    assert not errors, "\n".join(e[:300] for e in errors[:20])
    assert kinds >= {
        "product",
        "price",
        "customer",
        "checkout.session",
        "item",
        "subscription",
        "subscription_item",
        "invoice",
        "line_item",
        "payment_intent",
        "charge",
        "refund",
        "event",
        "billing_portal.session",
    }
    assert event_types >= {
        "customer.created",
        "customer.updated",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
        "checkout.session.completed",
        "checkout.session.expired",
        "payment_intent.succeeded",
        "charge.succeeded",
        "charge.refunded",
        "product.created",
        "price.created",
        "price.updated",
        "product.updated",
        "refund.created",
    }


def test_checker_rejects_wrong_keys(client, emu):
    errors = []
    bad = {k: None for k in SHAPES["customer"]}
    bad.update(object="customer", current_period_end=1)
    check_object(bad, errors)
    assert errors and "current_period_end" in errors[0]
    sub = subscribe(emu, make_price(client).id)["subscription"]
    sub["items"]["data"][0]["price"]["recurring"]["extra"] = 1
    errors = []
    check_object(sub, errors)
    assert errors == ["subscription.items.data[0].price.recurring: missing [] unexpected ['extra']"]
