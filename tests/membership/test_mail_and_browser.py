"""The welcome mail reaches a real SMTP server once; a reader pays in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engagement.accounts.models import Editor
from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker
from tests.support.emulator import control

from .conftest import join, membership_of


def test_welcome_mail_arrives_once_even_when_events_repeat(
    app, forms, stripe_live, coffee, runner, smtp_sink
):
    join(forms, stripe_live, email="mail@example.org")
    # Stripe delivers every event of the checkout once more.
    for event in stripe_live.events():
        control(stripe_live, f"events/{event['id']}/deliver")
    assert stripe_live.wait_idle(20)
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    [message] = [m for m in smtp_sink.wait_for(1) if str(m["To"]) == "mail@example.org"]
    assert str(message["Subject"]) == "Welcome to The Independent Ledger: your membership receipt"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you for becoming a member (Coffee)" in text
    membership = membership_of(app, "mail@example.org")
    assert "Amount:       €3 a month" in text
    assert f"Next charge:  {membership.current_period_end.day} " in text
    assert "switch plans or cancel" in text
    assert "/topics" in text and "/account" in text
    with app.app_context():
        kinds = [
            e.kind
            for e in db.session.scalars(select(Email).where(Email.recipients == "mail@example.org"))
        ]
    assert kinds == ["membership_welcome"]


@pytest.mark.e2e
def test_each_editor_reads_the_new_patron_in_their_own_language_in_the_digest(
    app, auth, forms, stripe_live, coffee, smtp_sink
):
    ann = auth.create("editor", "ann@example.org")
    auth.create("editor", "bob@example.org")  # chose no language: the default, English
    with app.app_context():
        db.session.get(Editor, ann).language = "uk"
        db.session.commit()
    join(forms, stripe_live, email="mail@example.org")
    # The digest hour (8 on the newsroom's clock in the tests) of the next day.
    tomorrow = (utcnow() + timedelta(days=1)).replace(hour=9, minute=0)
    with app.app_context():
        assert Worker(app, clock=lambda: tomorrow).drain().sent == 3  # and the welcome mail
    digests = {
        str(m["To"]): m.get_body(preferencelist=("plain",)).get_content()
        for m in smtp_sink.wait_for(3)
    }
    assert "- Новий патрон: mail@example.org (Coffee)" in digests["ann@example.org"]
    assert "- New patron: mail@example.org (Coffee)" in digests["bob@example.org"]


def test_a_reader_becomes_a_member_in_the_browser(
    app, live_server, stripe_live, coffee, page, a11y
):
    page.goto(f"{live_server.url}/support?interval=year")
    a11y(page)
    page.get_by_role("button", name="Join Coffee").click()
    page.wait_for_url(re.compile(re.escape(stripe_live.url) + r"/checkout/cs_"))
    assert "Coffee" in page.content()
    page.get_by_label("Email").fill("browser@example.org")  # Checkout asks for it
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/support/thanks\?session_id=cs_"))
    # The page says welcome once the webhook landed; until then it refreshes itself.
    page.get_by_role("heading", name="Welcome, co-creator!").wait_for(timeout=20_000)
    expect(page.get_by_text("You are signed in as browser@example.org")).to_be_visible()
    a11y(page)
    membership = membership_of(app, "browser@example.org")
    assert (membership.status, membership.interval, membership.amount) == ("active", "year", 3000)


@pytest.mark.e2e
def test_support_form_errors_are_beside_the_fields_in_the_browser(
    app, live_server, emulator, coffee, page, a11y
):
    page.goto(f"{live_server.url}/support")
    page.get_by_label("Amount per month").fill("1")
    page.get_by_role("button", name="Join with your amount").click()
    error = page.locator("#amount-error")
    assert error.inner_text() == "The smallest amount is €3."
    assert (
        page.get_by_label("Amount per month")
        .get_attribute("aria-describedby")
        .endswith("amount-error")
    )
    summary = page.locator("#error-summary")
    assert summary.evaluate("node => node === document.activeElement")
    summary.get_by_role("link", name="The smallest amount is €3.").click()
    assert page.evaluate("location.hash") == "#amount"
    a11y(page)


@pytest.mark.e2e
def test_admin_edits_a_tier_in_the_browser(app, live_server, emulator, coffee, auth, page, a11y):
    from tests.conftest import browser_login

    auth.create("admin", "boss@example.org")
    browser_login(page, live_server.url, "boss@example.org")
    a11y(page)  # the dashboard, with the members panel
    page.get_by_role("link", name="Tiers").first.click()
    page.wait_for_url(live_server.url + "/newsroom/tiers")
    a11y(page)
    page.get_by_role("link", name="Coffee").click()
    page.get_by_label("Monthly amount").fill("4")
    page.get_by_role("button", name="Save tier").click()
    page.wait_for_url(live_server.url + "/newsroom/tiers")
    assert "updated it in Stripe" in page.content()
    assert page.get_by_role("cell", name="€4", exact=True).count() == 1
    a11y(page)
