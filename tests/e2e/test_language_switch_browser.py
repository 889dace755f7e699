"""The readers' language switch in chromium with JavaScript off, by keyboard alone: a visitor's
entries are links (the choice kept for the next pages), a signed-in patron's are buttons that
save it; a choice saved from the switch or on /account wins over the browser's language, in a
new session too (docs/translating.md, "Which language")."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.i18n import language_name
from tests.conftest import browser_page
from tests.e2e.conftest import assert_in_language
from tests.support.words import Words

pytestmark = pytest.mark.e2e

ENGLISH_BROWSER = {"locale": "en-GB"}
NO_SCRIPT = {**ENGLISH_BROWSER, "java_script_enabled": False}


def tab_to(page, target, presses: int = 80) -> None:
    """Press Tab until `target` has the focus (fails if it never gets it)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} was never reached with Tab")


def sign_in_link(app, email: str) -> str:
    """A sign-in link for the patron with `email` (made on first use), as the mail gives it."""
    from engagement.accounts.magic_links import LINK_LIFETIME, MagicLink, hash_token
    from engagement.database import utcnow

    token = secrets.token_urlsafe(32)
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == email))
        patron = patron or Patron(email=email, name="Oksana")
        db.session.add(
            MagicLink(
                patron=patron, token_hash=hash_token(token), expires_at=utcnow() + LINK_LIFETIME
            )
        )
        db.session.commit()
    return f"/account/login/{token}"


def saved_language(app, email: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Patron.language).where(Patron.email == email))


def test_a_visitor_switches_from_the_header_and_the_footer_by_keyboard(app, live_server, browser):
    english, ukrainian = Words(app, "en"), Words(app, "uk")
    support = {"newsroom": app.config["NEWSROOM_NAME"]}
    with browser_page(browser, **NO_SCRIPT) as page:
        page.goto(live_server.url + "/corrections?page=1")
        assert_in_language(page, english, "Corrections")
        to_ukrainian = page.locator("header").get_by_role("link", name=language_name("uk"))
        expect(to_ukrainian).to_have_attribute("lang", "uk")  # read in its own language
        tab_to(page, to_ukrainian)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/corrections?page=1&lang=uk")  # the same page
        assert_in_language(page, ukrainian, "Corrections")
        current = page.locator("header .language-switch [aria-current=true]")
        expect(current).to_have_text(language_name("uk"))

        # The next page keeps Ukrainian, though the browser asks for English.
        page.locator("header").get_by_role("link", name=ukrainian("Support")).click()
        page.wait_for_url(live_server.url + "/support")
        assert_in_language(page, ukrainian, "Support %(newsroom)s", **support)
        to_english = page.locator("footer").get_by_role("link", name=language_name("en"))
        tab_to(page, to_english)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/support?lang=en")
        assert_in_language(page, english, "Support %(newsroom)s", **support)


def test_a_patrons_saved_choice_wins_over_the_browsers_language(app, live_server, browser):
    english, ukrainian = Words(app, "en"), Words(app, "uk")
    email = "oksana@example.org"
    with browser_page(browser, **NO_SCRIPT) as page:
        page.goto(live_server.url + sign_in_link(app, email))
        page.get_by_role("button", name=english("Sign in"), exact=True).click()
        page.wait_for_url(live_server.url + "/account")
        assert_in_language(page, english, "Your account")

        # The header's switch is a form for a signed-in patron: its button saves the choice.
        page.goto(live_server.url + "/topics")
        save_ukrainian = page.locator("header").get_by_role("button", name=language_name("uk"))
        tab_to(page, save_ukrainian)
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/topics")  # back on the same page
        assert_in_language(page, ukrainian, "Vote on what we cover next")
        assert saved_language(app, email) == "uk"

        page.goto(live_server.url + "/account")
        assert_in_language(page, ukrainian, "Your account")

        # /account's own form changes it back, and again.
        for code, words in (("en", english), ("uk", ukrainian)):
            current = Words(app, "uk" if code == "en" else "en")
            page.get_by_role("combobox", name=current("Language")).select_option(code)
            page.get_by_role("button", name=current("Save the language")).click()
            assert_in_language(page, words, "Your account")
            assert saved_language(app, email) == code

    # Another browser session asking for English: the saved Ukrainian comes with the sign-in.
    with browser_page(browser, **ENGLISH_BROWSER) as page:
        page.goto(live_server.url + "/topics")
        assert_in_language(page, english, "Vote on what we cover next")
        page.goto(live_server.url + sign_in_link(app, email))  # signs in by itself
        page.wait_for_url(live_server.url + "/account")
        assert_in_language(page, ukrainian, "Your account")
        page.goto(live_server.url + "/topics?lang=en")  # nor does a lang parameter override it
        assert_in_language(page, ukrainian, "Vote on what we cover next")
