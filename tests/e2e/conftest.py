"""The readers' journeys run once per language: a browser that asks for English, and one that
asks for Ukrainian (its Accept-Language, as a reader's would). `-k uk` takes the Ukrainian runs.

A journey asks for `reader_page` (a fresh page in a browser of that language) and `words` (the
catalog's text for that language, tests/support/words.py), and finds what it clicks by role
and by those words, never by English typed into the test.
"""

from __future__ import annotations

import pytest

from tests.conftest import browser_page
from tests.support.words import Words

# The browser's language for each language the service offers.
READER_LOCALES = {"en": "en-GB", "uk": "uk-UA"}


@pytest.fixture(params=list(READER_LOCALES))
def reader_language(request) -> str:
    """The language the reader's browser asks for: "en", then "uk"."""
    return request.param


@pytest.fixture
def reader_page(browser, reader_language):
    """A fresh page (axe-core preloaded) in a browser asking for `reader_language`."""
    with browser_page(browser, locale=READER_LOCALES[reader_language]) as page:
        yield page


@pytest.fixture
def words(app, reader_language) -> Words:
    """The app's words in the reader's language: `words("Vote")`."""
    return Words(app, reader_language)


def assert_in_language(page, words: Words, heading: str, **values) -> None:
    """The page says it is in the reader's language and shows `heading` in it."""
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", words.code)
    expect(page.get_by_role("heading", name=words(heading, **values)).first).to_be_visible()
