"""A patron in chromium, in English and in Ukrainian: signs in with the link from the mail (in the
page's language), opens Stripe's portal (the emulator's page), cancels at period end, comes back
and sees it on /account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_in_language
from tests.membership.conftest import (  # noqa: F401 - fixtures shared with the membership tests
    app_config,
    coffee,
    join,
    stripe_live,
)

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"(http://\S+/account/login/[A-Za-z0-9_\-]+)")


def _sign_in_link(runner, smtp_sink, address, subject):
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    for _ in range(3):
        for message in smtp_sink.wait_for(1):
            if message["Subject"] == subject and address in message["To"]:
                return LINK_RE.search(message.get_body(("plain",)).get_content()).group(1)
        runner.invoke(args=["worker", "--once", "--no-digests"])
    raise AssertionError("no sign-in mail arrived")


def test_patron_signs_in_manages_billing_and_sees_the_cancellation(
    app, forms, runner, smtp_sink, live_server, stripe_live, coffee, reader_page, words, a11y
):
    page = reader_page  # in English, then in Ukrainian (tests/e2e/conftest.py)
    join(forms, stripe_live, email="browser@example.org")

    page.goto(live_server.url + "/account")
    assert "/account/login" in page.url
    assert_in_language(page, words, "Sign in to your account")
    a11y(page)
    page.get_by_label(words("Email")).fill("browser@example.org")
    page.get_by_role("button", name=words("Email me a sign-in link")).click()
    page.get_by_role("heading", name=words("Check your email")).wait_for()
    a11y(page)

    subject = words("Your sign-in link for %(newsroom)s", newsroom=app.config["NEWSROOM_NAME"])
    link = _sign_in_link(runner, smtp_sink, "browser@example.org", subject)
    assert link.startswith(live_server.url)
    page.goto(link)  # a browser signs in with one click: the page posts its own form
    page.wait_for_url(live_server.url + "/account")
    assert_in_language(page, words, "Your account")
    a11y(page)
    active = words("Active")
    assert page.locator(".membership-status").inner_text() == active
    expect(page.locator(".membership-next")).to_be_visible()
    a11y(page)

    page.get_by_role("button", name=words("Manage billing")).click()
    # Stripe's portal (the emulator's page) speaks its own words.
    page.wait_for_url(re.compile(re.escape(stripe_live.url) + r"/portal/bps_\w+"))
    page.get_by_role("button", name="Cancel at period end").click()
    page.get_by_text("Cancels at the end of the period").wait_for()
    page.get_by_role("link", name=re.compile("^Return to")).click()
    page.wait_for_url(live_server.url + "/account")

    assert stripe_live.wait_idle(20)  # the webhook of the cancellation has landed
    page.reload()
    cancelled = words.before("%(state)s: cancelled, ends %(day)s", "day", state=active)
    assert page.locator(".membership-status").inner_text().startswith(cancelled)
    expect(page.locator(".membership-end")).to_be_visible()
    assert page.dialogs == []
    a11y(page)


def test_newsroom_patron_pages_pass_the_accessibility_check(
    app, forms, auth, live_server, stripe_live, coffee, page, a11y
):
    from tests.conftest import browser_login

    join(forms, stripe_live, email="listed@example.org")
    auth.create("admin")
    browser_login(page, live_server.url, "admin@example.org")
    page.get_by_role("heading", name="Patrons over the last 12 months").wait_for()
    expect(page.get_by_role("img", name="Patrons at each month, last 12 months")).to_be_visible()
    a11y(page)

    page.get_by_role("link", name="Patrons", exact=True).first.click()
    page.get_by_role("heading", name="Patrons", exact=True).wait_for()
    a11y(page)
    page.get_by_role("link", name="listed@example.org").click()
    page.get_by_role("heading", name="Stripe events").wait_for()
    assert page.get_by_text("checkout.session.completed").count() >= 1
    a11y(page)

    page.get_by_role("link", name="Grant a complimentary membership").click()
    page.get_by_role("button", name="Grant membership").click()  # the reason is missing
    expect(page.get_by_text("Say why (for the record).")).to_be_visible()
    a11y(page)

    page.goto(live_server.url + "/newsroom/webhooks")
    page.get_by_label("Outcome").select_option("processed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*outcome=processed"))
    a11y(page)
