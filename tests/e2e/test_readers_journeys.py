"""The readers' journeys in chromium at 1280x800 and 390x844 (issue 15, section 6): every page
passes axe-core, has no horizontal overflow at phone width, and every control is reachable by
keyboard; joining signs the new patron in; voting happens in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.membership.conftest import (  # noqa: F401 - the Stripe emulator wired to the app
    app_config,
    coffee,
    stripe_live,
)
from tests.voting.conftest import Voting

pytestmark = pytest.mark.e2e

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
PAGES = ["/", "/support", "/support?interval=year", "/topics", "/corrections",
         "/corrections/report", "/account/login", "/no-such-page"]
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
def sized(request, page):
    """The page at one of the two sizes."""
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


def test_every_readers_page_passes_at_both_sizes(app, live_server, sized, a11y):
    Voting(app).round(topics=("Housing", "Schools", "A topic with a rather long title that "
                              "must wrap on a phone without pushing the page wider"))
    for path in PAGES:
        sized.goto(live_server.url + path)
        check_page(sized, a11y)
    sized.goto(live_server.url + "/topics")
    sized.get_by_role("link", name="Support").first.click()
    expect(sized.get_by_role("link", name="Support").first).to_have_attribute(
        "aria-current", "page")


def test_join_from_a_card_and_come_back_signed_in(app, live_server, stripe_live, coffee,
                                                   sized, a11y):
    sized.goto(live_server.url + "/support")
    yearly = sized.get_by_role("link", name=re.compile("^Yearly"))
    yearly.click()  # in place: the cards show yearly prices, the URL follows
    expect(sized.get_by_text("€30").first).to_be_visible()
    assert sized.url.endswith("/support?interval=year")
    check_page(sized, a11y)
    sized.get_by_role("button", name="Join Coffee").click()
    sized.wait_for_url(re.compile(re.escape(stripe_live.url) + r"/checkout/cs_"))
    sized.get_by_label("Email").fill(f"{sized.size_name}@example.org")
    sized.get_by_label("Card number").fill("4242 4242 4242 4242")
    sized.get_by_role("button", name="Pay").click()
    sized.get_by_role("heading", name="Welcome, co-creator!").wait_for(timeout=20_000)
    expect(sized.get_by_text(f"You are signed in as {sized.size_name}@example.org")
           ).to_be_visible()
    check_page(sized, a11y)
    sized.get_by_role("link", name="Vote on what we cover next").click()
    sized.wait_for_url(live_server.url + "/topics")
    expect(sized.get_by_role("link", name="Your account").first).to_be_visible()


def test_a_co_creator_signs_in_with_one_click_and_votes_in_place(app, live_server, runner,
                                                                  smtp_sink, sized, a11y):
    voting = Voting(app)
    voting.patron("ada@example.org")
    _round_id, topics = voting.round(topics=("Housing", "Schools"), budget=1)
    base = live_server.url
    sized.goto(base + "/topics")
    expect(sized.get_by_role("heading", name="Become a co-creator to vote")).to_be_visible()
    sized.get_by_role("link", name="Already a co-creator? Sign in to vote").click()
    sized.get_by_label("Email").fill("ada@example.org")
    sized.get_by_role("button", name="Email me a sign-in link").click()
    assert runner.invoke(args=["worker", "--once", "--no-digests"]).exit_code == 0
    link = LINK_RE.search(smtp_sink.wait_for(1)[0].get_body(("plain",)).get_content()).group(0)
    sized.goto(link)  # one click: the page signs in by itself and returns to /topics
    sized.wait_for_url(base + "/topics")
    check_page(sized, a11y)

    sized.evaluate("window.notReloaded = true")
    housing = sized.locator(f"#topic-{topics[0]}")
    housing.get_by_role("button", name="Vote", exact=True).focus()
    sized.keyboard.press("Enter")
    expect(sized.get_by_role("status").filter(has_text="Your vote is in.")).to_be_visible()
    expect(housing.get_by_text("1 vote", exact=True)).to_be_visible()
    expect(sized.get_by_text("You have 0 of 1 vote left in this round.")).to_be_visible()
    schools = sized.locator(f"#topic-{topics[1]}").get_by_role("button", name="Vote", exact=True)
    expect(schools).to_be_disabled()
    expect(sized.get_by_text("You have used all your votes")).to_be_visible()
    assert sized.evaluate("window.notReloaded") is True
    a11y(sized)

    housing.get_by_role("button", name="Take back my vote").click()
    expect(housing.get_by_text("0 votes", exact=True)).to_be_visible()
    expect(schools).to_be_enabled()
    assert sized.evaluate("window.notReloaded") is True
    sized.reload()  # and the server agrees
    expect(sized.get_by_text("You have 1 of 1 vote left in this round.")).to_be_visible()
