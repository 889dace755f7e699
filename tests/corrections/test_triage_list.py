"""The triage list: filters, search, sorts, and keyset pagination that neither skips nor repeats
a row and runs the same number of queries on page 1 and deep pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engagement.corrections.listing import SORTS, Cursor
from engagement.corrections.models import Correction
from engagement.extensions import db
from tests.corrections.triage_data import T0, make_corrections
from tests.support.bulk import many_corrections
from tests.support.queries import recorded_statements

ROW = re.compile(r'<a href="/newsroom/corrections/(\d+)">#\d+</a>')
NEXT = re.compile(r'href="(/newsroom/corrections\?[^"]*after=[^"]*)" rel="next"')
PREV = re.compile(r'href="(/newsroom/corrections\?[^"]*before=[^"]*)" rel="prev"')


@pytest.fixture
def editor(auth):
    auth.login("editor")


def ids_on(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in ROW.findall(response.get_data(as_text=True))]


def unescape(url: str) -> str:
    return url.replace("&amp;", "&")


def walk(client, url: str) -> tuple[list[int], list[str]]:
    """Every row over all pages, following the "Next page" links; also the pages' URLs."""
    seen, urls = [], []
    while url:
        urls.append(url)
        html = client.get(url).get_data(as_text=True)
        seen.extend(int(i) for i in ROW.findall(html))
        found = NEXT.search(html)
        url = unescape(found.group(1)) if found else None
    return seen, urls


# --- filters and search ---------------------------------------------------------------------


def test_status_filters(app, client, editor):
    new, review, corrected, spam = make_corrections(
        app,
        [
            {"status": "new"},
            {"status": "in_review"},
            {"status": "corrected", "public_note": "Fixed"},
            {"status": "spam"},
        ],
    )
    assert sorted(ids_on(client, "/newsroom/corrections")) == [new, review]  # open by default
    assert ids_on(client, "/newsroom/corrections?status=corrected") == [corrected]
    assert sorted(ids_on(client, "/newsroom/corrections?status=all")) == [
        new,
        review,
        corrected,
        spam,
    ]


def test_article_filter_by_url_or_host(app, client, editor):
    bridge, school, other = make_corrections(
        app,
        [
            {},
            {"article_url": "https://news.example.org/2026/school"},
            {"article_url": "https://www.example.com/x", "article_host": "www.example.com"},
        ],
    )
    by_url = ids_on(
        client,
        "/newsroom/corrections?article=https://NEWS.example.org/2026/school%3Futm_source%3Dx",
    )
    assert by_url == [school]
    assert sorted(ids_on(client, "/newsroom/corrections?article=news.example.org")) == [
        bridge,
        school,
    ]
    assert ids_on(client, "/newsroom/corrections?article=WWW.example.com") == [other]


def test_date_range_filters_on_the_first_report(app, client, editor):
    early, middle, late = make_corrections(
        app,
        [
            {"first_reported_at": T0},
            {"first_reported_at": T0 + timedelta(days=3)},
            {"first_reported_at": T0 + timedelta(days=6)},
        ],
    )
    assert ids_on(client, "/newsroom/corrections?since=2026-11-03&until=2026-11-05") == [middle]
    assert ids_on(client, "/newsroom/corrections?until=2026-11-01") == [early]
    assert ids_on(client, "/newsroom/corrections?since=2026-11-07") == [late]


def test_bad_dates_are_refused_beside_their_field(client, editor):
    response = client.get("/newsroom/corrections?since=yesterday")
    assert response.status_code == 422
    assert 'id="since-error">Not a valid date value.' in response.get_data(as_text=True)
    response = client.get("/newsroom/corrections?since=2026-11-05&until=2026-11-01")
    assert response.status_code == 422
    assert 'id="until-error">Must be on or after the start date.' in response.get_data(as_text=True)
    response = client.get("/newsroom/corrections?sort=random")
    assert response.status_code == 422


def test_only_with_a_suggestion(app, client, editor):
    with_one, _without = make_corrections(app, [{"suggestion": "five months"}, {}])
    assert ids_on(client, "/newsroom/corrections?has_suggestion=y") == [with_one]


SEARCHES = [
    ("SIX MONTHS", 0),  # the quote, any case
    ("five months", 1),  # a report's suggestion
    ("october", 2),  # a report's comment
    ("city hall", 3),  # the article's title
    ("100%", 4),  # LIKE wildcards are taken literally
    ("a_b", 5),
]


def test_search_looks_in_quote_suggestion_comment_and_title(app, client, editor):
    ids = make_corrections(
        app,
        [
            {"quote_exact": "six months later"},
            {"suggestion": "five months later"},
            {"comment": "It was planned for October."},
            {"article_title": "City Hall budget"},
            {"quote_exact": "a 100% rise"},
            {"quote_exact": "between a_b and c"},
            {"quote_exact": "a 100 rise and axb"},  # what the wildcards would match
        ],
    )
    for term, expected in SEARCHES:
        found = ids_on(client, f"/newsroom/corrections?q={term.replace('%', '%25')}")
        assert found == [ids[expected]], term


# --- sorts and keyset pagination ------------------------------------------------------------


def test_the_three_sorts(app, client, editor):
    a, b, c = make_corrections(
        app,
        [
            {
                "first_reported_at": T0,
                "last_reported_at": T0 + timedelta(days=9),
                "report_count": 2,
            },
            {"first_reported_at": T0 + timedelta(days=1), "report_count": 7},
            {
                "first_reported_at": T0 + timedelta(days=2),
                "last_reported_at": T0 + timedelta(days=5),
                "report_count": 1,
                "status": "in_review",
            },
        ],
    )
    make_corrections(app, [{"first_reported_at": T0 - timedelta(days=30), "status": "spam"}])
    assert ids_on(client, "/newsroom/corrections?sort=newest") == [a, c, b]
    assert ids_on(client, "/newsroom/corrections?sort=most_reported") == [b, a, c]
    assert ids_on(client, "/newsroom/corrections?sort=oldest_unhandled&status=all") == [a, b, c]


@pytest.mark.parametrize("sort", list(SORTS))
def test_pages_neither_skip_nor_repeat_rows_even_with_ties(app, client, editor, sort):
    # 130 corrections on only 4 distinct sort keys: pages must split inside runs of ties.
    specs = []
    for n in range(130):
        when = T0 + timedelta(hours=n % 4)
        specs.append(
            {"first_reported_at": when, "last_reported_at": when, "report_count": 1 + n % 4}
        )
    make_corrections(app, specs)
    column, descending, _ = SORTS[sort]
    with app.app_context():
        order = (column.desc(), Correction.id.desc()) if descending else (column, Correction.id)
        expected = list(db.session.scalars(select(Correction.id).order_by(*order)))
    seen, urls = walk(client, f"/newsroom/corrections?sort={sort}")
    assert len(urls) == 3  # 50 + 50 + 30
    assert seen == expected
    # Going back from the last page gives the middle page again.
    html = client.get(urls[-1]).get_data(as_text=True)
    back = unescape(PREV.search(html).group(1))
    assert ids_on(client, back) == expected[50:100]


def test_filters_stay_on_the_next_page_links(app, client, editor):
    make_corrections(app, [{"suggestion": "x"} for _ in range(55)] + [{} for _ in range(5)])
    seen, urls = walk(client, "/newsroom/corrections?has_suggestion=y&sort=most_reported")
    assert len(seen) == 55 == len(set(seen))
    assert "has_suggestion=y" in urls[1] and "sort=most_reported" in urls[1]


def test_a_damaged_cursor_is_a_400_not_a_500(client, editor):
    for cursor in ("nonsense", "1_", "99999999999999999999999_1", "5_-3"):
        response = client.get(f"/newsroom/corrections?after={cursor}")
        assert response.status_code == 400
        assert "This page link is damaged" in response.get_data(as_text=True)


def count_queries(app, client, url: str) -> int:
    with recorded_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert len(ROW.findall(response.get_data(as_text=True))) == 50
    return len(statements)


@pytest.mark.parametrize("sort", list(SORTS))
def test_page_one_and_a_deep_page_run_the_same_few_queries(app, client, editor, sort):
    with app.app_context():
        many_corrections(db.engine, corrections=3000, reports=6000)
        column, descending, _ = SORTS[sort]
        order = (column.desc(), Correction.id.desc()) if descending else (column, Correction.id)
        query = select(Correction).order_by(*order)
        if sort == "oldest_unhandled":
            query = query.where(Correction.status.in_(("new", "in_review")))
        deep_row = db.session.scalars(query.offset(20 * 50 - 1).limit(1)).one()
        deep = Cursor(getattr(deep_row, column.key), deep_row.id).encode()
    status = "all" if sort != "oldest_unhandled" else "open"
    first = count_queries(app, client, f"/newsroom/corrections?sort={sort}&status={status}")
    page_21 = count_queries(
        app, client, f"/newsroom/corrections?sort={sort}&status={status}&after={deep}"
    )
    # The signed-in editor, the editors to assign to, the page's rows with their assignees,
    # and which rows have suggestions.
    assert first == page_21 == 4
