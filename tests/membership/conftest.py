"""Fixtures for membership tests: the Stripe emulator over real HTTP, wired to the live app."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe
from sqlalchemy import select

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.models import Membership, StripeEvent, Tier
from engagement.membership.stripe_gateway import gateway
from tests.support.rows import stored

WEBHOOK_SECRET = "whsec_membership_tests"
OLD_WEBHOOK_SECRET = "whsec_membership_tests_old"
PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


@pytest.fixture
def emulator_attempts():
    """Membership tests give up on a failing webhook sooner."""
    return 4


@pytest.fixture
def app_config(app_config, emulator):
    """The app talks to the emulator and trusts its signatures (and an older secret)."""
    return {
        **app_config,
        "STRIPE_API_BASE": emulator.url,
        "STRIPE_SECRET_KEY": "sk_test_membership",
        "STRIPE_WEBHOOK_SECRET": [OLD_WEBHOOK_SECRET, WEBHOOK_SECRET],
        "STRIPE_WEBHOOK_TOLERANCE": 300,
        "GRACE_DAYS": 7,
    }


@pytest.fixture
def stripe_live(emulator, live_server):
    """The emulator delivering its webhooks to the live app."""
    emulator.set_webhook(
        f"{live_server.url}/stripe/webhook", WEBHOOK_SECRET, initial_backoff=0.05, max_attempts=4
    )
    return emulator


@pytest.fixture
def coffee(app, emulator):
    """A synced tier: Coffee, 3 €/month or 30 €/year, grants voting."""
    with app.app_context():
        tier = tier_service.save_tier(
            None,
            name="Coffee",
            description="A cup a month",
            monthly_amount=300,
            yearly_amount=3000,
            currency="eur",
            grants_voting=True,
            position=0,
            active=True,
        )
        tier_service.sync_tier(gateway(), tier)
        db.session.commit()
        return tier.id


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_form(url, fields):
    """POST a form over HTTP without following redirects: (status, headers, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode(fields).encode()
    try:
        with opener.open(url, data=data, timeout=20) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def start_checkout(forms, data):
    """Post /support/checkout with the page's CSRF token; return the response."""
    return forms.post("/support/checkout", data, page="/support")


def pay(checkout_url, card=PAYING_CARD, email=None):
    """Pay on the emulator's hosted checkout page like a person would."""
    fields = {"card_number": card}
    if email:
        fields["email"] = email
    return post_form(checkout_url, fields)


def join(forms, emulator, email="reader@example.org", tier="coffee", interval="month"):
    """Check out a tier and pay; wait until every webhook was delivered."""
    response = start_checkout(
        forms, {"kind": "membership", "tier": tier, "interval": interval, "email": email}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    status, headers, body = pay(response.headers["Location"])
    assert status == 303, body
    assert emulator.wait_idle(20)
    return headers["Location"]


def membership_of(app, email):
    """The (one) membership of the patron with this email, loaded with its tier."""
    from engagement.accounts.models import Patron

    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == email))
        if patron is None:
            return None
        m = db.session.scalar(
            select(Membership)
            .where(Membership.patron_id == patron.id)
            .order_by(Membership.id.desc())
        )
        if m is not None:
            _ = m.tier, m.patron
            db.session.expunge_all()
        return m


def events(app, **filters):
    """Stored StripeEvents, detached."""
    return stored(app, StripeEvent, **filters)


def tier_row(app, tier_id):
    """A tier, detached."""
    with app.app_context():
        tier = db.session.get(Tier, tier_id)
        db.session.expunge(tier)
        return tier


def signed(payload: str, secret=WEBHOOK_SECRET, timestamp=None):
    """A Stripe-Signature header made as Stripe makes it, with stripe.WebhookSignature."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = stripe.WebhookSignature._compute_signature(f"{t}.{payload}", secret)
    return f"t={t},v1={mac}"
