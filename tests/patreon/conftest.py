"""Fixtures for the Patreon bridge: the stand-in over real HTTP, deliveries signed the way
Patreon documents it (hex HMAC-MD5 of the raw body), and helpers to read what was stored."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.patreon import mapping
from engagement.patreon.models import PatreonDelivery, PatreonMember, PatreonTier
from tests.support.rows import stored  # noqa: F401 - the Patreon tests import it from here

WEBHOOK_SECRET = "patreon-webhook-secret"  # noqa: S105 - test secrets
OLD_WEBHOOK_SECRET = "patreon-webhook-secret-old"  # noqa: S105
TOKEN = "standin-creator-token"  # noqa: S105
CAMPAIGN = "4242"
CO_CREATOR_TIER = "9002"  # the stand-in's "Co-creator" tier
SUPPORTER_TIER = "9001"


@pytest.fixture(scope="session")
def standin_session():
    """One Patreon stand-in for the session, on a free loopback port."""
    from devtools.patreon_standin import start_standin

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENGAGEMENT_ENV", "test")
        standin = start_standin(campaign_id=CAMPAIGN, token=TOKEN)
    yield standin
    standin.stop()


@pytest.fixture
def standin(standin_session):
    """The stand-in, empty, sending no webhooks until a test says where."""
    standin_session.campaign.reset()
    standin_session.campaign.webhook_url = None
    standin_session.campaign.webhook_secret = WEBHOOK_SECRET
    yield standin_session
    standin_session.campaign.webhook_url = None
    standin_session.campaign.reset()


@pytest.fixture
def app_config(app_config, standin):
    """The app trusts the stand-in's signatures (and an older secret) and reads its API."""
    return {
        **app_config,
        "PATREON_WEBHOOK_SECRET": [OLD_WEBHOOK_SECRET, WEBHOOK_SECRET],
        "PATREON_ACCESS_TOKEN": TOKEN,
        "PATREON_CAMPAIGN_ID": CAMPAIGN,
        "PATREON_API_BASE": standin.url,
        "GRACE_DAYS": 7,
    }


@pytest.fixture
def patreon_live(standin, live_server):
    """The stand-in sending its webhooks to the live app."""
    standin.campaign.webhook_url = f"{live_server.url}/patreon/webhook"
    return standin


def control(standin, path: str, body: dict | None = None) -> dict:
    """POST to one of the stand-in's controls over HTTP; its JSON answer."""
    request = urllib.request.Request(
        f"{standin.url}/_standin/{path}",
        method="POST",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """X-Patreon-Signature as Patreon documents it: hex HMAC-MD5 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.md5).hexdigest()


def post_delivery(
    client, trigger: str, body: bytes, secret: str | None = WEBHOOK_SECRET, sig: str | None = None
):
    """POST a delivery to the app as Patreon does."""
    headers = {"X-Patreon-Event": trigger, "Content-Type": "application/json"}
    if sig is not None or secret is not None:
        headers["X-Patreon-Signature"] = sig if sig is not None else signature(body, secret)
    return client.post("/patreon/webhook", data=body, headers=headers)


def iso(moment: datetime) -> str:
    """A time as Patreon writes it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def member_document(
    email="pat@example.org",
    status="active_patron",
    tier=CO_CREATOR_TIER,
    member_id="m-1",
    user_id="u-1",
    last_charge=None,
    next_charge=None,
    pledge_start=None,
    last_status="Paid",
    name="Pat Reon",
) -> bytes:
    """A members:* body as Patreon sends it (JSON:API, tiers and user included)."""
    attributes = {
        "email": email,
        "full_name": name,
        "patron_status": status,
        "currently_entitled_amount_cents": 800 if tier else 0,
        "last_charge_status": last_status,
        "last_charge_date": iso(last_charge) if last_charge else None,
        "next_charge_date": iso(next_charge) if next_charge else None,
        "pledge_relationship_start": iso(pledge_start) if pledge_start else None,
        "pledge_cadence": 1,
    }
    tiers = [{"id": tier, "type": "tier"}] if tier else []
    included = (
        [{"id": tier, "type": "tier", "attributes": {"title": "Co-creator", "amount_cents": 800}}]
        if tier
        else []
    )
    included.append({"id": user_id, "type": "user", "attributes": {"full_name": name}})
    return json.dumps(
        {
            "data": {
                "id": member_id,
                "type": "member",
                "attributes": attributes,
                "relationships": {
                    "currently_entitled_tiers": {"data": tiers},
                    "user": {"data": {"id": user_id, "type": "user"}},
                },
            },
            "included": included,
        }
    ).encode()


def our_tier(app, name="Coffee", grants_voting=True) -> int:
    """One of our tiers; its id."""
    with app.app_context():
        tier = Tier(name=name, slug=name.lower(), monthly_amount=300, grants_voting=grants_voting)
        db.session.add(tier)
        db.session.commit()
        return tier.id


def map_patreon_tier(app, patreon_tier_id: str, choice) -> None:
    """Decide a Patreon tier's mapping (our tier id, or "none")."""
    with app.app_context():
        tier = mapping.find_or_add_tier(patreon_tier_id, None)
        mapping.map_tier(tier, str(choice))
        db.session.commit()


def membership_of(app, email: str) -> Membership | None:
    """The Patreon membership of the patron with this email."""
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == email))
        if patron is None:
            return None
        membership = db.session.scalar(
            select(Membership).where(
                Membership.patron_id == patron.id, Membership.source == "patreon"
            )
        )
        if membership is not None:
            _ = membership.tier
            db.session.expunge_all()
        return membership


__all__ = ["PatreonDelivery", "PatreonMember", "PatreonTier"]
