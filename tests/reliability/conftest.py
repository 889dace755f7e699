"""Fixtures for the reliability suite: the Stripe emulator, synced tiers, HTTP helpers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.stripe_gateway import gateway

WEBHOOK_SECRET = "whsec_reliability"


@pytest.fixture
def stripe_config(emulator):
    """Settings that point the app at the emulator and trust its webhook signatures."""
    return {
        "STRIPE_API_BASE": emulator.url,
        "STRIPE_SECRET_KEY": "sk_test_reliability",
        "STRIPE_WEBHOOK_SECRET": [WEBHOOK_SECRET],
        "STRIPE_WEBHOOK_TOLERANCE": 300,
    }


def make_tier(app, name="Coffee", monthly=300, yearly=3000, voting=True) -> dict:
    """A tier saved and synced to the emulator through the app's own tier sync; its ids."""
    with app.app_context():
        tier = tier_service.save_tier(
            None,
            name=name,
            description=f"{name} tier",
            monthly_amount=monthly,
            yearly_amount=yearly,
            currency="eur",
            grants_voting=voting,
            position=0,
            active=True,
        )
        tier_service.sync_tier(gateway(), tier)
        db.session.commit()
        return {
            "id": tier.id,
            "slug": tier.slug,
            "month": tier.stripe_monthly_price_id,
            "year": tier.stripe_yearly_price_id,
            "product": tier.stripe_product_id,
        }


def post_json(url: str, body, headers: dict | None = None, timeout: float = 30):
    """POST a JSON body over real HTTP: (status, decoded JSON or text, headers)."""
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode()
            status, response_headers = response.status, response.headers
    except urllib.error.HTTPError as exc:
        raw = exc.read().decode()
        status, response_headers = exc.code, exc.headers
    try:
        return status, json.loads(raw), response_headers
    except ValueError:
        return status, raw, response_headers
