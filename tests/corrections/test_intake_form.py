"""`/corrections/report`: the report for readers without JavaScript, CSRF-protected."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engagement.corrections.models import Report
from engagement.extensions import db

ARTICLE = "https://news.example.org/2026/bridge"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CORRECTIONS_RATE_LIMIT": "1000 per minute"}


def error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', html, re.DOTALL)
    assert match, f"no error beside {field_id}"
    return match.group(1)


def test_the_form_has_a_label_for_every_field(client):
    response = client.get("/corrections/report?url=" + ARTICLE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for field_id, label in [
        ("url", "Article address"),
        ("title", "Article title"),
        ("quote", "The passage with the mistake"),
        ("suggestion", "Suggested correction"),
        ("comment", "Comment"),
        ("email", "Email"),
        ("notify", "Tell me when it is fixed"),
        ("website", "Leave this field empty"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in html
    assert f'value="{ARTICLE}"' in html  # the article's address comes from the link
    assert '<button type="submit">Send</button>' in html


def test_a_post_without_the_csrf_token_is_refused(client, app):
    response = client.post("/corrections/report", data={"url": ARTICLE, "quote": "the bridge"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Report)).first() is None


def test_a_report_by_form_is_kept_and_thanked(forms, client, app):
    response = forms.post(
        "/corrections/report",
        {
            "url": ARTICLE,
            "title": "Riverside bridge",
            "quote": "six months\n later",
            "suggestion": "five months later",
            "comment": "",
            "email": "reader@example.net",
            "notify": "y",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you. The editors will look at the passage you reported." in page
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.source == "form" and report.quote_exact == "six months later"
        assert report.email == "reader@example.net" and report.notify is True
        assert report.correction.article_url == ARTICLE


def test_errors_are_shown_beside_their_fields_and_input_is_kept_escaped(forms, app):
    response = forms.post(
        "/corrections/report",
        {
            "url": "https://elsewhere.example.com/x",
            "quote": "   ",
            "suggestion": "<script>alert(1)</script>",
            "email": "nope",
            "notify": "y",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "newsroom" in error_beside(html, "url")
    assert "passage" in error_beside(html, "quote")
    assert "valid email" in error_beside(html, "email")
    assert 'aria-invalid="true"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with app.app_context():
        assert db.session.scalars(select(Report)).first() is None


def test_a_title_with_a_line_break_is_refused_beside_the_title(forms):
    response = forms.post(
        "/corrections/report",
        {"url": ARTICLE, "title": "Bridge\r\nBcc: someone@example.com", "quote": "the bridge"},
    )
    assert response.status_code == 422
    assert "one line" in error_beside(response.get_data(as_text=True), "title")


def test_the_form_is_rate_limited(app_config):
    from engagement import create_app
    from tests.conftest import Forms

    limited = create_app({**app_config, "CORRECTIONS_RATE_LIMIT": "2 per minute"})
    with limited.app_context():
        db.create_all()
    forms = Forms(limited.test_client())
    answers = [
        forms.post(
            "/corrections/report", {"url": ARTICLE, "quote": f"passage {n}", "comment": "Wrong."}
        ).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]
    with limited.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def test_a_filled_honeypot_on_the_form_is_kept_as_spam(forms, app):
    response = forms.post(
        "/corrections/report",
        {
            "url": ARTICLE,
            "quote": "the bridge",
            "comment": "Buy now",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Report)).one().is_spam is True
