"""The settings and outbox pages in a real browser: usable by keyboard and label, accessible."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from engagement.extensions import db
from engagement.notifications.models import Email
from tests.conftest import browser_login
from tests.notifications.conftest import queue_mails

pytestmark = pytest.mark.e2e


def test_an_editor_changes_notifications_by_label(live_server, auth, page, a11y):
    auth.create("editor")
    browser_login(page, live_server.url, "editor@example.org")
    page.get_by_role("link", name="My notifications").click()
    page.wait_for_url(f"{live_server.url}/newsroom/settings/notifications")
    a11y(page)
    group = page.get_by_role("group", name="New topic suggestion")
    group.get_by_label("Off").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Your notification settings are saved.")
    assert page.get_by_role("group", name="New topic suggestion").get_by_label("Off").is_checked()
    assert (
        page.get_by_role("group", name="New correction reported")
        .get_by_label("At once")
        .is_checked()
    )
    a11y(page)


def test_an_admin_retries_a_dead_mail_from_the_outbox(app, live_server, auth, page, a11y):
    [email_id] = queue_mails(app, 1, title="Dead <letter>")
    with app.app_context():
        db.session.execute(
            update(Email).values(
                status="dead", attempts=8, last_error="550 5.1.1 Mailbox unavailable"
            )
        )
        db.session.commit()
    auth.create("admin")
    browser_login(page, live_server.url, "admin@example.org")
    page.get_by_role("link", name="Outbox", exact=True).click()
    page.wait_for_url(f"{live_server.url}/newsroom/outbox")
    a11y(page)
    row = page.get_by_role("row").filter(has_text="Dead <letter>")
    assert "550 5.1.1 Mailbox unavailable" in row.inner_text()
    row.get_by_role("button", name="Retry now").click()
    expect(page.get_by_role("status")).to_contain_text(f"Mail #{email_id} is queued again")
    page.get_by_role("link", name=f"#{email_id} Dead <letter>").click()
    expect(page.get_by_role("heading", name=f"Mail #{email_id}")).to_be_visible()
    assert "Message number 0." in page.locator("pre").inner_text()
    a11y(page)
