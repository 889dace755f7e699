"""Fixtures for patron tests: the membership tests' Stripe emulator, and signing a patron in
through the real magic-link flow (the worker sends the mail to the SMTP sink, the link is read
from the mail received: the outbox never holds it)."""

from __future__ import annotations

import re

import pytest

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.worker import Worker
from tests.membership.conftest import (  # noqa: F401 - fixtures shared with the membership tests
    app_config,
    coffee,
    stripe_live,
)

LINK_RE = re.compile(r"/account/login/([A-Za-z0-9_\-]+)")


def make_patron(app, email="patron@example.org", name="Pat Ron", customer_id=None) -> int:
    """A patron row, as a checkout or a grant leaves it; returns its id."""
    with app.app_context():
        patron = Patron(email=email, name=name, stripe_customer_id=customer_id)
        db.session.add(patron)
        db.session.commit()
        return patron.id


def send_outbox(app, clock=None) -> None:
    """Send what the outbox holds, as `flask worker --once --no-digests` does."""
    with app.app_context():
        Worker(app, digests=False, clock=clock or utcnow).drain()


def link_tokens(app, smtp_sink, email) -> list[str]:
    """Send the outbox; the tokens of every sign-in mail the SMTP sink got for `email`, oldest
    first."""
    send_outbox(app)
    return [
        LINK_RE.search(message.get_body(("plain",)).get_content()).group(1)
        for message in smtp_sink.to(email)
        if "sign-in link" in str(message["Subject"])
    ]


class PatronSession:
    """Sign patrons in the way they do: ask for a link, read it from the mail, press Sign in."""

    def __init__(self, app, client, forms, smtp_sink):
        self.app, self.client, self.forms, self.smtp_sink = app, client, forms, smtp_sink

    def request_link(self, email):
        return self.forms.post("/account/login", {"email": email})

    def sign_in(self, email):
        response = self.request_link(email)
        assert response.status_code == 200, response.get_data(as_text=True)
        token = link_tokens(self.app, self.smtp_sink, email)[-1]
        response = self.forms.post(f"/account/login/{token}", page=f"/account/login/{token}")
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


@pytest.fixture
def patron_session(app, client, forms, smtp_sink):
    """`patron_session.sign_in(email)` through the magic-link pages and the SMTP sink."""
    return PatronSession(app, client, forms, smtp_sink)
