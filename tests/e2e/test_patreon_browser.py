"""In chromium: Patreon's webhook (from the stand-in) makes a patron, an admin maps the Patreon
tier on /newsroom/patreon, and the Patreon patron signs in with the mailed link and votes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import AXE_PATH, browser_login
from tests.patreon.conftest import (  # noqa: F401 - the stand-in's fixtures
    CO_CREATOR_TIER,
    app_config,
    control,
    patreon_live,
    standin,
    standin_session,
)
from tests.voting.conftest import Voting

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"https?://\S+/account/login/\S+")


def _admin_maps_the_tier(browser, base, a11y):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_init_script(path=str(AXE_PATH))
    admin = context.new_page()
    admin.set_default_timeout(20_000)  # the suite's ceiling (tests/conftest.py)
    browser_login(admin, base, "admin@example.org")
    admin.goto(base + "/newsroom/patreon")
    expect(admin.get_by_text("needs a decision")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    a11y(admin)
    admin.get_by_label("Counts here as (Co-creator)").select_option(label="Coffee (votes)")
    admin.get_by_role("button", name="Save the mapping").click()
    expect(admin.get_by_text("Saved the mapping (1 tier changed).")).to_be_visible()
    expect(admin.get_by_text("needs a decision")).to_have_count(0)
    context.close()


def test_a_patreon_patron_signs_in_and_votes(
    app, live_server, patreon_live, auth, page, browser, runner, smtp_sink, a11y
):
    voting = Voting(app)
    voting.tier("Coffee")
    round_id, topics = voting.round(topics=("Housing", "Schools", "Transport"), budget=3)
    auth.create("admin")
    base = live_server.url
    sent = control(
        patreon_live,
        "members",
        {
            "email": "pat@example.org",
            "full_name": "Pat Reon",
            "patron_status": "active_patron",
            "tier_id": CO_CREATOR_TIER,
            "charge": True,
        },
    )
    assert sent["delivery"]["status"] == 200, sent["delivery"]
    _admin_maps_the_tier(browser, base, a11y)

    page.goto(base + "/topics")
    page.get_by_role("link", name="Sign in to vote").click()
    page.get_by_label("Email").fill("pat@example.org")
    with page.expect_navigation():  # the mail is queued before the page comes back
        page.get_by_role("button", name="Email me a sign-in link").click()
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    message = smtp_sink.wait_for(1)[0]
    page.goto(LINK_RE.search(message.get_body(("plain",)).get_content()).group(0))
    page.wait_for_url(base + "/topics")  # the link's page signs in by itself with JavaScript
    expect(page.get_by_text("You have 3 of 3 votes left in this round.")).to_be_visible()
    a11y(page)
    page.locator(f"#topic-{topics[1]}").get_by_role("button", name="Vote", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_text("You have 2 of 3 votes left in this round.")).to_be_visible()
    expect(page.locator(f"#topic-{topics[1]}").get_by_text("You voted for this")).to_be_visible()

    page.goto(base + "/account")
    expect(page.get_by_text("Paid through Patreon")).to_be_visible()
    expect(page.get_by_role("link", name="Patreon’s membership settings")).to_have_attribute(
        "href", "https://www.patreon.com/settings/memberships"
    )
    expect(page.get_by_text("Coffee").first).to_be_visible()
    a11y(page)
    assert round_id
