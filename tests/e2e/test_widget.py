"""The corrections widget in chromium on the demo article: select, Ctrl+Enter or tap, send."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from tests.conftest import AXE_PATH
from tests.support.words import Words

pytestmark = pytest.mark.e2e

# Spans the end of a link and the start of an <em> in the demo article.
PHRASE = "4.2 million hryvnias for the timber and steel"

SELECT_JS = """(phrase) => {
  const scope = document.querySelector(phrase.scope);
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = ''; let node;
  while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
  const start = text.indexOf(phrase.text);
  if (start < 0) throw new Error('phrase not found: ' + phrase.text);
  const locate = (pos, isEnd) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const [n, at] = nodes[i];
      if (at < pos || (!isEnd && at === pos)) return [n, pos - at];
    }
    return [nodes[0][0], 0];
  };
  const range = document.createRange();
  range.setStart(...locate(start, false));
  range.setEnd(...locate(start + phrase.text.length, true));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return start;
}"""


def select_phrase(page, text=PHRASE, scope="article"):
    """Select a phrase as a reader would (returns its offset in the scope's text)."""
    return page.evaluate(SELECT_JS, {"text": text, "scope": scope})


MOUSE_HINT = "Found a mistake? Select the text and press Ctrl+Enter"
TOUCH_HINT = "Found a mistake? Select the text and tap “Suggest a correction”."


def open_article(page, live_server, hint_text=MOUSE_HINT):
    page.goto(live_server.url + "/demo/article")
    # The widget adds its hint under the article once it has started.
    hint = page.locator(".engw-hint")
    hint.wait_for()
    assert hint.inner_text().startswith(hint_text)


def reports(app):
    with app.app_context():
        found = db.session.scalars(select(Report).order_by(Report.id)).all()
        for report in found:
            db.session.expunge(report)
        return found


def dialog_of(page):
    return page.get_by_role("dialog", name="Suggest a correction")


def test_select_across_link_and_emphasis_then_ctrl_enter_sends_the_passage(live_server, page, a11y):
    open_article(page, live_server)
    start = select_phrase(page)
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    assert dialog.locator("mark").inner_text() == PHRASE
    a11y(page)
    dialog.get_by_label("Suggested correction").fill("4.4 million hryvnias")
    dialog.get_by_label("Comment").fill("The minutes say <b>4.4</b>.")
    dialog.get_by_label("Email").fill("reader@example.net")
    dialog.get_by_label("Tell me when it is fixed").check()
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()

    [report] = reports(live_server.app)
    assert report.quote_exact == PHRASE
    assert report.quote_prefix.endswith("\n    The council approved a budget of ")
    assert len(report.quote_prefix) <= 64
    assert report.quote_suffix.startswith(" crossing in 2023. The final bill")
    assert len(report.quote_suffix) <= 64
    assert (report.position_start, report.position_end) == (start, start + len(PHRASE))
    assert report.page_url == live_server.url + "/demo/article"
    assert report.title.startswith("Riverside bridge opens six months late")
    assert report.suggestion == "4.4 million hryvnias"
    assert report.comment == "The minutes say <b>4.4</b>."
    assert report.email == "reader@example.net" and report.notify is True
    assert report.source == "widget" and report.lang == "en"


def test_a_selection_outside_the_article_opens_nothing(live_server, page):
    open_article(page, live_server)
    select_phrase(page, "This is a sample article", scope="main")
    page.keyboard.press("Control+Enter")
    fab = page.locator(".engw-fab")
    expect(dialog_of(page)).to_be_hidden()
    expect(fab).to_be_hidden()
    # A selection in the article does show the button, so the check above can fail.
    select_phrase(page, "six months later")
    fab.wait_for()


def test_keyboard_only_report_and_focus_returns(live_server, page, a11y):
    open_article(page, live_server)
    link_text = "a budget of 4.2 million hryvnias"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == link_text:
            break
    else:
        pytest.fail("the article's link was never reached with Tab")
    select_phrase(page, "six months later")
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    assert page.evaluate("document.activeElement.id") == "engw-suggestion"
    # Focus stays inside: Shift+Tab from the first field goes to the last button.
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cancel"
    page.keyboard.press("Tab")
    page.keyboard.type("five months later")
    page.keyboard.press("Tab")
    page.keyboard.type("Planned for October.")
    page.keyboard.press("Tab")
    page.keyboard.type("not-an-address")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send"
    page.keyboard.press("Enter")
    # The bad address comes back from the API and is shown beside the field.
    error = dialog.locator("#engw-email-error")
    error.get_by_text("not a valid email address").wait_for()
    assert dialog.get_by_label("Email").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "engw-email"
    a11y(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("reader@example.net")
    page.keyboard.press("Control+Enter")  # sends from inside the dialog
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Close"
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.textContent") == (
        "a budget of 4.2 million hryvnias"
    )
    [report] = reports(live_server.app)
    assert report.suggestion == "five months later" and report.email == "reader@example.net"


def test_escape_closes_the_dialog_and_focus_returns(live_server, page):
    open_article(page, live_server)
    page.get_by_role("link", name="a budget of 4.2 million hryvnias").focus()
    select_phrase(page, "early summer")
    page.keyboard.press("Control+Enter")
    dialog = dialog_of(page)
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == (
        "a budget of 4.2 million hryvnias"
    )
    assert reports(live_server.app) == []


def test_a_second_report_of_the_same_passage_joins_the_same_correction(live_server, page):
    for suggestion in ("five months later", "half a year later"):
        open_article(page, live_server)
        select_phrase(page, "six months later")
        page.keyboard.press("Control+Enter")
        dialog = dialog_of(page)
        dialog.get_by_label("Suggested correction").fill(suggestion)
        dialog.get_by_role("button", name="Send").click()
        dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    first, second = reports(live_server.app)
    assert first.correction_id == second.correction_id
    with live_server.app.app_context():
        correction = db.session.get(Correction, first.correction_id)
        assert correction.report_count == 2 and correction.status == "new"


def test_on_a_touch_screen_the_floating_button_opens_the_dialog(live_server, browser, a11y):
    context = browser.new_context(
        has_touch=True, is_mobile=True, viewport={"width": 390, "height": 740}
    )
    context.add_init_script(path=str(AXE_PATH))
    page = context.new_page()
    page.set_default_timeout(20_000)  # the suite's ceiling (tests/conftest.py)
    try:
        open_article(page, live_server, TOUCH_HINT)
        select_phrase(page)
        button = page.locator(".engw-fab")
        button.wait_for()
        assert button.inner_text() == "Suggest a correction"
        a11y(page)
        button.tap()
        dialog = dialog_of(page)
        dialog.wait_for()
        dialog.get_by_label("Suggested correction").fill("4.4 million hryvnias")
        dialog.get_by_role("button", name="Send").tap()
        dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    finally:
        context.close()
    [report] = reports(live_server.app)
    assert report.quote_exact == PHRASE
    assert report.quote_prefix.endswith("\n    The council approved a budget of ")
    assert report.quote_suffix.startswith(" crossing in 2023.")


def test_the_widget_speaks_ukrainian_when_the_tag_asks(live_server, page, a11y):
    words = Words(live_server.app, "uk")

    def in_ukrainian(route):
        response = route.fetch()
        route.fulfill(
            response=response, body=response.text().replace('data-lang="en"', 'data-lang="uk"')
        )

    page.route(live_server.url + "/demo/article", in_ukrainian)
    page.goto(live_server.url + "/demo/article")
    page.locator(".engw-hint").get_by_text(
        words.before(
            "Found a mistake? Select the text and press {keys}, or use the “Suggest a correction” "
            "button.",
            "keys",
        )
    ).wait_for()
    select_phrase(page, "six months later")
    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name=words("Suggest a correction"))
    dialog.wait_for()
    a11y(page)
    dialog.get_by_label(words("Suggested correction")).fill("п’ять місяців потому")
    dialog.get_by_role("button", name=words("Send")).click()
    dialog.get_by_role("status").get_by_text(
        words("Thank you! The editors will look at this passage.")
    ).wait_for()
    a11y(page)
    [report] = reports(live_server.app)
    assert report.lang == "uk" and report.suggestion == "п’ять місяців потому"
