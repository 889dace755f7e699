"""Issue 14, item 1: "Delete my data" removes the person everywhere, and they stay removed.

The scenario the probe found: a reader reports a mistake as `Eve.Erase@probe.example.org` and
wants to hear of the fix; the patron `eve.erase@probe.example.org` (two Stripe customers, events
carrying a phone and addresses) gets editors' mails and digest items about them; then they
erase their data. Afterwards a walk over every text column of every table in the database finds
no trace of them, reprocessing their stored events or a new Stripe event does not bring them
back, and correcting the passage they reported mails nobody.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, MetaData, String, func, select

from engagement.accounts.models import Editor, Patron
from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from engagement.membership.models import StripeEvent
from engagement.notifications.digests import run_digests
from engagement.notifications.models import Email
from engagement.notifications.preferences import set_mode
from tests.conftest import csrf_token_from
from tests.membership.conftest import signed
from tests.patrons.conftest import patron_session  # noqa: F401 - the magic-link sign-in
from tests.support.emulator import control

from .conftest import WEBHOOK_SECRET, make_tier

EMAIL = "eve.erase@probe.example.org"
REPORTED_AS = "Eve.Erase@probe.example.org"
NAME = "Eve Erase"
PHONE = "+380445550177"
FIRST_ADDRESS = {
    "line1": "17 Vanishing Lane",
    "line2": None,
    "postal_code": "PX9 7QQ",
    "city": "Probeville",
    "state": None,
    "country": "GB",
}
SECOND_ADDRESS = {
    "line1": "4 Quiet Court",
    "line2": None,
    "postal_code": "QX1 2ZZ",
    "city": "Erasmoor",
    "state": None,
    "country": "GB",
}
# What must be gone afterwards, compared in lower case.
TRACES = (
    "eve.erase",
    "eve erase",
    PHONE,
    "445550177",
    "vanishing lane",
    "px9 7qq",
    "probeville",
    "quiet court",
    "qx1 2zz",
    "erasmoor",
)
SECOND_CUSTOMER = "cus_eve_second"
# Stripe timestamps of the person's events: long before the erasure, never the test's clock.
BEFORE = int(datetime(2024, 3, 1, 12, tzinfo=UTC).timestamp())
DIGEST_TIME = datetime(2099, 1, 1, 9, tzinfo=UTC)
ARTICLE = "https://news.example.org/2026/bridge"


@pytest.fixture
def app_config(app_config, stripe_config):
    """The emulator for Stripe; reports not limited (the limit is tested elsewhere)."""
    return {
        **app_config,
        **stripe_config,
        "CORRECTIONS_RATE_LIMIT": "1000 per minute",
        "DIGEST_HOUR": 8,
        "NEWSROOM_TIMEZONE": "UTC",
    }


# --- the scenario -----------------------------------------------------------------------------


def deliver(client, event: dict):
    """Post one signed Stripe event to the webhook, as Stripe does."""
    payload = json.dumps(event)
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signed(payload, WEBHOOK_SECRET)},
    )


def customer_updated(event_id: str, customer: dict) -> dict:
    """A customer.updated event with the person's phone, address and shipping."""
    return {
        "id": event_id,
        "object": "event",
        "type": "customer.updated",
        "created": BEFORE,
        "livemode": False,
        "data": {"object": customer},
    }


def with_contact(customer: dict, address: dict) -> dict:
    """The customer as Stripe holds it once the person gave a phone and an address."""
    return {
        **copy.deepcopy(customer),
        "phone": PHONE,
        "address": address,
        "shipping": {"name": NAME, "phone": PHONE, "address": address},
    }


def gift_checkout(event_id: str) -> dict:
    """A paid one-time gift by the second customer, with the details Checkout collected."""
    session = {
        "id": "cs_eve_gift",
        "object": "checkout.session",
        "created": BEFORE,
        "mode": "payment",
        "customer": SECOND_CUSTOMER,
        "customer_email": None,
        "payment_status": "paid",
        "amount_total": 1500,
        "currency": "eur",
        "payment_intent": "pi_eve_gift",
        "metadata": {"engagement_kind": "gift", "engagement_amount": "1500"},
        "customer_details": {
            "email": "EVE.ERASE@probe.example.org",
            "name": NAME,
            "phone": PHONE,
            "address": SECOND_ADDRESS,
            "tax_exempt": "none",
        },
    }
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "created": BEFORE,
        "livemode": False,
        "data": {"object": session},
    }


def subscribe_in_stripe(emulator, price: str) -> tuple[dict, list[dict]]:
    """The person subscribes in Stripe; (their customer, the events Stripe made), undelivered."""
    control(emulator, "webhooks/hold")
    created = control(emulator, "subscriptions", {"email": EMAIL, "name": NAME, "price": price})
    control(emulator, "webhooks/discard")
    customer = created["customer"]
    wanted = ("customer.created", "customer.subscription.created")
    return customer, [
        e for e in emulator.events() if e["type"] in wanted and customer["id"] in json.dumps(e)
    ]


def set_up_editors(app, auth) -> None:
    """One editor hears of corrections at once and of patrons in the digest; the admin the
    other way round."""
    auth.create("editor")
    auth.create("admin")
    with app.app_context():
        admin = db.session.scalar(select(Editor).where(Editor.role == "admin"))
        set_mode(admin, "patron", "instant")
        set_mode(admin, "correction", "digest")
        db.session.commit()


def report_as_eve(client) -> int:
    """Eve reports a mistake through the API, wanting to hear of the fix; the correction id."""
    response = client.post(
        "/api/v1/corrections",
        json={
            "url": ARTICLE,
            "title": "Riverside bridge opens six months late",
            "quote": {
                "exact": "six months later",
                "prefix": "opened on Saturday,",
                "suffix": "than promised",
            },
            "suggestion": "five months later",
            "comment": "It was planned for October.",
            "email": REPORTED_AS,
            "notify": True,
            "lang": "en",
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["correction_id"]


def add_older_report(app, correction_id: int) -> None:
    """A report stored before emails were normalised, in the case the reader typed."""
    with app.app_context():
        db.session.add(
            Report(
                correction_id=correction_id,
                quote_exact="six months later",
                page_url=ARTICLE,
                email="EVE.Erase@Probe.Example.org",
                notify=True,
                comment="Still wrong.",
            )
        )
        db.session.commit()


@pytest.fixture
def eve(app, auth, client, emulator):
    """Everything the probe set up, before the erasure: returns what the test needs."""
    tier = make_tier(app)
    set_up_editors(app, auth)
    correction_id = report_as_eve(client)
    add_older_report(app, correction_id)
    customer, events = subscribe_in_stripe(emulator, tier["month"])
    for event in events:
        assert deliver(client, event).status_code == 200
    deliveries = [
        customer_updated("evt_eve_contact", with_contact(customer, FIRST_ADDRESS)),
        gift_checkout("evt_eve_gift"),
        customer_updated(
            "evt_eve_second_contact",
            with_contact({**customer, "id": SECOND_CUSTOMER}, SECOND_ADDRESS),
        ),
    ]
    for event in deliveries:
        assert deliver(client, event).status_code == 200, event["id"]
    with app.app_context():
        assert run_digests(DIGEST_TIME) >= 1
        db.session.commit()
    return {"correction_id": correction_id, "customer": customer, "events": [*events, *deliveries]}


def erase_through_the_account_page(client, forms, patron_session) -> None:
    """Eve signs in and deletes her data with the two confirmations."""
    patron_session.sign_in(EMAIL)
    delete_my_data(client, forms)


def delete_my_data(client, forms, done_text: str = "Your data is deleted") -> None:
    """The signed-in patron deletes their data with the two confirmations."""
    first = forms.post("/account/delete", page="/account")
    csrf = csrf_token_from(first.get_data(as_text=True))
    done = client.post("/account/delete/confirm", data={"csrf_token": csrf, "understood": "y"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done_text in done.get_data(as_text=True)


# --- what the walk looks for ------------------------------------------------------------------


def traces_left(app) -> list[str]:
    """Every (table.column: text) in the database that still holds a trace of Eve."""
    found = []
    with app.app_context():
        reflected = MetaData()
        reflected.reflect(bind=db.engine)
        assert set(db.metadata.tables) <= set(reflected.tables)  # the walk covers every model
        with db.engine.connect() as conn:
            for table in reflected.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, (String, JSON))]
                for row in conn.execute(select(*columns)) if columns else []:
                    for column, value in zip(columns, row, strict=True):
                        text = (value if isinstance(value, str) else json.dumps(value)).lower()
                        hits = [trace for trace in TRACES if trace.lower() in text]
                        if value is not None and hits:
                            found.append(f"{table.name}.{column.name}: {hits}")
    return found


def test_the_scenario_leaves_traces_before_the_erasure(app, eve):
    # The walk does see the person where the scenario put them (so an empty walk means erased).
    left = "\n".join(traces_left(app))
    for place in (
        "reports.email",
        "stripe_events.payload",
        "emails.text_body",
        "digest_items.summary",
        "patrons.email",
    ):
        assert place in left, place


def test_erasure_leaves_no_trace_in_any_table_or_column(
    app, auth, client, forms, eve, patron_session
):
    patron_session.sign_in(EMAIL)
    with app.app_context():  # one mail to her is still waiting when she erases
        thanks = db.session.scalar(select(Email).where(Email.kind == "gift_thanks"))
        thanks.status, thanks.sent_at = "queued", None
        db.session.commit()
        waiting = thanks.id
    delete_my_data(client, forms)
    assert traces_left(app) == []
    with app.app_context():
        patron = db.session.scalar(select(Patron))
        assert patron.erased_at is not None and patron.stripe_customer_id == eve["customer"]["id"]
        # Unsent mails to Eve are parked for good; nothing is left to send to her.
        to_her = db.session.scalars(select(Email).where(Email.recipients == "[erased]")).all()
        assert waiting in [m.id for m in to_her]
        assert all(m.status in ("dead", "sent") and not m.retryable for m in to_her)
        # The books keep their ids and amounts.
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 5
        assert db.session.scalar(select(func.count()).select_from(Report)) == 2
    # Not even an admin's "Retry now" sends the parked mail.
    auth.login("admin")
    retried = forms.post(f"/newsroom/outbox/{waiting}/retry", page=f"/newsroom/outbox/{waiting}")
    assert retried.status_code == 409
    with app.app_context():
        assert db.session.get(Email, waiting).status == "dead"


def test_reprocessing_and_new_events_do_not_bring_her_back(
    app, auth, client, forms, eve, patron_session
):
    erase_through_the_account_page(client, forms, patron_session)
    auth.login("admin")
    with app.app_context():
        rows = db.session.scalars(select(StripeEvent.id).order_by(StripeEvent.id)).all()
    for row_id in rows:
        response = forms.post(f"/newsroom/webhooks/{row_id}/process", page="/newsroom/webhooks")
        assert response.status_code == 303
    # Stripe sends the unscrubbed events again (a retry), and a new update of each customer.
    for event in eve["events"]:
        assert deliver(client, {**event, "id": event["id"] + "_again"}).status_code == 200
    assert (
        deliver(
            client,
            customer_updated(
                "evt_eve_later",
                with_contact({**eve["customer"], "id": SECOND_CUSTOMER}, SECOND_ADDRESS),
            ),
        ).status_code
        == 200
    )
    with app.app_context():
        patrons = db.session.scalars(select(Patron)).all()
        assert [(p.email, p.name) for p in patrons] == [(None, "")]
        outcomes = {
            row.stripe_id: row.outcome
            for row in db.session.execute(select(StripeEvent.stripe_id, StripeEvent.outcome))
        }
        assert outcomes["evt_eve_gift_again"] == "ignored"
        assert outcomes["evt_eve_later"] == "ignored"
    assert traces_left(app) == []


def test_correcting_her_report_mails_nobody(app, auth, client, forms, eve, patron_session):
    erase_through_the_account_page(client, forms, patron_session)
    auth.login("editor")
    url = f"/newsroom/corrections/{eve['correction_id']}"
    for status in ("in_review", "corrected"):
        response = forms.post(
            f"{url}/status",
            {"status": status, "public_note": "It opened five months late, not six."},
            page=url,
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Correction, eve["correction_id"]).status == "corrected"
        assert (
            db.session.scalars(select(Email).where(Email.kind == "correction_resolved")).all() == []
        )


def test_the_download_lists_what_the_erasure_removes(app, client, eve, patron_session):
    patron_session.sign_in(EMAIL)
    data = json.loads(client.get("/account/data").get_data(as_text=True))
    assert data["patron"]["email"] == EMAIL and data["patron"]["name"] == NAME
    # Both reports, whatever the case of the address they were sent with.
    assert sorted(r["email"].lower() for r in data["reports"]) == [EMAIL, EMAIL]
    # Editors' mails and digest items about her, and mails to her.
    kinds = {(m["kind"], m["to_you"]) for m in data["mails"]}
    assert {
        ("correction_new", False),
        ("patron_new", False),
        ("digest", False),
        ("membership_welcome", True),
        ("gift_thanks", True),
    } <= kinds
    assert any(NAME in item["summary"] for item in data["digest_items"])
    # Every stored Stripe event with her personal fields, from both customers.
    listed = {event["id"]: event for event in data["stripe_events"]}
    assert {"evt_eve_contact", "evt_eve_gift", "evt_eve_second_contact"} <= set(listed)
    gift = listed["evt_eve_gift"]["personal_fields"]
    assert gift["data.object.customer_details"]["address"]["postal_code"] == "QX1 2ZZ"
    assert listed["evt_eve_contact"]["personal_fields"]["data.object.phone"] == PHONE
    assert listed["evt_eve_second_contact"]["customer"] == SECOND_CUSTOMER
    assert data["sign_in_links"] and data["sign_in_links"][-1]["used_at"]


def test_erasure_forgets_the_language_she_chose_but_not_the_editors(
    app, client, forms, eve, patron_session
):
    patron_session.sign_in(EMAIL)
    chosen = forms.post("/account/language", {"language": "uk"}, page="/account")
    assert chosen.status_code == 303
    assert patron_session.request_link(EMAIL).status_code == 200  # a mail in her language
    data = json.loads(client.get("/account/data").get_data(as_text=True))
    assert data["patron"]["language"] == "uk"
    with app.app_context():
        db.session.scalar(select(Editor).where(Editor.role == "admin")).language = "uk"
        db.session.commit()
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Email)
                .where(Email.recipients == EMAIL, Email.language == "uk")
            )
            >= 1
        )
    delete_my_data(client, forms, "Ваші дані видалено")  # the page is still in her language
    with app.app_context():
        assert db.session.scalar(select(Patron)).language is None
        to_her = db.session.scalars(select(Email).where(Email.recipients == "[erased]")).all()
        assert to_her and {m.language for m in to_her} == {""}
        # The editors' own choice and their mails' languages are theirs, not hers.
        assert db.session.scalar(select(Editor).where(Editor.role == "admin")).language == "uk"
        to_editors = db.session.scalars(
            select(Email).where(Email.recipients.in_(["admin@example.org", "editor@example.org"]))
        ).all()
        assert to_editors and all(m.language == "en" for m in to_editors)


def test_a_person_who_comes_back_and_pays_again_is_a_new_patron(
    app, client, forms, eve, patron_session
):
    erase_through_the_account_page(client, forms, patron_session)
    # She starts a new checkout after the erasure (Stripe's clock, given here, says when).
    returned = int(datetime(2099, 6, 1, tzinfo=UTC).timestamp())
    later = {**gift_checkout("evt_eve_returns"), "created": returned}
    later["data"]["object"].update(
        id="cs_eve_returns", customer="cus_eve_new", payment_intent="pi_eve_new", created=returned
    )
    assert deliver(client, later).status_code == 200
    with app.app_context():
        back = db.session.scalar(select(Patron).where(Patron.email == EMAIL))
        assert back is not None and back.erased_at is None
        assert back.stripe_customer_id == "cus_eve_new"
