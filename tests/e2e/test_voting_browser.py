"""A co-creator votes in chromium up to the budget and takes a vote back, in English and in
Ukrainian; the editor closes the round and publishes a topic; the voter's mail arrives at the
SMTP sink."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import AXE_PATH, browser_login
from tests.e2e.conftest import assert_in_language
from tests.support.words import Words
from tests.voting.conftest import Voting

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"https?://\S+/account/login/\S+")


def _sign_in_patron(page, words, base_url, runner, smtp_sink, email):
    """The real magic-link flow: ask for a link, let the worker send it, open it."""
    page.goto(base_url + "/topics")
    page.get_by_role("link", name=words("Already a co-creator? Sign in to vote")).click()
    page.get_by_label(words("Email")).fill(email)
    with page.expect_navigation():  # the mail is queued before the page comes back
        page.get_by_role("button", name=words("Email me a sign-in link")).click()
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    message = smtp_sink.wait_for(1)[0]
    link = LINK_RE.search(message.get_body(("plain",)).get_content()).group(0)
    page.goto(link)  # a browser signs in with one click: the page posts its own form
    page.wait_for_url(re.compile(r".*/topics$"))


def _topic(page, topic_id):
    return page.locator(f"#topic-{topic_id}")


def _left(words, remaining, budget):
    return words.plural(
        "You have %(remaining)s of %(count)s vote left in this round.",
        "You have %(remaining)s of %(count)s votes left in this round.",
        budget,
        count=budget,
        remaining=remaining,
    )


def test_a_co_creator_votes_and_the_editor_publishes(
    app, live_server, auth, reader_page, words, browser, runner, smtp_sink, a11y
):
    page = reader_page  # the co-creator's, in English, then in Ukrainian; the editor's: English
    voting = Voting(app)
    voting.patron("ada@example.org")
    round_id, topics = voting.round(topics=("Housing", "Schools", "Transport", "Parks"), budget=3)
    auth.create("editor")
    base = live_server.url

    _sign_in_patron(page, words, base, runner, smtp_sink, "ada@example.org")
    page.goto(base + "/topics")
    assert_in_language(page, words, "Vote on what we cover next")
    expect(page.get_by_text(_left(words, 3, 3))).to_be_visible()
    expect(
        page.get_by_text(
            words.before(
                "Your votes count only if your membership still lets you vote when the round "
                "closes, on %(when)s.",
                "when",
            )
        )
    ).to_be_visible()
    vote = words("Vote")
    first = _topic(page, topics[0]).get_by_role("button", name=vote, exact=True)
    described_by = first.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").inner_text() == "Housing"
    a11y(page)

    for left, topic_id in zip((2, 1, 0), topics[:3], strict=True):
        _topic(page, topic_id).get_by_role("button", name=vote, exact=True).click()
        expect(page.get_by_text(_left(words, left, 3))).to_be_visible()
    # The budget is spent: the last topic's Vote is disabled and says why.
    last = _topic(page, topics[3]).get_by_role("button", name=vote, exact=True)
    expect(last).to_be_disabled()
    expect(
        page.get_by_text(
            words("You have used all your votes: take one back to vote for another topic.")
        )
    ).to_be_visible()
    expect(
        _topic(page, topics[3]).get_by_text(
            words.plural("%(count)s vote", "%(count)s votes", 0, count=0)
        )
    ).to_be_visible()

    _topic(page, topics[0]).get_by_role("button", name=words("Take back my vote")).click()
    taken_back = (
        words("Your vote is taken back.")
        + " "
        + words.plural(
            "You have %(num)s vote left in this round.",
            "You have %(num)s votes left in this round.",
            1,
        )
    )
    expect(page.get_by_text(taken_back)).to_be_visible()
    expect(_topic(page, topics[0]).get_by_role("button", name=vote, exact=True)).to_be_visible()
    expect(_topic(page, topics[1]).get_by_text(words("You voted for this"))).to_be_visible()
    a11y(page)

    editor_context = browser.new_context()
    editor_context.add_init_script(path=str(AXE_PATH))
    editor = editor_context.new_page()
    editor.set_default_timeout(20_000)  # the suite's ceiling (tests/conftest.py)
    browser_login(editor, base, "editor@example.org")
    editor.get_by_role("link", name="Rounds").first.click()
    editor.wait_for_url(base + "/newsroom/rounds")
    expect(editor.get_by_role("heading", name="Rounds")).to_be_visible()
    a11y(editor)
    editor.get_by_role("link", name="What should we cover next?").click()
    editor.wait_for_url(f"{base}/newsroom/rounds/{round_id}")
    a11y(editor)
    editor.get_by_role("link", name="Close the round now…").click()  # the page that asks first
    expect(editor.get_by_text(re.compile(r"of 1 co-creator are counted now"))).to_be_visible()
    a11y(editor)
    editor.get_by_role("button", name="Close the round now").click()
    expect(editor.get_by_text("the votes are counted")).to_be_visible()
    row = editor.locator(f"#topic-{topics[1]}")
    row.get_by_label("What became of it").select_option("published")
    row.get_by_label("Article address (when published)").fill(
        "https://news.example.org/schools-investigation"
    )
    row.get_by_role("button", name="Save outcome").click()
    expect(editor.get_by_text("1 voter will get the article by mail.")).to_be_visible()
    a11y(editor)
    editor_context.close()

    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    mail = smtp_sink.wait_for(2)[1]
    assert mail["To"] == "ada@example.org"
    # Ada never saved a language, so her mail is in DEFAULT_LANGUAGE (docs/translating.md),
    # whatever her browser asks for.
    in_default = Words(app, app.config["DEFAULT_LANGUAGE"])
    assert mail["Subject"] == in_default(
        "You voted for it, we published it: %(title)s", title="Schools"
    )
    assert (
        "https://news.example.org/schools-investigation" in mail.get_body(("plain",)).get_content()
    )

    page.goto(base + "/account")
    votes = page.locator(
        "section", has=page.get_by_role("heading", name=words("My votes and what they led to"))
    )
    assert (
        votes.get_by_role("link", name=words("read the article")).get_attribute("href")
        == "https://news.example.org/schools-investigation"
    )


def test_the_voting_pages_pass_the_accessibility_check(app, live_server, auth, page, a11y):
    voting = Voting(app)
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    from engagement.accounts.models import Patron
    from engagement.extensions import db
    from engagement.voting import services

    with app.app_context():
        services.suggest_topic(db.session.get(Patron, patron), round_id, "Night buses", "Why")
        db.session.commit()
    page.goto(live_server.url + "/topics")
    expect(page.get_by_role("link", name="become a co-creator")).to_be_visible()
    a11y(page)
    auth.create("editor")
    browser_login(page, live_server.url, "editor@example.org")
    for url in ("/newsroom/rounds/new", "/newsroom/suggestions", "/newsroom/"):
        page.goto(live_server.url + url)
        a11y(page)
    page.goto(live_server.url + "/newsroom/rounds/new")
    page.get_by_role("button", name="Save round").click()
    expect(page.get_by_text("Give the round a title.")).to_be_visible()
    a11y(page)
