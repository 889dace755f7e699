"""`POST /api/v1/corrections`: what it takes, what it refuses and why, CORS, the honeypot."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem

ARTICLE = "https://news.example.org/2026/bridge"
GOOD = {
    "url": ARTICLE,
    "title": "Riverside bridge opens six months late",
    "quote": {
        "exact": "six months later",
        "prefix": "opened to walkers\n  on Saturday morning, ",
        "suffix": " than the council had promised",
    },
    "position": {"start": 120, "end": 136},
    "suggestion": "five months later",
    "comment": "The opening was planned for October.",
    "email": "reader@example.net",
    "notify": True,
    "lang": "en",
}


@pytest.fixture
def app_config(app_config):
    """Room for many requests from one address; the limit itself is tested elsewhere."""
    return {**app_config, "CORRECTIONS_RATE_LIMIT": "1000 per minute"}


def post(client, body, **kwargs):
    return client.post("/api/v1/corrections", json=body, **kwargs)


def with_change(path: str, value):
    body = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return body


def test_a_good_report_is_taken_and_stored_as_sent(client, app):
    response = post(client, GOOD)
    assert response.status_code == 201
    answer = response.get_json()
    assert answer == {"id": answer["id"], "correction_id": answer["correction_id"], "status": "new"}
    with app.app_context():
        report = db.session.get(Report, answer["id"])
        assert report.correction_id == answer["correction_id"]
        assert (report.quote_exact, report.quote_prefix, report.quote_suffix) == (
            "six months later",
            "opened to walkers\n  on Saturday morning, ",
            " than the council had promised",
        )
        assert (report.correction.quote_prefix, report.correction.quote_suffix) == (
            "opened to walkers\n  on Saturday morning, ",
            " than the council had promised",
        )
        assert (report.position_start, report.position_end) == (120, 136)
        assert report.suggestion == "five months later"
        assert report.email == "reader@example.net" and report.notify is True
        assert report.lang == "en" and report.is_spam is False
        assert report.ip_hash and "127.0.0.1" not in report.ip_hash
        correction = report.correction
        assert correction.article_url == ARTICLE
        assert correction.article_host == "news.example.org"
        assert correction.report_count == 1 and correction.is_open


def test_url_exact_and_a_suggestion_or_a_comment_are_enough(client):
    for said in ({"suggestion": "the footbridge"}, {"comment": "It is a footbridge."}):
        response = post(client, {"url": ARTICLE, "quote": {"exact": "the bridge"}, **said})
        assert response.status_code == 201, response.get_json()


def test_a_report_that_says_nothing_is_refused_with_422(client, app):
    for said in ({}, {"suggestion": " \n\u00a0", "comment": "\t"}):
        response = post(client, {"url": ARTICLE, "quote": {"exact": "the bridge"}, **said})
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {
            "suggestion": "write the correction you suggest, or a comment"
        }
    with app.app_context():
        assert db.session.scalars(select(Report)).first() is None


LONG = "x" * 5000

INVALID = [
    ("url", KeyError, "url"),
    ("url", "ftp://news.example.org/a", "url"),
    ("url", "news.example.org/a", "url"),
    ("url", "https://elsewhere.example.com/a", "url"),
    ("url", 42, "url"),
    ("quote", KeyError, "quote.exact"),
    ("quote.exact", KeyError, "quote.exact"),
    ("quote.exact", "   \n\t ", "quote.exact"),
    ("quote.exact", "y" * 1001, "quote.exact"),
    ("quote.exact", 12, "quote.exact"),
    ("quote.exact", "nul\x00byte", "quote.exact"),
    ("quote.prefix", LONG, "quote.prefix"),
    ("quote", "six months", "quote"),
    ("title", "Bridge\r\nBcc: victim@example.com", "title"),
    ("title", "t" * 301, "title"),
    ("position.end", 100, "position.end"),
    ("position.start", -1, "position.start"),
    ("position.start", "120", "position.start"),
    ("position", [1, 2], "position"),
    ("suggestion", "s" * 2001, "suggestion"),
    ("comment", "c" * 4001, "comment"),
    ("email", "not-an-address", "email"),
    ("email", KeyError, "email"),  # notify is true, so an address is needed
    ("notify", "yes", "notify"),
    ("lang", "<script>", "lang"),
    ("website", 5, "website"),
]


@pytest.mark.parametrize(
    ("path", "value", "field"), INVALID, ids=[f"{p}={str(v)[:20]!r}" for p, v, _ in INVALID]
)
def test_bad_input_gets_422_naming_the_field(client, app, path, value, field):
    response = post(client, with_change(path, value))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert error["fields"][field]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_body_that_is_not_an_object_gets_422(client):
    response = post(client, ["not", "an", "object"])
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["fields"]


def test_malformed_json_gets_400(client):
    response = client.post("/api/v1/corrections", data='{"url": ', content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_body_over_16_kb_gets_413(client):
    body = with_change("comment", "c" * 17_000)
    response = client.post(
        "/api/v1/corrections", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_gets_415(client, content_type):
    response = client.post("/api/v1/corrections", data=json.dumps(GOOD), content_type=content_type)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_reader_html_is_stored_exactly_as_given(client, app):
    sneaky = '<script>alert("x")</script><b>bold</b> & more'
    response = post(client, {**with_change("suggestion", sneaky), "comment": sneaky})
    assert response.status_code == 201
    with app.app_context():
        report = db.session.get(Report, response.get_json()["id"])
        assert report.suggestion == sneaky and report.comment == sneaky


# --- CORS -------------------------------------------------------------------------------------


def test_an_allowed_origin_may_post_across_origins(client):
    response = post(client, GOOD, headers={"Origin": "https://news.example.org"})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example.org"


def test_other_origins_get_no_cors_headers(client):
    response = post(client, GOOD, headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_errors_carry_cors_headers_so_the_widget_can_read_them(client):
    response = post(
        client, with_change("title", "a\nb"), headers={"Origin": "https://news.example.org"}
    )
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == "https://news.example.org"


def test_preflight_is_answered_for_allowed_origins_only(client):
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = client.options(
        "/api/v1/corrections", headers={"Origin": "https://news.example.org", **asked}
    )
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example.org"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
    refused = client.options(
        "/api/v1/corrections", headers={"Origin": "https://evil.example.com", **asked}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_the_api_needs_no_csrf_token(client):
    # The app protects forms with CSRF tokens; the JSON API is exempt (CORS + rate limits).
    assert post(client, GOOD).status_code == 201


# --- the honeypot -----------------------------------------------------------------------------


def test_a_filled_honeypot_looks_like_success_but_is_kept_as_spam(client, app, auth):
    auth.create("editor")
    response = post(client, {**GOOD, "website": "http://cheap-pills.example"})
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["status"] == "new"
    with app.app_context():
        report = db.session.get(Report, answer["id"])
        assert report.is_spam is True
        assert report.correction.status == "spam"
        assert db.session.scalar(select(func.count()).select_from(Email)) == 0
        assert db.session.scalar(select(func.count()).select_from(DigestItem)) == 0
    # A real report of the same passage does not join the spam.
    real = post(client, GOOD).get_json()
    assert real["correction_id"] != answer["correction_id"]
    with app.app_context():
        assert db.session.get(Correction, real["correction_id"]).report_count == 1
