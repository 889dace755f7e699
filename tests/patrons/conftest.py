"""Fixtures for patron tests: the membership tests' Stripe emulator, and signing a patron in
through the real magic-link flow (the link read from the queued mail)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.notifications.models import Email
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


def link_tokens(app, email) -> list[str]:
    """The tokens of every sign-in mail queued for `email`, oldest first."""
    with app.app_context():
        mails = db.session.scalars(select(Email).where(Email.kind == "magic_link",
                                                       Email.recipients == email)
                                   .order_by(Email.id)).all()
        return [LINK_RE.search(mail.text_body).group(1) for mail in mails]


class PatronSession:
    """Sign patrons in the way they do: ask for a link, read it from the mail, press Sign in."""

    def __init__(self, app, client, forms):
        self.app, self.client, self.forms = app, client, forms

    def request_link(self, email):
        return self.forms.post("/account/login", {"email": email})

    def sign_in(self, email):
        response = self.request_link(email)
        assert response.status_code == 200, response.get_data(as_text=True)
        token = link_tokens(self.app, email)[-1]
        response = self.forms.post(f"/account/login/{token}", page=f"/account/login/{token}")
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


@pytest.fixture
def patron_session(app, client, forms):
    """`patron_session.sign_in(email)` through the magic-link pages."""
    return PatronSession(app, client, forms)
