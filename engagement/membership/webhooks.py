"""Stripe webhook events: verified, stored once by id, handled in one transaction each.

A subscription event never trusts the copy in the event: the subscription is fetched from Stripe
again, so the order in which events arrive does not matter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from engagement.accounts.erasure import PersonErased, none_erased
from engagement.accounts.models import Patron, normalise_email
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership import account_hooks, stripe_sync
from engagement.membership.models import Membership, StripeEvent
from engagement.membership.stripe_gateway import Gateway, gateway

log = logging.getLogger(__name__)

HANDLED_TYPES = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
    "charge.refunded",
    "customer.updated",
)


# Whether an event id is stored, and how it went: one light statement, built once.
_STORED = select(StripeEvent.id, StripeEvent.outcome).where(
    StripeEvent.stripe_id == bindparam("stripe_id")
)

_EVENTS = StripeEvent.__table__


def _insert_new(dialect: str):
    """INSERT the event's row unless its Stripe id is stored, RETURNING the new id (none when
    it was stored): the unique id answers "seen before?" in the same statement as the write."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_EVENTS).on_conflict_do_nothing(index_elements=["stripe_id"]).returning(_EVENTS.c.id)
    )


_INSERT_NEW = {name: _insert_new(name) for name in ("postgresql", "sqlite")}
_COLUMNS = (
    "stripe_id",
    "type",
    "api_created_at",
    "payload",
    "object_id",
    "customer_id",
    "outcome",
    "error",
    "received_at",
    "processed_at",
)


def _insert_unless_erased(dialect: str):
    """`_insert_new` that also inserts nothing when the event is about a person who erased
    their data (a tombstone holds its customer or an email in it): the erasure check rides in
    the INSERT instead of a query of its own, and such an event is then stored redacted."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    row = select(*(bindparam(name, type_=_EVENTS.c[name].type) for name in _COLUMNS)).where(
        none_erased(bindparam("api_created_at", type_=_EVENTS.c.api_created_at.type))
    )
    return (
        insert(_EVENTS)
        .from_select(list(_COLUMNS), row)
        .on_conflict_do_nothing(index_elements=["stripe_id"])
        .returning(_EVENTS.c.id)
    )


_INSERT_UNLESS_ERASED = {name: _insert_unless_erased(name) for name in ("postgresql", "sqlite")}

# Handlers that call Stripe back: for these the stored id is asked first, so a repeated
# delivery costs no call. The others run at once and the INSERT above settles a repeat.
_CALLS_STRIPE = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
    }
)


class Ignored(Exception):
    """The event is about something that is not ours; it is recorded as ignored."""


def receive(event: dict, raw: str | None = None) -> tuple[int, str]:
    """Store and handle one verified event; return (HTTP status, outcome). Commits.

    The event row is written together with the handler's changes in one transaction; its unique
    Stripe id settles two deliveries racing each other (the loser rolls back and answers 200).
    """
    problem = malformed(event)
    if problem is not None:  # signed, so stored, but no handler can make sense of it
        _failed(event, raw, f"malformed event: {problem}")
        return 400, "failed"
    conn = db.session.connection()
    if event["type"] in _CALLS_STRIPE:
        stored = conn.execute(_STORED, {"stripe_id": event["id"]}).first()
        if stored is not None:
            return _again(event, raw, stored)
    values = _describe(event, raw)
    try:
        values["outcome"], values["error"] = _handle(event)
        values["received_at"] = values["processed_at"] = utcnow()
        checked = {**values, **account_hooks.event_erasure_params(values, event)}
        new_id = conn.execute(_INSERT_UNLESS_ERASED[conn.dialect.name], checked).scalar()
        if new_id is None and conn.execute(_STORED, {"stripe_id": event["id"]}).first() is None:
            # Not stored before: a tombstone held it back. Kept without the personal data.
            account_hooks.redact_if_erased(values, event)
            new_id = conn.execute(_INSERT_NEW[conn.dialect.name], values).scalar()
        if new_id is None:  # stored before: a repeat, or a failed event delivered again
            db.session.rollback()
            found = db.session.connection().execute(_STORED, {"stripe_id": event["id"]})
            return _again(event, raw, found.first())
        db.session.commit()
        return 200, values["outcome"]
    except IntegrityError:
        return _conflict(event, raw)
    except Exception as exc:  # noqa: BLE001 - any handler error: roll back, answer 500, retry
        return _error(event, raw, exc)


def _again(event: dict, raw: str | None, stored) -> tuple[int, str]:
    """An event whose id is stored: a repeat answers 200; a failed one is handled again in its
    row (Stripe's retries after a 500 land here)."""
    if stored is None or stored.outcome != "failed":
        return 200, "duplicate"
    row = db.session.get(StripeEvent, stored.id)
    if row is None:  # deleted since: nothing to handle again
        return 200, "duplicate"
    try:
        for name, value in _redacted(event, raw).items():
            setattr(row, name, value)
        row.outcome, row.error = _handle(event)
        row.processed_at = utcnow()
        db.session.commit()
        return 200, row.outcome
    except IntegrityError:
        return _conflict(event, raw)
    except Exception as exc:  # noqa: BLE001 - as in receive
        return _error(event, raw, exc)


def _conflict(event: dict, raw: str | None) -> tuple[int, str]:
    db.session.rollback()
    if _already_stored(event["id"]):
        return 200, "duplicate"
    return _failed(event, raw, "conflicting write; Stripe will retry")


def _error(event: dict, raw: str | None, exc: Exception) -> tuple[int, str]:
    db.session.rollback()
    log.exception("stripe event %s (%s) failed", event.get("id"), event.get("type"))
    return _failed(event, raw, f"{type(exc).__name__}: {exc}")


def malformed(event: dict) -> str | None:
    """Why a signed event does not have the shape of Stripe's events, or None when it does."""
    if not isinstance(event.get("type"), str):
        return "type is not a string"
    if "created" in event and _timestamp(event["created"]) is None:
        return "created is not a number of seconds"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "data.object is not an object"
    if not isinstance(data["object"].get("id", ""), str):
        return "data.object.id is not text"
    return None


def _timestamp(value) -> datetime | None:
    # Seconds since 1970, as Stripe sends them; anything else (text, true, 1e300) is None.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 < value < 2**33:
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _event_object(event: dict) -> dict:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else {}


def _describe(event: dict, raw: str | None) -> dict:
    """The event row's columns taken from the event (outcome and error cleared), its payload
    as sent: receive's INSERT checks the erasure itself, the other writers use `_redacted`."""
    obj = _event_object(event)
    customer = obj.get("customer") if obj.get("object") != "customer" else obj.get("id")
    values = {
        "stripe_id": event["id"],
        "type": str(event.get("type"))[:100],
        "api_created_at": _timestamp(event.get("created")),
        "payload": raw if raw is not None else json.dumps(event, separators=(",", ":")),
        "object_id": str(obj.get("id"))[:255] if obj.get("id") else None,
        "customer_id": customer if isinstance(customer, str) else None,
        "outcome": None,
        "error": None,
    }
    return values


def _redacted(event: dict, raw: str | None) -> dict:
    """`_describe`, the payload without its personal fields when the event is about a person
    who erased their data (one query)."""
    values = _describe(event, raw)
    account_hooks.redact_if_erased(values, event)
    return values


def _already_stored(stripe_id: str) -> bool:
    row = db.session.scalar(select(StripeEvent).where(StripeEvent.stripe_id == stripe_id))
    return row is not None and row.outcome != "failed"


def _failed(event: dict, raw: str | None, error: str) -> tuple[int, str]:
    """Record the failure in its own transaction (a retry will handle the event again)."""
    try:
        row = db.session.scalar(select(StripeEvent).where(StripeEvent.stripe_id == event["id"]))
        if row is None:
            row = StripeEvent(stripe_id=event["id"])
            db.session.add(row)
        for name, value in _redacted(event, raw).items():
            setattr(row, name, value)
        row.outcome, row.error, row.processed_at = "failed", error[:2000], utcnow()
        db.session.commit()
    except Exception:  # noqa: BLE001 - the 500 matters more than the audit row
        db.session.rollback()
        log.exception("could not record the failure of stripe event %s", event.get("id"))
    return 500, "failed"


def _handle(event: dict) -> tuple[str, str | None]:
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return "ignored", "type not handled"
    obj = (event.get("data") or {}).get("object") or {}
    try:
        handler(gateway(), obj)
    except (Ignored, PersonErased) as reason:
        return "ignored", str(reason) or None
    return "processed", None


# --- handlers ---------------------------------------------------------------------------------


def _patron_for_subscription(
    gw: Gateway, subscription: dict, membership: Membership | None = None
) -> Patron:
    customer_id = subscription.get("customer")
    customer_id = customer_id.get("id") if isinstance(customer_id, dict) else customer_id
    if (
        membership is not None
        and customer_id
        and membership.patron.stripe_customer_id == customer_id
    ):
        return membership.patron  # the patron of this customer (the id is unique): no query
    patron = stripe_sync.find_patron(customer_id=customer_id)
    if patron is not None:
        return patron
    customer = gw.retrieve_customer(customer_id) if customer_id else {}
    patron, _created = stripe_sync.patron_for_customer(
        customer_id,
        customer.get("email"),
        customer.get("name"),
        consented_at=stripe_sync.from_timestamp(subscription.get("created")),
    )
    return patron


def _sync_subscription_id(gw: Gateway, subscription_id: str | None) -> Membership | None:
    if not subscription_id:
        raise Ignored("no subscription")
    subscription = gw.retrieve_subscription(subscription_id)
    if not stripe_sync.subscription_is_ours(subscription):
        raise Ignored("subscription is for a product that is not ours")
    membership = stripe_sync.membership_for(subscription["id"])
    patron = _patron_for_subscription(gw, subscription, membership)
    return stripe_sync.sync_subscription(subscription, patron, membership)


def on_checkout_completed(gw: Gateway, session: dict) -> None:
    """A reader paid: find or make the patron, then the membership or the donation."""
    metadata = session.get("metadata") or {}
    kind = metadata.get("engagement_kind")
    if kind not in ("membership", "gift"):
        raise Ignored("checkout was not started by this app")
    details = session.get("customer_details") or {}
    email = details.get("email") or session.get("customer_email")
    customer_id = session.get("customer")
    customer_id = customer_id.get("id") if isinstance(customer_id, dict) else customer_id
    patron, _created = stripe_sync.patron_for_customer(
        customer_id,
        email,
        details.get("name"),
        consented_at=stripe_sync.from_timestamp(session.get("created")),
    )
    if kind == "gift":
        stripe_sync.record_donation(patron, session)
        return
    subscription_id = session.get("subscription")
    if isinstance(subscription_id, dict):
        subscription_id = subscription_id.get("id")
    _sync_subscription_id(gw, subscription_id)


def on_subscription_changed(gw: Gateway, subscription: dict) -> None:
    """created, updated or deleted: fetch the subscription as it is now and mirror it."""
    _sync_subscription_id(gw, subscription.get("id"))


def _invoice_subscription(invoice: dict) -> str | None:
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = parent.get("subscription") or invoice.get("subscription")
    return subscription.get("id") if isinstance(subscription, dict) else subscription


def on_invoice_paid(gw: Gateway, invoice: dict) -> None:
    """A renewal (or the first payment) went through: the period moved on."""
    _sync_subscription_id(gw, _invoice_subscription(invoice))


def on_invoice_payment_failed(gw: Gateway, invoice: dict) -> None:
    """A renewal failed: mirror past_due (grace) and tell the patron how to fix the card."""
    membership = _sync_subscription_id(gw, _invoice_subscription(invoice))
    if membership is not None and membership.ended_at is None:
        stripe_sync.payment_failed(membership, invoice["id"])


def on_charge_refunded(gw: Gateway, charge: dict) -> None:
    """A gift was refunded (in part or fully)."""
    if stripe_sync.record_refund(charge) is None:
        raise Ignored("refund of a charge that is not one of our donations")


_P = Patron.__table__
# The most frequent event, in Core statements built once (no Patron object, no unit of work).
_CUSTOMERS_PATRON = select(_P.c.id, _P.c.email, _P.c.name, _P.c.erased_at).where(
    _P.c.stripe_customer_id == bindparam("customer_id")
)
_EMAILS_PATRON = select(_P.c.id).where(_P.c.email == bindparam("email"))
_KEEP_CUSTOMER = (
    update(_P)
    .where(_P.c.id == bindparam("patron_id"))
    .values(email=bindparam("new_email"), name=bindparam("new_name"))
)


def on_customer_updated(gw: Gateway, customer: dict) -> None:
    """Keep the patron's email and name as the customer has them in Stripe."""
    conn = db.session.connection()
    customer_id = customer.get("id")
    patron = (
        conn.execute(_CUSTOMERS_PATRON, {"customer_id": customer_id}).first()
        if customer_id
        else None
    )
    if patron is None:
        raise Ignored("customer is not a patron")
    if patron.erased_at is not None:
        raise Ignored("the patron erased their data; Stripe's copy is not brought back")
    email, name = patron.email, patron.name
    sent = customer.get("email")
    if sent and normalise_email(sent) != patron.email:
        clash = conn.execute(_EMAILS_PATRON, {"email": normalise_email(sent)}).first()
        if clash is None:
            email = normalise_email(sent)
        else:
            current_app.logger.warning(
                "customer %s took the email of patron %s; not copied", customer_id, clash.id
            )
    if customer.get("name"):
        name = str(customer["name"])[:200]
    if (email, name) != (patron.email, patron.name):
        conn.execute(_KEEP_CUSTOMER, {"patron_id": patron.id, "new_email": email, "new_name": name})
        loaded = db.session.identity_map.get(db.session.identity_key(Patron, patron.id))
        if loaded is not None:  # written with Core: an object of it would show the old values
            db.session.expire(loaded, ["email", "name"])


HANDLERS: dict[str, Callable[[Gateway, dict], None]] = {
    "checkout.session.completed": on_checkout_completed,
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "charge.refunded": on_charge_refunded,
    "customer.updated": on_customer_updated,
}
