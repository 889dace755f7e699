"""What the stored Stripe events hold about a patron, and erasing it.

A person may be more than one Stripe customer (a gift paid as a guest, a second checkout). The
customers tied to the patron are: the patron's own, and the customer of every stored event
about their subscriptions, gifts or payments, or carrying their email in any case. Every event
of those customers (or about those objects, or with that email) loses the personal fields
(`customer_details`, addresses, phones, shipping, emails and names) and any other string
holding the email or name; ids, types and amounts stay for the books. Each customer id gets a
tombstone, so Stripe's later events about it never make a patron again.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from engagement.accounts import account
from engagement.accounts.erasure import Traces, any_erased, bury, erasure_params
from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.blueprints import public
from engagement.membership.models import Donation, Membership, StripeEvent

# Keys whose value is about a person wherever they appear in a Stripe object.
PERSONAL_KEYS = frozenset(
    {
        "customer_details",
        "billing_details",
        "address",
        "phone",
        "shipping",
        "shipping_details",
        "shipping_address",
        "customer_address",
        "customer_phone",
        "customer_shipping",
        "customer_email",
        "customer_name",
        "email",
        "receipt_email",
        "name",
    }
)
EMAIL_KEYS = frozenset({"email", "customer_email", "receipt_email"})
# Objects whose `name` is the newsroom's (a product, a price), not a person's.
NAMED_THINGS = frozenset({"product", "price", "plan", "coupon", "promotion_code", "tax_rate"})


def _is_personal(key: str, holder: dict) -> bool:
    return key in PERSONAL_KEYS and not (key == "name" and holder.get("object") in NAMED_THINGS)


def scrub_payload(value: Any, traces: Traces) -> Any:
    """The Stripe object with personal fields emptied and the person's traces replaced."""
    if isinstance(value, dict):
        return {
            key: None if _is_personal(key, value) else scrub_payload(item, traces)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_payload(item, traces) for item in value]
    if isinstance(value, str):
        return traces.scrub(value)
    return value


def personal_fields(value: Any, path: str = "") -> dict[str, Any]:
    """The personal fields a Stripe object holds (not empty), by their dotted path."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if _is_personal(key, value):
                if item not in (None, "", {}, []):
                    found[where] = item
            else:
                found.update(personal_fields(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(personal_fields(item, f"{path}[{index}]"))
    return found


def emails_in(value: Any, found: list[str] | None = None) -> list[str]:
    """The email addresses a Stripe object's personal fields hold (`email`, `customer_email`,
    `receipt_email`, or an `email` inside a personal object such as `customer_details`): what
    `personal_fields` would list, without writing every path (each webhook walks its event)."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            if not _is_personal(key, value):
                if isinstance(item, (dict, list)):
                    emails_in(item, found)
            elif isinstance(item, str):
                if item and key in EMAIL_KEYS:
                    found.append(item)
            elif isinstance(item, dict) and isinstance(item.get("email"), str):
                found.append(item["email"])
    elif isinstance(value, list):
        for item in value:
            emails_in(item, found)
    return found


def _object_ids(patron: Patron) -> set[str]:
    subscriptions = db.session.scalars(
        select(Membership.stripe_subscription_id).where(
            Membership.patron_id == patron.id, Membership.stripe_subscription_id.is_not(None)
        )
    )
    gifts = db.session.execute(
        select(Donation.stripe_checkout_session_id, Donation.stripe_payment_intent_id).where(
            Donation.patron_id == patron.id
        )
    )
    ids = set(subscriptions)
    for session_id, intent_id in gifts:
        ids |= {session_id, intent_id}
    return {value for value in ids if value}


def _about(objects: set[str], traces: Traces) -> list[ColumnElement[bool]]:
    conditions = [StripeEvent.object_id.in_(objects)] if objects else []
    conditions += [
        StripeEvent.payload.contains(object_id, autoescape=True) for object_id in objects
    ]
    conditions += [
        func.lower(StripeEvent.payload).contains(email, autoescape=True) for email in traces.emails
    ]
    return conditions


def customer_ids_of(patron: Patron, traces: Traces, objects: set[str]) -> set[str]:
    """Every Stripe customer id tied to the patron."""
    customers = {patron.stripe_customer_id} if patron.stripe_customer_id else set()
    conditions = _about(objects, traces)
    if conditions:
        customers |= set(
            db.session.scalars(
                select(StripeEvent.customer_id)
                .where(StripeEvent.customer_id.is_not(None), or_(*conditions))
                .distinct()
            )
        )
    return customers


def events_of(patron: Patron, traces: Traces) -> tuple[list[StripeEvent], set[str]]:
    """The stored events about the patron, and the customer ids tied to them."""
    objects = _object_ids(patron)
    customers = customer_ids_of(patron, traces, objects)
    conditions = _about(objects, traces)
    if customers:
        conditions.append(StripeEvent.customer_id.in_(customers))
    if not conditions:
        return [], customers
    rows = db.session.scalars(select(StripeEvent).where(or_(*conditions)).order_by(StripeEvent.id))
    return list(rows), customers


def _traces(patron: Patron) -> Traces:
    return Traces.of(patron.email, patron.name)


def erase_stripe_events(patron: Patron) -> None:
    """Empty the personal fields of the patron's stored events; tombstone their customers."""
    traces = _traces(patron)
    events, customers = events_of(patron, traces)
    for event in events:
        try:
            payload = json.loads(event.payload)
        except ValueError:
            payload = None
        event.payload = (
            json.dumps(scrub_payload(payload, traces), separators=(",", ":"))
            if payload is not None
            else traces.scrub(event.payload)
        )
        event.error = traces.scrub(event.error)
    now = utcnow()
    for customer_id in customers:
        bury("customer", customer_id, now)
    db.session.flush()


def stripe_events_data(patron: Patron) -> list[dict]:
    """The stored Stripe events about the patron, with the personal fields they hold."""
    events, _customers = events_of(patron, _traces(patron))
    listed = []
    for event in events:
        try:
            fields = personal_fields(json.loads(event.payload))
        except ValueError:
            fields = {}
        listed.append(
            {
                "id": event.stripe_id,
                "type": event.type,
                "customer": event.customer_id,
                "received_at": event.received_at.isoformat() if event.received_at else None,
                "personal_fields": fields,
            }
        )
    return listed


def event_erasure_params(values: dict[str, Any], event: dict) -> dict:
    """What `erasure.none_erased` asks about an event: its customer and the emails it holds
    (`values`: the event row's columns)."""
    return erasure_params(values["customer_id"], emails_in(event))


def redact_if_erased(values: dict[str, Any], event: dict) -> None:
    """Store an event about a person who erased their data without its personal fields.

    `values` are the event row's columns (customer_id, api_created_at, payload); the payload is
    replaced by the scrubbed event when the customer or an email in it was erased."""
    emails = emails_in(event)
    if any_erased(values["customer_id"], emails, values["api_created_at"]):  # one query
        values["payload"] = json.dumps(scrub_payload(event, Traces()), separators=(",", ":"))


account.register_eraser(public, erase_stripe_events)
account.register_data_section(public, "stripe_events", stripe_events_data)
