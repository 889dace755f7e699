"""The dashboard's headline figures: a value, a trend and a 12-week sparkline each, counted in
SQL; zero-states that say what to do next; links into each list."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from engagement.accounts.models import Patron
from engagement.corrections.models import Correction
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership
from engagement.newsroom.trends import levels_back, sparkline

DAY = timedelta(days=1)


def _headline(html: str, key: str) -> str:
    match = re.search(rf'<li class="headline" id="headline-{key}">(.*?)</li>', html, re.S)
    assert match, f"no headline {key}"
    return unescape(match.group(1))


def _patron(
    email: str, started_days_ago: float, ended_days_ago: float | None = None, amount: int = 500
) -> None:
    now = utcnow()
    patron = Patron(email=email, name="")
    db.session.add(patron)
    db.session.flush()
    ended = now - ended_days_ago * DAY if ended_days_ago is not None else None
    db.session.add(
        Membership(
            patron_id=patron.id,
            source="stripe",
            status="canceled" if ended else "active",
            interval="month",
            amount=amount,
            currency="eur",
            started_at=now - started_days_ago * DAY,
            access_until=ended or now + 20 * DAY,
            ended_at=ended,
        )
    )


def _correction(n: int, reported_days_ago: float, status: str = "new") -> None:
    at = utcnow() - reported_days_ago * DAY
    db.session.add(
        Correction(
            article_url="https://news.example.org/a",
            article_host="news.example.org",
            quote_exact=f"passage {n}",
            quote_key=f"k{n}",
            anchor_key=f"a{n}",
            status=status,
            report_count=1,
            first_reported_at=at,
            last_reported_at=at,
            created_at=at,
            resolved_at=None if status in ("new", "in_review") else at + DAY,
        )
    )


def test_an_empty_newsroom_says_what_to_do_next(app, auth, client):
    auth.login("admin")
    html = client.get("/newsroom/").get_data(as_text=True)
    assert "No patrons yet: share /support with readers" in _headline(html, "active-patrons")
    assert "No reports yet: embed the widget" in _headline(html, "open-corrections")
    assert "No votes in twelve weeks: open a round" in _headline(html, "votes")
    assert "every mail is going out" in _headline(html, "mails-failing")


def test_headlines_show_values_trends_and_sparklines_from_the_data(app, auth, client):
    with app.app_context():
        for i in range(3):
            _patron(f"old{i}@example.org", 200)  # patrons the whole time
        _patron("new@example.org", 3)  # joined this week
        _patron("gone@example.org", 100, ended_days_ago=10)  # lapsed ten days ago
        for i in range(4):
            _correction(i, 2)  # four open, reported this week
        _correction(9, 60, status="corrected")
        db.session.commit()
    auth.login("admin")
    html = client.get("/newsroom/").get_data(as_text=True)

    active = _headline(html, "active-patrons")
    assert '<p class="headline-value">4</p>' in active
    assert "±0 vs 4 weeks ago" in active  # 4 then (three old and the one who lapsed), 4 now
    assert "last 12 weeks: from 4 to 4" in active
    assert 'href="/newsroom/patrons"' in active

    mrr = _headline(html, "mrr")
    assert "€20" in mrr  # four monthly patrons at €5
    corrections = _headline(html, "open-corrections")
    assert '<p class="headline-value">4</p>' in corrections
    assert "+4 vs a week ago" in corrections and "The oldest has waited 2 days." in corrections
    assert "sort=oldest_unhandled" in corrections
    for key in ("active-patrons", "mrr", "open-corrections", "votes", "mails-failing"):
        svg = re.search(r"<svg class=\"spark\".*?</svg>", _headline(html, key), re.S).group(0)
        assert 'role="img"' in svg and "<title" in svg and "<script" not in svg


def test_headlines_read_in_the_editors_language_each_kept_apart(app, auth, client):
    # The figures are kept for a while; English kept first must not answer the Ukrainian page.
    app.config["DASHBOARD_CACHE_SECONDS"] = 300
    with app.app_context():
        _patron("old@example.org", 200)
        for i in range(4):
            _correction(i, 2)
        db.session.commit()
    auth.login("admin")
    english = _headline(client.get("/newsroom/").get_data(as_text=True), "open-corrections")
    assert "+4 vs a week ago" in english
    html = client.get("/newsroom/?lang=uk").get_data(as_text=True)
    corrections = _headline(html, "open-corrections")
    assert "Відкриті виправлення" in corrections
    assert "+4 за тиждень" in corrections and "Найстаріше чекає вже 2 дні." in corrections
    assert "Розгляд: спершу найстаріші" in corrections
    assert "±0 за 4 тижні" in _headline(html, "active-patrons")
    mails = _headline(html, "mails-failing")
    assert "Листи з помилками" in mails and "усі листи надсилаються" in mails
    assert "Черга листів" in mails


def test_an_editor_does_not_see_the_admins_outbox_figure(app, auth, client):
    auth.login("editor")
    html = client.get("/newsroom/").get_data(as_text=True)
    assert 'id="headline-open-corrections"' in html
    assert 'id="headline-mails-failing"' not in html


def test_levels_walk_back_from_today_with_each_weeks_gains_and_losses():
    # Gains and losses between consecutive points: 2 joined then 1 left, so 5 → 7 → 6.
    assert levels_back(6, [2, 0], [0, 1]) == [5, 7, 6]


def test_a_sparkline_spans_its_box_and_a_flat_series_sits_in_the_middle():
    line = sparkline([0, 5, 10])
    ys = [float(point.split(",")[1]) for point in line.path.split()]
    assert ys[0] > ys[1] > ys[2] and (line.low, line.high) == (0, 10)
    flat = sparkline([3, 3, 3])
    assert {point.split(",")[1] for point in flat.path.split()} == {str(flat.height / 2)}
