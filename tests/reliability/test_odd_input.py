"""Odd input gets a 4xx, never a 500 (issue 14, item 8): each request the audit saw answer 500,
sent again through the test client to the real app on the suite's database (SQLite, or
PostgreSQL with TEST_DATABASE_URL, where NULs and ids over 2^31 used to break the queries)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from devtools.stripe_emulator.webhooks import sign
from engagement.extensions import db
from engagement.membership.models import StripeEvent
from tests.conftest import csrf_token_from
from tests.voting.conftest import Voting, sign_in

WEBHOOK_SECRET = "whsec_odd_input"
HUGE = "9223372036854775808"  # 2^63: over every integer column
OVER_INT4 = "2147483648"  # 2^31: over PostgreSQL's integer
SIGNED_AT = 1_767_225_600  # a fixed signing time; the tolerance is off, so no clock is read


@pytest.fixture
def app_config(app_config):
    """No rate limits; Stripe's signatures checked without a clock (tolerance 0)."""
    return {
        **app_config,
        "RATELIMIT_ENABLED": False,
        "STRIPE_WEBHOOK_SECRET": [WEBHOOK_SECRET],
        "STRIPE_WEBHOOK_TOLERANCE": 0,
    }


def _token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _refused(response, *codes: int) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert 400 <= response.status_code < 500, response.status_code
    if codes:
        assert response.status_code in codes, response.status_code


# --- the reader's side ---------------------------------------------------------------------


def test_a_body_of_16000_brackets_is_a_400(client):
    response = client.post("/api/v1/corrections", data="[" * 16000, content_type="application/json")
    _refused(response, 400)
    assert response.get_json()["error"]["code"] == "bad_request"


def test_deep_but_small_json_is_a_400_and_ordinary_nesting_still_works(client):
    deep = '{"a":' * 200 + "1" + "}" * 200
    _refused(client.post("/api/v1/corrections", data=deep, content_type="application/json"), 400)
    response = client.post(
        "/api/v1/corrections",
        json={
            "url": "https://news.example.org/2026/bridge",
            "quote": {"exact": "six months later"},
            "comment": "It opened in May.",
        },
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(
    "fields",
    [
        {
            "kind": "gift",
            "gift_preset": "other",
            "gift_amount": "1e30",
            "gift_email": "reader@example.org",
        },
        {
            "kind": "membership",
            "tier": "custom",
            "interval": "month",
            "amount": "1e30",
            "email": "reader@example.org",
        },
        {
            "kind": "gift",
            "gift_preset": "other",
            "gift_amount": "-1e-30",
            "gift_email": "reader@example.org",
        },
        {"kind": "gift", "gift_preset": "99999999999999999999999", "gift_email": "r@example.org"},
    ],
    ids=["gift_amount", "amount", "tiny", "preset"],
)
def test_absurd_amounts_on_checkout_are_a_422(client, fields):
    response = client.post(
        "/support/checkout", data={**fields, "csrf_token": _token(client, "/support")}
    )
    _refused(response, 422)


@pytest.mark.parametrize("action", ["vote", "unvote"])
@pytest.mark.parametrize("topic_id", [HUGE, OVER_INT4, "0", "99999999999999999999999999"])
def test_a_vote_on_an_id_too_large_is_a_404(app, client, action, topic_id):
    voting = Voting(app)
    voting.round()
    sign_in(client, voting.patron("voter@example.org"))
    response = client.post(
        f"/topics/{topic_id}/{action}", data={"csrf_token": _token(client, "/topics")}
    )
    _refused(response, 404)


@pytest.mark.parametrize("round_id", [HUGE, OVER_INT4, "-1", "²", "1e3"])
def test_a_suggestion_for_a_round_id_too_large_is_refused(app, client, round_id):
    voting = Voting(app)
    voting.round()
    sign_in(client, voting.patron("voter@example.org"))
    response = client.post(
        "/topics/suggest",
        data={
            "csrf_token": _token(client, "/topics"),
            "round_id": round_id,
            "title": "Night buses",
            "description": "",
        },
    )
    assert response.status_code < 500
    assert response.status_code in (303, 422)  # "no such round", as for any unknown round


def test_a_nul_in_the_public_log_filter_is_a_400(client):
    _refused(client.get("/corrections?article=%00"), 400)
    _refused(client.get("/corrections?article=news.example.org%00x"), 400)


def test_a_nul_in_a_form_or_a_path_is_a_400(client):
    response = client.post(
        "/account/login",
        data={"csrf_token": _token(client, "/account/login"), "email": "a\x00@example.org"},
    )
    _refused(response, 400)
    _refused(client.get("/account/login/abc%00def"), 400)
    _refused(client.get("/corrections/stop-mails/x%00"), 400)


# --- the newsroom --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/newsroom/corrections?until=9999-12-31",
        "/newsroom/corrections?since=0001-01-01",
        "/newsroom/corrections?since=9999-12-31&until=9999-12-31",
    ],
)
def test_dates_out_of_range_in_the_triage_filter_are_a_422(auth, client, url):
    auth.login("admin")
    _refused(client.get(url), 422)


@pytest.mark.parametrize(
    "page",
    [
        "corrections",
        "patrons",
        "rounds",
        "tiers",
        "outbox",
        "topics/{}/edit",
        "rounds/{}/edit",
        "rounds/{}/export.csv",
    ],
)
@pytest.mark.parametrize("number", [HUGE, OVER_INT4, "0", "1" + "0" * 5000])
def test_an_id_too_large_on_an_editors_page_is_a_404(auth, client, page, number):
    auth.login("admin")
    url = f"/newsroom/{page.format(number)}" if "{}" in page else f"/newsroom/{page}/{number}"
    _refused(client.get(url), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/newsroom/corrections?q=%00",
        "/newsroom/patrons?q=%00",
        "/newsroom/patrons.csv?q=%00",
        "/newsroom/patrons?q=a%00b",
        "/newsroom/corrections?article=%00",
    ],
)
def test_a_nul_in_an_editors_search_is_a_400(auth, client, url):
    auth.login("admin")
    response = client.get(url)
    _refused(response, 400)
    response.close()


@pytest.mark.parametrize(
    "url",
    [
        "/newsroom/patrons?page=²",
        "/newsroom/patrons?tier=²",
        "/newsroom/patrons?tier=" + HUGE,
        "/newsroom/webhooks?page=²",
    ],
)
def test_odd_numbers_in_editors_filters_are_ignored(auth, client, url):
    auth.login("admin")
    response = client.get(url)
    assert response.status_code == 200
    response.close()


@pytest.mark.parametrize(
    "target",
    [
        "/x\r\nSet-Cookie:a",
        "/x\rSet-Cookie:a",
        "/\\evil.example",
        "/x\x00y",
        "//evil.example",
        "https://evil.example/",
    ],
)
def test_a_poisoned_next_after_sign_in_goes_to_the_dashboard(auth, client, target):
    from urllib.parse import quote

    auth.create("admin")
    url = f"/newsroom/login?next={quote(target, safe='')}"
    response = client.post(
        url,
        data={
            "csrf_token": _token(client, "/newsroom/login"),
            "email": "admin@example.org",
            "password": "editor-password-123",
        },
    )
    if "\x00" in target:
        _refused(response, 400)  # refused at the edge, before the form is read
        return
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/newsroom/"
    assert "a" not in {cookie.split("=")[0] for cookie in response.headers.getlist("Set-Cookie")}


def test_a_safe_next_is_still_followed(auth, client):
    auth.create("admin")
    response = client.post(
        "/newsroom/login?next=/newsroom/patrons%3Fq%3Dx",
        data={
            "csrf_token": _token(client, "/newsroom/login"),
            "email": "admin@example.org",
            "password": "editor-password-123",
        },
    )
    assert response.headers["Location"] == "/newsroom/patrons?q=x"


# --- Stripe events that are signed but malformed ---------------------------------------------


def _deliver(client, event: dict):
    payload = json.dumps(event)
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET, SIGNED_AT)},
    )


def _stored(app, stripe_id: str) -> StripeEvent | None:
    with app.app_context():
        row = db.session.scalar(select(StripeEvent).where(StripeEvent.stripe_id == stripe_id))
        if row is not None:
            db.session.expunge(row)
        return row


@pytest.mark.parametrize(
    "change",
    [
        {"created": "yesterday"},
        {"created": 1e300},
        {"created": True},
        {"created": [1]},
        {"data": {"object": []}},
        {"data": {"object": "cus_1"}},
        {"data": []},
        {"data": {"object": {"id": ["x"], "customer": {"id": 1}}}},
        {"type": ["customer.updated"]},
    ],
    ids=[
        "created-text",
        "created-huge",
        "created-bool",
        "created-list",
        "object-list",
        "object-text",
        "data-list",
        "odd-ids",
        "type-list",
    ],
)
def test_a_malformed_signed_event_is_stored_as_failed_with_a_json_answer(app, client, change):
    event = {
        "id": "evt_odd",
        "object": "event",
        "type": "customer.updated",
        "created": SIGNED_AT,
        "data": {"object": {"id": "cus_1", "object": "customer"}},
        **change,
    }
    response = _deliver(client, event)
    _refused(response, 400)
    assert response.is_json and response.get_json()["outcome"] == "failed"
    row = _stored(app, "evt_odd")
    assert row is not None and row.outcome == "failed" and row.error.startswith("malformed")
    assert json.loads(row.payload) == event

    again = _deliver(client, event)  # a second delivery is refused the same way, stored once
    _refused(again, 400)
    with app.app_context():
        assert len(db.session.scalars(select(StripeEvent)).all()) == 1


def test_a_signed_event_too_deep_or_without_a_text_id_is_a_json_400(app, client):
    deep = {"id": "evt_deep", "type": "customer.updated", "data": {"object": {}}}
    node = deep["data"]["object"]
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    for event in (
        deep,
        {"id": ["evt_list"], "type": "customer.updated"},
        {"id": {"a": 1}, "type": "x"},
    ):
        response = _deliver(client, event)
        _refused(response, 400)
        assert response.is_json
