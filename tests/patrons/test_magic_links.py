"""Magic-link sign-in: the same answer for everyone, links that work once, for 15 minutes."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engagement.accounts.magic_links import MagicLink
from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.models import Email
from tests.conftest import csrf_token_from

from .conftest import link_tokens, make_patron, send_outbox


def _mail_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Email.id)).where(Email.kind == "magic_link"))


def test_login_page_has_a_labelled_email_field_and_button(client):
    html = client.get("/account/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert 'value="Email me a sign-in link"' in html


def test_known_and_unknown_emails_get_the_same_answer(app, forms, smtp_sink):
    make_patron(app, "known@example.org")
    known = forms.post("/account/login", {"email": "Known@Example.org"})
    unknown = forms.post("/account/login", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200

    def _answer(response, email):
        return response.get_data(as_text=True).replace(email, "EMAIL")

    assert _answer(known, "Known@Example.org") == _answer(unknown, "stranger@example.org")
    assert "Check your email" in known.get_data(as_text=True)
    # Both requests queued the same kind of row; at send time only the patron's becomes a mail.
    assert _mail_count(app) == 2
    assert len(link_tokens(app, smtp_sink, "known@example.org")) == 1
    assert len(smtp_sink.messages) == 1
    assert _mail_count(app) == 1  # the stranger's request left no row behind


def test_an_invalid_email_is_refused_beside_the_field(forms):
    response = forms.post("/account/login", {"email": "not-an-email"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "Enter a valid email address." in html


def test_the_mail_is_sent_with_a_link_that_signs_in(app, forms, runner, smtp_sink, client):
    make_patron(app, "mail@example.org", name="Mail <Reader>")
    forms.post("/account/login", {"email": "mail@example.org"})
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    smtp_sink.wait_for(1)
    [message] = smtp_sink.messages
    assert message["To"] == "mail@example.org"
    assert "sign-in link" in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "Mail &lt;Reader&gt;" in html and "<Reader>" not in html
    text = message.get_body(("plain",)).get_content()
    token = text.split("/account/login/")[1].split()[0]
    used = forms.post(f"/account/login/{token}", page=f"/account/login/{token}")
    assert used.status_code == 303 and client.get("/account").status_code == 200


def test_a_get_alone_does_not_sign_in_and_the_link_works_once(app, client, forms, smtp_sink):
    make_patron(app, "once@example.org")
    forms.post("/account/login", {"email": "once@example.org"})
    [token] = link_tokens(app, smtp_sink, "once@example.org")

    page = client.get(f"/account/login/{token}")
    assert page.status_code == 200
    assert 'value="Sign in"' in page.get_data(as_text=True)
    assert client.get("/account/login/" + token).status_code == 200  # a scanner opening it twice
    assert client.get("/account").status_code == 302  # still signed out

    used = forms.post(f"/account/login/{token}", page=f"/account/login/{token}")
    assert used.status_code == 303 and used.headers["Location"].endswith("/account")
    account = client.get("/account")
    assert account.status_code == 200 and "once@example.org" in account.get_data(as_text=True)

    client.post(
        "/account/logout", data={"csrf_token": csrf_token_from(account.get_data(as_text=True))}
    )
    assert client.get("/account").status_code == 302
    again = client.get(f"/account/login/{token}")
    assert again.status_code == 410
    html = again.get_data(as_text=True)
    assert "already been used" in html and 'href="/account/login"' in html


def test_a_second_post_of_the_same_link_is_refused(app, client, forms, smtp_sink):
    make_patron(app, "twice@example.org")
    forms.post("/account/login", {"email": "twice@example.org"})
    [token] = link_tokens(app, smtp_sink, "twice@example.org")
    other = app.test_client()  # someone else holding a copy of the link
    csrf = csrf_token_from(client.get(f"/account/login/{token}").get_data(as_text=True))
    other_csrf = csrf_token_from(other.get(f"/account/login/{token}").get_data(as_text=True))
    assert client.post(f"/account/login/{token}", data={"csrf_token": csrf}).status_code == 303
    second = other.post(f"/account/login/{token}", data={"csrf_token": other_csrf})
    assert second.status_code == 410 and "already been used" in second.get_data(as_text=True)


def test_an_expired_link_is_refused_with_a_way_to_ask_again(app, client, forms, smtp_sink):
    make_patron(app, "late@example.org")
    forms.post("/account/login", {"email": "late@example.org"})
    [token] = link_tokens(app, smtp_sink, "late@example.org")
    csrf = csrf_token_from(client.get(f"/account/login/{token}").get_data(as_text=True))
    with app.app_context():
        link = db.session.scalar(select(MagicLink))
        assert link.expires_at - link.created_at == timedelta(minutes=15)
        link.expires_at = link.created_at  # its 15 minutes are over, whatever the hour
        db.session.commit()
    response = client.post(f"/account/login/{token}", data={"csrf_token": csrf})
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "expired" in html and "Ask for a new sign-in link" in html
    assert client.get(f"/account/login/{token}").status_code == 410
    assert client.get("/account").status_code == 302


def test_a_tampered_link_is_refused(app, client, forms, smtp_sink):
    make_patron(app, "tamper@example.org")
    forms.post("/account/login", {"email": "tamper@example.org"})
    [token] = link_tokens(app, smtp_sink, "tamper@example.org")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/account/login/{tampered}").status_code == 404
    csrf = csrf_token_from(client.get(f"/account/login/{token}").get_data(as_text=True))
    response = client.post(f"/account/login/{tampered}", data={"csrf_token": csrf})
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    # The genuine link still works.
    assert client.post(f"/account/login/{token}", data={"csrf_token": csrf}).status_code == 303


def test_the_sign_in_post_needs_its_csrf_token(app, client, forms, smtp_sink):
    make_patron(app, "csrf@example.org")
    forms.post("/account/login", {"email": "csrf@example.org"})
    [token] = link_tokens(app, smtp_sink, "csrf@example.org")
    assert client.post(f"/account/login/{token}").status_code == 400
    assert client.get("/account").status_code == 302


def test_the_database_holds_only_a_hash_of_the_token(app, forms, smtp_sink):
    make_patron(app, "hash@example.org")
    forms.post("/account/login", {"email": "hash@example.org"})
    [token] = link_tokens(app, smtp_sink, "hash@example.org")
    with app.app_context():
        link = db.session.scalar(select(MagicLink))
        assert token not in link.token_hash and len(link.token_hash) == 64


def test_requests_are_rate_limited_per_email(app, forms, smtp_sink):
    make_patron(app, "busy@example.org")
    statuses = [
        forms.post("/account/login", {"email": "busy@example.org"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert len(link_tokens(app, smtp_sink, "busy@example.org")) == 3
    # Another address from the same client is not held back by that limit.
    assert forms.post("/account/login", {"email": "other@example.org"}).status_code == 200


def test_an_erased_patron_gets_no_link(app, forms, smtp_sink):
    patron_id = make_patron(app, "gone@example.org")
    with app.app_context():
        from engagement.accounts.models import Patron

        db.session.get(Patron, patron_id).erased_at = utcnow()
        db.session.commit()
    assert forms.post("/account/login", {"email": "gone@example.org"}).status_code == 200
    send_outbox(app)
    assert _mail_count(app) == 0 and smtp_sink.messages == []


def _race(app, token, attempts=6):
    """POST one link from several clients at once; the statuses they got."""
    clients = [app.test_client() for _ in range(attempts)]
    tokens = [
        csrf_token_from(c.get(f"/account/login/{token}").get_data(as_text=True)) for c in clients
    ]
    barrier = threading.Barrier(attempts)
    statuses = []

    def use(c, csrf):
        barrier.wait()
        statuses.append(c.post(f"/account/login/{token}", data={"csrf_token": csrf}).status_code)

    threads = [
        threading.Thread(target=use, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    signed_in = sum(1 for c in clients if c.get("/account").status_code == 200)
    return sorted(statuses), signed_in


def test_parallel_posts_of_one_link_sign_in_once(app, forms, smtp_sink):
    make_patron(app, "race@example.org")
    forms.post("/account/login", {"email": "race@example.org"})
    [token] = link_tokens(app, smtp_sink, "race@example.org")
    statuses, signed_in = _race(app, token)
    assert statuses == [303] + [410] * 5
    assert signed_in == 1


def test_parallel_posts_of_one_link_sign_in_once_on_postgresql(pg_app, smtp_sink):
    client = pg_app.test_client()
    make_patron(pg_app, "pgrace@example.org")
    csrf = csrf_token_from(client.get("/account/login").get_data(as_text=True))
    assert (
        client.post(
            "/account/login", data={"email": "pgrace@example.org", "csrf_token": csrf}
        ).status_code
        == 200
    )
    [token] = link_tokens(pg_app, smtp_sink, "pgrace@example.org")
    statuses, signed_in = _race(pg_app, token, attempts=8)
    assert statuses == [303] + [410] * 7
    assert signed_in == 1
