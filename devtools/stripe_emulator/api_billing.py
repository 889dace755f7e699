"""/v1 endpoints: subscriptions, invoices, payment intents, charges, refunds, events."""

from flask import Blueprint

from . import billing
from .app import api_route, emu
from .store import StripeError, list_object

bp = Blueprint("api_billing", __name__)


def _list(kind, params, url, **filters):
    items = emu().store.all(kind)
    for key, test in filters.items():
        if params.get(key) not in (None, ""):
            items = [o for o in items if test(o, params[key])]
    return list_object(items, url, params)


def _eq(key):
    return lambda o, v: o[key] == v


# ---- subscriptions


@api_route(bp, "/v1/subscriptions/<sub_id>")
def get_subscription(params, req, sub_id):
    """Retrieve a subscription."""
    return emu().store.get("subscription", sub_id)


def _sub_status(o, v):
    if v == "all":
        return True
    if v == "ended":
        return o["status"] in ("canceled", "incomplete_expired")
    return o["status"] == v


@api_route(bp, "/v1/subscriptions")
def list_subscriptions(params, req):
    """List subscriptions (customer, price, status incl. all; canceled hidden by default)."""
    params = dict(params)
    items = emu().store.all("subscription")
    if not params.get("status"):
        items = [o for o in items if o["status"] != "canceled"]
    for key, test in {
        "customer": _eq("customer"),
        "status": _sub_status,
        "price": lambda o, v: any(i["price"]["id"] == v for i in o["items"]["data"]),
    }.items():
        if params.get(key):
            items = [o for o in items if test(o, params[key])]
    return list_object(items, "/v1/subscriptions", params)


@api_route(bp, "/v1/subscriptions/<sub_id>", ["POST"])
def update_subscription(params, req, sub_id):
    """Update cancel_at_period_end, items (price switch) or metadata."""
    store = emu().store
    sub = store.get("subscription", sub_id)
    if sub["status"] == "canceled" and set(params) - {"metadata", "expand"}:
        raise StripeError(
            "A canceled subscription can only update its cancellation_details and metadata."
        )
    if sub["status"] == "canceled":
        sub["metadata"] = billing.apply_metadata(sub["metadata"], params.get("metadata"))
        return sub
    return billing.update_subscription(store, sub, params, req)


@api_route(bp, "/v1/subscriptions/<sub_id>", ["DELETE"])
def cancel_subscription(params, req, sub_id):
    """Cancel a subscription now; emits customer.subscription.deleted."""
    store = emu().store
    sub = store.get("subscription", sub_id)
    if sub["status"] == "canceled":
        raise StripeError(
            f"No such subscription: '{sub_id}'", param="id", code="resource_missing", status=404
        )
    return billing.cancel_now(store, sub, request=req)


@api_route(bp, "/v1/subscription_items")
def list_subscription_items(params, req):
    """List the items of a subscription."""
    sub = emu().store.get("subscription", params.get("subscription"), "subscription")
    return list_object(
        sub["items"]["data"], f"/v1/subscription_items?subscription={sub['id']}", params
    )


# ---- invoices


@api_route(bp, "/v1/invoices/<inv_id>")
def get_invoice(params, req, inv_id):
    """Retrieve an invoice."""
    return emu().store.get("invoice", inv_id)


@api_route(bp, "/v1/invoices/<inv_id>/lines")
def get_invoice_lines(params, req, inv_id):
    """List an invoice's line items."""
    inv = emu().store.get("invoice", inv_id)
    return list_object(inv["lines"]["data"], f"/v1/invoices/{inv_id}/lines", params)


@api_route(bp, "/v1/invoices")
def list_invoices(params, req):
    """List invoices (filters: customer, subscription, status)."""
    return _list(
        "invoice",
        params,
        "/v1/invoices",
        customer=_eq("customer"),
        status=_eq("status"),
        subscription=lambda o, v: o["parent"]["subscription_details"]["subscription"] == v,
    )


# ---- payments


@api_route(bp, "/v1/payment_intents/<pi_id>")
def get_payment_intent(params, req, pi_id):
    """Retrieve a payment intent."""
    return emu().store.get("payment_intent", pi_id)


@api_route(bp, "/v1/payment_intents")
def list_payment_intents(params, req):
    """List payment intents (filter: customer)."""
    return _list("payment_intent", params, "/v1/payment_intents", customer=_eq("customer"))


@api_route(bp, "/v1/charges/<ch_id>")
def get_charge(params, req, ch_id):
    """Retrieve a charge."""
    return emu().store.get("charge", ch_id)


@api_route(bp, "/v1/charges")
def list_charges(params, req):
    """List charges (filters: customer, payment_intent)."""
    return _list(
        "charge",
        params,
        "/v1/charges",
        customer=_eq("customer"),
        payment_intent=_eq("payment_intent"),
    )


@api_route(bp, "/v1/refunds", ["POST"])
def create_refund(params, req):
    """Refund a charge or payment intent (full or `amount`); emits charge.refunded."""
    return billing.refund(emu().store, params, req)


@api_route(bp, "/v1/refunds/<re_id>")
def get_refund(params, req, re_id):
    """Retrieve a refund."""
    return emu().store.get("refund", re_id)


@api_route(bp, "/v1/refunds")
def list_refunds(params, req):
    """List refunds (filters: charge, payment_intent)."""
    return _list(
        "refund", params, "/v1/refunds", charge=_eq("charge"), payment_intent=_eq("payment_intent")
    )


# ---- events


@api_route(bp, "/v1/events/<evt_id>")
def get_event(params, req, evt_id):
    """Retrieve an event."""
    return emu().store.get("event", evt_id)


@api_route(bp, "/v1/events")
def list_events(params, req):
    """List events, newest first (filters: type with * wildcard, types[])."""
    items = emu().store.all("event")
    if params.get("type"):
        pattern = params["type"]
        if pattern.endswith("*"):
            items = [e for e in items if e["type"].startswith(pattern[:-1])]
        else:
            items = [e for e in items if e["type"] == pattern]
    if params.get("types"):
        wanted = set(params["types"] if isinstance(params["types"], list) else [params["types"]])
        items = [e for e in items if e["type"] in wanted]
    return list_object(items, "/v1/events", params)
