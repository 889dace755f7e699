"""customer.updated keeps the patron's email and name as Stripe has them, never taking another
patron's email, never for an erased patron, and ignores customers that are not patrons."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import StripeEvent

from .conftest import events, signed


def _customer_updated(client, event_id: str, customer: dict):
    payload = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "customer.updated",
            "created": int(time.time()),
            "data": {"object": {"object": "customer", **customer}},
        }
    )
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signed(payload)},
    )


def _patron(app, email: str, customer_id: str | None, **values) -> int:
    with app.app_context():
        patron = Patron(email=email, name="Before", stripe_customer_id=customer_id, **values)
        db.session.add(patron)
        db.session.commit()
        return patron.id


def _email_and_name(app, patron_id: int) -> tuple[str | None, str]:
    with app.app_context():
        patron = db.session.get(Patron, patron_id)
        return patron.email, patron.name


def test_an_email_another_patron_has_is_not_copied_but_the_name_is(app, client):
    ada = _patron(app, "ada@example.org", "cus_ada")
    _patron(app, "taken@example.org", None)
    response = _customer_updated(
        client, "evt_1", {"id": "cus_ada", "email": "Taken@Example.org", "name": "Ada L."}
    )
    assert response.status_code == 200 and response.json["outcome"] == "processed"
    assert _email_and_name(app, ada) == ("ada@example.org", "Ada L.")


def test_an_unchanged_customer_changes_nothing_and_is_processed(app, client):
    ada = _patron(app, "ada@example.org", "cus_ada")
    response = _customer_updated(client, "evt_1", {"id": "cus_ada", "email": "ada@example.org"})
    assert response.json["outcome"] == "processed"
    assert _email_and_name(app, ada) == ("ada@example.org", "Before")


def test_a_customer_who_is_no_patron_and_an_erased_patron_are_ignored(app, client):
    erased = _patron(app, "gone@example.org", "cus_gone", erased_at=utcnow())
    assert (
        _customer_updated(client, "evt_1", {"id": "cus_stranger", "email": "x@example.org"}).json[
            "outcome"
        ]
        == "ignored"
    )
    assert (
        _customer_updated(client, "evt_2", {"id": "cus_gone", "name": "Back again"}).json["outcome"]
        == "ignored"
    )
    assert _email_and_name(app, erased) == ("gone@example.org", "Before")
    assert [row.outcome for row in events(app, type="customer.updated")] == ["ignored"] * 2


def test_a_repeated_delivery_answers_duplicate_and_changes_nothing_again(app, client):
    """customer.updated is handled before its row is written; the row's unique Stripe id
    still makes a repeat a no-op (its changes are rolled back)."""
    ada = _patron(app, "ada@example.org", "cus_ada")
    sent = {"id": "cus_ada", "email": "ada@example.org", "name": "Ada L."}
    assert _customer_updated(client, "evt_1", sent).json["outcome"] == "processed"
    with app.app_context():  # the newsroom edits the name after the event was handled
        db.session.get(Patron, ada).name = "Ada Lovelace"
        db.session.commit()
    again = _customer_updated(client, "evt_1", sent)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert _email_and_name(app, ada) == ("ada@example.org", "Ada Lovelace")
    assert [row.outcome for row in events(app, type="customer.updated")] == ["processed"]


def test_a_failed_event_delivered_again_is_handled_in_its_row(app, client):
    ada = _patron(app, "ada@example.org", "cus_ada")
    with app.app_context():
        db.session.add(
            StripeEvent(stripe_id="evt_1", type="customer.updated", payload="{}", outcome="failed")
        )
        db.session.commit()
    response = _customer_updated(client, "evt_1", {"id": "cus_ada", "name": "Ada L."})
    assert response.status_code == 200 and response.json["outcome"] == "processed"
    assert _email_and_name(app, ada) == ("ada@example.org", "Ada L.")
    [row] = events(app, type="customer.updated")
    assert (row.outcome, row.error) == ("processed", None) and '"Ada L."' in row.payload


def test_the_erasure_check_rides_in_the_events_insert(app, client):
    """issue 17: an unchanged customer costs the patron's lookup and the event's INSERT, which
    asks the erasure tombstones itself; an erased customer's event is stored without them."""
    from engagement.accounts.erasure import bury
    from tests.support.queries import recorded_statements

    _patron(app, "ada@example.org", "cus_ada")
    with recorded_statements(app) as statements:
        response = _customer_updated(client, "evt_1", {"id": "cus_ada", "email": "ada@example.org"})
    assert response.json["outcome"] == "processed"
    assert len(statements) == 2, statements
    assert "erasure_tombstones" in statements[-1] and "INSERT INTO stripe_events" in statements[-1]

    with app.app_context():
        bury("customer", "cus_gone", utcnow())
        db.session.commit()
    response = _customer_updated(
        client, "evt_2", {"id": "cus_gone", "email": "gone@example.org", "name": "Gone"}
    )
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    with app.app_context():
        stored = db.session.scalar(
            select(StripeEvent.payload).where(StripeEvent.stripe_id == "evt_2")
        )
    assert "cus_gone" in stored and "gone@example.org" not in stored and "Gone" not in stored
