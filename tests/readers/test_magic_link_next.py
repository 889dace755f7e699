"""One-click sign-in links that return the patron where they were going (`next`)."""

from __future__ import annotations

import re

from tests.conftest import csrf_token_from
from tests.patrons.conftest import make_patron, send_outbox

LINK_RE = re.compile(r"http://localhost(/account/login/[A-Za-z0-9_\-]+(?:\?next=\S+)?)")


def _link(app, smtp_sink, email):
    send_outbox(app)
    [message] = smtp_sink.to(email)
    return LINK_RE.search(message.get_body(("plain",)).get_content()).group(1)


def test_the_link_returns_to_next_after_one_click(app, client, forms, smtp_sink):
    make_patron(app, email="pat@example.org")
    page = client.get("/account/login?next=%2Ftopics").get_data(as_text=True)
    assert 'action="/account/login?next=/topics"' in page
    client.post(
        "/account/login?next=%2Ftopics",
        data={"email": "pat@example.org", "csrf_token": csrf_token_from(page)},
    )
    link = _link(app, smtp_sink, "pat@example.org")
    assert link.endswith("?next=/topics")
    confirm = client.get(link).get_data(as_text=True)
    # In a browser the page posts itself (readers.js); the button is there for everything else.
    assert "data-auto-submit" in confirm and 'src="/static/readers.js"' in confirm
    token_path = link.split("?")[0]
    response = client.post(
        f"{token_path}?next=%2Ftopics", data={"csrf_token": csrf_token_from(confirm)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/topics"
    assert client.get("/account").status_code == 200


def test_next_to_another_site_is_dropped(app, client, smtp_sink):
    make_patron(app, email="pat@example.org")
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        page = client.get("/account/login", query_string={"next": target})
        assert "evil" not in page.get_data(as_text=True) and "javascript" not in page.get_data(
            as_text=True
        )
    page = client.get("/account/login", query_string={"next": "//evil.example/"})
    client.post(
        "/account/login",
        query_string={"next": "//evil.example/"},
        data={
            "email": "pat@example.org",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    link = _link(app, smtp_sink, "pat@example.org")
    assert "next" not in link
    confirm = client.get(link).get_data(as_text=True)
    response = client.post(
        link + "?next=https://evil.example/", data={"csrf_token": csrf_token_from(confirm)}
    )
    assert response.headers["Location"] == "/account"


def test_a_link_opened_without_a_browser_uses_nothing_up(app, client, smtp_sink):
    make_patron(app, email="pat@example.org")
    page = client.get("/account/login").get_data(as_text=True)
    client.post(
        "/account/login", data={"email": "pat@example.org", "csrf_token": csrf_token_from(page)}
    )
    link = _link(app, smtp_sink, "pat@example.org")
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200  # a scanner's GETs leave the link valid
    assert client.get("/account").status_code == 302
