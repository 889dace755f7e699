"""Sessions (issue 14, item 7): every sign-in starts a new session with a new CSRF secret; a
sign-out (or "sign out everywhere") ends every copy of the session cookie; the session's
identifier never comes from X-Forwarded-For.

Editors sign in through /newsroom/login, patrons through a real magic link (read from the mail
the app queued); copies of a cookie are replayed from other test clients."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engagement.accounts.models import Editor, Patron
from engagement.extensions import db
from tests.conftest import EDITOR_PASSWORD, Auth, csrf_token_from
from tests.patrons.conftest import PatronSession, link_tokens, make_patron

PATRON_EMAIL = "session.patron@example.org"
EDITOR_EMAIL = "admin@example.org"


@pytest.fixture
def app_config(app_config):
    """No rate limits: a test signs in several times from one address."""
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.fixture
def sink(smtp_sink):
    """The SMTP server the app's mails (and so the sign-in links) go to."""
    return smtp_sink


def _client(app, address: str = "127.0.0.1", agent: str = "Browser/1.0"):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return client


def _editor_signed_in(app, address: str = "127.0.0.1", agent: str = "Browser/1.0"):
    client = _client(app, address, agent)
    Auth(app, client).login("admin", EDITOR_EMAIL)
    assert client.get("/newsroom/").status_code == 200
    return client


def _patron_signed_in(app, sink):
    client = _client(app)
    forms = Auth(app, client).forms
    PatronSession(app, client, forms, sink).sign_in(PATRON_EMAIL)
    assert client.get("/account").status_code == 200
    return client


def _copy(app, client, address: str = "127.0.0.1", agent: str = "Browser/1.0"):
    """Another browser holding a copy of the client's session cookie."""
    thief = _client(app, address, agent)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _post_form(client, page: str, action: str):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token})


def _opens(client, url: str) -> bool:
    response = client.get(url)
    return response.status_code == 200


# --- a copied cookie after sign-out --------------------------------------------------------


def test_an_editors_copied_cookie_is_refused_after_sign_out(app):
    editor = _editor_signed_in(app)
    copy = _copy(app, editor)
    assert _opens(copy, "/newsroom/")  # the copy works while the session lives

    response = _post_form(editor, "/newsroom/", "/newsroom/logout")
    assert response.status_code == 302

    refused = copy.get("/newsroom/")
    assert refused.status_code == 302 and "/newsroom/login" in refused.headers["Location"]
    assert not _opens(editor, "/newsroom/")
    with app.app_context():
        version = db.session.scalar(
            select(Editor.session_version).where(Editor.email == EDITOR_EMAIL)
        )
    assert version == 1


def test_a_patrons_copied_cookie_is_refused_after_sign_out(app, sink):
    make_patron(app, email=PATRON_EMAIL)
    patron = _patron_signed_in(app, sink)
    copy = _copy(app, patron)
    assert _opens(copy, "/account")

    response = _post_form(patron, "/account", "/account/logout")
    assert response.status_code == 303

    refused = copy.get("/account")
    assert refused.status_code == 302 and "/account/login" in refused.headers["Location"]
    assert not _opens(patron, "/account")


def test_a_patron_signs_in_again_after_signing_out(app, sink):
    make_patron(app, email=PATRON_EMAIL)
    patron = _patron_signed_in(app, sink)
    _post_form(patron, "/account", "/account/logout")
    again = _patron_signed_in(app, sink)  # a new link gives a session of the new version
    assert _opens(again, "/account")


# --- sign out everywhere -------------------------------------------------------------------


def test_sign_out_everywhere_ends_an_editors_session_in_another_browser(app):
    laptop = _editor_signed_in(app, address="192.0.2.10", agent="Laptop/1.0")
    phone = _editor_signed_in(app, address="192.0.2.20", agent="Phone/1.0")
    assert _opens(laptop, "/newsroom/") and _opens(phone, "/newsroom/")

    page = laptop.get("/newsroom/").get_data(as_text=True)
    assert "/newsroom/logout-everywhere" in page and "Sign out everywhere" in page
    response = _post_form(laptop, "/newsroom/", "/newsroom/logout-everywhere")
    assert response.status_code == 302

    assert not _opens(phone, "/newsroom/")
    assert not _opens(laptop, "/newsroom/")
    assert _opens(_editor_signed_in(app), "/newsroom/")  # signing in again works


def test_sign_out_everywhere_ends_a_patrons_session_in_another_browser(app, sink):
    make_patron(app, email=PATRON_EMAIL)
    first = _patron_signed_in(app, sink)
    second = _patron_signed_in(app, sink)  # a second link, another browser
    page = first.get("/account").get_data(as_text=True)
    assert "/account/logout-everywhere" in page and "Sign out everywhere" in page

    response = _post_form(second, "/account", "/account/logout-everywhere")
    assert response.status_code == 303

    assert not _opens(first, "/account")
    assert not _opens(second, "/account")
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == PATRON_EMAIL))
        assert patron.session_version == 1


def test_an_editor_signing_out_leaves_other_editors_signed_in(app):
    other = _client(app)
    Auth(app, other).login("editor", "other.editor@example.org")
    admin = _editor_signed_in(app)
    _post_form(admin, "/newsroom/", "/newsroom/logout-everywhere")
    assert _opens(other, "/newsroom/")


# --- a new session and CSRF secret at sign-in -----------------------------------------------


def test_a_csrf_token_planted_before_an_editors_sign_in_is_refused_after_it(app):
    Auth(app, app.test_client()).create("admin", EDITOR_EMAIL)
    browser = _client(app)
    planted = csrf_token_from(browser.get("/newsroom/login").get_data(as_text=True))
    before = browser.get_cookie("session").value
    response = browser.post(
        "/newsroom/login",
        data={"csrf_token": planted, "email": EDITOR_EMAIL, "password": EDITOR_PASSWORD},
    )
    assert response.status_code == 302
    assert browser.get_cookie("session").value != before

    # The token known before the sign-in (to whoever planted the session) is worthless now.
    refused = browser.post("/newsroom/logout-everywhere", data={"csrf_token": planted})
    assert refused.status_code == 400
    assert "form expired" in refused.get_data(as_text=True)
    assert _opens(browser, "/newsroom/")
    # ... while the page's new token works.
    assert _post_form(browser, "/newsroom/", "/newsroom/logout").status_code == 302


def test_a_csrf_token_planted_before_a_patrons_sign_in_is_refused_after_it(app, sink):
    make_patron(app, email=PATRON_EMAIL)
    browser = _client(app)
    forms = Auth(app, browser).forms
    session = PatronSession(app, browser, forms, sink)
    assert session.request_link(PATRON_EMAIL).status_code == 200
    token = link_tokens(app, sink, PATRON_EMAIL)[-1]
    planted = csrf_token_from(browser.get(f"/account/login/{token}").get_data(as_text=True))
    response = browser.post(f"/account/login/{token}", data={"csrf_token": planted})
    assert response.status_code == 303
    assert _opens(browser, "/account")

    refused = browser.post("/account/logout-everywhere", data={"csrf_token": planted})
    assert refused.status_code == 400
    assert _opens(browser, "/account")


def test_signing_in_drops_whatever_the_session_held_before(app):
    Auth(app, app.test_client()).create("admin", EDITOR_EMAIL)
    browser = _client(app)
    with browser.session_transaction() as planted:
        planted["patron_id"] = make_patron(app, email=PATRON_EMAIL)  # a fixed session
        planted["anything"] = "from before"
    Auth(app, browser).login("admin", EDITOR_EMAIL)
    with browser.session_transaction() as session:
        assert "patron_id" not in session and "anything" not in session
        assert session.get("_user_id", "").startswith("editor:")


# --- the identifier of session protection ---------------------------------------------------


def test_a_forged_x_forwarded_for_does_not_carry_a_session_to_another_address(app):
    victim = _editor_signed_in(app, address="203.0.113.5", agent="Firefox/140")
    # The cookie copied to another address, with the victim's User-Agent and, forged, their
    # address in X-Forwarded-For (which Flask-Login's own identifier would have believed).
    thief = _copy(app, victim, address="198.51.100.7", agent="Firefox/140")
    refused = thief.get("/newsroom/", headers={"X-Forwarded-For": "203.0.113.5"})
    assert refused.status_code == 302 and "/newsroom/login" in refused.headers["Location"]


def test_a_forged_x_forwarded_for_does_not_end_the_real_session(app):
    editor = _editor_signed_in(app, address="203.0.113.5", agent="Firefox/140")
    for forged in ("198.51.100.7", "10.0.0.1, 203.0.113.5", "not an address"):
        response = editor.get("/newsroom/", headers={"X-Forwarded-For": forged})
        assert response.status_code == 200, forged


def test_the_session_identifier_ignores_x_forwarded_for(app):
    from engagement.accounts.auth import session_identifier

    headers = {"User-Agent": "Firefox/140"}
    environ = {"REMOTE_ADDR": "203.0.113.5"}
    with app.test_request_context("/", headers=headers, environ_base=environ):
        plain = session_identifier()
    with app.test_request_context(
        "/", headers={**headers, "X-Forwarded-For": "198.51.100.7"}, environ_base=environ
    ):
        forged = session_identifier()
    with app.test_request_context(
        "/", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    ):
        elsewhere = session_identifier()
    assert plain == forged != elsewhere


def test_machines_endpoints_never_write_the_session_cookie(app, client):
    """The JSON API reads a patron's session (the report is theirs) but never re-saves the
    cookie; the webhooks neither read nor write it (issue 17)."""
    with app.app_context():
        patron = Patron(email=PATRON_EMAIL)
        db.session.add(patron)
        db.session.commit()
        patron_id = patron.id
    with client.session_transaction() as session:
        session["patron_id"] = patron_id
        session.permanent = True  # as a magic-link sign-in leaves it: refreshed on each page
    assert "Set-Cookie" in client.get("/topics").headers
    report = client.post(
        "/api/v1/corrections",
        json={
            "url": "https://news.example.org/2026/bridge",
            "quote": {"exact": "six months"},
            "comment": "It was five.",
        },
    )
    assert report.status_code == 201 and "Set-Cookie" not in report.headers
    with app.app_context():
        from engagement.corrections.models import Report

        assert db.session.get(Report, report.get_json()["id"]).patron_id == patron_id
    for path in ("/stripe/webhook", "/patreon/webhook"):
        answer = client.post(path, data="{}", content_type="application/json")
        assert answer.status_code == 400 and "Set-Cookie" not in answer.headers
