"""Issue 14, item 5: every absolute link the service hands to someone else (Stripe Checkout's
success and cancel URLs, the billing portal's return URL, mails, the Atom feed, the OpenAPI
`servers`, the demo article's widget tag) is built from PUBLIC_BASE_URL, never from the request.

Each case is driven over real HTTP against the live server with `Host: evil.example`, against
the real Stripe emulator and a real SMTP sink; nothing the service answers, hands to Stripe or
mails may name evil.example, and each case checks that PUBLIC_BASE_URL is what it used instead.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
import stripe

from tests.membership.conftest import join
from tests.webclient import WebClient

from .conftest import LINK_RE, send_outbox

EVIL = "evil.example"
ROOT = Path(__file__).resolve().parents[2]


def _mail_texts(smtp_sink, to: str, subject_has: str = "") -> list[str]:
    texts = []
    for message in smtp_sink.to(to):
        if subject_has in str(message["Subject"]):
            texts += [
                str(message["Subject"]),
                message.get_body(("plain",)).get_content(),
                message.get_body(("html",)).get_content(),
            ]
    return texts


def _checkout_session(emulator, location: str):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": emulator.url})
    return client.v1.checkout.sessions.retrieve(location.rsplit("/", 1)[1])


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read().decode()


def _sign_in(client: WebClient, app, smtp_sink, email: str) -> list[str]:
    """Sign a patron in through the magic-link pages; the sign-in mail's texts."""
    assert client.submit("/account/login", {"email": email}).status == 200
    send_outbox(app)
    mails = _mail_texts(smtp_sink, email, "sign-in link")
    token = LINK_RE.search(mails[-2]).group(1)
    used = client.submit(f"/account/login/{token}", page=f"/account/login/{token}")
    assert used.status == 303, used.text[:500]
    return mails


def case_checkout(ctx):
    answer = ctx.evil.submit(
        "/support/checkout",
        {
            "kind": "membership",
            "tier": "coffee",
            "interval": "month",
            "email": "new.reader@example.org",
        },
        page="/support",
    )
    assert answer.status == 303, answer.text[:500]
    session = _checkout_session(ctx.emulator, answer.location)
    assert session.success_url == ctx.base + "/support/thanks?session_id={CHECKOUT_SESSION_ID}"
    assert session.cancel_url == ctx.base + "/support"
    return [json.dumps(session.to_dict()), _fetch(answer.location)]


def case_gift_checkout(ctx):
    answer = ctx.evil.submit(
        "/support/checkout",
        {"kind": "gift", "gift_preset": "1000", "gift_email": "giver@example.org"},
        page="/support",
    )
    assert answer.status == 303, answer.text[:500]
    session = _checkout_session(ctx.emulator, answer.location)
    assert session.cancel_url == ctx.base + "/support"
    return [json.dumps(session.to_dict())]


def case_portal_and_sign_in_mail(ctx):
    join(ctx.forms, ctx.emulator, email="portal@example.org")
    mails = _sign_in(ctx.evil, ctx.app, ctx.smtp_sink, "portal@example.org")
    assert any(ctx.base + "/account/login/" in text for text in mails)
    answer = ctx.evil.submit("/account/billing", page="/account")
    assert answer.status == 303, answer.text[:500]
    portal = ctx.emulator.store.objects[answer.location.rsplit("/", 1)[1]]
    assert portal["return_url"] == ctx.base + "/account"
    return [*mails, json.dumps(portal), _fetch(answer.location)]


def case_already_a_member_mail(ctx):
    join(ctx.forms, ctx.emulator, email="member@example.org")
    answer = ctx.evil.submit(
        "/support/checkout",
        {"kind": "membership", "tier": "coffee", "interval": "year", "email": "member@example.org"},
        page="/support",
    )
    assert answer.status == 303
    send_outbox(ctx.app)
    mails = _mail_texts(ctx.smtp_sink, "member@example.org", "You already support")
    assert any(ctx.base + "/account" in text for text in mails)
    return mails


def case_editor_mail_about_a_report(ctx):
    ctx.auth.create("editor", "desk@example.org")
    answer = ctx.evil.post_json(
        "/api/v1/corrections",
        {
            "url": "https://news.example.org/2026/bridge",
            "quote": {"exact": "six months later"},
            "comment": "It opened in May.",
            "email": "reader@example.org",
            "notify": True,
        },
    )
    assert answer.status == 201, answer.text
    send_outbox(ctx.app)
    mails = _mail_texts(ctx.smtp_sink, "desk@example.org")
    assert any(ctx.base + "/newsroom/corrections/" in text for text in mails)
    return mails


def case_atom_feed(ctx):
    answer = ctx.evil.get("/corrections/feed.atom")
    assert answer.status == 200
    assert f'href="{ctx.base}/corrections/feed.atom"' in answer.text
    return []


def case_openapi(ctx):
    answer = ctx.evil.get("/api/v1/openapi.json")
    assert answer.json()["servers"] == [{"url": ctx.base}]
    return []


def case_demo_article(ctx):
    answer = ctx.evil.get("/demo/article")
    assert answer.status == 200
    assert f'src="{ctx.base}/widget.js"' in answer.text
    return []


CASES = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}


class Context:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_foreign_host_never_gets_into_a_link_the_service_hands_out(
    case, app, forms, auth, live_server, stripe_live, coffee, smtp_sink
):
    evil = WebClient(live_server.url, host=EVIL)
    ctx = Context(
        app=app,
        forms=forms,
        auth=auth,
        emulator=stripe_live,
        smtp_sink=smtp_sink,
        evil=evil,
        base=live_server.url,
    )
    texts = CASES[case](ctx)
    texts += [f"{answer.headers}\n{answer.text}" for answer in evil.history]
    texts += [json.dumps(message.as_string()) for message in smtp_sink.messages]
    assert evil.history, "the case sent nothing with the foreign Host"
    leaks = [text for text in texts if EVIL in text]
    assert not leaks, leaks[0][:2000]


# Building links from the request must not come back: these read the Host header.
FORBIDDEN = re.compile(
    r"_external\s*=\s*True|\bhost_url\b|\burl_root\b|request\.host\b|"
    r"request\.url\b|request\.base_url\b"
)


def test_no_code_builds_links_from_the_request():
    found = []
    for folder, pattern in (
        ("engagement", "*.py"),
        ("templates", "*.html"),
        ("templates", "*.txt"),
    ):
        for path in (ROOT / folder).rglob(pattern):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if FORBIDDEN.search(line) and path.name != "urls.py":
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "use engagement.urls.public_url():\n" + "\n".join(found)
