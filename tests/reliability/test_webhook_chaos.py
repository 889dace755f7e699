"""Webhook chaos: a thousand-odd events for 200 subscriptions, each delivered one to three
times, shuffled, from four threads at once. Every membership ends equal to Stripe's subscription
and every welcome mail is queued, and sent, exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.membership.models import Membership, StripeEvent
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker
from tests.support.emulator import control

from .conftest import WEBHOOK_SECRET, make_tier

SUBSCRIPTIONS = 200
RENEWED = range(0, 25)  # billed a second period, paid
FAILED = range(25, 45)  # the renewal failed: past_due
CANCELLING = range(45, 65)  # cancel at period end, still active
ENDED = range(65, 75)  # cancel at period end, then the period ran out: canceled
DUNNED = range(75, 80)  # three failed renewals: Stripe cancels
MIN_EVENTS = 1000


@pytest.fixture
def app_config(app_config, stripe_config):
    """The app on the emulator."""
    return {**app_config, **stripe_config}


def _build_history(emulator, prices: dict) -> None:
    """Create the subscriptions and move them through renewals, failures and cancellations."""
    subs = []
    for n in range(SUBSCRIPTIONS):
        answer = control(
            emulator,
            "subscriptions",
            {
                "email": f"patron{n}@example.org",
                "name": f"Patron {n}",
                "price": prices["year" if n % 5 == 0 else "month"],
            },
        )
        subs.append(answer["subscription"]["id"])
    for n in RENEWED:
        control(emulator, "clock/advance", {"subscription": subs[n], "outcome": "paid"})
    for n in FAILED:
        control(emulator, "clock/advance", {"subscription": subs[n], "outcome": "failed"})
    for n in (*CANCELLING, *ENDED):
        _cancel_at_period_end(emulator, subs[n])
    for n in ENDED:
        control(emulator, "clock/advance", {"subscription": subs[n], "outcome": "paid"})
    for n in DUNNED:
        for _ in range(3):
            control(emulator, "clock/advance", {"subscription": subs[n], "outcome": "failed"})


def _cancel_at_period_end(emulator, subscription_id: str) -> None:
    import stripe

    client = stripe.StripeClient("sk_test_reliability", base_addresses={"api": emulator.url})
    client.v1.subscriptions.update(subscription_id, params={"cancel_at_period_end": True})


def _stripe_subscriptions(emulator) -> dict[str, dict]:
    with emulator.store.lock:
        return {s["id"]: s for s in emulator.store.all("subscription")}


def _as_utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


@pytest.mark.slow
def test_shuffled_duplicated_parallel_webhooks_leave_every_membership_as_stripe_has_it(
    app, live_server, emulator, smtp_sink
):
    prices = make_tier(app)
    emulator.set_webhook(
        f"{live_server.url}/stripe/webhook", WEBHOOK_SECRET, initial_backoff=0.05, max_attempts=8
    )
    control(emulator, "webhooks/hold")
    before = len(emulator.events())  # the tier sync's product and price events went nowhere
    _build_history(emulator, prices)
    events = emulator.events()[before:]
    assert len(events) >= MIN_EVENTS, len(events)

    released = control(
        emulator,
        "webhooks/release",
        {"order": "random", "seed": 20261128, "duplicates": [1, 3], "threads": 4},
    )["released"]
    assert released > len(events)  # some events go out two or three times
    assert emulator.wait_idle(120), "webhook deliveries did not finish"

    # Every event was finally taken (2xx), though some attempts were answered 500 and retried.
    log = emulator.deliveries()
    accepted = {entry["event"] for entry in log if entry["ok"]}
    assert accepted == {event["id"] for event in events}

    stripe_subs = _stripe_subscriptions(emulator)
    with app.app_context():
        stored = Counter(db.session.scalars(select(StripeEvent.outcome)))
        assert sum(stored.values()) == len(events)
        assert stored["failed"] == 0, stored
        memberships = {m.stripe_subscription_id: m for m in db.session.scalars(select(Membership))}
        assert set(memberships) == set(stripe_subs)
        for sub_id, sub in stripe_subs.items():
            membership = memberships[sub_id]
            item = sub["items"]["data"][0]
            assert membership.status == sub["status"], sub_id
            assert membership.current_period_end == _as_utc(item["current_period_end"]), sub_id
            assert membership.cancel_at_period_end == sub["cancel_at_period_end"], sub_id
            assert membership.patron.stripe_customer_id == sub["customer"]
            assert (membership.ended_at is not None) == (sub["status"] == "canceled")
        assert db.session.scalar(select(func.count(Patron.id))) == SUBSCRIPTIONS

        welcome = Counter(
            db.session.scalars(select(Email.dedupe_key).where(Email.kind == "membership_welcome"))
        )
        # A subscription that had already ended when the app first heard of it (its events were
        # all held) is mirrored as ended and gets no welcome; every other one gets exactly one.
        live = [sub_id for sub_id, sub in stripe_subs.items() if sub["status"] != "canceled"]
        assert welcome == Counter(f"membership-welcome:{sub_id}" for sub_id in live)
        queued = db.session.scalar(select(func.count(Email.id)))
        statuses = Counter(s["status"] for s in stripe_subs.values())
        print(
            f"\nevents {len(events)}, deliveries {len(log)} "
            f"({sum(not e['ok'] for e in log)} refused and retried), "
            f"released {released}, subscriptions {dict(statuses)}, mails queued {queued}"
        )

        totals = Worker(app, worker_id="reliability:chaos", digests=False).drain()
    assert totals.sent == queued
    messages = smtp_sink.wait_for(queued, timeout=60)
    assert len({m["Message-ID"] for m in messages}) == len(messages) == queued
    welcomes = Counter(str(m["To"]) for m in messages if m["Subject"].startswith("Welcome"))
    ended = set(ENDED) | set(DUNNED)
    assert welcomes == Counter(
        f"patron{n}@example.org" for n in range(SUBSCRIPTIONS) if n not in ended
    )
