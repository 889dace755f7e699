"""Every page and every mail in the pseudo-locale en_XA: any visible text that is not
pseudo-localised is a string nobody made translatable yet (docs/translating.md).

One test per page and per mail, named `<feature>-<name>`: `pytest tests/i18n -k voting` runs
one feature's. A failure lists each text left in English, with the element it sits in.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from devtools.translations import PSEUDO, pseudo
from engagement.extensions import db
from engagement.i18n import locale_for
from tests.conftest import Forms
from tests.i18n.pages import MAILS, NOT_PAGES, PAGES, Mail, Page
from tests.i18n.visible import Data, Text, unlocalised, visible_html, visible_plain

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _report(what: str, lines: list[str]) -> str:
    return (
        f"{what}: {len(lines)} visible text(s) not pseudo-localised; wrap them in _() or "
        "{% trans %} (docs/translating.md):\n  " + "\n  ".join(lines)
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_page_is_pseudo_localised(page: Page, pseudo_app, clients, refs, data):
    client = clients[page.who]
    path = page.path.format(**refs)
    response = client.get(path) if page.form is None else Forms(client).post(path, page.form)
    html = response.get_data(as_text=True)
    assert response.status_code == page.status, f"{path}: {response.status_code}\n{html[:800]}"
    assert re.search(r'<html lang="en-XA"', html), f"{path} is not served in {PSEUDO}"
    lines = unlocalised(visible_html(html), data)
    who = f", as the {page.who}" if page.who else ""
    assert not lines, _report(f"{page.id} ({path}{who})", lines)


def _context(mail: Mail, objects: dict) -> dict:
    return {
        name: objects[value[1:]] if isinstance(value, str) and value.startswith("@") else value
        for name, value in mail.context.items()
    }


def _mail_objects(refs) -> dict:
    """The demo rows the mails are written about."""
    from engagement.accounts.models import Editor, Patron
    from engagement.corrections.models import Correction, Report
    from engagement.membership.models import Donation, Membership
    from engagement.voting.models import Round, Topic

    session = db.session
    correction = session.get(Correction, refs["correction"])
    return {
        "patron": session.scalar(select(Patron).where(Patron.email == "reader@example.org")),
        "editor": session.scalar(select(Editor).order_by(Editor.id)),
        "correction": correction,
        "report": session.scalar(select(Report).where(Report.correction_id == correction.id)),
        "membership": session.scalar(
            select(Membership)
            .where(Membership.granted_by_id.is_(None), Membership.started_at.is_not(None))
            .order_by(Membership.id)
        ),
        "grant": session.get(Membership, refs["grant"]),
        "donation": session.scalar(select(Donation).order_by(Donation.id)),
        "topic": session.get(Topic, refs["topic"]),
        "other_topic": session.get(Topic, refs["other_topic"]),
        "published_topic": session.get(Topic, refs["published_topic"]),
        "published_round": session.get(Topic, refs["published_topic"]).round,
        "round": session.get(Round, refs["round"]),
        "today": date(2026, 12, 1),
        "sections": [
            {
                "kind": "correction",
                "label": "Corrections",
                "items": [
                    {
                        "summary": "A reader's summary",
                        "url": "http://localhost/newsroom/corrections/1",
                    }
                ],
            }
        ],
    }


@pytest.mark.parametrize("mail", MAILS, ids=lambda mail: mail.id)
def test_mail_is_pseudo_localised(mail: Mail, pseudo_app, refs, data):
    from engagement.notifications.outbox import render_email

    with pseudo_app.test_request_context("/"), force_locale(locale_for(PSEUDO)):
        context = _context(mail, _mail_objects(refs))
        subject, text, html = render_email(mail.template, **context)
    # The context's own values (ids, a digest line written by its feature) are data too.
    data = data.with_more(value for value in mail.context.values() if isinstance(value, str))
    data = data.with_more(
        item["summary"] for section in context.get("sections", []) for item in section["items"]
    )
    lines = unlocalised([Text("subject", subject)], data)
    lines += [f"text {line}" for line in unlocalised(visible_plain(text), data)]
    lines += [f"html {line}" for line in unlocalised(visible_html(html), data)]
    assert not lines, _report(f"{mail.id} (templates/email/{mail.template}.*)", lines)


def test_every_page_is_listed(pseudo_app, refs):
    """A new GET page joins pages.PAGES (or NOT_PAGES, saying why), so it is checked too."""
    adapter = pseudo_app.url_map.bind("localhost")
    listed = set()
    for page in PAGES:
        path = page.path.format(**refs).split("?")[0]
        try:
            listed.add(adapter.match(path, method="POST" if page.form is not None else "GET")[0])
        except NotFound:  # the not-found page
            continue
    pages = {
        rule.endpoint
        for rule in pseudo_app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith("/api/")
    }
    assert sorted(pages - listed - set(NOT_PAGES)) == []
    assert not [page.name for page in PAGES if page.feature == "unsorted"], (
        "give each screenshot its feature in tests/i18n/pages.py SCREENSHOT_FEATURES"
    )


def test_every_mail_is_listed():
    templates = {path.stem for path in (TEMPLATES / "email").glob("*.txt")}
    assert templates == {mail.template for mail in MAILS}


# The checker itself: it must catch English and let pseudo-localised text and data through.


def test_the_checker_reports_english_and_passes_pseudo_text_and_data():
    data = Data(["Fix the bridge story", "Oksana", "past_due"])
    page = (
        f'<html lang="en-XA"><body><h1>{pseudo("Topics")}</h1><p>Vote now</p>'
        f"<p>{pseudo('Suggested by %(name)s') % {'name': 'Oksana'}}</p>"
        '<p>Fix the bridge story</p><button title="Close">×</button>'
        '<input type="submit" value="Send"><script>var english = "yes";</script>'
        '<a lang="uk" href="?lang=uk">Українська</a><span translate="no">Engagement</span>'
        "<p>https://news.example.org/story · someone@example.org</p>"
        "<p>past_due</p><td>€3 · 12</td></body></html>"
    )
    lines = unlocalised(visible_html(page), data)
    assert lines == [
        "<p>: 'Vote now'",
        "<button title>: 'Close'",
        "<input value>: 'Send'",
        "<p>: 'past_due'",
    ]


def test_a_shortened_data_string_is_data_but_a_short_word_is_not():
    data = Data(["The council approved the budget without a public vote"])
    assert unlocalised([Text("<td>", "The council approved the…")], data) == []
    assert unlocalised([Text("<td>", "approved")], data) == ["<td>: 'approved'"]
