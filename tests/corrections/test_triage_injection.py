"""Script payloads in every field a reader fills stay inert text on the triage pages, the public
log, the feed and the reader's mail."""

from __future__ import annotations

import feedparser
import pytest

from tests.corrections.triage_data import report

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(1)"
PAYLOAD = f"{SCRIPT} {IMG} {JS_URL}"
RAW = ("<script>alert(1)", "<img src=x", 'href="javascript:', "onerror=alert(1)>")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"
READER = "reader@example.net"


def hostile_report(app) -> int:
    """A report with the payload in the quote and its context, suggestion, comment, title and
    the article's query string (a URL must be http(s) on an allowed host, so no javascript:)."""
    correction_id, _ = report(
        app,
        exact=f"six months {PAYLOAD}",
        prefix=f"before {SCRIPT}",
        suffix=f"{IMG} after",
        url="https://news.example.org/2026/bridge?q=%3Cscript%3Ealert(1)%3C/script%3E",
        title=f"Bridge {SCRIPT} {IMG}",
        suggestion=PAYLOAD,
        comment=PAYLOAD,
        email=READER,
        notify=True,
    )
    return correction_id


def assert_inert(html: str) -> None:
    for raw in RAW:
        assert raw not in html, raw
    assert ESCAPED_SCRIPT in html and ESCAPED_IMG in html


@pytest.fixture
def corrected(app, forms, auth):
    auth.login("editor")
    cid = hostile_report(app)
    url = f"/newsroom/corrections/{cid}"
    for status in ("in_review", "corrected"):
        response = forms.post(
            f"{url}/status", {"status": status, "public_note": f"Fixed. {PAYLOAD}"}, page=url
        )
        assert response.status_code == 302
    return cid


def test_triage_list_and_detail_escape_every_reader_field(client, corrected):
    assert_inert(client.get("/newsroom/corrections?status=all").get_data(as_text=True))
    detail = client.get(f"/newsroom/corrections/{corrected}").get_data(as_text=True)
    assert_inert(detail)
    assert "%3Cscript%3E" in detail  # the URL's query stays encoded in the links


def test_public_log_escapes_and_the_feed_carries_only_text(client, corrected):
    assert_inert(client.get("/corrections").get_data(as_text=True))
    raw = client.get("/corrections/feed.atom").get_data(as_text=True)
    assert "<script" not in raw and "<img" not in raw
    feed = feedparser.parse(raw)
    assert feed.bozo is False
    (entry,) = feed.entries
    content = entry.content[0].value  # the entry's HTML, once the XML is parsed
    assert ESCAPED_SCRIPT in content and ESCAPED_IMG in content
    assert "<script" not in content and "<img" not in content
    assert SCRIPT in entry.title or ESCAPED_SCRIPT in entry.title  # the title is plain text


def test_the_readers_mail_escapes_its_html_body(runner, smtp_sink, corrected):
    assert runner.invoke(args=["worker", "--once", "--no-digests"]).exit_code == 0
    (mail,) = smtp_sink.to(READER)
    html = mail.get_body(("html",)).get_content()
    for raw in RAW:
        assert raw not in html
    assert ESCAPED_SCRIPT in html and ESCAPED_IMG in html
    assert "\n" not in mail["Subject"]
