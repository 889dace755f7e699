"""Editors sign in with a password; the newsroom is closed to everyone else."""

import io

import pytest

from engagement.accounts.models import Editor
from engagement.accounts.views import WRONG_CREDENTIALS
from engagement.extensions import db
from tests.conftest import EDITOR_PASSWORD


def test_login_page_labels_its_fields(client):
    html = client.get("/newsroom/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert 'value="Sign in"' in html


def test_an_editor_signs_in_and_sees_the_dashboard(client, auth):
    response = auth.login("editor")
    assert response.headers["Location"].endswith("/newsroom/")
    page = client.get("/newsroom/")
    assert page.status_code == 200
    assert "Dashboard" in page.get_data(as_text=True)


def test_sign_in_records_the_time(app, auth):
    editor_id = auth.create("editor")
    auth.login("editor")
    with app.app_context():
        assert db.session.get(Editor, editor_id).last_sign_in_at is not None


def test_email_is_matched_regardless_of_case(client, auth, forms):
    auth.create("editor", "Mixed.Case@Example.org")
    response = forms.post(
        "/newsroom/login", {"email": "MIXED.case@example.ORG", "password": EDITOR_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "email,password",
    [
        ("editor@example.org", "wrong-password"),
        ("nobody@example.org", EDITOR_PASSWORD),
    ],
)
def test_wrong_password_and_unknown_email_get_the_same_message(
    client, auth, forms, email, password
):
    auth.create("editor")
    response = forms.post("/newsroom/login", {"email": email, "password": password})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert str(WRONG_CREDENTIALS) in html
    assert client.get("/newsroom/").status_code == 302


def test_an_inactive_editor_cannot_sign_in(app, auth, forms):
    editor_id = auth.create("editor")
    with app.app_context():
        db.session.get(Editor, editor_id).active = False
        db.session.commit()
    response = forms.post(
        "/newsroom/login", {"email": "editor@example.org", "password": EDITOR_PASSWORD}
    )
    assert str(WRONG_CREDENTIALS) in response.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, auth):
    auth.create("editor")
    response = client.post(
        "/newsroom/login", data={"email": "editor@example.org", "password": EDITOR_PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/newsroom/").status_code == 302


def test_next_only_follows_local_paths(client, auth, forms):
    auth.create("editor")
    data = {"email": "editor@example.org", "password": EDITOR_PASSWORD}
    response = forms.post(
        "/newsroom/login?next=https://evil.example/x", data, page="/newsroom/login"
    )
    assert response.headers["Location"].endswith("/newsroom/")


def test_sign_out_ends_the_session(client, auth):
    auth.login("editor")
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/newsroom/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, auth):
    response = auth.login("editor")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_in_is_rate_limited_per_email(app, client, auth, forms):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    auth.create("editor")
    statuses = [
        forms.post(
            "/newsroom/login",
            {"email": "editor@example.org", "password": "nope-nope"},
            page="/newsroom/login",
        ).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429


def test_cli_creates_an_admin_with_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["editors", "create", "Chief@Example.org", "--role", "admin", "--password-stdin"],
        input="a-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        editor = db.session.scalar(db.select(Editor))
        assert editor.email == "chief@example.org"
        assert editor.is_admin
        assert editor.check_password("a-long-password-1")
        assert editor.password_hash != "a-long-password-1"


def test_cli_refuses_a_duplicate_email_in_another_case(runner):
    runner.invoke(
        args=["editors", "create", "a@example.org", "--password-stdin"], input="a-long-password-1\n"
    )
    result = runner.invoke(
        args=["editors", "create", "A@EXAMPLE.org", "--password-stdin"], input="a-long-password-2\n"
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_cli_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["editors", "create", "b@example.org", "--password-stdin"],
        input=io.StringIO("short\n").read(),
    )
    assert result.exit_code != 0
    assert "at least" in result.output
