"""The no-JavaScript report form in chromium: labelled, accessible, errors beside the fields."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_report_form_works_without_javascript(live_server, browser, a11y):
    from tests.conftest import AXE_PATH

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + "/demo/article")
        page.get_by_role("link", name="report an error").click()
        assert page.get_by_label("Article address").input_value() == (
            live_server.url + "/demo/article")
        page.get_by_label("The passage with the mistake").fill("   ")
        page.get_by_label("Email").fill("nope")
        page.get_by_role("button", name="Send").click()
        assert "passage" in page.locator("#quote-error").inner_text()
        assert "valid email" in page.locator("#email-error").inner_text()
        page.get_by_label("The passage with the mistake").fill("six months later")
        page.get_by_label("Email").fill("")
        page.get_by_role("button", name="Send").click()
        # A report that says nothing is refused beside the suggestion.
        assert "suggest" in page.locator("#suggestion-error").inner_text()
        page.get_by_label("Suggested correction").fill("five months later")
        page.get_by_role("button", name="Send").click()
        page.get_by_text("Thank you. The editors will look at the passage you reported.").wait_for()
        # The form keeps the article for another report, and leads back to it.
        assert page.get_by_label("Article address").input_value() == (
            live_server.url + "/demo/article")
        page.get_by_role("link", name="Back to the article").click()
        page.get_by_role("heading", name="Riverside bridge opens six months late").wait_for()
    finally:
        context.close()
    # The same page passes the accessibility check (axe needs JavaScript).
    checked = browser.new_context()
    checked.add_init_script(path=str(AXE_PATH))
    page = checked.new_page()
    try:
        page.goto(live_server.url + "/corrections/report")
        page.get_by_role("button", name="Send").click()
        page.locator("#quote-error").wait_for()
        a11y(page)
    finally:
        checked.close()
