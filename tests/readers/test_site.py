"""One site: the home page, the header and footer on every readers' page, HOME_URL, the favicon,
and the CSS budget."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import pytest

from engagement import create_app
from engagement.config import ConfigError
from engagement.database import utcnow
from tests.corrections.triage_data import make_corrections
from tests.voting.conftest import Voting

READERS_PAGES = [
    "/",
    "/support",
    "/topics",
    "/corrections",
    "/corrections/report",
    "/account/login",
    "/no-such-page",
]
CSS_BUDGET = 20 * 1024


def _correction(app, note="The bridge cost 5.1 million, not 4.2 million."):
    make_corrections(
        app,
        [
            {
                "status": "corrected",
                "public_note": note,
                "resolved_at": utcnow() - timedelta(hours=1),
            }
        ],
    )


def test_home_shows_the_offer_the_open_rounds_top_topics_and_the_latest_corrections(app, client):
    voting = Voting(app)
    voting.patron("ada@example.org")
    _round_id, topics = voting.round(topics=("Housing", "Schools", "Transport", "Parks"))
    _correction(app)
    html = client.get("/").get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert "Coffee" in html and "€3 a month" in html
    assert "What should we cover next?" in html and "See all 4 topics and vote" in html
    assert html.count('<span class="topic-name">') == 3
    assert "The bridge cost 5.1 million, not 4.2 million." in html
    assert 'href="/support"' in html and 'href="/corrections"' in html


def test_a_sealed_round_on_the_home_page_shows_no_counts(app, client):
    Voting(app).round(visibility="sealed")
    html = client.get("/").get_data(as_text=True)
    assert "Housing" in html and 'class="count"' not in html


def test_every_readers_page_has_the_header_with_the_current_section_marked(client):
    for path, current in [
        ("/support", "Support"),
        ("/topics", "Topics"),
        ("/corrections", "Corrections"),
        ("/account/login", "Sign in"),
    ]:
        html = client.get(path).get_data(as_text=True)
        marked = re.findall(r'<a href="[^"]+" aria-current="page"[^>]*>([^<]+)</a>', html)
        assert marked == [current], (path, marked)
    for path in READERS_PAGES:
        html = client.get(path).get_data(as_text=True)
        for label in ("Support", "Topics", "Corrections", "Sign in"):
            assert f">{label}</a>" in html, (path, label)
        assert '<nav aria-label="Footer">' in html, path
        assert '<link rel="icon" href="/static/favicon.svg"' in html, path


def test_the_brand_goes_home_or_to_HOME_URL(app_config):
    app = create_app(app_config)
    html = app.test_client().get("/support").get_data(as_text=True)
    assert '<a class="brand" href="/">' in html
    app = create_app({**app_config, "HOME_URL": "https://news.example.org/"})
    html = app.test_client().get("/support").get_data(as_text=True)
    assert '<a class="brand" href="https://news.example.org/">' in html
    assert "Back to The Independent Ledger</a>" in html
    with pytest.raises(ConfigError, match="HOME_URL"):
        create_app({**app_config, "HOME_URL": "javascript:alert(1)"})


def test_the_404_page_links_to_a_home_that_exists(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert '<a href="/">Go to the front page</a>' in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_favicon(client):
    assert client.get("/static/favicon.svg").status_code == 200
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


def test_the_css_of_all_readers_pages_is_under_20_kb_gzipped(client):
    """Every stylesheet a readers' page links, served by the app, gzipped, added up."""
    sheets = set()
    for path in READERS_PAGES:
        html = client.get(path).get_data(as_text=True)
        sheets |= set(re.findall(r'<link rel="stylesheet" href="([^"]+)"', html))
    assert {
        "/static/site.css",
        "/static/readers.css",
        "/static/membership.css",
        "/static/voting.css",
    } <= sheets
    sizes = {}
    for href in sorted(sheets):
        response = client.get(href)
        assert response.status_code == 200, href
        sizes[href] = len(gzip.compress(response.get_data(), compresslevel=9))
    assert sum(sizes.values()) < CSS_BUDGET, sizes
