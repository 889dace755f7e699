"""Test controls under /_emulator/ (JSON in, JSON out, no auth)."""

from flask import Blueprint, jsonify, request

from . import billing
from .app import emu
from .store import StripeError

bp = Blueprint("controls", __name__, url_prefix="/_emulator")


def _body():
    return request.get_json(silent=True) or {}


@bp.post("/clock/advance")
def clock_advance():
    """Bill a subscription's next period: {"subscription": id, "outcome": "paid"|"failed"}."""
    body = _body()
    store = emu().store
    with store.lock:
        sub = store.get("subscription", body.get("subscription"), "subscription")
        sub, inv = billing.advance(store, sub, body.get("outcome", "paid"))
        return jsonify(subscription=sub, invoice=inv, now=store.now())


@bp.post("/config")
def config():
    """Settings: {"failures_before_cancel": 3}."""
    body = _body()
    store = emu().store
    with store.lock:
        if "failures_before_cancel" in body:
            store.failures_before_cancel = int(body["failures_before_cancel"])
        return jsonify(failures_before_cancel=store.failures_before_cancel)


@bp.post("/webhooks/config")
def webhooks_config():
    """Set the webhook endpoint: {"url", "secret", "initial_backoff", "max_attempts", "timeout"}."""
    body = _body()
    s = emu().sender
    s.configure(
        body.get("url"),
        body.get("secret"),
        initial_backoff=body.get("initial_backoff"),
        max_attempts=body.get("max_attempts"),
        timeout=body.get("timeout"),
    )
    return jsonify(url=s.url, initial_backoff=s.initial_backoff, max_attempts=s.max_attempts)


@bp.post("/webhooks/hold")
def webhooks_hold():
    """Queue new events instead of delivering them."""
    emu().sender.hold()
    return jsonify(holding=True)


@bp.post("/webhooks/release")
def webhooks_release():
    """Deliver held events: {"order", "seed", "duplicates": [lo, hi], "threads", "keep_holding"}."""
    body = _body()
    try:
        n = emu().sender.release(
            body.get("order", "as_is"),
            body.get("seed"),
            body.get("duplicates"),
            body.get("threads", 1),
            body.get("keep_holding", False),
        )
    except ValueError as exc:
        raise StripeError(str(exc), param="order") from None
    return jsonify(released=n)


@bp.post("/webhooks/discard")
def webhooks_discard():
    """Drop held events (simulates missed webhooks) and stop holding."""
    return jsonify(discarded=emu().sender.discard())


@bp.post("/webhooks/wait")
def webhooks_wait():
    """Wait until no delivery is pending: {"timeout": 10} -> {"idle": bool}."""
    return jsonify(idle=emu().sender.wait_idle(float(_body().get("timeout", 10))))


@bp.post("/events/<evt_id>/deliver")
def deliver_event(evt_id):
    """Deliver one stored event again."""
    store = emu().store
    with store.lock:
        event = store.get("event", evt_id)
    emu().sender.redeliver(event)
    return jsonify(queued=evt_id)


@bp.get("/deliveries")
def deliveries():
    """The delivery log, one entry per attempt, oldest first."""
    s = emu().sender
    with s.cond:
        log = list(s.log)
    return jsonify(deliveries=log, pending=s.pending(), held=len(s.held), holding=s.holding)


@bp.post("/subscriptions")
def create_subscription():
    """Shortcut for a paid checkout: {"email" or "customer", "price", "quantity", "metadata"}."""
    body = _body()
    store = emu().store
    with store.lock:
        price = store.get("price", body.get("price"), "price")
        if body.get("customer"):
            cust = store.get("customer", body["customer"], "customer")
        else:
            cust = billing.create_customer(store, email=body.get("email"), name=body.get("name"))
        sub, inv = billing.start_subscription(
            store,
            cust,
            [(price, int(body.get("quantity", 1)))],
            {k: str(v) for k, v in (body.get("metadata") or {}).items()},
        )
        return jsonify(customer=cust, subscription=sub, invoice=inv)


@bp.post("/checkout/<cs_id>/pay")
def pay_checkout(cs_id):
    """Pay a checkout session like the page does: {"card": "4242...", "email": ...}."""
    body = _body()
    store = emu().store
    with store.lock:
        cs = store.get("checkout.session", cs_id)
        error = billing.complete_checkout(
            store, cs, body.get("email", ""), body.get("card", billing.TEST_CARD_OK)
        )
        if error:
            raise StripeError(error, code="card_declined", status=402, type_="card_error")
        url = cs["success_url"].replace("{CHECKOUT_SESSION_ID}", cs["id"])
        return jsonify(session=cs, redirect=url)


@bp.get("/state")
def state():
    """Counts and ids of every object kind, the clock and webhook status."""
    store = emu().store
    with store.lock:
        ids = store.counts()
        return jsonify(
            counts={k: len(v) for k, v in ids.items()},
            ids=ids,
            now=store.now(),
            clock_offset=store.clock_offset,
            webhook_url=emu().sender.url,
            holding=emu().sender.holding,
            pending=emu().sender.pending(),
        )


@bp.post("/reset")
def reset():
    """Forget all objects, events, deliveries and the clock offset."""
    emu().reset()
    return jsonify(reset=True)
