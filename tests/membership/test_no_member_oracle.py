"""Issue 14, item 6 (first half): POST /support/checkout answers the same whatever the address,
so nobody learns who supports the newsroom by asking. A member's address goes on to Checkout
like a stranger's; only the member learns about it, by a mail to that address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engagement.extensions import db
from engagement.notifications.models import Email

from .conftest import join, start_checkout

SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]+")


def _shape(response, emulator) -> dict:
    """What an observer sees of the answer, with the Checkout session's id blanked."""
    location = response.headers.get("Location", "")
    return {
        "status": response.status_code,
        "location": SESSION_ID.sub("cs_ID", location),
        "headers": sorted(name for name, _ in response.headers if name != "Set-Cookie"),
        "body": SESSION_ID.sub("cs_ID", response.get_data(as_text=True)),
        "to_checkout": location.startswith(emulator.url + "/checkout/cs_"),
    }


@pytest.mark.parametrize(
    "choice",
    [
        {"kind": "membership", "tier": "coffee", "interval": "month"},
        {"kind": "membership", "tier": "coffee", "interval": "year"},
        {"kind": "membership", "tier": "custom", "interval": "month", "amount": "12"},
    ],
    ids=["monthly", "yearly", "own-amount"],
)
def test_a_members_address_and_a_strangers_get_the_same_answer(
    app, forms, stripe_live, coffee, choice
):
    join(forms, stripe_live, email="member@example.org")
    member = start_checkout(forms, {**choice, "email": "Member@Example.org"})
    stranger = start_checkout(forms, {**choice, "email": "stranger@example.org"})
    assert _shape(member, stripe_live) == _shape(stranger, stripe_live)
    assert _shape(member, stripe_live)["status"] == 303
    assert _shape(member, stripe_live)["to_checkout"]
    with app.app_context():
        told = db.session.scalars(
            select(Email.recipients).where(Email.kind == "membership_already")
        ).all()
    assert told == ["member@example.org"]  # only the member hears of it, by mail
