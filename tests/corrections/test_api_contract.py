"""The API's limits and its OpenAPI 3.1 document: what it says is what the API answers."""

from __future__ import annotations

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

ARTICLE = "https://news.example.org/2026/bridge"


def report(n: int) -> dict:
    return {"url": ARTICLE, "quote": {"exact": f"passage number {n}"}, "comment": "Wrong."}


def test_the_sixth_report_in_five_minutes_gets_429_with_retry_after(client):
    # The default CORRECTIONS_RATE_LIMIT: 5 per 5 minutes; 30 per day.
    for n in range(5):
        assert client.post("/api/v1/corrections", json=report(n)).status_code == 201
    refused = client.post("/api/v1/corrections", json=report(6))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    # Another address still may report.
    other = client.post(
        "/api/v1/corrections", json=report(7), environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 201


def test_invalid_reports_count_against_the_limit_too(client):
    # Counted up front, so a parallel burst cannot slip past the limit (tests/reliability).
    for _ in range(5):
        bad = client.post(
            "/api/v1/corrections", json={"url": ARTICLE, "title": "a\nb", "quote": {"exact": "x"}}
        )
        assert bad.status_code == 422
    assert client.post("/api/v1/corrections", json=report(1)).status_code == 429


@pytest.fixture
def make_app(app_config):
    """Build an app with changed settings; its tables go when the test ends."""
    from engagement import create_app
    from engagement.extensions import db

    made = []

    def make(**settings):
        app = create_app({**app_config, **settings})
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                db.drop_all()
            db.engine.dispose()


def test_the_limit_is_a_setting(make_app):
    client = make_app(CORRECTIONS_RATE_LIMIT="1 per minute").test_client()
    assert client.post("/api/v1/corrections", json=report(1)).status_code == 201
    assert client.post("/api/v1/corrections", json=report(2)).status_code == 429


def test_preflight_does_not_count_against_the_limit(client):
    for _ in range(10):
        client.options(
            "/api/v1/corrections",
            headers={"Origin": "https://news.example.org", "Access-Control-Request-Method": "POST"},
        )
    assert client.post("/api/v1/corrections", json=report(1)).status_code == 201


# --- the OpenAPI document -----------------------------------------------------------------


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validator(document, name):
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    )


def test_the_document_is_openapi_3_1_and_loads(document):
    assert document["openapi"] == "3.1.0"
    operation = document["paths"]["/api/v1/corrections"]["post"]
    assert set(operation["responses"]) == {"201", "400", "413", "415", "422", "429"}
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    schema = schemathesis.openapi.from_dict(document)
    assert [op.ok().method.upper() for op in schema.get_all_operations()] == ["POST"]


def test_every_kind_of_answer_matches_the_document(client, document):
    error = validator(document, "Error")
    created = client.post("/api/v1/corrections", json=report(1))
    validator(document, "ReportCreated").validate(created.get_json())
    answers = [
        client.post("/api/v1/corrections", data="{", content_type="application/json"),
        client.post("/api/v1/corrections", data="x" * 17_000, content_type="application/json"),
        client.post("/api/v1/corrections", data="{}", content_type="text/plain"),
        client.post("/api/v1/corrections", json={"url": 3}),
    ]
    for _ in range(6):
        answers.append(client.post("/api/v1/corrections", json=report(2)))
    assert [a.status_code for a in answers[:4]] == [400, 413, 415, 422]
    assert answers[-1].status_code == 429
    for answer in answers:
        if answer.status_code != 201:
            error.validate(answer.get_json())


def test_the_request_schema_accepts_a_good_report_and_refuses_a_bad_one(document):
    request = validator(document, "ReportRequest")
    assert request.is_valid(
        {
            "url": ARTICLE,
            "quote": {"exact": "a passage"},
            "position": {"start": 1, "end": 5},
            "notify": False,
            "suggestion": "another passage",
        }
    )
    # A report that says nothing: neither a suggestion nor a comment with text in it.
    assert not request.is_valid({"url": ARTICLE, "quote": {"exact": "a passage"}})
    assert not request.is_valid(
        {"url": ARTICLE, "quote": {"exact": "a passage"}, "suggestion": " ", "comment": "\n"}
    )
    assert not request.is_valid({"url": ARTICLE})
    assert not request.is_valid({"url": ARTICLE, "quote": {"exact": "a"}, "title": "a\nb"})


def test_generated_requests_get_answers_the_document_describes(make_app):
    # Every answer must be one the document describes. A schema-valid body may still get a 422
    # for the one rule JSON Schema cannot state (position.end must exceed position.start).
    app = make_app(RATELIMIT_ENABLED=False)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/corrections"]["POST"]

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call()
        assert response.status_code in (201, 422), response.text
        if response.status_code == 422:
            fields = response.json()["error"]["fields"]
            assert set(fields) == {"position.end"}, fields
        # The status code is pinned above; everything else must match the document.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    check()
