"""The readers' journeys in chromium at 1280x800 and 390x844 (issue 15, section 6), in English
and in Ukrainian (issue 21; tests/e2e/conftest.py): every page passes axe-core, has no
horizontal overflow at phone width, and every control is reachable by keyboard; joining signs
the new patron in; voting happens in place. Every page is checked to be in the reader's language,
and what the reader clicks is found by the catalog's words for it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_in_language
from tests.membership.conftest import (  # noqa: F401 - the Stripe emulator wired to the app
    app_config,
    coffee,
    stripe_live,
)
from tests.voting.conftest import Voting

pytestmark = pytest.mark.e2e

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
# Each page with the msgid of its main heading (and the heading's values).
PAGES = [
    ("/", "Journalism our readers pay for, and help steer", {}),
    ("/support", "Support %(newsroom)s", {"newsroom": "NEWSROOM_NAME"}),
    ("/support?interval=year", "Support %(newsroom)s", {"newsroom": "NEWSROOM_NAME"}),
    ("/topics", "Vote on what we cover next", {}),
    ("/corrections", "Corrections", {}),
    ("/corrections/report", "Report a mistake", {}),
    ("/account/login", "Sign in to your account", {}),
    ("/no-such-page", "Not found", {}),
]
LINK_RE = re.compile(r"https?://\S+/account/login/\S+")
# Every element a keyboard user must reach, and which of them the Tab key did reach.
REACHABLE = """() => {
  const sel = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
    + ' select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  return [...document.querySelectorAll(sel)].filter(el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
      && !el.closest('[aria-hidden=true]') && !(el.type === 'radio' && !el.checked)
      && !(el.closest('details:not([open])') && el.tagName !== 'SUMMARY');
  }).map(el => el.outerHTML.slice(0, 120));
}"""


@pytest.fixture(params=list(SIZES))
def sized(request, reader_page):
    """The reader's page (in the reader's language) at one of the two sizes."""
    page = reader_page
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    page.size_name = request.param
    return page


def check_page(page, a11y) -> None:
    """axe-core clean, no horizontal overflow, every control reachable with Tab."""
    a11y(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px too wide at {page.size_name}"
    wanted = set(page.evaluate(REACHABLE))
    reached = set()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(len(wanted) * 2 + 5):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))
    assert wanted <= reached, f"not reachable by keyboard on {page.url}: {wanted - reached}"


def test_every_readers_page_passes_at_both_sizes(app, live_server, sized, words, a11y):
    Voting(app).round(
        topics=(
            "Housing",
            "Schools",
            "A topic with a rather long title that "
            "must wrap on a phone without pushing the page wider",
        )
    )
    for path, heading, values in PAGES:
        sized.goto(live_server.url + path)
        assert_in_language(
            sized, words, heading, **{name: app.config[setting] for name, setting in values.items()}
        )
        check_page(sized, a11y)
    sized.goto(live_server.url + "/topics")
    sized.get_by_role("link", name=words("Support")).first.click()
    expect(sized.get_by_role("link", name=words("Support")).first).to_have_attribute(
        "aria-current", "page"
    )


def test_join_from_a_card_and_come_back_signed_in(
    app, live_server, stripe_live, coffee, sized, words, a11y
):
    sized.goto(live_server.url + "/support")
    yearly = sized.get_by_role("link", name=re.compile("^" + re.escape(words("Yearly"))))
    yearly.click()  # in place: the cards show yearly prices, the URL follows
    expect(sized.get_by_text(words.money(3000)).first).to_be_visible()
    assert sized.url.endswith("/support?interval=year")
    check_page(sized, a11y)
    sized.get_by_role("button", name=f"{words('Join')} Coffee").click()
    # Stripe's page (the emulator's) speaks its own words.
    sized.wait_for_url(re.compile(re.escape(stripe_live.url) + r"/checkout/cs_"))
    sized.get_by_label("Email").fill(f"{sized.size_name}@example.org")
    sized.get_by_label("Card number").fill("4242 4242 4242 4242")
    sized.get_by_role("button", name="Pay").click()
    sized.get_by_role("heading", name=words("Welcome, co-creator!")).wait_for(timeout=20_000)
    assert_in_language(sized, words, "Welcome, co-creator!")
    expect(
        sized.get_by_text(
            words.text(
                "You are signed in as <strong>%(email)s</strong>.",
                email=f"{sized.size_name}@example.org",
            )
        )
    ).to_be_visible()
    check_page(sized, a11y)
    sized.get_by_role("link", name=words("Vote on what we cover next")).click()
    sized.wait_for_url(live_server.url + "/topics")
    expect(sized.get_by_role("link", name=words("Your account")).first).to_be_visible()


def test_a_co_creator_signs_in_with_one_click_and_votes_in_place(
    app, live_server, runner, smtp_sink, sized, words, a11y
):
    voting = Voting(app)
    voting.patron("ada@example.org")
    _round_id, topics = voting.round(topics=("Housing", "Schools"), budget=1)
    base = live_server.url
    sized.goto(base + "/topics")
    assert_in_language(sized, words, "Become a co-creator to vote")
    sized.get_by_role("link", name=words("Already a co-creator? Sign in to vote")).click()
    sized.get_by_label(words("Email")).fill("ada@example.org")
    with sized.expect_navigation():  # the mail is queued before the page comes back
        sized.get_by_role("button", name=words("Email me a sign-in link")).click()
    assert runner.invoke(args=["worker", "--once", "--no-digests"]).exit_code == 0
    mail = smtp_sink.wait_for(1)[0]  # in the language of the page it was asked from
    assert mail["Subject"] == words(
        "Your sign-in link for %(newsroom)s", newsroom=app.config["NEWSROOM_NAME"]
    )
    link = LINK_RE.search(mail.get_body(("plain",)).get_content()).group(0)
    sized.goto(link)  # one click: the page signs in by itself and returns to /topics
    sized.wait_for_url(base + "/topics")
    assert_in_language(sized, words, "Vote on what we cover next")
    check_page(sized, a11y)

    def left(remaining):
        return words.plural(
            "You have %(remaining)s of %(count)s vote left in this round.",
            "You have %(remaining)s of %(count)s votes left in this round.",
            1,
            count=1,
            remaining=remaining,
        )

    def votes(count):
        return words.plural("%(count)s vote", "%(count)s votes", count, count=count)

    sized.evaluate("window.notReloaded = true")
    housing = sized.locator(f"#topic-{topics[0]}")
    housing.get_by_role("button", name=words("Vote"), exact=True).focus()
    sized.keyboard.press("Enter")
    expect(sized.get_by_role("status").filter(has_text=words("Your vote is in."))).to_be_visible()
    expect(housing.get_by_text(votes(1), exact=True)).to_be_visible()
    expect(sized.get_by_text(left(0))).to_be_visible()
    schools = sized.locator(f"#topic-{topics[1]}").get_by_role(
        "button", name=words("Vote"), exact=True
    )
    expect(schools).to_be_disabled()
    expect(
        sized.get_by_text(
            words("You have used all your votes: take one back to vote for another topic.")
        )
    ).to_be_visible()
    assert sized.evaluate("window.notReloaded") is True
    a11y(sized)

    housing.get_by_role("button", name=words("Take back my vote")).click()
    expect(housing.get_by_text(votes(0), exact=True)).to_be_visible()
    expect(schools).to_be_enabled()
    assert sized.evaluate("window.notReloaded") is True
    sized.reload()  # and the server agrees
    expect(sized.get_by_text(left(1))).to_be_visible()
