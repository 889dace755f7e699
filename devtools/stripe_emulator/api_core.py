"""/v1 endpoints: products, prices, customers, checkout sessions, billing portal sessions."""

import copy

from flask import Blueprint

from . import billing
from . import objects as ob
from .app import api_route, emu
from .store import StripeError, list_object

bp = Blueprint("api_core", __name__)


def _bool(value, param):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise StripeError(f"Invalid boolean: {value}", param=param)


def _int(value, param):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeError(f"Invalid integer: {value}", param=param) from None


def _require(params, name):
    if params.get(name) in (None, ""):
        raise StripeError(f"Missing required param: {name}.", param=name, code="parameter_missing")
    return params[name]


def _filtered(kind, params, url, **filters):
    items = emu().store.all(kind)
    for key, test in filters.items():
        if params.get(key) not in (None, ""):
            items = [o for o in items if test(o, params[key])]
    return list_object(items, url, params)


# ---- products


def _new_product(store, data, req):
    prod = store.add(
        ob.product(
            store.now(),
            _require(data, "name"),
            data.get("description"),
            billing.apply_metadata({}, data.get("metadata")),
        )
    )
    if data.get("id"):
        store.objects.pop(prod["id"])
        store.by_kind["product"].remove(prod["id"])
        prod["id"] = data["id"]
        store.add(prod)
    if "active" in data:
        prod["active"] = _bool(data["active"], "active")
    store.emit("product.created", prod, request=req)
    return prod


@api_route(bp, "/v1/products", ["POST"])
def create_product(params, req):
    """Create a product (optionally with default_price_data)."""
    store = emu().store
    prod = _new_product(store, params, req)
    dpd = params.get("default_price_data")
    if dpd:
        p = _new_price(store, dict(dpd, product=prod["id"]), req)
        prod["default_price"] = p["id"]
    return prod


@api_route(bp, "/v1/products/<prod_id>")
def get_product(params, req, prod_id):
    """Retrieve a product."""
    return emu().store.get("product", prod_id)


@api_route(bp, "/v1/products/<prod_id>", ["POST"])
def update_product(params, req, prod_id):
    """Update a product's name, description, active, default_price or metadata."""
    store = emu().store
    prod = store.get("product", prod_id)
    before = copy.deepcopy(prod)
    for key in ("name", "description", "default_price"):
        if key in params:
            prod[key] = params[key] or None
    if "active" in params:
        prod["active"] = _bool(params["active"], "active")
    if "metadata" in params:
        prod["metadata"] = billing.apply_metadata(prod["metadata"], params["metadata"])
    prod["updated"] = store.now()
    changed = {k: before[k] for k in prod if prod[k] != before[k] and k != "updated"}
    if changed:
        store.emit("product.updated", prod, changed, req)
    return prod


@api_route(bp, "/v1/products/<prod_id>", ["DELETE"])
def delete_product(params, req, prod_id):
    """Delete a product."""
    store = emu().store
    prod = store.get("product", prod_id)
    store.objects.pop(prod_id)
    store.by_kind["product"].remove(prod_id)
    store.emit("product.deleted", prod, request=req)
    return {"deleted": True, "id": prod_id, "object": "product"}


@api_route(bp, "/v1/products")
def list_products(params, req):
    """List products (filter: active)."""
    return _filtered(
        "product", params, "/v1/products", active=lambda o, v: o["active"] == _bool(v, "active")
    )


# ---- prices


def _take_lookup_key(store, params, price_id=None):
    key = params.get("lookup_key")
    if not key:
        return
    transfer = _bool(params.get("transfer_lookup_key", False), "transfer_lookup_key")
    for other in store.all("price"):
        if other["lookup_key"] == key and other["id"] != price_id:
            if not transfer:
                raise StripeError(
                    f"A price (`{other['id']}`) already uses that lookup key.", param="lookup_key"
                )
            before = {"lookup_key": key}
            other["lookup_key"] = None
            store.emit("price.updated", other, before)


def _new_price(store, data, req, active=True):
    currency = str(_require(data, "currency")).lower()
    if data.get("unit_amount") is not None:
        amount = _int(data["unit_amount"], "unit_amount")
    elif data.get("unit_amount_decimal"):
        amount = int(float(data["unit_amount_decimal"]))
    else:
        raise StripeError(
            "Missing required param: unit_amount.", param="unit_amount", code="parameter_missing"
        )
    if data.get("product"):
        prod = store.get("product", data["product"], "product")
    elif data.get("product_data"):
        prod = _new_product(store, data["product_data"], req)
    else:
        raise StripeError(
            "Missing required param: product.", param="product", code="parameter_missing"
        )
    rec = data.get("recurring")
    if rec:
        if rec.get("interval") not in ("day", "week", "month", "year"):
            raise StripeError(
                "Invalid recurring[interval]: must be one of day, week, month, or year",
                param="recurring[interval]",
            )
        rec = {
            "interval": rec["interval"],
            "interval_count": _int(rec.get("interval_count", 1), "recurring[interval_count]"),
        }
    _take_lookup_key(store, data)
    p = ob.price(
        store.now(),
        prod["id"],
        currency,
        amount,
        rec,
        data.get("lookup_key") or None,
        billing.apply_metadata({}, data.get("metadata")),
        data.get("nickname"),
    )
    p["active"] = active and _bool(data.get("active", True), "active")
    store.add(p)
    store.emit("price.created", p, request=req)
    return p


@api_route(bp, "/v1/prices", ["POST"])
def create_price(params, req):
    """Create a price."""
    return _new_price(emu().store, params, req)


@api_route(bp, "/v1/prices/<price_id>")
def get_price(params, req, price_id):
    """Retrieve a price."""
    return emu().store.get("price", price_id)


@api_route(bp, "/v1/prices/<price_id>", ["POST"])
def update_price(params, req, price_id):
    """Update a price: active (archive), lookup_key, transfer_lookup_key, nickname, metadata."""
    store = emu().store
    p = store.get("price", price_id)
    before = copy.deepcopy(p)
    if "lookup_key" in params:
        _take_lookup_key(store, params, price_id)
        p["lookup_key"] = params["lookup_key"] or None
    if "active" in params:
        p["active"] = _bool(params["active"], "active")
    if "nickname" in params:
        p["nickname"] = params["nickname"] or None
    if "metadata" in params:
        p["metadata"] = billing.apply_metadata(p["metadata"], params["metadata"])
    changed = {k: before[k] for k in p if p[k] != before[k]}
    if changed:
        store.emit("price.updated", p, changed, req)
    return p


@api_route(bp, "/v1/prices")
def list_prices(params, req):
    """List prices (filters: active, product, lookup_keys, type, currency)."""
    result = _filtered(
        "price",
        params,
        "/v1/prices",
        active=lambda o, v: o["active"] == _bool(v, "active"),
        product=lambda o, v: o["product"] == v,
        type=lambda o, v: o["type"] == v,
        currency=lambda o, v: o["currency"] == v.lower(),
        lookup_keys=lambda o, v: o["lookup_key"] in ([v] if isinstance(v, str) else v),
    )
    return result


# ---- customers


@api_route(bp, "/v1/customers", ["POST"])
def create_customer(params, req):
    """Create a customer."""
    return billing.create_customer(
        emu().store,
        params.get("email") or None,
        params.get("name") or None,
        billing.apply_metadata({}, params.get("metadata")),
        req,
        description=params.get("description") or None,
        phone=params.get("phone") or None,
    )


@api_route(bp, "/v1/customers/<cus_id>")
def get_customer(params, req, cus_id):
    """Retrieve a customer (a deleted one comes back as {deleted: true})."""
    store = emu().store
    if cus_id in store.deleted:
        return {"deleted": True, "id": cus_id, "object": "customer"}
    return store.get("customer", cus_id)


@api_route(bp, "/v1/customers/<cus_id>", ["POST"])
def update_customer(params, req, cus_id):
    """Update a customer; emits customer.updated with previous_attributes."""
    store = emu().store
    cust = store.get("customer", cus_id)
    before = copy.deepcopy(cust)
    for key in ("email", "name", "description", "phone"):
        if key in params:
            cust[key] = params[key] or None
    if "metadata" in params:
        cust["metadata"] = billing.apply_metadata(cust["metadata"], params["metadata"])
    changed = {k: before[k] for k in cust if cust[k] != before[k]}
    if changed:
        store.emit("customer.updated", cust, changed, req)
    return cust


@api_route(bp, "/v1/customers/<cus_id>", ["DELETE"])
def delete_customer(params, req, cus_id):
    """Delete a customer, canceling its subscriptions."""
    store = emu().store
    cust = store.get("customer", cus_id)
    for sub in store.all("subscription"):
        if sub["customer"] == cus_id and sub["status"] != "canceled":
            billing.cancel_now(store, sub)
    store.objects.pop(cus_id)
    store.by_kind["customer"].remove(cus_id)
    store.deleted.add(cus_id)
    store.emit("customer.deleted", cust, request=req)
    return {"deleted": True, "id": cus_id, "object": "customer"}


@api_route(bp, "/v1/customers")
def list_customers(params, req):
    """List customers (filter: email)."""
    return _filtered("customer", params, "/v1/customers", email=lambda o, v: o["email"] == v)


# ---- checkout sessions


def _line_item_price(store, li, i, req):
    param = f"line_items[{i}]"
    if li.get("price"):
        p = store.get("price", li["price"], f"{param}[price]")
        if not p["active"]:
            raise StripeError(
                "The price specified is inactive. This field only accepts active prices.",
                param=f"{param}[price]",
            )
        return p
    if li.get("price_data"):
        return _new_price(store, li["price_data"], req, active=False)
    raise StripeError(
        "You must specify either `price` or `price_data` for each line item.", param=param
    )


@api_route(bp, "/v1/checkout/sessions", ["POST"])
def create_checkout_session(params, req):
    """Create a checkout session in payment or subscription mode."""
    store = emu().store
    mode = _require(params, "mode")
    if mode not in ("payment", "subscription"):
        raise StripeError(f"The emulator does not support mode `{mode}`.", param="mode")
    _require(params, "success_url")
    lines = params.get("line_items")
    if not lines or not isinstance(lines, list):
        raise StripeError(
            "Missing required param: line_items.", param="line_items", code="parameter_missing"
        )
    if params.get("customer"):
        store.get("customer", params["customer"], "customer")
        if params.get("customer_email"):
            raise StripeError(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
    priced = [
        (
            _line_item_price(store, li, i, req),
            _int(li.get("quantity", 1), f"line_items[{i}][quantity]"),
        )
        for i, li in enumerate(lines)
    ]
    if mode == "subscription" and not any(p["recurring"] for p, _ in priced):
        raise StripeError(
            "You must provide at least one recurring price in `subscription` mode "
            "when using prices.",
            param="line_items",
        )
    if mode == "payment" and any(p["recurring"] for p, _ in priced):
        raise StripeError(
            "You specified `payment` mode but passed a recurring price. Either "
            "switch to `subscription` mode or use only one-time prices.",
            param="line_items",
        )
    if len({p["currency"] for p, _ in priced}) > 1:
        raise StripeError("All line items must use the same currency.", param="line_items")
    amount = sum(p["unit_amount"] * q for p, q in priced)
    cs = ob.checkout_session(store.now(), emu().url, params, mode, amount, priced[0][0]["currency"])
    cs["metadata"] = billing.apply_metadata({}, params.get("metadata"))
    if params.get("customer_creation") in ("always", "if_required") and mode == "payment":
        cs["customer_creation"] = params["customer_creation"]
    store.add(cs)
    store.line_items[cs["id"]] = [
        ob.checkout_item(p, q, billing.product_name(store, p)) for p, q in priced
    ]
    store.checkout_extra[cs["id"]] = {
        "subscription_metadata": billing.apply_metadata(
            {}, (params.get("subscription_data") or {}).get("metadata")
        ),
        "payment_intent_metadata": billing.apply_metadata(
            {}, (params.get("payment_intent_data") or {}).get("metadata")
        ),
    }
    return cs


@api_route(bp, "/v1/checkout/sessions/<cs_id>")
def get_checkout_session(params, req, cs_id):
    """Retrieve a checkout session (expand supported)."""
    return emu().store.get("checkout.session", cs_id)


@api_route(bp, "/v1/checkout/sessions/<cs_id>/line_items")
def get_checkout_line_items(params, req, cs_id):
    """List a checkout session's line items."""
    store = emu().store
    store.get("checkout.session", cs_id)
    return list_object(
        store.line_items.get(cs_id, []), f"/v1/checkout/sessions/{cs_id}/line_items", params
    )


@api_route(bp, "/v1/checkout/sessions/<cs_id>/expire", ["POST"])
def expire_checkout_session(params, req, cs_id):
    """Expire an open checkout session; emits checkout.session.expired."""
    store = emu().store
    cs = store.get("checkout.session", cs_id)
    if cs["status"] != "open":
        raise StripeError(
            f'Only Checkout Sessions with a status in ["open"] can be expired. '
            f'This Checkout Session has a status of "{cs["status"]}".'
        )
    cs["status"] = "expired"
    store.emit("checkout.session.expired", cs, request=req)
    return cs


@api_route(bp, "/v1/checkout/sessions")
def list_checkout_sessions(params, req):
    """List checkout sessions (filters: customer, subscription, payment_intent, status)."""
    same = {
        k: (lambda key: lambda o, v: o[key] == v)(k)
        for k in ("customer", "subscription", "payment_intent", "status")
    }
    return _filtered("checkout.session", params, "/v1/checkout/sessions", **same)


# ---- billing portal


@api_route(bp, "/v1/billing_portal/sessions", ["POST"])
def create_portal_session(params, req):
    """Create a billing portal session for a customer."""
    store = emu().store
    cust = store.get("customer", _require(params, "customer"), "customer")
    return store.add(
        ob.portal_session(store.now(), emu().url, cust["id"], params.get("return_url") or None)
    )
