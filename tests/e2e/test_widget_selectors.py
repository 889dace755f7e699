"""What the widget sends is a W3C selector any annotation tool can anchor (issue 22): Apache
Annotator's TextQuote and TextPosition matchers, run in the page on the stored selectors, each
find exactly the passage the reader selected, across links, inline markup and paragraph breaks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from engagement.corrections.models import Report
from engagement.extensions import db
from tests.conftest import IN_CI

pytestmark = pytest.mark.e2e

E2E = Path(__file__).parent
ESBUILD = E2E / "node_modules" / ".bin" / "esbuild"
ANNOTATOR = E2E / "node_modules" / "@apache-annotator" / "dom"
ARTICLE_PATH = "/test/annotated-article"
PAD = ("Pad " * 16)[:63]  # with the emoji before it, the 64-character cut splits the emoji

ARTICLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Summit — The Independent Ledger</title></head>
<body><main>
  <article>
    <h1>Leaders failed to come</h1>
    <p>Of the six members of the
      <a href="#cst">Collective Security Treaty</a>, all of them except for
      <em>Belarus</em> failed to
      come to the summit.</p>
    <p>It was the <strong>second</strong> time that they failed to
      come; the first was in 2019.</p>
    <p>🙂{pad}Target word, and the rest.</p>
  </article>
</main>
<script src="{service}/widget.js" data-article="article" defer></script>
</body></html>"""

# Select the n-th match of a pattern in the article's textContent, as a reader would.
SELECT_JS = """([source, nth]) => {
  const scope = document.querySelector('article');
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = ''; let node;
  while ((node = walker.nextNode())) { nodes.push([node, text.length]); text += node.data; }
  const matches = [...text.matchAll(new RegExp(source, 'g'))];
  const found = matches[nth];
  const locate = (pos, isEnd) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const [n, at] = nodes[i];
      if (at < pos || (!isEnd && at === pos)) return [n, pos - at];
    }
  };
  const range = document.createRange();
  range.setStart(...locate(found.index, false));
  range.setEnd(...locate(found.index + found[0].length, true));
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  return {start: found.index, text: found[0], count: matches.length};
}"""

# Run both matchers on the article; describe each match by its offset and text.
MATCH_JS = """async ({quote, position}) => {
  const scope = document.querySelector('article');
  const describe = (range) => {
    const before = document.createRange();
    before.setStart(scope, 0);
    before.setEnd(range.startContainer, range.startOffset);
    return {start: before.toString().length, text: range.toString()};
  };
  const found = {quote: [], position: []};
  const quotes = AnnotatorDom.createTextQuoteSelectorMatcher(
    {type: 'TextQuoteSelector', ...quote});
  for await (const range of quotes(scope)) found.quote.push(describe(range));
  const positions = AnnotatorDom.createTextPositionSelectorMatcher(
    {type: 'TextPositionSelector', ...position});
  for await (const range of positions(scope)) found.position.push(describe(range));
  return found;
}"""


@pytest.fixture(scope="session")
def annotator_script(tmp_path_factory) -> Path:
    """Apache Annotator's DOM matchers bundled into one script a page can load."""
    if not (ESBUILD.exists() and ANNOTATOR.exists()):
        message = "Apache Annotator missing: run `npm install --prefix tests/e2e`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("annotator") / "annotator.js"
    entry = (
        "export { createTextQuoteSelectorMatcher, createTextPositionSelectorMatcher } "
        'from "@apache-annotator/dom";'
    )
    subprocess.run(
        [
            str(ESBUILD),
            "--bundle",
            "--format=iife",
            "--global-name=AnnotatorDom",
            f"--outfile={out}",
            "--log-level=warning",
        ],
        input=entry,
        text=True,
        cwd=E2E,
        check=True,
        timeout=120,
    )
    return out


def open_article(page, live_server, annotator_script):
    html = ARTICLE.replace("{service}", live_server.url).replace("{pad}", PAD)
    page.route(
        live_server.url + ARTICLE_PATH,
        lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
    )
    page.goto(live_server.url + ARTICLE_PATH)
    page.locator(".engw-hint").wait_for()
    page.add_script_tag(path=str(annotator_script))


def send(page, live_server, pattern: str, nth: int = 0) -> tuple[dict, Report]:
    selected = page.evaluate(SELECT_JS, [pattern, nth])
    page.keyboard.press("Control+Enter")
    dialog = page.get_by_role("dialog", name="Suggest a correction")
    dialog.get_by_label("Comment").fill("Check this.")
    dialog.get_by_role("button", name="Send").click()
    dialog.get_by_role("status").get_by_text("Thank you!").wait_for()
    dialog.get_by_role("button", name="Close").click()
    with live_server.app.app_context():
        report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
        db.session.expunge(report)
    return selected, report


def matches(page, report: Report) -> dict:
    return page.evaluate(
        MATCH_JS,
        {
            "quote": {
                "exact": report.quote_exact,
                "prefix": report.quote_prefix,
                "suffix": report.quote_suffix,
            },
            "position": {"start": report.position_start, "end": report.position_end},
        },
    )


def test_standard_matchers_find_exactly_the_selected_passage(live_server, page, annotator_script):
    open_article(page, live_server, annotator_script)
    # The second "failed to come": the same words are also in the title and in the first
    # paragraph, so only the context tells them apart. Its context runs over a link, <em>,
    # <strong> and paragraph breaks with the template's indentation.
    selected, report = send(page, live_server, r"failed to\s+come", nth=2)
    assert selected["count"] == 3
    assert report.quote_exact == selected["text"] and "\n" in report.quote_exact
    assert report.quote_prefix.endswith("time that they ")
    assert report.quote_suffix.startswith("; the first was in 2019.</p>"[:24])
    found = matches(page, report)
    expected = [{"start": selected["start"], "text": selected["text"]}]
    assert found == {"quote": expected, "position": expected}


def test_a_passage_across_markup_at_a_paragraph_break_is_found(live_server, page, annotator_script):
    open_article(page, live_server, annotator_script)
    selected, report = send(page, live_server, r"Belarus failed")
    assert report.quote_prefix.endswith("except for\n      ")
    found = matches(page, report)
    expected = [{"start": selected["start"], "text": "Belarus failed"}]
    assert found == {"quote": expected, "position": expected}


def test_a_context_cut_inside_an_emoji_drops_the_half_and_still_matches(
    live_server, page, annotator_script
):
    open_article(page, live_server, annotator_script)
    selected, report = send(page, live_server, r"Target word")
    assert report.quote_prefix == PAD  # the emoji's second half is not sent on its own
    # Positions count code points, as the standard says: the emoji is one character.
    assert report.position_start == selected["start"] - 1
    found = matches(page, report)
    expected = [{"start": selected["start"], "text": "Target word"}]
    assert found == {"quote": expected, "position": expected}
