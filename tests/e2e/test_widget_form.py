"""The no-JavaScript report form in chromium, in English and in Ukrainian: labelled, accessible,
errors beside the fields in the reader's language."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_page
from tests.e2e.conftest import READER_LOCALES, assert_in_language

pytestmark = pytest.mark.e2e

FORM_LINK = (
    'Found a mistake? Select the text and press Ctrl+Enter, or <a href="%(url)s">report '
    "an error</a> with a form."
)


def _error(page, field, words, msgid):
    """The reason beside `field` (a sentence made of the message `msgid`)."""
    shown = page.locator(f"#{field}-error").inner_text()
    assert words(msgid).lower() in shown.lower(), shown


def test_the_report_form_works_without_javascript(
    live_server, browser, reader_language, words, a11y
):
    locale = READER_LOCALES[reader_language]
    with browser_page(browser, java_script_enabled=False, locale=locale) as page:
        page.goto(live_server.url + "/demo/article")
        link_text = re.search(r">([^<]+)</a>", words(FORM_LINK, url="")).group(1)
        page.get_by_role("link", name=link_text).click()
        assert_in_language(page, words, "Report a mistake")
        assert page.get_by_label(words("Article address")).input_value() == (
            live_server.url + "/demo/article"
        )
        passage = page.get_by_label(words("The passage with the mistake"))
        passage.fill("   ")
        page.get_by_label(words("Email")).fill("nope")
        page.get_by_role("button", name=words("Send")).click()
        _error(page, "quote", words, "select or paste the passage with the mistake")
        _error(page, "email", words, "not a valid email address")
        passage.fill("six months later")
        page.get_by_label(words("Email")).fill("")
        page.get_by_role("button", name=words("Send")).click()
        # A report that says nothing is refused beside the suggestion.
        _error(page, "suggestion", words, "write the correction you suggest, or a comment")
        page.get_by_label(words("Suggested correction")).fill("five months later")
        page.get_by_role("button", name=words("Send")).click()
        page.get_by_text(
            words("Thank you. The editors will look at the passage you reported.")
        ).wait_for()
        # The form keeps the article for another report, and leads back to it.
        assert page.get_by_label(words("Article address")).input_value() == (
            live_server.url + "/demo/article"
        )
        page.get_by_role("link", name=words("Back to the article")).click()
        # The demo outlet's article is in English whatever the page's language.
        page.get_by_role("heading", name="Riverside bridge opens six months late").wait_for()
    # The same page passes the accessibility check (axe needs JavaScript).
    with browser_page(browser, locale=locale) as page:
        page.goto(live_server.url + "/corrections/report")
        page.get_by_role("button", name=words("Send")).click()
        page.locator("#quote-error").wait_for()
        assert_in_language(page, words, "Report a mistake")
        a11y(page)
