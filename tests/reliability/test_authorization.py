"""The authorization matrix: every route of the app, every method, five kinds of visitor.

ACCESS below says who may use each route. A route the table does not list fails the first test,
so a new page cannot ship without someone deciding who may open it. Every state-changing form
refuses a request without its CSRF token.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership, StripeEvent
from engagement.notifications.models import Email
from engagement.patreon.models import PatreonDelivery
from tests.voting.conftest import Voting

PERSONAS = ("anonymous", "patron", "cocreator", "editor", "admin")

# Who is let through, per access class. Everyone else is refused: 401/403, or sent to a login.
ALLOWED = {
    "public": set(PERSONAS),
    "api": set(PERSONAS),  # JSON, no session needed; bad bodies get 4xx, never 401/403
    "webhook": set(),  # nobody without Stripe's signature: 400 for every visitor
    "signout": set(),  # signing out sends everyone to a sign-in page, whoever they were
    "patron": {"patron", "cocreator"},  # a signed-in patron (the data may still refuse, e.g. 409)
    "cocreator": {"cocreator"},  # a patron whose tier carries voting
    "editor": {"editor", "admin"},
    "admin": {"admin"},
}

ACCESS: dict[tuple[str, str], str] = {
    ("/account", "GET"): "patron",
    ("/account/billing", "POST"): "patron",
    ("/account/data", "GET"): "patron",
    ("/account/delete", "POST"): "patron",
    ("/account/delete/confirm", "POST"): "patron",
    ("/account/language", "POST"): "patron",  # a visitor switches with ?lang= links instead
    ("/account/login", "GET"): "public",
    ("/account/login", "POST"): "public",
    ("/account/login/<token>", "GET"): "public",
    ("/account/login/<token>", "POST"): "public",
    ("/account/logout", "POST"): "signout",
    ("/account/logout-everywhere", "POST"): "signout",
    ("/api/v1/corrections", "POST"): "api",
    ("/api/v1/openapi.json", "GET"): "public",
    ("/corrections", "GET"): "public",
    ("/corrections/feed.atom", "GET"): "public",
    ("/corrections/report", "GET"): "public",
    ("/corrections/report", "POST"): "public",
    ("/corrections/stop-mails/<token>", "GET"): "public",
    ("/corrections/stop-mails/<token>", "POST"): "public",
    ("/demo/article", "GET"): "public",
    ("/healthz", "GET"): "public",
    ("/", "GET"): "public",
    ("/favicon.ico", "GET"): "public",
    ("/newsroom/", "GET"): "editor",
    ("/newsroom/corrections", "GET"): "editor",
    ("/newsroom/corrections/<int:correction_id>", "GET"): "editor",
    ("/newsroom/corrections/<int:correction_id>/annotation.json", "GET"): "editor",
    ("/newsroom/corrections/<int:correction_id>/assign", "POST"): "editor",
    ("/newsroom/corrections/<int:correction_id>/merge", "GET"): "editor",
    ("/newsroom/corrections/<int:correction_id>/merge", "POST"): "editor",
    ("/newsroom/corrections/<int:correction_id>/notes", "POST"): "editor",
    ("/newsroom/corrections/<int:correction_id>/status", "POST"): "editor",
    ("/newsroom/corrections/bulk", "GET"): "editor",
    ("/newsroom/corrections/bulk", "POST"): "editor",
    ("/newsroom/language", "POST"): "editor",
    ("/newsroom/login", "GET"): "public",
    ("/newsroom/login", "POST"): "public",
    ("/newsroom/logout", "POST"): "signout",
    ("/newsroom/logout-everywhere", "POST"): "signout",
    ("/newsroom/outbox", "GET"): "admin",
    ("/newsroom/outbox/<int:email_id>", "GET"): "admin",
    ("/newsroom/outbox/<int:email_id>/retry", "POST"): "admin",
    ("/newsroom/patrons", "GET"): "editor",
    ("/newsroom/patrons.csv", "GET"): "editor",
    ("/newsroom/patrons/<int:patron_id>", "GET"): "editor",
    ("/newsroom/patrons/<int:patron_id>/grants/<int:membership_id>/revoke", "GET"): "admin",
    ("/newsroom/patrons/<int:patron_id>/grants/<int:membership_id>/revoke", "POST"): "admin",
    ("/newsroom/patrons/grant", "GET"): "admin",
    ("/newsroom/patrons/grant", "POST"): "admin",
    ("/newsroom/rounds", "GET"): "editor",
    ("/newsroom/rounds/<int:round_id>", "GET"): "editor",
    ("/newsroom/rounds/<int:round_id>/close", "GET"): "editor",
    ("/newsroom/rounds/<int:round_id>/close", "POST"): "editor",
    ("/newsroom/rounds/<int:round_id>/edit", "GET"): "editor",
    ("/newsroom/rounds/<int:round_id>/edit", "POST"): "editor",
    ("/newsroom/rounds/<int:round_id>/export.csv", "GET"): "editor",
    ("/newsroom/rounds/<int:round_id>/open", "POST"): "editor",
    ("/newsroom/rounds/<int:round_id>/topics", "POST"): "editor",
    ("/newsroom/rounds/new", "GET"): "editor",
    ("/newsroom/rounds/new", "POST"): "editor",
    ("/newsroom/settings/notifications", "GET"): "editor",
    ("/newsroom/settings/notifications", "POST"): "editor",
    ("/newsroom/suggestions", "GET"): "editor",
    ("/newsroom/suggestions/<int:topic_id>/publish", "POST"): "editor",
    ("/newsroom/tiers", "GET"): "admin",
    ("/newsroom/tiers/<int:tier_id>", "GET"): "admin",
    ("/newsroom/tiers/<int:tier_id>", "POST"): "admin",
    ("/newsroom/tiers/new", "GET"): "admin",
    ("/newsroom/tiers/new", "POST"): "admin",
    ("/newsroom/topics/<int:topic_id>/decline", "POST"): "editor",
    ("/newsroom/topics/<int:topic_id>/edit", "GET"): "editor",
    ("/newsroom/topics/<int:topic_id>/edit", "POST"): "editor",
    ("/newsroom/topics/<int:topic_id>/merge", "GET"): "editor",
    ("/newsroom/topics/<int:topic_id>/merge", "POST"): "editor",
    ("/newsroom/topics/<int:topic_id>/move", "POST"): "editor",
    ("/newsroom/topics/<int:topic_id>/outcome", "POST"): "editor",
    ("/newsroom/webhooks", "GET"): "admin",
    ("/newsroom/webhooks/<int:event_id>/process", "GET"): "admin",
    ("/newsroom/webhooks/<int:event_id>/process", "POST"): "admin",
    ("/newsroom/patreon", "GET"): "admin",
    ("/newsroom/patreon/deliveries/<int:delivery_id>/process", "GET"): "admin",
    ("/newsroom/patreon/deliveries/<int:delivery_id>/process", "POST"): "admin",
    ("/newsroom/patreon/import", "POST"): "admin",
    ("/newsroom/patreon/mapping", "POST"): "admin",
    ("/patreon/webhook", "POST"): "webhook",
    ("/static/<path:filename>", "GET"): "public",
    ("/stripe/webhook", "POST"): "webhook",
    ("/support", "GET"): "public",
    ("/support/checkout", "POST"): "public",
    ("/support/thanks", "GET"): "public",
    ("/topics", "GET"): "public",
    ("/topics/<int:topic_id>/unvote", "POST"): "patron",
    ("/topics/<int:topic_id>/vote", "POST"): "cocreator",
    ("/topics/suggest", "POST"): "cocreator",
    ("/widget.css", "GET"): "public",
    ("/widget.js", "GET"): "public",
    ("/widget/messages/<version>/<tag>.json", "GET"): "public",
}

# Form data for routes that check who you are only after the form is valid.
FORM_DATA = {
    "/topics/suggest": lambda world: {
        "round_id": str(world["reader_round"]),
        "title": "Cover the night buses",
        "description": "Why they stopped running.",
    },
}

PLACEHOLDER = re.compile(r"<(?:(\w+):)?(\w+)>")
LOGIN_PATHS = ("/newsroom/login", "/account/login")


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_table_lists_every_route_and_method_of_the_app(app):
    routes = _routes(app)
    unlisted = sorted(routes - set(ACCESS))
    gone = sorted(set(ACCESS) - routes)
    assert not unlisted, f"routes with no access decision in ACCESS: {unlisted}"
    assert not gone, f"ACCESS lists routes the app no longer has: {gone}"


# --- the world the matrix runs in ------------------------------------------------------------


@pytest.fixture
def app_config(app_config):
    """No rate limits: hundreds of requests come from one address."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def _world(app, client) -> dict:
    voting = Voting(app)
    world = {
        "patron": voting.patron("reader@example.org", tier="Newsletter", grants_voting=False),
        "cocreator": voting.patron("voter@example.org", tier="Coffee"),
    }
    world["reader_round"], world["reader_topics"] = voting.round(topics=("Housing", "Schools"))
    world["newsroom_round"], world["newsroom_topics"] = voting.round(topics=("Parks", "Roads"))
    report = client.post(
        "/api/v1/corrections",
        json={
            "url": "https://news.example.org/2026/bridge",
            "quote": {"exact": "six months later"},
            "suggestion": "six weeks later",
        },
    )
    assert report.status_code == 201, report.get_json()
    world["correction_id"] = report.get_json()["correction_id"]
    with app.app_context():
        granted = Patron(email="friend@example.org", name="Friend")
        db.session.add(granted)
        db.session.flush()
        grant = Membership(
            patron_id=granted.id,
            source="grant",
            status="active",
            access_until=utcnow() + timedelta(days=30),
        )
        email = Email(
            kind="test",
            dedupe_key="matrix:1",
            recipients="a@example.org",
            subject="Hello",
            text_body="Hello",
            html_body="<p>Hello</p>",
            status="dead",
        )
        event = StripeEvent(
            stripe_id="evt_matrix",
            type="customer.created",
            outcome="failed",
            payload=json.dumps(
                {
                    "id": "evt_matrix",
                    "object": "event",
                    "type": "customer.created",
                    "data": {"object": {"id": "cus_matrix", "object": "customer"}},
                }
            ),
        )
        delivery = PatreonDelivery(
            digest="0" * 64,
            trigger="members:update",
            outcome="failed",
            payload=json.dumps({"data": {"type": "member"}}),
        )
        db.session.add_all([grant, email, event, delivery])
        db.session.commit()
        world.update(
            granted_patron=granted.id,
            grant=grant.id,
            email_id=email.id,
            event_id=event.id,
            delivery_id=delivery.id,
            tier_id=voting.tier("Coffee"),
        )
    return world


def _url(rule: str, world: dict) -> str:
    newsroom = rule.startswith("/newsroom/")
    values = {
        "correction_id": world["correction_id"],
        "email_id": world["email_id"],
        "event_id": world["event_id"],
        "delivery_id": world["delivery_id"],
        "tier_id": world["tier_id"],
        "patron_id": world["granted_patron"],
        "membership_id": world["grant"],
        "round_id": world["newsroom_round"] if newsroom else world["reader_round"],
        "topic_id": (world["newsroom_topics"] if newsroom else world["reader_topics"])[0],
        "token": "not-a-real-token",
        "filename": "site.css",
        "version": "0123456789ab",
        "tag": "uk",
    }
    return PLACEHOLDER.sub(lambda match: str(values[match.group(2)]), rule)


def _session_cookies(app, auth, world) -> dict[str, str | None]:
    """The session cookie of each persona, made once and sent with every request."""
    cookies: dict[str, str | None] = {"anonymous": None}
    for persona in ("patron", "cocreator"):
        client = app.test_client()
        with app.app_context():  # a sign-out raised the version: this session is of the new one
            version = db.session.get(Patron, world[persona]).session_version
        with client.session_transaction() as session:
            session["patron_id"] = world[persona]
            session["patron_sv"] = version
        cookies[persona] = client.get_cookie("session").value
    for role in ("editor", "admin"):
        auth.client = client = app.test_client()
        auth.forms.client = client
        auth.login(role)
        cookies[role] = client.get_cookie("session").value
    return cookies


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    if 300 <= response.status_code < 400:
        target = response.headers.get("Location", "")
        return any(path in target for path in LOGIN_PATHS)
    return False


def test_every_route_lets_in_exactly_who_the_table_says(app, client, auth):
    world = _world(app, client)
    cookies = _session_cookies(app, auth, world)
    app.config["WTF_CSRF_ENABLED"] = False  # reach the guards; CSRF has its own test below
    wrong, tried = [], 0
    for (rule, method), access in sorted(ACCESS.items()):
        url = _url(rule, world)
        data = FORM_DATA[rule](world) if rule in FORM_DATA else None
        for persona in PERSONAS:
            visitor = app.test_client()
            if cookies[persona]:
                visitor.set_cookie("session", cookies[persona])
            response = visitor.open(url, method=method, data=data)
            response.close()  # a streamed answer (the CSV) holds its context until closed
            tried += 1
            assert response.status_code < 500, f"{method} {url} as {persona}: 500"
            if access == "webhook":
                outcome_ok = response.status_code == 400
            elif access == "signout":
                outcome_ok = _refused(response)  # everyone ends on a sign-in page
            else:
                outcome_ok = _refused(response) != (persona in ALLOWED[access])
            if not outcome_ok:
                wrong.append(
                    f"{method} {url} as {persona} ({access}): {response.status_code} "
                    f"{response.headers.get('Location', '')}"
                )
            if access == "signout":  # signing out ended every session of the account
                app.config["WTF_CSRF_ENABLED"] = True  # the sign-in form needs its token
                cookies = _session_cookies(app, auth, world)
                app.config["WTF_CSRF_ENABLED"] = False
    print(f"\nauthorization matrix: {tried} requests")
    assert not wrong, "\n".join(wrong)


# --- CSRF ----------------------------------------------------------------------------------

FORM_POSTS = sorted(
    (rule, access)
    for (rule, method), access in ACCESS.items()
    if method == "POST" and access not in ("api", "webhook")
)
CSRF_REFUSAL = "The form expired or was not sent from this site"
# Who posts each form: someone the route lets in, so only the missing token can stop them.
POSTER = {
    "public": "anonymous",
    "signout": "editor",
    "patron": "patron",
    "cocreator": "cocreator",
    "editor": "editor",
    "admin": "admin",
}


def test_every_state_changing_form_refuses_a_post_without_its_csrf_token(app, client, auth):
    world = _world(app, client)
    cookies = _session_cookies(app, auth, world)
    accepted = []
    for rule, access in FORM_POSTS:
        url = _url(rule, world)
        data = FORM_DATA[rule](world) if rule in FORM_DATA else {"title": "x", "email": "a@b.c"}
        visitor = app.test_client()
        persona = POSTER[access]
        if cookies[persona]:
            visitor.set_cookie("session", cookies[persona])
        response = visitor.post(url, data=data)
        response.close()
        if response.status_code != 400 or CSRF_REFUSAL not in response.get_data(as_text=True):
            accepted.append(f"POST {url} as {persona}: {response.status_code}")
    assert len(FORM_POSTS) > 20
    assert not accepted, "\n".join(accepted)
