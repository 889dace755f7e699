"""Business logic: customers, checkout completion, subscription lifecycle, refunds.

Every function expects the caller to hold store.lock.
"""

import calendar
import copy
import datetime

from . import billing_objects as bo
from . import objects as ob
from .store import StripeError, new_id

TEST_CARD_OK = "4242424242424242"
TEST_CARD_DECLINED = "4000000000000002"


def add_interval(ts, interval, count=1):
    """Return ts moved forward by count intervals (day, week, month, year), calendar-aware."""
    d = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    months = count * (12 if interval == "year" else 1)
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return int(d.replace(year=year, month=month, day=day).timestamp())


def apply_metadata(current, updates):
    """Merge Stripe metadata updates: an empty string deletes a key, '' for all clears."""
    if updates == "":
        return {}
    merged = dict(current)
    for key, value in (updates or {}).items():
        if value == "" or value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged


def product_name(store, price):
    """Return the name of a price's product."""
    prod = store.objects.get(price["product"])
    return prod["name"] if prod else price["product"]


def create_customer(store, email=None, name=None, metadata=None, request=None, **extra):
    """Create a customer and emit customer.created."""
    cust = store.add(ob.customer(store.now(), email, name, metadata, **extra))
    store.emit("customer.created", cust, request=request)
    return cust


def _finalize_and_charge(store, inv, paid, request=None):
    """Move a draft invoice to open and attempt payment, emitting Stripe's invoice events."""
    now = store.now()
    if inv["status"] == "draft":
        inv["status"] = "open"
        inv["number"] = inv["number"] or f"EMU-{len(store.by_kind.get('invoice', [])):06d}"
        inv["status_transitions"]["finalized_at"] = now
        inv["effective_at"] = now
        store.emit("invoice.finalized", inv, request=request)
    inv["attempted"] = True
    inv["attempt_count"] += 1
    if paid:
        inv.update(status="paid", amount_paid=inv["amount_due"], amount_remaining=0)
        inv["status_transitions"]["paid_at"] = now
        inv["next_payment_attempt"] = None
        store.emit("invoice.paid", inv, request=request)
        store.emit("invoice.payment_succeeded", inv, request=request)
    else:
        inv["next_payment_attempt"] = add_interval(now, "day", 3)
        store.emit("invoice.payment_failed", inv, request=request)


def _new_invoice(store, sub, cust, reason, request=None, emit=True):
    inv_id = new_id("in_")
    lines = [
        bo.invoice_line(
            inv_id, sub, item, f"{item['quantity']} × {product_name(store, item['price'])}"
        )
        for item in sub["items"]["data"]
    ]
    inv = bo.invoice(store.now(), inv_id, sub, cust, lines, reason, None)
    first = sub["items"]["data"][0]
    inv["period_start"] = first["current_period_start"]
    inv["period_end"] = first["current_period_end"]
    store.add(inv)
    sub["latest_invoice"] = inv_id
    if emit:
        store.emit("invoice.created", inv, request=request)
    return inv


def start_subscription(store, cust, price_qty, metadata=None, request=None):
    """Create an active subscription with a paid first invoice; emit its events."""
    for p, _ in price_qty:
        if not p.get("recurring"):
            raise StripeError(f"The price `{p['id']}` is not recurring.", param="price")
    now = store.now()
    sub_id = new_id("sub_")
    items = [
        ob.subscription_item(
            now,
            p,
            sub_id,
            qty,
            now,
            add_interval(now, p["recurring"]["interval"], p["recurring"]["interval_count"]),
        )
        for p, qty in price_qty
    ]
    currency = price_qty[0][0]["currency"]
    sub = bo.subscription(now, sub_id, cust["id"], currency, items, metadata, now)
    store.add(sub)
    # Stripe's customer.subscription.created already names the first invoice.
    inv = _new_invoice(store, sub, cust, "subscription_create", request, emit=False)
    store.emit("customer.subscription.created", sub, request=request)
    store.emit("invoice.created", inv, request=request)
    _finalize_and_charge(store, inv, True, request)
    return sub, inv


def pay_once(store, cust, amount, currency, metadata, email, description=None, request=None):
    """Create a succeeded payment intent and its charge; emit their events."""
    now = store.now()
    pi = bo.payment_intent(
        now, amount, currency, cust["id"] if cust else None, metadata, description
    )
    ch = bo.charge(now, pi, email)
    pi["latest_charge"] = ch["id"]
    store.add(pi)
    store.add(ch)
    store.emit("payment_intent.succeeded", pi, request=request)
    store.emit("charge.succeeded", ch, request=request)
    return pi, ch


def complete_checkout(store, cs, email, card_number):
    """Pay an open checkout session with a test card; return an error message or None."""
    if cs["status"] != "open":
        return f"This checkout session is {cs['status']}."
    card = (card_number or "").replace(" ", "")
    if card == TEST_CARD_DECLINED:
        return "Your card was declined."
    if card != TEST_CARD_OK:
        return "Your card number is invalid. Use a test card."
    cust = store.objects.get(cs["customer"]) if cs["customer"] else None
    email = (cust or {}).get("email") or cs["customer_email"] or email
    if not email:
        return "Enter your email address."
    items = store.line_items.get(cs["id"], [])
    if cust is None and (cs["mode"] == "subscription" or cs["customer_creation"] == "always"):
        cust = create_customer(store, email=email)
        cs["customer"] = cust["id"]
    cs["customer_details"] = ob.customer_details(email, (cust or {}).get("name"))
    if cs["mode"] == "subscription":
        prices = [(store.objects[i["price"]["id"]], i["quantity"]) for i in items]
        sub_meta = store.checkout_extra.get(cs["id"], {}).get("subscription_metadata")
        sub, inv = start_subscription(store, cust, prices, sub_meta)
        cs["subscription"], cs["invoice"] = sub["id"], inv["id"]
    else:
        pi_meta = store.checkout_extra.get(cs["id"], {}).get("payment_intent_metadata")
        pi, _ = pay_once(store, cust, cs["amount_total"], cs["currency"], pi_meta, email)
        cs["payment_intent"] = pi["id"]
    cs["status"], cs["payment_status"] = "complete", "paid"
    store.emit("checkout.session.completed", cs)
    return None


def _snapshot(sub, keys):
    return {k: copy.deepcopy(sub[k]) for k in keys}


def cancel_now(store, sub, reason="cancellation_requested", request=None):
    """Cancel a subscription immediately and emit customer.subscription.deleted."""
    if sub["status"] == "canceled":
        raise StripeError(
            "A canceled subscription can only update its cancellation_details and metadata.",
            code="resource_missing",
        )
    now = store.now()
    sub.update(status="canceled", canceled_at=sub["canceled_at"] or now, ended_at=now)
    sub["cancellation_details"]["reason"] = reason
    store.emit("customer.subscription.deleted", sub, request=request)
    return sub


def update_subscription(store, sub, params, request=None):
    """Apply cancel_at_period_end / items / metadata updates; emit customer.subscription.updated."""
    if sub["status"] == "canceled":
        raise StripeError(
            "A canceled subscription can only update its cancellation_details and metadata."
        )
    before = copy.deepcopy(sub)
    if "cancel_at_period_end" in params:
        flag = str(params["cancel_at_period_end"]).lower() == "true"
        end = sub["items"]["data"][0]["current_period_end"]
        sub.update(
            cancel_at_period_end=flag,
            cancel_at=end if flag else None,
            canceled_at=store.now() if flag else None,
        )
        sub["cancellation_details"]["reason"] = "cancellation_requested" if flag else None
    if "metadata" in params:
        sub["metadata"] = apply_metadata(sub["metadata"], params["metadata"])
    for change in params.get("items") or []:
        _switch_item(store, sub, change)
    changed = [k for k in sub if sub[k] != before[k]]
    if changed:
        store.emit("customer.subscription.updated", sub, _snapshot(before, changed), request)
    return sub


def _switch_item(store, sub, change):
    items = sub["items"]["data"]
    if change.get("id"):
        matches = [i for i in items if i["id"] == change["id"]]
        if not matches:
            raise StripeError(f"No such subscription item: '{change['id']}'", param="items")
        item = matches[0]
    elif len(items) == 1:
        item = items[0]
    else:
        raise StripeError("Specify items[0][id] to update.", param="items")
    if change.get("price"):
        p = store.get("price", change["price"], "items[0][price]")
        if not p["recurring"]:
            raise StripeError(f"The price `{p['id']}` is not recurring.", param="items[0][price]")
        item["price"], item["plan"] = copy.deepcopy(p), ob.plan_from_price(p)
    if change.get("quantity"):
        item["quantity"] = int(change["quantity"])


def advance(store, sub, outcome):
    """Bill the next period (or retry the unpaid invoice) with outcome paid or failed."""
    if outcome not in ("paid", "failed"):
        raise StripeError("outcome must be 'paid' or 'failed'", param="outcome")
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise StripeError(f"Subscription {sub['id']} is {sub['status']}.", param="subscription")
    before = copy.deepcopy(sub)
    cust = store.objects[sub["customer"]]
    period_end = sub["items"]["data"][0]["current_period_end"]
    latest = store.objects.get(sub["latest_invoice"] or "")
    if latest and latest["status"] == "open":
        inv = latest  # Stripe retries the unpaid invoice instead of billing a new period.
    elif sub["cancel_at_period_end"]:
        store.advance_clock_to(period_end)
        return cancel_now(store, sub), None
    else:
        store.advance_clock_to(period_end)
        for item in sub["items"]["data"]:
            rec = item["price"]["recurring"]
            item["current_period_start"] = period_end
            item["current_period_end"] = add_interval(
                period_end, rec["interval"], rec["interval_count"]
            )
        inv = _new_invoice(store, sub, cust, "subscription_cycle")
    _finalize_and_charge(store, inv, outcome == "paid")
    if outcome == "paid":
        store.failures[sub["id"]] = 0
        sub["status"] = "active"
    else:
        store.failures[sub["id"]] = store.failures.get(sub["id"], 0) + 1
        sub["status"] = "past_due"
    changed = [k for k in sub if sub[k] != before[k]]
    if changed:
        store.emit("customer.subscription.updated", sub, _snapshot(before, changed))
    if outcome == "failed" and store.failures[sub["id"]] >= store.failures_before_cancel:
        cancel_now(store, sub, reason="payment_failed")
    return sub, inv


def refund(store, params, request=None):
    """Refund (part of) a charge given charge or payment_intent; emit charge.refunded."""
    if params.get("charge"):
        ch = store.get("charge", params["charge"], "charge")
    elif params.get("payment_intent"):
        pi = store.get("payment_intent", params["payment_intent"], "payment_intent")
        ch = store.get("charge", pi["latest_charge"], "payment_intent")
    else:
        raise StripeError("One of `charge` or `payment_intent` is required.", param="charge")
    remaining = ch["amount"] - ch["amount_refunded"]
    amount = int(params.get("amount") or remaining)
    if amount <= 0 or amount > remaining:
        raise StripeError(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    re = store.add(
        bo.refund(
            store.now(),
            ch,
            amount,
            params.get("reason"),
            apply_metadata({}, params.get("metadata")),
        )
    )
    ch["amount_refunded"] += amount
    ch["refunded"] = ch["amount_refunded"] == ch["amount"]
    ch["refunds"]["data"].insert(0, copy.deepcopy(re))
    store.emit("charge.refunded", ch, request=request)
    store.emit("refund.created", re, request=request)
    return re
