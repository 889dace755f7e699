"""An editor signs in through the real page in chromium; the pages pass an accessibility check."""

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login

pytestmark = pytest.mark.e2e


def test_editor_signs_in_and_sees_the_dashboard(live_server, auth, page, a11y):
    auth.create("admin")
    page.goto(live_server.url + "/newsroom/")
    assert "/newsroom/login" in page.url
    a11y(page)
    browser_login(page, live_server.url, "admin@example.org")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    a11y(page)


def test_wrong_password_shows_one_message_in_the_browser(live_server, auth, page):
    auth.create("editor")
    page.goto(live_server.url + "/newsroom/login")
    page.get_by_label("Email").fill("editor@example.org")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == (
        "That email and password do not match an editor account."
    )
