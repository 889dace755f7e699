"""Fuzzing every route (issue 14, item 8): no hostile value in a path, a query string or a form
gets a 5xx.

The test walks `app.url_map`. For each route it puts hostile values (huge and odd numbers, NUL,
CR LF, 1e30, deep and very long text, impossible dates) into:
- each path parameter (the others real: the world of the authorization matrix);
- the query string of every GET route: every field of the page's own GET forms one at a time,
  and a fixed list of the names the app reads, all at once;
- every field of every form the app renders for a POST route (scraped from the pages, its
  other fields keeping the page's values and the CSRF token valid), one at a time and all at
  once; and a 16,000-`[` JSON body to every POST route.
The visitor is signed in as an admin and, in the same browser, as a co-creator, so every
guard lets the request through to the code behind it. The routes that end the session go last.
schemathesis covers the JSON API (test_api_fuzzing.py)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from engagement.accounts.models import Patron
from engagement.extensions import db
from tests.reliability.test_authorization import PLACEHOLDER, _url, _world

HOSTILE = [
    "9223372036854775808",
    "2147483648",
    "-1",
    "0",
    "1e30",
    "NaN",
    "²",
    "9" * 5000,
    "\x00",
    "a\x00b",
    "x\r\nSet-Cookie: a=b",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "[" * 5000,
    "x" * 20000,
    "%_\\'\"<script>",
    "\u202e😀\ufeff",
]
# Query-string names the app reads somewhere (request.args), sent to every GET route at once.
QUERY_NAMES = [
    "q",
    "page",
    "after",
    "before",
    "since",
    "until",
    "status",
    "article",
    "sort",
    "tier",
    "outcome",
    "next",
    "session_id",
    "interval",
    "url",
    "title",
    "done",
    "email",
    "has_suggestion",
]
# Last, in this order: they end the session (or erase the patron) the others need.
ENDING = [
    "/account/delete/confirm",
    "/account/logout",
    "/account/logout-everywhere",
    "/newsroom/logout",
    "/newsroom/logout-everywhere",
]
SKIP_FIELDS = {"csrf_token"}


@pytest.fixture
def app_config(app_config, stripe_config):
    """No rate limits (thousands of requests from one address); Stripe is the emulator, so a
    valid checkout or tier save goes through instead of answering 503."""
    return {**app_config, **stripe_config, "RATELIMIT_ENABLED": False}


class Forms(HTMLParser):
    """The forms of a page: (method, action, {field: value})."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((attr.get("method", "get").upper(), attr.get("action", ""), {}))
        if not self.forms or "name" not in attr and tag != "option":
            return
        fields = self.forms[-1][2]
        if tag == "input":
            kind = attr.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attr and attr["name"] in fields:
                return
            if kind not in ("submit", "button"):
                fields[attr["name"]] = attr.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self._textarea = attr["name"]
            fields[attr["name"]] = ""
        elif tag == "select":
            self._select = attr["name"]
        elif (
            tag == "option" and self._select and (self._select not in fields or "selected" in attr)
        ):
            fields[self._select] = attr.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][2][self._textarea] += data


def _rule_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path, method=method, return_rule=True)
    except HTTPException:
        return None
    return rule.rule


def _visitor(app, auth, world):
    """One browser: an admin signed in through the login page, and a co-creator's session."""
    client = app.test_client()
    auth.client = auth.forms.client = client
    auth.login("admin")
    with app.app_context():
        version = db.session.get(Patron, world["cocreator"]).session_version
    with client.session_transaction() as session:
        session["patron_id"], session["patron_sv"] = world["cocreator"], version
    return client


class Fuzz:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self.codes: Counter[int] = Counter()
        self.errors: list[str] = []

    def send(self, method: str, url: str, **kwargs) -> None:
        response = self.client.open(url, method=method, **kwargs)
        response.close()  # a streamed answer (the CSV) holds its context until closed
        self.codes[response.status_code] += 1
        if response.status_code >= 500:
            data = kwargs.get("data")
            shown = (
                {k: (v[:40] if isinstance(v, str) else v) for k, v in data.items()}
                if isinstance(data, dict)
                else str(data)[:40]
            )
            self.errors.append(f"{method} {url[:200]} {shown}: {response.status_code}")


def _path_variants(rule: str, world: dict) -> list[str]:
    """The rule's URL with each parameter in turn replaced by each hostile value."""
    urls = []
    for match in PLACEHOLDER.finditer(rule):
        for value in HOSTILE:
            hostile = rule[: match.start()] + quote(value, safe="") + rule[match.end() :]
            urls.append(_url(hostile, world))
    return urls


def test_no_hostile_path_query_or_form_value_gets_a_5xx(app, client, auth):
    world = _world(app, client)
    visitor = _visitor(app, auth, world)
    fuzz = Fuzz(app, visitor)
    rules = sorted(
        {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    )
    get_rules = [rule for rule, method in rules if method == "GET"]
    post_rules = sorted(
        (rule for rule, method in rules if method == "POST"),
        key=lambda rule: (rule in ENDING, ENDING.index(rule) if rule in ENDING else 0, rule),
    )

    # The forms of every page, each under the rule it posts to.
    post_forms: dict[str, list[tuple[str, dict]]] = {}
    get_forms: dict[str, set[str]] = {}
    for rule in get_rules:
        page = _url(rule, world)
        response = visitor.get(page)
        response.close()
        if "text/html" not in response.content_type:
            continue
        parser = Forms()
        parser.feed(response.get_data(as_text=True))
        for method, action, fields in parser.forms:
            target = urlsplit(action).path or urlsplit(page).path
            if method == "GET":
                get_forms.setdefault(rule, set()).update(set(fields) - SKIP_FIELDS)
            elif (posted := _rule_of(app, target, "POST")) is not None:
                post_forms.setdefault(posted, []).append((target, fields))
    token = next(
        fields["csrf_token"]
        for forms in post_forms.values()
        for _, fields in forms
        if "csrf_token" in fields
    )

    for rule in get_rules:
        url = _url(rule, world)
        for value in HOSTILE:
            fuzz.send("GET", f"{url}?{urlencode(dict.fromkeys(QUERY_NAMES, value))}")
            for name in sorted(get_forms.get(rule, ())):
                fuzz.send("GET", f"{url}?{urlencode({name: value})}")
        for hostile_url in _path_variants(rule, world):
            fuzz.send("GET", hostile_url)

    for rule in post_rules:
        forms = post_forms.get(rule) or [(_url(rule, world), {"title": "", "email": ""})]
        for target, fields in forms[:2]:  # a form shown on two pages is fuzzed twice at most
            names = sorted(set(fields) - SKIP_FIELDS)
            for value in HOSTILE:
                base = {**fields, "csrf_token": token}
                fuzz.send("POST", target, data={**base, **dict.fromkeys(names, value)})
                for name in names:
                    fuzz.send("POST", target, data={**base, name: value})
        url = _url(rule, world)
        fuzz.send(
            "POST",
            url,
            data="[" * 16000,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        for hostile_url in _path_variants(rule, world):
            fuzz.send("POST", hostile_url, data={"csrf_token": token})

    total = sum(fuzz.codes.values())
    print(
        f"\nroute fuzzing: {len(rules)} route-methods, {total} requests, "
        f"status codes {sorted(fuzz.codes.items())}"
    )
    assert len(post_forms) > 25, sorted(post_forms)  # the scraper found the app's forms
    assert not fuzz.errors, f"{len(fuzz.errors)} answers 5xx:\n" + "\n".join(fuzz.errors[:40])
