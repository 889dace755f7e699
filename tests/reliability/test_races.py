"""Races on PostgreSQL: many requests at the same moment, each from its own client and thread.
The database's constraints and row locks settle them; nothing is counted twice."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from devtools.stripe_emulator.webhooks import sign
from engagement.accounts.magic_links import request_link
from engagement.accounts.models import Patron
from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from engagement.membership.models import Membership, StripeEvent
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker
from engagement.voting.models import Ballot, Topic, Vote
from tests.conftest import Auth, Forms, csrf_token_from
from tests.support.emulator import control
from tests.voting.conftest import Voting

from .conftest import WEBHOOK_SECRET, make_tier

THREADS = 20


@pytest.fixture
def app_config(app_config, stripe_config):
    """The app on the emulator, with no rate limit in the way of the crowd."""
    return {**app_config, **stripe_config, "RATELIMIT_ENABLED": False}


def in_parallel(count: int, prepare, act) -> list:
    """Run `act(prepared)` in `count` threads released together; `prepare(i)` runs first, apart."""
    prepared = [prepare(i) for i in range(count)]
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = act(prepared[index])
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _patron_client(app, patron_id: int):
    client = app.test_client()
    with client.session_transaction() as session:
        session["patron_id"] = patron_id
    return client, csrf_token_from(client.get("/topics").get_data(as_text=True))


@pytest.mark.slow
def test_twenty_parallel_votes_of_one_co_creator_with_a_budget_of_three_count_three(pg_app):
    voting = Voting(pg_app)
    patron_id = voting.patron("voter@example.org")
    round_id, topic_ids = voting.round(topics=[f"Topic {n}" for n in range(10)], budget=3)

    def vote(prepared):
        (client, token), topic_id = prepared
        return client.post(
            f"/topics/{topic_id}/vote",
            data={"csrf_token": token},
            headers={"Accept": "application/json"},
        )

    answers = in_parallel(
        THREADS, lambda i: (_patron_client(pg_app, patron_id), topic_ids[i % len(topic_ids)]), vote
    )
    codes = Counter(getattr(a, "status_code", repr(a)) for a in answers)
    assert codes[200] == 3, codes
    assert set(codes) <= {200, 409}, codes  # the others: budget spent, or already voted
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 3
        assert db.session.scalar(select(Ballot.used).where(Ballot.round_id == round_id)) == 3
        assert db.session.scalar(select(func.sum(Topic.vote_count))) == 3


@pytest.mark.slow
def test_parallel_identical_reports_make_one_correction_and_one_mail_per_editor(pg_app):
    Auth(pg_app, pg_app.test_client()).create("editor", "desk@example.org")
    body = {
        "url": "https://news.example.org/2026/bridge",
        "title": "Bridge",
        "quote": {
            "exact": "six months later",
            "prefix": "opened on Saturday,",
            "suffix": "than promised",
        },
        "suggestion": "five months later",
    }

    answers = in_parallel(
        THREADS,
        lambda i: pg_app.test_client(),
        lambda client: client.post("/api/v1/corrections", json=body),
    )
    assert [getattr(a, "status_code", repr(a)) for a in answers] == [201] * THREADS
    assert len({a.get_json()["correction_id"] for a in answers}) == 1
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Correction.id))) == 1
        assert db.session.scalar(select(func.count(Report.id))) == THREADS
        assert db.session.scalar(select(Correction.report_count)) == THREADS
        mails = db.session.scalars(select(Email.dedupe_key)).all()
    assert len(mails) == 1 and mails[0].endswith(":new:editor:1"), mails


def _paid_checkout(app, emulator) -> dict:
    """A reader checks out a tier and pays; the webhook is not delivered. The stored event."""
    make_tier(app)
    forms = Forms(app.test_client())
    response = forms.post(
        "/support/checkout",
        {
            "kind": "membership",
            "tier": "coffee",
            "interval": "month",
            "email": "reader@example.org",
        },
        page="/support",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    session_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    control(emulator, f"checkout/{session_id}/pay", {"card": "4242424242424242"})
    [event] = emulator.events("checkout.session.completed")
    return event


def _delivered_in_parallel(app, payload: str) -> tuple[Counter, Counter]:
    """One signed Stripe event delivered by THREADS clients at once: (status codes, outcomes)."""

    def deliver(client):
        return client.post(
            "/stripe/webhook",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)},
        )

    answers = in_parallel(THREADS, lambda i: app.test_client(), deliver)
    codes = Counter(getattr(a, "status_code", repr(a)) for a in answers)
    outcomes = Counter(a.get_json()["outcome"] for a in answers if hasattr(a, "get_json"))
    return codes, outcomes


@pytest.mark.slow
def test_the_same_checkout_completed_delivered_in_parallel_makes_one_membership_one_welcome(
    pg_app, emulator
):
    event = _paid_checkout(pg_app, emulator)
    payload = json.dumps(event)
    codes, outcomes = _delivered_in_parallel(pg_app, payload)
    assert codes == {200: THREADS}, (codes, outcomes)
    assert outcomes["processed"] == 1 and outcomes["duplicate"] == THREADS - 1, outcomes
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(StripeEvent.id))) == 1
        assert db.session.scalar(select(func.count(Patron.id))) == 1
        assert db.session.scalar(select(func.count(Membership.id))) == 1
        welcome = db.session.scalars(
            select(Email.recipients).where(Email.kind == "membership_welcome")
        ).all()
    assert welcome == ["reader@example.org"]


@pytest.mark.slow
def test_the_same_customer_updated_delivered_in_parallel_is_stored_and_applied_once(pg_app):
    """Handled first, stored after: the unique id still lets one delivery through."""
    with pg_app.app_context():
        patron = Patron(email="ada@example.org", name="Before", stripe_customer_id="cus_ada")
        db.session.add(patron)
        db.session.commit()
    payload = json.dumps(
        {
            "id": "evt_parallel_customer",
            "object": "event",
            "type": "customer.updated",
            "data": {"object": {"id": "cus_ada", "object": "customer", "name": "Ada L."}},
        }
    )
    codes, outcomes = _delivered_in_parallel(pg_app, payload)
    assert codes == {200: THREADS}, (codes, outcomes)
    assert outcomes == {"processed": 1, "duplicate": THREADS - 1}, outcomes
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(StripeEvent.id))) == 1
        assert db.session.scalar(select(Patron.name)) == "Ada L."


LINK = re.compile(r"/account/login/([A-Za-z0-9_-]+)")


@pytest.mark.slow
def test_a_magic_link_clicked_in_parallel_signs_in_once(pg_app, smtp_sink):
    with pg_app.app_context():
        db.session.add(Patron(email="reader@example.org", name="Reader"))
        db.session.flush()
        request_link("reader@example.org")
        db.session.commit()
        Worker(pg_app, digests=False).drain()  # the link exists only in the mail sent
    [message] = smtp_sink.to("reader@example.org")
    token = LINK.search(message.get_body(("plain",)).get_content()).group(1)
    url = f"/account/login/{token}"

    def prepare(_):
        client = pg_app.test_client()
        return client, csrf_token_from(client.get(url).get_data(as_text=True))

    def click(prepared):
        client, csrf = prepared
        response = client.post(url, data={"csrf_token": csrf})
        signed_in = client.get("/account").status_code == 200
        return response.status_code, signed_in

    answers = in_parallel(THREADS, prepare, click)
    assert Counter(answers) == {(303, True): 1, (410, False): THREADS - 1}, answers
