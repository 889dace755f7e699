"""Mails written at send time: the worker asks the kind's writer for the message, the row keeps
only the redacted text, and a writer with nothing to send removes the row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, update

from engagement import create_app
from engagement.extensions import db
from engagement.notifications import enqueue, send_time
from engagement.notifications.models import Email
from engagement.notifications.send_time import Written
from engagement.notifications.worker import claim_batch

SECRET = "s3cr3t-only-in-the-mail"


def _secret_writer(mail, now):
    """Put a secret in the message sent; keep the row's text with it left out."""
    if mail.recipients == ("nobody@example.org",):
        return None
    sent = replace(mail, text_body=f"Your code: {SECRET}\n", html_body=f"<p>{SECRET}</p>")
    return Written(sent, "Your code: [left out]\n", "<p>[left out]</p>")


@pytest.fixture
def secret_kind(app):
    """The test template's kind, written at send time by `_secret_writer` (in this app only)."""
    send_time.writers_of(app)["test_notice"] = _secret_writer


def _queue(app, to: str, key: str) -> int:
    with app.app_context():
        email = enqueue("test_notice", to, key, title="Code", name="Reader", message="[left out]")
        db.session.commit()
        return email.id


def test_the_message_sent_is_the_writers_and_the_row_keeps_the_redacted_text(
    app, worker, smtp_sink, secret_kind
):
    email_id = _queue(app, "reader@example.org", "code:1")
    with app.app_context():
        assert worker.drain().sent == 1
        row = db.session.get(Email, email_id)
        assert (row.status, row.text_body, row.html_body) == (
            "sent",
            "Your code: [left out]\n",
            "<p>[left out]</p>",
        )
    [message] = smtp_sink.wait_for(1)
    assert SECRET in message.get_body(("plain",)).get_content()


def test_a_writer_with_nothing_to_send_removes_the_row(app, worker, smtp_sink, secret_kind):
    _queue(app, "nobody@example.org", "code:2")
    with app.app_context():
        result = worker.drain()
        assert (result.claimed, result.sent) == (1, 0)
        assert db.session.scalars(select(Email)).all() == []
    assert smtp_sink.messages == []


def test_a_worker_that_lost_its_claim_neither_sends_nor_writes(app, clock, secret_kind):
    email_id = _queue(app, "reader@example.org", "code:3")
    with app.app_context():
        [mail] = claim_batch("worker-a", clock.now, 10, 300)
        db.session.execute(update(Email).values(claimed_by="worker-b"))  # b took it over
        db.session.commit()
        assert send_time.write(mail, "worker-a", clock.now) is None
        row = db.session.get(Email, email_id)
        assert (row.claimed_by, row.text_body) == ("worker-b", "Hello Reader,\n\n[left out]\n")


def test_each_app_has_its_own_writers(app, app_config, secret_kind):
    other = create_app(app_config)
    assert send_time.writers_of(app)["test_notice"] is _secret_writer
    assert "test_notice" not in send_time.writers_of(other)
    assert "magic_link" in send_time.writers_of(other)  # registered with the blueprint


def test_kinds_without_a_writer_go_out_as_queued(app, clock):
    _queue(app, "reader@example.org", "code:4")
    with app.app_context():
        [mail] = claim_batch("worker-a", clock.now, 10, 300)
        assert send_time.write(mail, "worker-a", clock.now) is mail
