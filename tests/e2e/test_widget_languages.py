"""The widget in chromium in the page's language: its words from the service's catalogs, and the
language carried to the pages it links to."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _in(language):
    def rewrite(route):
        response = route.fetch()
        route.fulfill(
            response=response,
            body=response.text().replace('data-lang="en"', f'data-lang="{language}"'),
        )

    return rewrite


def test_the_widget_fetches_its_ukrainian_once_and_links_to_the_form_in_ukrainian(
    live_server, page, a11y
):
    fetched = []
    page.on(
        "request",
        lambda request: fetched.append(request.url) if "/widget/messages/" in request.url else None,
    )
    page.route(live_server.url + "/demo/article", _in("uk-UA"))
    page.goto(live_server.url + "/demo/article")
    hint = page.locator(".engw-hint")
    hint.get_by_role("button", name="Запропонувати виправлення").wait_for()
    a11y(page)
    assert len(fetched) == 1 and fetched[0].endswith("/uk-ua.json")
    link = hint.get_by_role("link", name="Або напишіть нам")
    assert link.get_attribute("href").endswith("&lang=uk-ua")
    link.click()
    page.wait_for_url("**/corrections/report?**")
    assert page.locator("html").get_attribute("lang") == "uk"


def test_english_needs_no_catalog(live_server, page):
    fetched = []
    page.on(
        "request",
        lambda request: fetched.append(request.url) if "/widget/messages/" in request.url else None,
    )
    page.goto(live_server.url + "/demo/article")
    page.locator(".engw-hint").get_by_role("button", name="Suggest a correction").wait_for()
    assert fetched == []


def test_in_the_pseudo_locale_the_widget_is_pseudo_localised_too(live_server, page):
    page.goto(live_server.url + "/demo/article?lang=en_XA")
    hint = page.locator(".engw-hint")
    hint.get_by_role("button", name="[Šûĝĝéšţ á çöŕŕéçţîöñ]").wait_for()
    assert hint.inner_text().startswith("[Ƒöûñð á ɱîšţáķé?")


def test_a_catalog_that_does_not_come_leaves_the_widget_in_english(live_server, page):
    page.route("**/widget/messages/**", lambda route: route.abort())
    page.route(live_server.url + "/demo/article", _in("uk"))
    page.goto(live_server.url + "/demo/article")
    page.locator(".engw-hint").get_by_role("button", name="Suggest a correction").wait_for()
