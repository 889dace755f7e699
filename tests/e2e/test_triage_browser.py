"""In chromium: an editor finds the correction a reader's report made, corrects it with a public
note; it shows in the public log and the feed, and the reader's mail arrives. No script a reader
typed ever runs, and the pages pass the accessibility check."""

from __future__ import annotations

import feedparser
import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login
from tests.corrections.triage_data import make_corrections

pytestmark = pytest.mark.e2e

READER = "reader@example.net"
PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(1)> javascript:alert(1)"
NOTE = "We wrote six months; the bridge opened five months late."


def send_report(page, base_url: str, **fields) -> dict:
    """What the widget sends, over real HTTP from the article's origin."""
    body = {
        "url": "https://news.example.org/2026/bridge",
        "title": "Riverside bridge opens six months late",
        "quote": {
            "exact": "six months later",
            "prefix": "opened to walkers on Saturday,",
            "suffix": "than the council had promised",
        },
        "lang": "en",
        "comment": "It opened in May.",
        **fields,
    }
    response = page.request.post(
        f"{base_url}/api/v1/corrections", data=body, headers={"Origin": "https://news.example.org"}
    )
    assert response.status == 201, response.text()
    return response.json()


def test_editor_corrects_a_reported_passage_and_the_reader_is_told(
    live_server, auth, page, a11y, runner, smtp_sink
):
    auth.create("editor")
    taken = send_report(
        page,
        live_server.url,
        suggestion="five months later",
        comment=f"Planned for October. {PAYLOAD}",
        email=READER,
        notify=True,
    )

    browser_login(page, live_server.url, "editor@example.org")
    page.get_by_role("link", name="Corrections", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/newsroom/corrections")
    a11y(page)
    page.get_by_role("link", name=f"#{taken['correction_id']}").click()
    expect(
        page.get_by_role("heading", name=f"Correction #{taken['correction_id']}")
    ).to_be_visible()
    assert page.locator("blockquote.passage mark").inner_text() == "six months later"
    expect(page.get_by_text(f"Planned for October. {PAYLOAD}")).to_be_visible()
    a11y(page)

    page.get_by_role("button", name="Start review").click()
    page.get_by_label("Note", exact=True).fill(NOTE)
    page.get_by_role("button", name="Mark corrected").click()
    expect(
        page.get_by_text(f"Correction #{taken['correction_id']} is now corrected.")
    ).to_be_visible()
    a11y(page)

    page.goto(f"{live_server.url}/corrections")
    expect(page.get_by_text(NOTE)).to_be_visible()
    a11y(page)
    feed = feedparser.parse(page.request.get(f"{live_server.url}/corrections/feed.atom").body())
    assert feed.bozo is False and NOTE in feed.entries[0].content[0].value

    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    (mail,) = smtp_sink.to(READER)
    assert NOTE in mail.get_body(("plain",)).get_content()
    assert page.dialogs == []


def test_reader_payloads_never_run_on_the_triage_pages_or_the_public_log(live_server, auth, page):
    auth.create("editor")
    taken = send_report(
        page,
        live_server.url,
        title=f"Bridge {PAYLOAD}",
        suggestion=PAYLOAD,
        comment=PAYLOAD,
        quote={"exact": f"six months {PAYLOAD}", "prefix": PAYLOAD, "suffix": PAYLOAD},
    )
    browser_login(page, live_server.url, "editor@example.org")
    detail = f"{live_server.url}/newsroom/corrections/{taken['correction_id']}"
    page.goto(detail)
    page.get_by_role("button", name="Start review").click()
    page.get_by_label("Note", exact=True).fill(f"Fixed {PAYLOAD}")
    page.get_by_role("button", name="Mark corrected").click()
    for url in (
        f"{live_server.url}/newsroom/corrections?status=all",
        detail,
        f"{live_server.url}/corrections",
    ):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.locator("script:not([src])").count() == 0
        assert page.locator("img[src='x']").count() == 0
    assert page.dialogs == []


def test_editor_marks_every_correction_on_the_page_as_spam(live_server, auth, page, a11y):
    auth.create("editor")
    ids = make_corrections(live_server.app, [{}, {}, {}])
    browser_login(page, live_server.url, "editor@example.org")
    page.goto(f"{live_server.url}/newsroom/corrections")
    page.get_by_label("Select every correction on this page").check()
    assert page.locator("input[name='ids']:checked").count() == 3
    page.get_by_label("Action for the ticked corrections").select_option("spam")
    page.get_by_role("button", name="Apply to ticked…").click()
    expect(page.get_by_role("heading", name="Mark spam: 3 corrections?")).to_be_visible()
    a11y(page)
    page.get_by_role("button", name="Mark spam (3 corrections)").click()
    expect(page.get_by_text("Done for 3 corrections.")).to_be_visible()
    expect(page.get_by_text("No correction matches.")).to_be_visible()  # open ones only
    a11y(page)
    page.goto(f"{live_server.url}/newsroom/corrections?status=spam")
    assert page.locator("input[name='ids']").count() == len(ids)
