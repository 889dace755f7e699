"""Injection: script and event-handler payloads typed by readers, patrons and co-creators stay
inert wherever the service shows them (newsroom pages, public pages, mails, the Atom feed), in a
real browser with the Content-Security-Policy switched off, so escaping alone must hold.
CR/LF in anything that reaches a mail header is refused (or, for a topic title, flattened)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import pytest
from sqlalchemy import select

from engagement.accounts.models import Editor, Patron
from engagement.corrections import triage
from engagement.corrections.models import Correction
from engagement.extensions import db
from engagement.notifications import preferences
from engagement.notifications.digests import run_digests
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker
from engagement.voting import curation
from engagement.voting.models import Round, Topic
from tests.conftest import EDITOR_PASSWORD, Forms, browser_login, csrf_token_from
from tests.support.emulator import control
from tests.voting.conftest import Voting

from .conftest import WEBHOOK_SECRET, make_tier

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
)
ADMIN = "admin@example.org"
ARTICLE = "https://news.example.org/2026/bridge"

# Anything the payloads could have become if escaping failed: an inline script that mentions
# alert, an event-handler attribute (the project uses none: its CSP forbids them), a javascript:
# URL in any attribute, an <img src=x> or an <svg> with onload.
FIND_INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'SCRIPT' && el.textContent.includes('alert(')) found.push(el.outerHTML);
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name) || /^\\s*javascript:/i.test(attr.value)) {
        found.push(el.outerHTML.slice(0, 200));
      }
    }
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push(el.outerHTML);
  }
  return found;
}"""


@pytest.fixture
def app_config(app_config, stripe_config):
    """The app on the emulator, no rate limits in the way of the set-up."""
    return {**app_config, **stripe_config, "RATELIMIT_ENABLED": False}


@pytest.fixture
def raw_page(browser):
    """A page that ignores the Content-Security-Policy: escaping alone has to keep it inert."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.set_default_timeout(10_000)
    yield page
    context.close()


# --- the hostile input, through the service's own doors --------------------------------------


def _admin(app) -> Editor:
    from engagement.accounts import editors as accounts

    editor = accounts.create_editor(ADMIN, EDITOR_PASSWORD, role="admin", display_name="Admin")
    digest = accounts.create_editor(
        "digest@example.org", EDITOR_PASSWORD, role="editor", display_name="Digest reader"
    )
    db.session.flush()
    for kind in preferences.KINDS:  # every kind of news at once, and all of it in a digest
        preferences.set_mode(editor, kind, "instant")
        preferences.set_mode(digest, kind, "digest")
    db.session.commit()
    return editor


def _patrons_named_by_stripe(app, emulator, live_server) -> None:
    """Patrons whose Stripe customer name is a payload (Checkout lets them type any name)."""
    tier = make_tier(app)
    emulator.set_webhook(
        f"{live_server.url}/stripe/webhook", WEBHOOK_SECRET, initial_backoff=0.05, max_attempts=8
    )
    for n, payload in enumerate(PAYLOADS):
        control(
            emulator,
            "subscriptions",
            {"email": f"patron{n}@example.org", "name": payload, "price": tier["month"]},
        )
    assert emulator.wait_idle(60)


def _reports(app) -> None:
    """One report per payload through the API, one through the no-JavaScript form."""
    client = app.test_client()
    for n, payload in enumerate(PAYLOADS):
        response = client.post(
            "/api/v1/corrections",
            json={
                "url": f"{ARTICLE}?v={n}",
                "title": payload,
                "quote": {"exact": f"{payload} {n}", "prefix": payload, "suffix": payload},
                "suggestion": payload,
                "comment": payload,
                "email": f"reader{n}@example.org",
                "notify": True,
            },
        )
        assert response.status_code == 201, response.get_json()
    response = Forms(client).post(
        "/corrections/report",
        {
            "url": ARTICLE,
            "title": PAYLOADS[3],
            "quote": f"form {PAYLOADS[0]}",
            "suggestion": PAYLOADS[1],
            "comment": PAYLOADS[2],
            "email": "form@example.org",
            "notify": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _suggestions(app, round_id: int) -> None:
    """Each co-creator suggests a topic whose title and description are a payload."""
    with app.app_context():
        patrons = db.session.scalars(select(Patron.id).order_by(Patron.id)).all()
    for patron_id, payload in zip(patrons, PAYLOADS, strict=True):
        client = app.test_client()
        with client.session_transaction() as session:
            session["patron_id"] = patron_id
        token = csrf_token_from(client.get("/topics").get_data(as_text=True))
        response = client.post(
            "/topics/suggest",
            data={
                "csrf_token": token,
                "round_id": str(round_id),
                "title": payload,
                "description": payload,
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)


def _publish(app, editor_id: int, round_id: int) -> None:
    """The editors publish corrections (public log, feed, mails to readers) and suggestions."""
    with app.test_request_context():  # as in the triage view (the reader mail builds URLs)
        editor = db.session.get(Editor, editor_id)
        corrections = db.session.scalars(select(Correction).order_by(Correction.id)).all()
        for correction in corrections[:-1]:  # the last stays open, in the triage list
            triage.change_status(correction, "in_review", editor)
            final = "corrected" if correction.id % 2 else "clarified"
            triage.change_status(correction, final, editor, public_note="Fixed, thank you.")
        round_ = db.session.get(Round, round_id)
        suggestions = db.session.scalars(
            select(Topic).where(Topic.state == "suggested").order_by(Topic.id)
        ).all()
        for topic in suggestions[:-1]:  # the last waits in the editors' suggestions list
            curation.publish_suggestion(topic, round_)
        db.session.commit()


@pytest.fixture
def hostile(app, live_server, emulator):
    """A newsroom full of hostile input; the ids of what to look at."""
    with app.app_context():
        admin_id = _admin(app).id
    _patrons_named_by_stripe(app, emulator, live_server)
    round_id, _ = Voting(app).round(topics=("Housing",))
    _suggestions(app, round_id)
    _reports(app)
    with app.app_context():
        suggested = db.session.scalars(select(Topic.id).where(Topic.state == "suggested")).all()
    _publish(app, admin_id, round_id)
    with app.app_context():
        return {
            "round": round_id,
            "topics": suggested,
            "corrections": db.session.scalars(select(Correction.id)).all(),
            "article": db.session.scalar(
                select(Correction.article_url).where(Correction.status == "corrected")
            ),
            "patrons": db.session.scalars(select(Patron.id).order_by(Patron.id)).all(),
            "emails": db.session.scalars(select(Email.id)).all(),
        }


# --- looking at it in the browser ------------------------------------------------------------


def _assert_inert(page, where: str, shows_payload: bool = True) -> None:
    assert page.dialogs == [], f"{where}: a payload ran: {page.dialogs}"
    injected = page.evaluate(FIND_INJECTED)
    assert injected == [], f"{where}: payload markup became elements: {injected}"
    if shows_payload:  # the page really shows the hostile text, as text
        text = page.inner_text("body")
        assert any(payload in text for payload in PAYLOADS), f"{where} shows no payload"


def _newsroom_pages(hostile) -> list[str]:
    pages = [
        "/newsroom/",
        "/newsroom/corrections",
        "/newsroom/corrections?status=corrected",
        "/newsroom/patrons",
        "/newsroom/suggestions",
        f"/newsroom/rounds/{hostile['round']}",
        "/newsroom/outbox",
        "/newsroom/webhooks",
    ]
    pages += [f"/newsroom/corrections/{cid}" for cid in hostile["corrections"]]
    pages += [f"/newsroom/patrons/{pid}" for pid in hostile["patrons"]]
    pages += [f"/newsroom/topics/{tid}/edit" for tid in hostile["topics"][:1]]
    pages += [f"/newsroom/outbox/{eid}" for eid in hostile["emails"][:6]]
    return pages


SHOW_NO_READER_TEXT = {"/newsroom/", "/newsroom/webhooks"}


@pytest.mark.e2e
@pytest.mark.slow
def test_payloads_stay_inert_on_every_page_mail_and_feed(
    app, live_server, hostile, raw_page, smtp_sink
):
    page, base = raw_page, live_server.url
    # The detector itself: unescaped, a payload runs and is found.
    page.set_content(f"<p>{PAYLOADS[1]}</p>")
    assert page.dialogs == ["1"] and page.evaluate(FIND_INJECTED)
    page.dialogs.clear()

    browser_login(page, base, ADMIN)
    looked = 0
    for path in _newsroom_pages(hostile):
        response = page.goto(base + path)
        assert response.status == 200, path
        _assert_inert(page, path, shows_payload=path not in SHOW_NO_READER_TEXT)
        looked += 1

    for path in ("/corrections", f"/corrections?article={quote(hostile['article'])}", "/topics"):
        page.goto(base + path)
        _assert_inert(page, path)
        looked += 1

    # A patron looks at their own account (their name, their reports).
    client = app.test_client()
    with client.session_transaction() as session:
        session["patron_id"] = hostile["patrons"][0]
    page.context.add_cookies(
        [{"name": "session", "value": client.get_cookie("session").value, "url": base}]
    )
    page.goto(base + "/account")
    _assert_inert(page, "/account")

    # Every mail, as a mail client would render its HTML part; tomorrow's digest included.
    tomorrow = datetime.now(UTC).replace(hour=app.config["DIGEST_HOUR"], minute=30) + timedelta(
        days=1
    )
    with app.app_context():
        assert run_digests(tomorrow) == 1
        db.session.commit()
        mails = db.session.execute(select(Email.kind, Email.html_body)).all()
    kinds = {kind for kind, _ in mails}
    assert kinds >= {
        "correction_new",
        "correction_resolved",
        "topic_suggested",
        "membership_welcome",
        "patron_new",
        "digest",
    }, kinds
    for kind, html in mails:
        page.set_content(html)
        _assert_inert(page, f"mail {kind}", shows_payload=kind != "membership_welcome")

    # The Atom feed: each entry's HTML content, as a feed reader would show it.
    feed = feedparser.parse(page.request.get(base + "/corrections/feed.atom").body())
    assert not feed.bozo and len(feed.entries) == len(hostile["corrections"]) - 1
    for entry in feed.entries:
        assert any(payload in entry.title for payload in PAYLOADS)
        page.set_content(entry.content[0].value)
        _assert_inert(page, f"feed entry {entry.id}")
    print(
        f"\n{looked + 1} pages, {len(mails)} mails and {len(feed.entries)} feed entries "
        f"inert with {len(PAYLOADS)} payloads"
    )

    # And the mails leave with the payload still text: the worker sends them all.
    with app.app_context():
        sent = Worker(app, worker_id="reliability:injection", clock=lambda: tomorrow).drain().sent
    assert sent == len(mails)
    for message in smtp_sink.wait_for(len(mails)):
        assert "\n" not in str(message["Subject"]) and message["Bcc"] is None


# --- CR/LF into mail headers -----------------------------------------------------------------

HEADER_INJECTION = "\r\nBcc: victim@example.net"


@pytest.mark.parametrize(
    "field,body",
    [
        ("title", {"title": "Bridge" + HEADER_INJECTION}),
        ("email", {"email": "reader@example.org" + HEADER_INJECTION, "notify": True}),
        ("email", {"email": "reader@example.org\nBcc: victim@example.net"}),
    ],
)
def test_the_api_refuses_a_line_break_in_what_reaches_a_mail_header(client, field, body):
    response = client.post(
        "/api/v1/corrections", json={"url": ARTICLE, "quote": {"exact": "six months later"}, **body}
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_the_report_form_refuses_a_line_break_in_the_title_beside_the_field(client):
    response = Forms(client).post(
        "/corrections/report",
        {
            "url": ARTICLE,
            "title": "Bridge" + HEADER_INJECTION,
            "quote": "six months later",
            "email": "reader@example.org",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="title-error">\s*must be on one line', html, re.IGNORECASE)
    with client.application.app_context():
        assert db.session.scalar(select(Email.id)) is None


@pytest.mark.parametrize(
    "url,page,data",
    [
        ("/account/login", "/account/login", {"email": "reader@example.org" + HEADER_INJECTION}),
        (
            "/support/checkout",
            "/support",
            {
                "kind": "gift",
                "gift_preset": "1000",
                "gift_email": "reader@example.org" + HEADER_INJECTION,
            },
        ),
    ],
)
def test_forms_refuse_an_email_address_with_a_line_break(client, url, page, data):
    response = Forms(client).post(url, data, page=page)
    assert response.status_code == 422, response.status_code
    with client.application.app_context():
        assert db.session.scalar(select(Email.id)) is None


def test_a_topic_title_with_line_breaks_reaches_the_mail_subject_on_one_line(app, smtp_sink):
    voting = Voting(app)
    with app.app_context():
        _admin(app)
        round_id, _ = voting.round(topics=("Housing",))
        patron_id = voting.patron("voter@example.org", tier="Voters")
    client = app.test_client()
    with client.session_transaction() as session:
        session["patron_id"] = patron_id
    token = csrf_token_from(client.get("/topics").get_data(as_text=True))
    response = client.post(
        "/topics/suggest",
        data={
            "csrf_token": token,
            "round_id": str(round_id),
            "title": "Night buses" + HEADER_INJECTION,
            "description": "Why",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        assert Worker(app, worker_id="reliability:crlf", digests=False).drain().sent == 1
    [message] = smtp_sink.wait_for(1)
    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Topic suggested: Night buses Bcc: victim@example.net"
    assert [rcpt for _, rcpts in smtp_sink.envelopes for rcpt in rcpts] == [ADMIN]
