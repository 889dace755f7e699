"""In chromium, at a phone's width (390 px) and a desktop's: every newsroom page fits without
sideways scrolling and passes axe-core; a correction is decided in one step from the readers'
own wording; triage works from the keyboard (never while typing); actions that cannot be taken
back ask first, saying what will happen and to how many; the webhook list opens on the failed
events. The no-JavaScript paths are driven with JavaScript turned off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engagement.corrections.models import Correction
from engagement.extensions import db
from engagement.membership.models import Membership
from engagement.voting.models import Round
from tests.conftest import EDITOR_PASSWORD, browser_login
from tests.e2e.newsroom_data import make_newsroom

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
ADMIN = "admin@example.org"


@pytest.fixture
def newsroom(app, auth):
    """An admin and a newsroom with something on every page."""
    auth.create("admin", ADMIN)
    return make_newsroom(app)


def _signed_in(page, live_server, size):
    page.set_viewport_size(size)
    browser_login(page, live_server.url, ADMIN, EDITOR_PASSWORD)


def _fits(page, size) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => "
        "e.getBoundingClientRect().right > w + 1).slice(-3).map(e => e.tagName + '.' + "
        "e.className + '#' + e.id)",
        size["width"],
    )
    assert width <= size["width"], f"{page.url} is {width} px wide at {size['width']} px: {wide}"


def _status(app, correction_id: int) -> str:
    with app.app_context():
        return db.session.get(Correction, correction_id).status


@SIZES
def test_every_newsroom_page_fits_the_screen_and_passes_axe(
    live_server, newsroom, page, a11y, size
):
    _signed_in(page, live_server, size)
    n = newsroom
    pages = [
        "/newsroom/",
        "/newsroom/corrections",
        f"/newsroom/corrections/{n.corrections[0]}",
        f"/newsroom/corrections/{n.corrections[2]}",
        "/newsroom/rounds",
        f"/newsroom/rounds/{n.round_id}",
        "/newsroom/rounds/new",
        "/newsroom/suggestions",
        "/newsroom/patrons",
        f"/newsroom/patrons/{n.patron_id}",
        "/newsroom/patrons/grant",
        "/newsroom/tiers",
        "/newsroom/webhooks",
        "/newsroom/webhooks?outcome=any",
        "/newsroom/outbox",
        "/newsroom/settings/notifications",
        f"/newsroom/rounds/{n.round_id}/close",
        f"/newsroom/topics/{n.topics[0]}/merge?target_id={n.topics[1]}&back=round",
        f"/newsroom/corrections/{n.corrections[1]}/merge?target={n.corrections[0]}",
        f"/newsroom/patrons/{n.patron_id}/grants/{n.grant_id}/revoke",
        f"/newsroom/webhooks/{n.failed_event}/process",
    ]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        _fits(page, size)
        a11y(page)


@SIZES
def test_a_new_correction_is_decided_in_one_step_with_a_readers_wording(
    app, live_server, newsroom, page, a11y, size
):
    _signed_in(page, live_server, size)
    first = newsroom.corrections[0]
    page.goto(f"{live_server.url}/newsroom/corrections/{first}")
    decide = page.locator("#decide-form")
    for label in (
        "Mark corrected",
        "Mark clarified",
        "No action",
        "Spam",
        "Duplicate of …",
        "Start review",
    ):
        expect(decide.get_by_role("button", name=label, exact=True)).to_be_visible()
    wordings = page.locator(".wording")
    expect(wordings).to_have_count(2)  # two distinct wordings; spacing does not count
    expect(wordings.nth(0)).to_contain_text("2 readers")
    expect(wordings.nth(0).locator("del")).to_contain_text("six")
    expect(wordings.nth(0).locator("ins")).to_contain_text("five")
    expect(wordings.nth(1).locator("ins")).to_contain_text("four")
    _fits(page, size)
    a11y(page)

    wordings.nth(0).get_by_role("link", name="Use this wording").click()
    expect(page.get_by_label("Note", exact=True)).to_have_value(
        "We wrote “six months later”. It should read “five months later”."
    )
    expect(page.get_by_label("Public note", exact=False)).to_be_checked()
    decide.get_by_role("button", name="Mark corrected").click()
    expect(
        page.get_by_text(f"Correction #{first} is now corrected. Here is the next open one.")
    ).to_be_visible()
    assert page.url != f"{live_server.url}/newsroom/corrections/{first}"
    assert _status(app, first) == "corrected"
    page.goto(f"{live_server.url}/corrections")
    expect(page.get_by_text("It should read “five months later”.")).to_be_visible()


def test_one_step_triage_and_the_wording_work_without_javascript(
    app, live_server, newsroom, browser
):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        browser_login(page, live_server.url, ADMIN, EDITOR_PASSWORD)
        first = newsroom.corrections[0]
        page.goto(f"{live_server.url}/newsroom/corrections/{first}")
        page.locator(".wording").nth(1).get_by_role("link", name="Use this wording").click()
        expect(page.get_by_label("Note", exact=True)).to_have_value(
            "We wrote “six months later”. It should read “four months later”."
        )
        page.get_by_role("button", name="Mark clarified").click()
        expect(page.get_by_text(f"Correction #{first} is now clarified.")).to_be_visible()
        assert _status(app, first) == "clarified"
        _fits(page, PHONE)
    finally:
        context.close()


def test_an_internal_note_never_reaches_the_public_log(app, live_server, newsroom, page):
    _signed_in(page, live_server, DESKTOP)
    second = newsroom.corrections[1]
    page.goto(f"{live_server.url}/newsroom/corrections/{second}")
    page.get_by_label("Note", exact=True).fill("Asked the council's press office")
    page.get_by_role("radio", name="Internal note").check()
    page.locator("#decide-form").get_by_role("button", name="Mark corrected").click()
    expect(
        page.get_by_text("Write the public note: what was wrong and what is right.")
    ).to_be_visible()
    assert _status(app, second) == "new"
    with page.expect_navigation():  # the decision is stored before the page comes back
        page.get_by_role("button", name="No action").click()
    assert _status(app, second) == "no_action"
    page.goto(f"{live_server.url}/newsroom/corrections/{second}")
    expect(page.get_by_role("cell", name="Asked the council's press office")).to_be_visible()
    page.goto(f"{live_server.url}/corrections")
    expect(page.get_by_text("Asked the council's press office")).to_have_count(0)


def _keys_ready(page):
    """Wait for the deferred triage_keys.js to listen: a page shows before its script runs."""
    expect(page.locator("html[data-triage-keys='ready']")).to_have_count(1)


@SIZES
def test_keyboard_triage_on_the_list_and_on_a_correction(
    app, live_server, newsroom, page, a11y, size
):
    _signed_in(page, live_server, size)
    page.goto(f"{live_server.url}/newsroom/corrections")
    _keys_ready(page)
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("assign to me")
    a11y(page)
    page.keyboard.press("Escape")
    rows = page.locator("table.corrections tbody tr")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("kbd-current")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class("kbd-current")
    opened = rows.nth(0).get_attribute("data-id")
    page.keyboard.press("o")
    page.wait_for_url(f"{live_server.url}/newsroom/corrections/{opened}")
    _keys_ready(page)

    note = page.get_by_label("Note", exact=True)
    note.fill("")
    note.type("sn a c")  # letters typed into the note never act
    assert _status(app, int(opened)) == "new"
    expect(note).to_have_value("sn a c")
    note.fill("")
    page.locator("h1").click()
    page.keyboard.press("a")
    expect(page.get_by_text(f"Correction #{opened} is assigned to Admin.")).to_be_visible()
    _keys_ready(page)
    page.keyboard.press("n")
    expect(page.get_by_text(f"Correction #{opened} is now no action.")).to_be_visible()
    assert _status(app, int(opened)) == "no_action"
    following = page.url.rsplit("/", 1)[1]
    assert following != opened and _status(app, int(following)) == "new"


@SIZES
def test_bulk_has_no_default_and_asks_first_naming_the_count(
    app, live_server, newsroom, page, a11y, size
):
    _signed_in(page, live_server, size)
    page.goto(f"{live_server.url}/newsroom/corrections")
    expect(page.get_by_label("Action for the ticked corrections")).to_have_value("")
    page.get_by_label(f"Select correction #{newsroom.corrections[0]}").check()
    page.get_by_label(f"Select correction #{newsroom.corrections[1]}").check()
    page.get_by_role("button", name="Apply to ticked…").click()
    expect(page.get_by_text("Choose an action for the ticked corrections.")).to_be_visible()
    page.get_by_label(f"Select correction #{newsroom.corrections[0]}").check()
    page.get_by_label(f"Select correction #{newsroom.corrections[1]}").check()
    page.get_by_label("Action for the ticked corrections").select_option("spam")
    page.get_by_role("button", name="Apply to ticked…").click()
    expect(page.get_by_role("heading", name="Mark spam: 2 corrections?")).to_be_visible()
    assert _status(app, newsroom.corrections[0]) == "new"
    _fits(page, size)
    a11y(page)
    page.get_by_role("button", name="Mark spam (2 corrections)").click()
    expect(page.get_by_text("Done for 2 corrections.")).to_be_visible()
    assert {_status(app, i) for i in newsroom.corrections[:2]} == {"spam"}


def test_destructive_actions_ask_first_and_say_to_how_many(app, live_server, newsroom, page):
    _signed_in(page, live_server, PHONE)
    n = newsroom
    page.goto(f"{live_server.url}/newsroom/rounds/{n.round_id}")
    page.get_by_role("link", name="Close the round now…").click()
    expect(page.get_by_text("The 3 votes of 3 co-creators are counted now")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(f"{live_server.url}/newsroom/rounds/{n.round_id}")
    with live_server.app.app_context():
        assert db.session.get(Round, n.round_id).closed_early_at is None

    page.goto(f"{live_server.url}/newsroom/rounds/{n.round_id}")
    topic = page.locator(f"#topic-{n.topics[0]}")
    topic.get_by_label("Merge into").select_option(str(n.topics[1]))
    topic.get_by_role("button", name="Merge…").click()
    expect(
        page.get_by_text("3 voters will get a mail saying where their vote went.")
    ).to_be_visible()
    page.get_by_role("button", name="Merge and tell the voters").click()
    expect(page.get_by_text("Merged")).to_be_visible()

    page.goto(f"{live_server.url}/newsroom/patrons/{n.patron_id}")
    page.get_by_role("link", name="Revoke the complimentary").click()
    expect(
        page.get_by_text("friend@example.org stops being a patron through this grant now")
    ).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke now").click()
    with live_server.app.app_context():
        assert db.session.get(Membership, n.grant_id).revoked_at is not None

    page.goto(f"{live_server.url}/newsroom/corrections/{n.corrections[1]}")
    page.get_by_label("Merge into correction number").fill(str(n.corrections[0]))
    page.get_by_role("button", name="Merge…").click()
    expect(
        page.get_by_role("heading", name=f"Merge #{n.corrections[1]} into #{n.corrections[0]}?")
    ).to_be_visible()
    assert _status(app, n.corrections[1]) == "new"
    with page.expect_navigation():
        page.get_by_role("button", name=f"Merge into #{n.corrections[0]}").click()
    assert _status(app, n.corrections[1]) == "duplicate"


def test_the_webhook_list_opens_on_failed_events_and_offers_process_again_only_there(
    live_server, newsroom, page
):
    _signed_in(page, live_server, DESKTOP)
    page.goto(f"{live_server.url}/newsroom/webhooks")
    expect(page.get_by_label("Outcome")).to_have_value("failed")
    expect(page.get_by_text("evt_failed_1")).to_be_visible()
    expect(page.get_by_text("evt_ignored_1")).to_have_count(0)
    page.get_by_label("Outcome").select_option("any")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("evt_ignored_1")).to_be_visible()
    expect(page.get_by_role("link", name="Process again: evt_ignored_1")).to_have_count(0)
    page.get_by_role("link", name="Process again: evt_failed_1").click()
    expect(page.get_by_role("heading", name="Process evt_failed_1 again?")).to_be_visible()
    expect(page.get_by_text("APIConnectionError")).to_be_visible()
