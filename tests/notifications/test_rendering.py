"""Mails are rendered from their template pair: subject and text from .txt, HTML from .html."""

from sqlalchemy import select

from engagement.extensions import db
from engagement.notifications import enqueue
from engagement.notifications.models import Email
from engagement.notifications.outbox import render_email


def test_subject_text_and_html_come_from_the_templates(app):
    with app.app_context():
        subject, text, html = render_email(
            "test_notice",
            title="Виправлення: a fix",
            name="Olena",
            message="A passage was corrected.",
        )
    assert subject == "Виправлення: a fix"
    assert text == "Hello Olena,\n\nA passage was corrected.\n"
    assert "<p>Hello Olena,</p>" in html
    assert html.lstrip().startswith("<!doctype html>")
    assert "/newsroom/settings/notifications" in html  # the layout's footer


def test_markup_in_the_context_is_escaped_in_html_and_kept_as_text_in_text(app):
    with app.app_context():
        _, text, html = render_email(
            "test_notice", title="t", name="<script>alert(1)</script>", message="<b>bold</b> & more"
        )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "Hello <script>alert(1)</script>," in text


def test_a_subject_never_carries_a_line_break(app):
    with app.app_context():
        subject, _, _ = render_email(
            "test_notice", title="one\r\nBcc: x@example.org", name="n", message="m"
        )
    assert "\n" not in subject and "\r" not in subject


def test_the_same_dedupe_key_queues_one_mail(app):
    with app.app_context():
        first = enqueue(
            "test_notice", "a@example.org", "same-key", title="t", name="n", message="m"
        )
        second = enqueue(
            "test_notice", "a@example.org", "same-key", title="t", name="n", message="m"
        )
        db.session.commit()
        assert first is not None and second is None
        assert len(db.session.scalars(select(Email)).all()) == 1


def test_nothing_is_queued_when_the_callers_transaction_rolls_back(app):
    with app.app_context():
        enqueue("test_notice", "a@example.org", "rolled-back", title="t", name="n", message="m")
        db.session.rollback()
        assert db.session.scalars(select(Email)).all() == []
