"""The readers' header and footer show the links the features register, per app, and mark the
section of the page being shown."""

from __future__ import annotations

import re

from flask import Blueprint

from engagement import create_app
from engagement.chrome import nav_of, register_reader_nav


def _header(html: str) -> list[tuple[str, bool]]:
    nav = html[html.index('<ul class="nav reader-nav">') :]
    nav = nav[: nav.index("</ul>")]
    return [
        (label, bool(current))
        for current, label in re.findall(
            r'<a href="[^"]+"( aria-current="page")?[^>]*>([^<]+)</a>', nav
        )
    ]


def _footer(html: str) -> list[str]:
    links = html[html.index('<ul class="footer-links">') :]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', links[: links.index("</ul>")])


def test_the_header_and_footer_show_the_registered_links_in_order(client):
    html = client.get("/corrections/report").get_data(as_text=True)
    assert _header(html) == [
        ("Support", False),
        ("Topics", False),
        ("Corrections", True),
        ("Sign in", False),
    ]
    assert _footer(html) == [
        "Home",
        "Support",
        "Topics",
        "Corrections",
        "Sign in",
        "Corrections feed (Atom)",
    ]


def test_a_page_below_a_section_marks_that_section(client):
    html = client.get("/account/login/not-a-real-token").get_data(as_text=True)
    assert ("Sign in", True) in _header(html)
    html = client.get("/no-such-page").get_data(as_text=True)
    assert [label for label, current in _header(html) if current] == []


def test_a_link_registered_on_a_blueprint_shows_only_in_its_own_app(app, app_config):
    extra = Blueprint("extra_reader_link", __name__)
    extra.add_url_rule("/extra", "page", lambda: "extra")
    register_reader_nav(extra, "extra", "Extra", "extra_reader_link.page", order=15)
    other = create_app(app_config)
    other.register_blueprint(extra)
    labels = [
        label for label, _ in _header(other.test_client().get("/support").get_data(as_text=True))
    ]
    assert labels == ["Support", "Extra", "Topics", "Corrections", "Sign in"]
    assert "extra" not in nav_of(app).links
