"""The public corrections log and its Atom feed, the mail that closes the loop with readers, and
the link that stops such mails."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import select

from engagement.corrections.models import Report
from engagement.extensions import db
from tests.corrections.triage_data import ARTICLE, T0, make_corrections, report

READER = "reader@example.net"
NOTE = "We wrote six months; the bridge opened five months after the promised date."


@pytest.fixture
def editor(auth):
    auth.login("editor")


def decide(forms, correction_id: int, *statuses: str, note: str = NOTE):
    url = f"/newsroom/corrections/{correction_id}"
    for status in statuses:
        response = forms.post(f"{url}/status", {"status": status, "public_note": note}, page=url)
        assert response.status_code == 302, response.get_data(as_text=True)


def send_mail(runner) -> str:
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    return result.output


def stop_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://localhost(/corrections/stop-mails/\S+)", text).group(1)


# --- the public log and the feed ------------------------------------------------------------


def test_the_log_shows_corrected_and_clarified_only_newest_first_with_their_notes(app, client):
    older, newer, _, _ = make_corrections(
        app,
        [
            {
                "status": "corrected",
                "public_note": "It was five months.",
                "resolved_at": T0 + timedelta(days=1),
                "article_title": "Bridge opens",
            },
            {
                "status": "clarified",
                "public_note": "We meant the new bridge.",
                "resolved_at": T0 + timedelta(days=2),
                "article_title": "Council budget",
                "article_url": "https://news.example.org/2026/budget",
            },
            {"status": "no_action", "public_note": "not public", "resolved_at": T0},
            {"status": "in_review", "public_note": "draft, not public"},
        ],
    )
    response = client.get("/corrections")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index(f'id="correction-{newer}"') < page.index(f'id="correction-{older}"')
    assert "It was five months." in page and "We meant the new bridge." in page
    assert "Corrected on" in page and "Clarified on" in page and "2 November 2026" in page
    assert "not public" not in page
    assert 'type="application/atom+xml"' in page


def test_the_log_is_paginated_and_filterable_by_article(app, client):
    specs = [
        {
            "status": "corrected",
            "public_note": f"Note {n}",
            "resolved_at": T0 + timedelta(minutes=n // 2),  # ties on the sort key
            "article_url": ARTICLE if n % 3 else "https://news.example.org/other",
        }
        for n in range(45)
    ]
    ids = make_corrections(app, specs)
    seen, url = [], "/corrections"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [
            int(i)
            for i in re.findall(
                r'<article class="public-correction" id="correction-'
                r'(\d+)"',
                html,
            )
        ]
        found = re.search(r'href="([^"]+)" rel="next"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == sorted(ids, key=lambda i: (specs[ids.index(i)]["resolved_at"], i), reverse=True)
    other = client.get("/corrections?article=https://news.example.org/other")
    shown = re.findall(r'id="correction-(\d+)"', other.get_data(as_text=True))
    assert len(shown) == 15
    assert "Showing the corrections of one article." in other.get_data(as_text=True)
    assert client.get("/corrections?after=garbage").status_code == 400


def test_the_feed_is_valid_atom(app, client):
    first, second = make_corrections(
        app,
        [
            {
                "status": "corrected",
                "public_note": "It was five months.",
                "resolved_at": T0 + timedelta(days=1),
                "article_title": "Bridge opens",
            },
            {
                "status": "clarified",
                "public_note": "We meant the new bridge.",
                "resolved_at": T0 + timedelta(days=2),
            },
        ],
    )
    response = client.get("/corrections/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == "http://localhost/corrections/feed.atom"
    assert feed.feed.updated == "2026-11-03T12:00:00Z"
    assert any(
        link.rel == "self" and link.href == "http://localhost/corrections/feed.atom"
        for link in feed.feed.links
    )
    assert [e.id for e in feed.entries] == [
        f"http://localhost/corrections#correction-{i}" for i in (second, first)
    ]
    entry = feed.entries[1]
    assert entry.title == "Correction: Bridge opens"
    assert entry.updated == "2026-11-02T12:00:00Z"
    assert entry.link == ARTICLE
    assert "It was five months." in entry.content[0].value


def test_an_empty_feed_is_still_valid(client):
    feed = feedparser.parse(client.get("/corrections/feed.atom").get_data())
    assert feed.bozo is False and feed.entries == []


# --- closing the loop -----------------------------------------------------------------------


def test_a_reader_who_asked_gets_exactly_one_mail_when_the_passage_is_corrected(
    app, forms, runner, smtp_sink, editor
):
    cid, _ = report(app, email=READER, notify=True, suggestion="five months later")
    report(app, email="quiet@example.net", notify=False)
    report(app)  # anonymous
    send_mail(runner)  # the editors' alert about the new correction
    decide(forms, cid, "in_review", "corrected")
    send_mail(runner)
    mails = smtp_sink.to(READER)
    assert len(mails) == 1
    assert smtp_sink.to("quiet@example.net") == []
    mail = mails[0]
    assert mail["Subject"] == "We corrected the passage you reported"
    text = mail.get_body(("plain",)).get_content()
    assert NOTE in text and f"The article: {ARTICLE}" in text
    assert "http://localhost/corrections/stop-mails/" in text
    html = mail.get_body(("html",)).get_content()
    assert NOTE in html and "No more mails about my reports" in html

    # Reopened and corrected again: no second mail for the same report.
    decide(forms, cid, "in_review", "corrected")
    send_mail(runner)
    assert len(smtp_sink.to(READER)) == 1


def test_no_action_tells_the_reader_and_spam_never_does(app, forms, runner, smtp_sink, editor):
    kept, _ = report(app, exact="first passage", email=READER, notify=True)
    junk, _ = report(app, exact="second passage", email="junk@example.net", notify=True)
    decide(forms, kept, "no_action")
    decide(forms, junk, "spam")
    send_mail(runner)
    (mail,) = smtp_sink.to(READER)
    assert mail["Subject"] == "About the passage you reported"
    assert "decided to leave the passage as it is" in mail.get_body(("plain",)).get_content()
    assert smtp_sink.to("junk@example.net") == []


def test_reports_merged_into_a_corrected_correction_hear_at_once(
    app, forms, runner, smtp_sink, editor
):
    target, _ = report(app, exact="six months later", email=READER, notify=True)
    decide(forms, target, "in_review", "corrected")
    source, _ = report(app, exact="six months", email="late@example.net", notify=True)
    url = f"/newsroom/corrections/{source}"
    assert forms.post(f"{url}/merge", {"target": str(target)}, page=url).status_code == 302
    send_mail(runner)
    assert len(smtp_sink.to(READER)) == 1 and len(smtp_sink.to("late@example.net")) == 1


def test_the_stop_link_asks_first_then_stops_every_mail_for_that_email(
    app, client, forms, runner, smtp_sink, editor
):
    first, _ = report(app, exact="first passage", email=READER, notify=True)
    second, _ = report(app, exact="second passage", email=READER, notify=True)
    decide(forms, first, "no_action")
    send_mail(runner)
    link = stop_link(smtp_sink.to(READER)[0])

    page = client.get(link)
    assert page.status_code == 200
    assert READER in page.get_data(as_text=True)
    assert "Stop mails about my reports</button>" in page.get_data(as_text=True)
    with app.app_context():  # opening the link changed nothing
        assert all(db.session.scalars(select(Report.notify).where(Report.email == READER)))

    assert client.post(link).status_code == 400  # no CSRF token
    done = forms.post(link)
    assert done.status_code == 302
    assert "we will not write to you" in client.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert not any(db.session.scalars(select(Report.notify).where(Report.email == READER)))

    decide(forms, second, "no_action")
    send_mail(runner)
    assert len(smtp_sink.to(READER)) == 1


@pytest.mark.parametrize("token", ["nonsense", "eyJlbWFpbCI6ImFAYi5jIn0.forged.sig"])
def test_a_forged_stop_link_is_404(client, token):
    assert client.get(f"/corrections/stop-mails/{token}").status_code == 404
