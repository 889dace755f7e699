"""Sign-in links (issue 14, items 2, 3 and 6): mails never silenced by a reused dedupe key, a
token that exists only in the mail sent (never readable in the database or the outbox), and a
request that does the same work for a patron's address and for anyone else's.

Every link here goes through the real worker and the real SMTP sink, and is read from the mail
received.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select, text

from engagement.accounts import magic_links
from engagement.accounts.magic_links import MagicLink
from engagement.extensions import db
from engagement.notifications.models import Email
from tests.conftest import Forms, csrf_token_from
from tests.support.queries import recorded_statements

from .conftest import LINK_RE, link_tokens, make_patron, send_outbox

# A fixed moment for the worker's clock: queued mails are due then, and nothing depends on the
# hour the suite runs at.
LATER = datetime(2100, 1, 1, 12, 0, tzinfo=UTC)


def _sign_in(app, token: str) -> tuple[int, object]:
    """Press "Sign in" on the link's page from a fresh browser: (status, that browser)."""
    browser = app.test_client()
    csrf = csrf_token_from(browser.get("/account/login").get_data(as_text=True))
    return browser.post(f"/account/login/{token}", data={"csrf_token": csrf}).status_code, browser


def _ask_for_link(app, email: str):
    """Ask for a sign-in link from a browser of its own, as a reader does."""
    return Forms(app.test_client()).post("/account/login", {"email": email})


def _sign_in_mails(app) -> list[Email]:
    with app.app_context():
        return db.session.scalars(
            select(Email).where(Email.kind == "magic_link").order_by(Email.id)
        ).all()


# --- item 2: erasing must not silence other people's sign-in mails -----------------------------


def test_after_one_patron_erases_another_still_gets_a_working_link(app, smtp_sink):
    make_patron(app, "u1@example.org", name="U One")
    make_patron(app, "u2@example.org", name="U Two")
    # u1 signs in with a link (its row and its mail exist) and erases their data.
    _ask_for_link(app, "u1@example.org")
    [token] = link_tokens(app, smtp_sink, "u1@example.org")
    status, u1 = _sign_in(app, token)
    assert status == 303
    u1_forms = Forms(u1)
    assert u1_forms.post("/account/delete", page="/account").status_code == 200
    erased = u1_forms.post("/account/delete/confirm", {"understood": "y"}, page="/account")
    assert erased.status_code == 200 and "Your data is deleted" in erased.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(MagicLink.id))) == 0  # its id is free again

    # u2 asks: a mail is queued, delivered, and its link signs u2 in.
    assert "Check your email" in _ask_for_link(app, "u2@example.org").get_data(as_text=True)
    assert [m.recipients for m in _sign_in_mails(app) if m.status == "queued"] == ["u2@example.org"]
    [token] = link_tokens(app, smtp_sink, "u2@example.org")
    status, u2 = _sign_in(app, token)
    assert status == 303
    assert "u2@example.org" in u2.get("/account").get_data(as_text=True)


def test_every_sign_in_mail_has_a_dedupe_key_of_its_own(app, smtp_sink):
    make_patron(app, "keys@example.org")
    for _ in range(3):
        _ask_for_link(app, "keys@example.org")
    keys = [mail.dedupe_key for mail in _sign_in_mails(app)]
    assert len(keys) == len(set(keys)) == 3
    assert len(link_tokens(app, smtp_sink, "keys@example.org")) == 3


# --- item 3: nobody can use a patron's link from the database or the outbox --------------------


def _every_stored_value(app) -> list[str]:
    """Every value of every column of every table in the database, as text."""
    values = []
    with app.app_context():
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
                values.extend(str(value) for value in row if value is not None)
    return values


def test_no_table_holds_the_token_or_the_link(app, smtp_sink):
    make_patron(app, "secret@example.org", name="Sec Ret")
    _ask_for_link(app, "secret@example.org")
    [queued] = _sign_in_mails(app)
    assert "/account/login/" not in queued.text_body + queued.html_body

    [token] = link_tokens(app, smtp_sink, "secret@example.org")
    stored = _every_stored_value(app)
    assert stored and not [value for value in stored if token in value]
    assert not [value for value in stored if "/account/login/" in value]
    with app.app_context():  # what the database has is the token's hash
        assert db.session.scalar(select(MagicLink.token_hash)) == magic_links.hash_token(token)
    # The mail the patron received works, once.
    assert _sign_in(app, token)[0] == 303
    assert _sign_in(app, token)[0] == 410


def test_the_admin_sees_the_sign_in_mail_without_its_link(app, client, auth, smtp_sink):
    make_patron(app, "watched@example.org", name="Wat Ched")
    auth.login("admin")
    _ask_for_link(app, "watched@example.org")
    [mail] = _sign_in_mails(app)
    queued = client.get(f"/newsroom/outbox/{mail.id}").get_data(as_text=True)
    assert "sign-in link left out" in queued and "/account/login/" not in queued

    [token] = link_tokens(app, smtp_sink, "watched@example.org")
    page = client.get(f"/newsroom/outbox/{mail.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "sent" in html and "Hello Wat Ched" in html  # the text as sent ...
    assert "sign-in link left out" in html  # ... with the link left out
    assert token not in html and not LINK_RE.search(html)
    [message] = smtp_sink.to("watched@example.org")
    assert token in message.get_body(("html",)).get_content()  # the mail itself has it
    assert _sign_in(app, token)[0] == 303


def test_the_link_is_made_when_the_mail_is_sent_and_lasts_15_minutes_from_then(app, smtp_sink):
    make_patron(app, "clock@example.org")
    _ask_for_link(app, "clock@example.org")
    send_outbox(app, clock=lambda: LATER)
    [message] = smtp_sink.to("clock@example.org")
    token = LINK_RE.search(message.get_body(("plain",)).get_content()).group(1)
    with app.app_context():
        link = db.session.scalar(select(MagicLink))
        assert (link.created_at, link.expires_at) == (LATER, LATER + timedelta(minutes=15))
        almost = LATER + timedelta(minutes=15) - timedelta(seconds=1)
        assert magic_links.inspect_token(token, now=almost).state == "valid"
        end = LATER + timedelta(minutes=15)
        assert magic_links.consume_token(token, now=end) == ("expired", None)
        state, patron = magic_links.consume_token(token, now=almost)
        assert state == "valid" and patron.email == "clock@example.org"
        assert magic_links.consume_token(token, now=almost) == ("used", None)
        db.session.rollback()


# --- item 6: the request costs the same for every address --------------------------------------


def _statements_of_a_request(app, email: str) -> list[str]:
    """The SQL statements that POST /account/login runs for `email` (the page's GET excluded)."""
    browser = app.test_client()
    csrf = csrf_token_from(browser.get("/account/login").get_data(as_text=True))
    with recorded_statements(app) as statements:
        response = browser.post("/account/login", data={"email": email, "csrf_token": csrf})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    return statements


def test_a_known_and_an_unknown_address_run_the_same_statements(app, smtp_sink):
    make_patron(app, "member@example.org")
    _statements_of_a_request(app, "warm-up@example.org")  # first-request work out of the way
    known = _statements_of_a_request(app, "member@example.org")
    unknown = _statements_of_a_request(app, "nobody@example.org")
    assert known == unknown
    assert known and not [s for s in known if "patrons" in s.lower()]  # nobody is looked up

    send_outbox(app)
    assert len(smtp_sink.to("member@example.org")) == 1
    assert smtp_sink.to("nobody@example.org") == smtp_sink.to("warm-up@example.org") == []
    assert len(smtp_sink.messages) == 1
    # The requests for addresses that are nobody's leave nothing behind.
    assert [mail.recipients for mail in _sign_in_mails(app)] == ["member@example.org"]


def test_the_request_limits_still_hold(app, smtp_sink):
    browser = Forms(app.test_client())
    statuses = [
        browser.post("/account/login", {"email": "nobody@example.org"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
