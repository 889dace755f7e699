"""The widget as polished as Mistape (issue 15, section 5), in chromium on the demo article and
on pages shaped like outlets' articles: reaching it by keyboard, Ctrl+Enter with nothing
selected, an empty report, a readable context, the article's title, thanks and focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engagement.corrections.models import Report
from engagement.extensions import db
from tests.e2e.test_widget import dialog_of, open_article, select_phrase

pytestmark = pytest.mark.e2e


def reports(app):
    with app.app_context():
        found = db.session.scalars(select(Report).order_by(Report.id)).all()
        for report in found:
            db.session.expunge(report)
        return found


def active(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_a_keyboard_only_reader_reaches_suggest_a_correction_with_tab(live_server, page, a11y):
    open_article(page, live_server)
    for _ in range(40):
        page.keyboard.press("Tab")
        if active(page) == "Suggest a correction":
            break
    else:
        pytest.fail("“Suggest a correction” was never reached with Tab")
    page.keyboard.press("Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    # Nothing was selected: the reader copies the passage in.
    assert page.evaluate("document.activeElement.id") == "engw-exact"
    a11y(page)
    page.keyboard.type("six months later")
    page.keyboard.press("Tab")
    page.keyboard.type("five months later")
    page.keyboard.press("Control+Enter")
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    page.keyboard.press("Enter")  # Close has the focus
    dialog.wait_for(state="hidden")
    assert active(page) == "Suggest a correction"
    [report] = reports(live_server.app)
    assert report.quote_exact == "six months later" and report.position_start is None
    assert report.suggestion == "five months later"


def test_ctrl_enter_without_a_selection_explains_how_to_select(live_server, page):
    open_article(page, live_server)
    page.get_by_role("link", name="a budget of 4.2 million hryvnias").focus()
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    note = dialog.locator("#engw-exact-note")
    assert note.inner_text().startswith("No text is selected. Close this, select the words")
    assert "press Ctrl+Enter" in note.inner_text()
    expect(dialog.get_by_label("The passage with the mistake")).to_be_visible()
    # Sending without a passage or anything to say is refused in the dialog, beside the fields.
    dialog.get_by_role("button", name="Send").click()
    assert dialog.locator("#engw-exact-error").inner_text() == (
        "Copy the passage with the mistake here."
    )
    assert dialog.locator("#engw-suggestion-error").inner_text() == (
        "Write the correction you suggest, or a comment."
    )
    assert page.evaluate("document.activeElement.id") == "engw-exact"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert active(page) == "a budget of 4.2 million hryvnias"
    assert reports(live_server.app) == []


def test_an_empty_report_is_refused_and_success_leaves_only_thanks(live_server, page, a11y):
    open_article(page, live_server)
    select_phrase(page, "5.1 million")
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    # The context: whitespace collapsed, whole words, no space before the comma.
    context = dialog.locator(".engw-quote").inner_text()
    assert "came to 5.1 million, which the deputy mayor" in context
    assert context.startswith("…") and context.endswith("…") and "  " not in context
    first_word = context[1:].split(" ")[0]
    article_text = page.evaluate("document.querySelector('article').textContent")
    assert re.search(rf"\s{re.escape(first_word)}\s", article_text)
    dialog.get_by_role("button", name="Send").click()
    error = dialog.locator("#engw-suggestion-error")
    assert error.inner_text() == "Write the correction you suggest, or a comment."
    assert dialog.get_by_label("Suggested correction").get_attribute("aria-invalid") == "true"
    assert reports(live_server.app) == []
    dialog.get_by_label("Comment").fill("The audit says 5.3 million.")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    # Only the thanks and a way to close.
    for hidden in (
        dialog.get_by_label("Suggested correction"),
        dialog.locator(".engw-quote"),
        dialog.get_by_role("button", name="Send"),
    ):
        expect(hidden).to_be_hidden()
    assert [b.inner_text() for b in dialog.get_by_role("button").all() if b.is_visible()] == [
        "Close"
    ]
    a11y(page)
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")
    # The selection was made with the mouse: focus goes back to its paragraph, not <body>.
    place = page.evaluate(
        "[document.activeElement.tagName,"
        " document.activeElement.textContent.includes('5.1 million'),"
        " getSelection().toString()]"
    )
    assert place == ["P", True, "5.1 million"]
    [report] = reports(live_server.app)
    assert report.title == "Riverside bridge opens six months late"  # from the h1


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}
</head><body><main><article>{h1}<p>The ferry to the island runs twice a day.</p></article></main>
<script src="{service}/widget.js" data-article="article" defer></script></body></html>"""


@pytest.mark.parametrize(
    ("head", "h1", "title", "expected"),
    [
        (
            '<meta property="og:title" content="Ferry timetable changes">',
            "<h1>Ferries</h1>",
            "Ferry timetable changes — The Independent Ledger",
            "Ferry timetable changes",
        ),
        ("", "<h1>The island ferry</h1>", "Ferry | The Independent Ledger", "The island ferry"),
        ("", "", "New ferry times — The Independent Ledger", "New ferry times"),
        (
            '<meta property="og:site_name" content="Island News">',
            "",
            "Ferry times: Island News",
            "Ferry times",
        ),
    ],
    ids=["og-title", "h1", "document-title", "site-name"],
)
def test_the_article_title_never_carries_the_site_name(
    live_server, page, head, h1, title, expected
):
    html = PAGE.format(title=title, head=head, h1=h1, service=live_server.url)
    page.route(
        live_server.url + "/test/ferry",
        lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
    )
    page.goto(live_server.url + "/test/ferry")
    page.locator(".engw-hint").wait_for()
    select_phrase(page, "twice a day")
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.get_by_label("Suggested correction").fill("three times a day")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    [report] = reports(live_server.app)
    assert report.title == expected
