"""The app in the pseudo-locale, on the demo newsroom, for the whole tests/i18n session.

The catalogs come from the working tree as it is: the messages are extracted afresh (nothing
committed is changed) and compiled into a temporary folder with en_XA generated from them, so a
string wrapped a minute ago is pseudo-localised here without `make translations` first.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import String, Text, select

from devtools import translations
from devtools.screenshots import build_app
from engagement.extensions import db
from tests.conftest import Forms
from tests.i18n.visible import Data

# Tables the app writes its own words into (mails, digest lines): never skipped as data.
APP_WRITTEN = {"emails", "digest_items", "alembic_version"}
SETTINGS_SHOWN = ("NEWSROOM_NAME", "NEWSROOM_TIMEZONE", "PUBLIC_BASE_URL", "MAIL_DEFAULT_SENDER")


@pytest.fixture(scope="session")
def catalog_folder(tmp_path_factory):
    """Every catalog compiled from the working tree, en_XA from a fresh extraction."""
    folder = tmp_path_factory.mktemp("catalogs")
    translations.build(folder, template=translations.extract())
    return folder


@pytest.fixture(scope="session")
def pseudo_app(tmp_path_factory, catalog_folder):
    """The demo newsroom (`flask demo seed`, as `make screenshots` builds it) served in en_XA,
    plus the rows the demo lacks: a failed Stripe event, a failed Patreon delivery, a gift."""
    app = build_app(
        tmp_path_factory.mktemp("pseudo-app"),
        BABEL_TRANSLATION_DIRECTORIES=str(catalog_folder),
        DEFAULT_LANGUAGE=translations.PSEUDO,
        PSEUDO_LOCALE=True,
        PUBLIC_BASE_URL="http://localhost",
        NEWSROOM_TIMEZONE="UTC",
        MAIL_DEFAULT_SENDER="newsroom@example.org",
        DASHBOARD_CACHE_SECONDS=0,
    )
    with app.app_context():
        _add_what_the_demo_lacks()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _add_what_the_demo_lacks() -> None:
    from engagement.accounts.models import Patron
    from engagement.membership.models import Donation, Membership, StripeEvent
    from engagement.patreon.models import PatreonDelivery

    patron = db.session.scalar(select(Patron).where(Patron.email == "reader@example.org"))
    db.session.add(
        Donation(
            patron_id=patron.id,
            amount=2500,
            currency="eur",
            stripe_checkout_session_id="cs_demo_gift_i18n",
        )
    )
    db.session.add(
        StripeEvent(
            stripe_id="evt_failed_i18n",
            type="invoice.paid",
            object_id="in_failed_i18n",
            outcome="failed",
            error="The stored subscription is gone",
            payload=json.dumps({"id": "evt_failed_i18n"}),
        )
    )
    db.session.add(
        PatreonDelivery(
            digest="f" * 64,
            trigger="members:pledge:create",
            outcome="failed",
            error="No such tier",
            payload=json.dumps({"data": {}}),
        )
    )
    paid = db.session.scalar(
        select(Membership)
        .where(Membership.granted_by_id.is_(None), Membership.started_at.is_not(None))
        .order_by(Membership.id)
    )
    paid.stripe_subscription_id = paid.stripe_subscription_id or "sub_demo_i18n"
    db.session.commit()


@pytest.fixture(scope="session")
def refs(pseudo_app) -> dict:
    """The ids and tokens the pages' paths name (`{correction}`, `{link_token}`, ...)."""
    from engagement.accounts.magic_links import LINK_LIFETIME, MagicLink, hash_token
    from engagement.accounts.models import Patron
    from engagement.corrections.models import Correction
    from engagement.corrections.triage import stop_token
    from engagement.database import utcnow
    from engagement.membership.models import Membership, StripeEvent, Tier
    from engagement.notifications.models import Email
    from engagement.patreon.models import PatreonDelivery
    from engagement.voting.models import Round, Topic

    def first(query):
        return db.session.scalar(query.limit(1))

    with pseudo_app.app_context():
        open_corrections = db.session.scalars(
            select(Correction.id)
            .where(Correction.status.in_(("new", "in_review")))
            .order_by(Correction.id)
        ).all()
        open_round = first(select(Round).order_by(Round.id.desc()))
        topics = [topic.id for topic in open_round.topics if topic.state == "open"]
        grant = first(select(Membership).where(Membership.granted_by_id.is_not(None)))
        token = secrets.token_urlsafe(32)
        patron = db.session.scalar(select(Patron).where(Patron.email == "reader@example.org"))
        db.session.add(
            MagicLink(
                patron=patron,
                token_hash=hash_token(token),
                expires_at=utcnow() + LINK_LIFETIME + timedelta(days=1),
            )
        )
        db.session.commit()
        return {
            "correction": open_corrections[0],
            "other_correction": open_corrections[1],
            "round": open_round.id,
            "topic": topics[0],
            "other_topic": topics[1],
            "published_topic": first(select(Topic.id).where(Topic.state == "published")),
            "patron": grant.patron_id,
            "grant": grant.id,
            "tier": first(select(Tier.id).order_by(Tier.id)),
            "failed_event": first(select(StripeEvent.id).where(StripeEvent.outcome == "failed")),
            "failed_delivery": first(select(PatreonDelivery.id)),
            "email": first(select(Email.id).order_by(Email.id)),
            "stop_token": stop_token("reporter@example.org"),
            "link_token": token,
        }


@pytest.fixture(scope="session")
def data(pseudo_app) -> Data:
    """Every string the demo's people typed or the newsroom set, to skip where shown."""
    values: list[object] = [pseudo_app.config[name] for name in SETTINGS_SHOWN]
    with pseudo_app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in APP_WRITTEN:
                continue
            columns = [
                column
                for column in table.columns
                if isinstance(column.type, (String, Text)) and column.name != "payload"
            ]
            if columns:
                for row in db.session.execute(select(*columns)):
                    values.extend(row)
    return Data(values)


@pytest.fixture
def app_config(app_config, catalog_folder):
    """The per-test app (tests/conftest.py) with the catalogs of the working tree."""
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(catalog_folder)}


def sign_in_patron(app, client, email: str, language: str | None = None) -> int:
    """Make the patron (with a saved `language`) and sign them in through a sign-in link."""
    from engagement.accounts.magic_links import LINK_LIFETIME, MagicLink, hash_token
    from engagement.accounts.models import Patron
    from engagement.database import utcnow

    token = secrets.token_urlsafe(32)
    with app.app_context():
        patron = Patron(email=email, name="Olena", language=language)
        db.session.add(patron)
        db.session.add(
            MagicLink(
                patron=patron, token_hash=hash_token(token), expires_at=utcnow() + LINK_LIFETIME
            )
        )
        db.session.commit()
        patron_id = patron.id
    response = Forms(client).post(f"/account/login/{token}")
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return patron_id


@pytest.fixture(scope="session")
def clients(pseudo_app, refs):
    """A test client per visitor: a reader, the demo co-creator, the demo admin."""
    from engagement.demo.cli import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD

    reader = pseudo_app.test_client()
    patron = pseudo_app.test_client()
    with pseudo_app.app_context():
        from engagement.accounts.magic_links import LINK_LIFETIME, MagicLink, hash_token
        from engagement.accounts.models import Patron
        from engagement.database import utcnow

        token = secrets.token_urlsafe(32)
        someone = db.session.scalar(select(Patron).where(Patron.email == "reader@example.org"))
        db.session.add(
            MagicLink(
                patron=someone, token_hash=hash_token(token), expires_at=utcnow() + LINK_LIFETIME
            )
        )
        db.session.commit()
    signed_in = Forms(patron).post(f"/account/login/{token}")
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:500]
    editor = pseudo_app.test_client()
    signed_in = Forms(editor).post(
        "/newsroom/login", {"email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD}
    )
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:500]
    return {None: reader, "patron": patron, "editor": editor}
