"""Hosted pages: the checkout page (test cards) and the billing portal."""

import datetime
from urllib.parse import quote, urlparse

from flask import Blueprint, abort, make_response, redirect, render_template, request

from . import billing
from .app import emu

bp = Blueprint("pages", __name__)

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
_ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "xof", "xaf", "isk", "ugx"}
TEST_CARDS = [
    (billing.TEST_CARD_OK, "4242 4242 4242 4242", "succeeds"),
    (billing.TEST_CARD_DECLINED, "4000 0000 0000 0002", "declined"),
]


def money(amount, currency):
    """Format minor units for display, e.g. 1000 usd -> $10.00."""
    currency = (currency or "").lower()
    value = f"{amount}" if currency in _ZERO_DECIMAL else f"{amount / 100:.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def price_label(store, p):
    """Return e.g. 'Pro ($10.00/month)'."""
    amount = money(p["unit_amount"], p["currency"])
    rec = p["recurring"]
    per = ""
    if rec:
        per = (
            f"/{rec['interval']}"
            if rec["interval_count"] == 1
            else f"/{rec['interval_count']} {rec['interval']}s"
        )
    return f"{billing.product_name(store, p)} ({amount}{per})"


def _success_redirect(cs):
    return redirect(cs["success_url"].replace("{CHECKOUT_SESSION_ID}", cs["id"]), 303)


def _checkout_page(store, cs, error=None, email="", status=200):
    items = [
        {
            "label": price_label(store, i["price"]),
            "quantity": i["quantity"],
            "total": money(i["amount_total"], i["currency"]),
        }
        for i in store.line_items.get(cs["id"], [])
    ]
    cust = store.objects.get(cs["customer"] or "")
    fixed_email = (cust or {}).get("email") or cs["customer_email"]
    html = render_template(
        "checkout.html",
        cs=cs,
        items=items,
        total=money(cs["amount_total"], cs["currency"]),
        error=error,
        email=email,
        fixed_email=fixed_email,
        cards=TEST_CARDS,
    )
    return html, status


def _object_or_404(store, object_id: str, kind: str, label: str) -> dict:
    """The stored object of this kind, or a 404 page naming what was not found."""
    obj = store.objects.get(object_id)
    if not obj or obj["object"] != kind:
        page = render_template(
            "message.html",
            title=f"{label} not found",
            message=f"This {label.lower()} does not exist.",
        )
        abort(make_response(page, 404))
    return obj


@bp.get("/checkout/<cs_id>")
def checkout_page(cs_id):
    """Show the hosted checkout page for a session."""
    store = emu().store
    with store.lock:
        cs = _object_or_404(store, cs_id, "checkout.session", "Checkout")
        if cs["status"] == "open" and store.now() > cs["expires_at"]:
            cs["status"] = "expired"
            store.emit("checkout.session.expired", cs)
        return _checkout_page(store, cs)


@bp.post("/checkout/<cs_id>")
def checkout_pay(cs_id):
    """Pay a session from the form (fields email, card_number; or button test_card)."""
    store = emu().store
    with store.lock:
        cs = _object_or_404(store, cs_id, "checkout.session", "Checkout")
        if cs["status"] == "complete":
            return _success_redirect(cs)
        card = request.form.get("test_card") or request.form.get("card_number", "")
        email = request.form.get("email", "").strip()
        error = billing.complete_checkout(store, cs, email, card)
        if error:
            return _checkout_page(store, cs, error, email, 402)
        return _success_redirect(cs)


def _portal_view(store, bps, message=None):
    subs = [s for s in store.all("subscription") if s["customer"] == bps["customer"]]
    prices = [p for p in store.all("price") if p["active"] and p["recurring"]]
    rows = []
    for sub in subs:
        item = sub["items"]["data"][0]
        current = item["price"]
        rows.append(
            {
                "sub": sub,
                "label": price_label(store, current),
                "period_end": datetime.datetime.fromtimestamp(
                    item["current_period_end"], datetime.UTC
                ).strftime("%Y-%m-%d"),
                "switches": [
                    {"price": p["id"], "label": f"Switch to {price_label(store, p)}"}
                    for p in reversed(prices)
                    if p["id"] != current["id"] and p["currency"] == current["currency"]
                ],
            }
        )
    cust = store.objects.get(bps["customer"]) or {}
    site = urlparse(bps["return_url"] or "").netloc or bps["return_url"]
    return render_template(
        "portal.html", bps=bps, rows=rows, customer=cust, site=site, message=message
    )


@bp.get("/portal/<bps_id>")
def portal_page(bps_id):
    """Show the customer's subscriptions with cancel/resume/switch buttons."""
    store = emu().store
    with store.lock:
        bps = _object_or_404(store, bps_id, "billing_portal.session", "Portal session")
        return _portal_view(store, bps, request.args.get("message"))


@bp.post("/portal/<bps_id>")
def portal_action(bps_id):
    """Apply a portal action: fields subscription, action (cancel|resume|switch), price."""
    store = emu().store
    with store.lock:
        bps = _object_or_404(store, bps_id, "billing_portal.session", "Portal session")
        sub = store.objects.get(request.form.get("subscription", ""))
        if not sub or sub.get("customer") != bps["customer"]:
            return _portal_view(store, bps, "Unknown subscription."), 400
        action = request.form.get("action")
        if action == "cancel":
            billing.update_subscription(store, sub, {"cancel_at_period_end": "true"})
            message = "Your subscription will be canceled at the end of the billing period."
        elif action == "resume":
            billing.update_subscription(store, sub, {"cancel_at_period_end": "false"})
            message = "Your subscription has been resumed."
        elif action == "switch":
            price = store.objects.get(request.form.get("price", ""))
            if not price or price["object"] != "price" or not price["recurring"]:
                return _portal_view(store, bps, "Unknown price."), 400
            billing.update_subscription(store, sub, {"items": [{"price": price["id"]}]})
            message = f"Your plan is now {price_label(store, price)}."
        else:
            return _portal_view(store, bps, "Unknown action."), 400
    return redirect(f"/portal/{bps_id}?message={quote(message)}", 303)
