"""Grouping reports into corrections, the editors' alert, the widget files and the demo article."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engagement import create_app
from engagement.corrections.grouping import Passage, canonical_url, text_fragment_url
from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem, set_mode

ARTICLE = "https://news.example.org/2026/bridge"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CORRECTIONS_RATE_LIMIT": "1000 per minute"}


def report(
    client,
    exact="six months later",
    prefix="opened to walkers on Saturday morning, ",
    suffix=" than the council had promised",
    position=(120, 136),
    url=ARTICLE,
    **extra,
):
    body = {
        "url": url,
        "title": "Riverside bridge opens six months late",
        "quote": {"exact": exact, "prefix": prefix, "suffix": suffix},
        "comment": "The council said otherwise.",
        **extra,
    }
    if position:
        body["position"] = {"start": position[0], "end": position[1]}
    response = client.post("/api/v1/corrections", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def correction(app, correction_id) -> Correction:
    with app.app_context():
        found = db.session.get(Correction, correction_id)
        db.session.expunge(found)
        return found


# --- grouping ---------------------------------------------------------------------------------


def test_a_second_report_of_the_same_passage_joins_its_correction(client, app):
    first = report(client)
    second = report(client, suggestion="five months later")
    assert second["correction_id"] == first["correction_id"]
    assert second["id"] != first["id"]
    joined = correction(app, first["correction_id"])
    assert joined.report_count == 2
    assert joined.first_reported_at <= joined.last_reported_at
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 1


def test_whitespace_differences_do_not_split_a_passage(client):
    first = report(client)
    second = report(
        client, exact="six \n months\u00a0 later", prefix="opened  to walkers on\nSaturday morning,"
    )
    assert second["correction_id"] == first["correction_id"]


def test_another_passage_of_the_same_article_opens_a_new_correction(client):
    first = report(client)
    other = report(
        client,
        exact="4.2 million hryvnias",
        prefix="approved a budget of",
        suffix="for the timber",
        position=(300, 320),
    )
    assert other["correction_id"] != first["correction_id"]


def test_the_same_passage_in_another_article_opens_a_new_correction(client):
    first = report(client)
    other = report(client, url="https://news.example.org/2026/another-bridge")
    assert other["correction_id"] != first["correction_id"]


def test_the_same_words_elsewhere_in_the_article_are_another_passage(client):
    first = report(client)
    elsewhere = report(
        client, prefix="the contractor finished", suffix="than planned, said", position=(900, 916)
    )
    assert elsewhere["correction_id"] != first["correction_id"]


def test_overlapping_position_joins_even_when_the_context_changed(client):
    # The article was edited around the passage: the context differs, the position overlaps.
    first = report(client)
    edited = report(
        client, prefix="finally opened on Saturday,", suffix="than promised", position=(118, 134)
    )
    assert edited["correction_id"] == first["correction_id"]


def test_matching_context_joins_even_without_a_position(client):
    first = report(client)
    shorter = report(client, prefix="Saturday morning,", suffix="than the council", position=None)
    assert shorter["correction_id"] == first["correction_id"]


def test_a_closed_correction_takes_no_more_reports(client, app):
    first = report(client)
    with app.app_context():
        db.session.get(Correction, first["correction_id"]).status = "corrected"
        db.session.commit()
    again = report(client)
    assert again["correction_id"] != first["correction_id"]


def test_tracking_parameters_and_fragments_do_not_split_an_article(client, app):
    first = report(client, url=ARTICLE + "?utm_source=newsletter#comments")
    second = report(client, url="HTTPS://News.Example.org:443/2026/bridge")
    assert second["correction_id"] == first["correction_id"]
    assert correction(app, first["correction_id"]).article_url == ARTICLE


def test_canonical_url_keeps_real_query_parameters():
    assert canonical_url("https://a.example/x?id=5&utm_medium=mail&fbclid=z#top") == (
        "https://a.example/x?id=5"
    )
    assert canonical_url("http://a.example:8080") == "http://a.example:8080/"


def test_the_client_ip_is_kept_only_as_a_salted_hash(client, app):
    first = report(client)
    client.post(
        "/api/v1/corrections",
        json={"url": ARTICLE, "quote": {"exact": "x"}, "comment": "Wrong."},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    with app.app_context():
        hashes = db.session.scalars(select(Report.ip_hash).order_by(Report.id)).all()
        assert len(hashes[0]) == 64 and hashes[0] != hashes[1]
        assert all("198.51" not in h and "127.0.0.1" not in h for h in hashes)
        assert db.session.get(Report, first["id"]).ip_hash == hashes[0]


# --- the editors' alert -----------------------------------------------------------------------


def test_text_fragment_is_percent_encoded_including_dash_comma_and_ampersand():
    passage = Passage(exact="co-op, A&B", prefix="the town's", suffix="said on-air")
    url = text_fragment_url("https://news.example.org/a#old", passage)
    assert url == (
        "https://news.example.org/a#:~:text=the%20town%27s-,co%2Dop%2C%20A%26B,-said%20on%2Dair"
    )


def test_a_new_correction_mails_the_editors_with_the_passage_escaped(
    client, app, auth, runner, smtp_sink
):
    auth.create("editor")
    sneaky = '<script>alert("x")</script>'
    made = report(
        client,
        exact="six months <em>later</em>",
        suggestion=f"five months {sneaky}",
        comment="Source: <b>council minutes</b>",
        title="Bridge <i>late</i> & over budget",
    )
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    smtp_sink.wait_for(1)
    message = smtp_sink.messages[0]
    assert message["To"] == "editor@example.org"
    assert message["Subject"] == "Correction reported: Bridge <i>late</i> & over budget"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert (
        "opened to walkers on Saturday morning, [six months <em>later</em>] than the council"
        in text
    )
    assert sneaky in text and "Source: <b>council minutes</b>" in text
    assert sneaky not in html and "<b>council" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<mark>six months &lt;em&gt;later&lt;/em&gt;</mark>" in html
    triage = f"http://localhost/newsroom/corrections/{made['correction_id']}"
    assert triage in text and f'href="{triage}"' in html
    fragment = (
        ARTICLE + "#:~:text=opened%20to%20walkers%20on%20Saturday%20morning%2C-,"
        "six%20months%20%3Cem%3Elater%3C%2Fem%3E,-than%20the%20council%20had%20promised"
    )
    assert fragment in text


def test_further_reports_go_to_the_digest_not_to_new_mails(client, app, auth):
    editor_id = auth.create("editor")
    first = report(client)
    second = report(client)
    third = report(client)
    with app.app_context():
        emails = db.session.scalars(select(Email)).all()
        assert [e.kind for e in emails] == ["correction_new"]
        keys = db.session.scalars(
            select(DigestItem.dedupe_key)
            .where(DigestItem.editor_id == editor_id)
            .order_by(DigestItem.id)
        ).all()
        cid = first["correction_id"]
        assert keys == [
            f"correction:{cid}:report:{second['id']}",
            f"correction:{cid}:report:{third['id']}",
        ]
        item = db.session.scalar(select(DigestItem).order_by(DigestItem.id.desc()))
        assert "(3)" in item.summary and item.url.endswith(f"/newsroom/corrections/{cid}")


def test_digest_editors_get_the_new_correction_in_their_digest(client, app, auth):
    editor_id = auth.create("editor")
    with app.app_context():
        from engagement.accounts.models import Editor

        set_mode(db.session.get(Editor, editor_id), "correction", "digest")
        db.session.commit()
    made = report(client)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Email)) == 0
        item = db.session.scalar(select(DigestItem))
        assert item.dedupe_key == f"correction:{made['correction_id']}:new"


# --- the widget's files and the demo article ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"), [("/widget.js", "text/javascript"), ("/widget.css", "text/css")]
)
def test_widget_files_are_served_with_caching_headers(client, path, kind):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == kind
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_the_served_widget_stays_under_8_kb_gzipped(client):
    import gzip

    for path, limit in (("/widget.js", 8 * 1024), ("/widget.css", 2 * 1024)):
        served = client.get(path).get_data()
        # What a reader downloads from a server that compresses (gzip's default level).
        size = len(gzip.compress(served))
        print(f"{path}: {len(served)} bytes, {size} gzipped")
        assert size < limit, f"{path} is {size} bytes gzipped"


def test_the_widget_script_has_no_inline_styles():
    from pathlib import Path

    source = (Path(__file__).parents[2] / "engagement" / "static" / "widget.js").read_text()
    assert "<style" not in source and 'setAttribute("style"' not in source
    assert "innerHTML" not in source  # reader text is only ever set as text


def test_the_demo_article_embeds_the_widget(client):
    response = client.get("/demo/article")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        '<script src="http://localhost/widget.js" data-article="article" data-lang="en" '
        "defer></script>"
    ) in html
    assert '<link rel="canonical" href="http://localhost/demo/article">' in html
    assert 'href="/support"' in html and 'href="/topics"' in html
    assert "/corrections/report?url=" in html


def test_there_is_no_demo_article_in_production(app_config):
    production = create_app({**app_config, "ENGAGEMENT_ENV": "production"})
    assert production.test_client().get("/demo/article").status_code == 404


def test_demo_seed_adds_sample_reports_once(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Demo corrections: 9 reports" in first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    with app.app_context():
        counts = sorted(db.session.scalars(select(Correction.report_count)).all())
        assert counts == [0, 1, 1, 1, 1, 1, 1, 3]  # the duplicate's reports moved to its twin


def test_a_report_is_two_statements_on_postgresql_and_three_on_sqlite(client, app):
    """The lookup (with "does any editor listen"), then the correction's write and the report's
    INSERT: one statement together on PostgreSQL (issue 17), two on SQLite. Both ways of filing
    (a new correction, a joined one) and what they store are the same."""
    from tests.support.queries import recorded_commits, recorded_statements

    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    expected = 2 if postgres else 3
    counts, answers = [], []
    for suggestion in ("five months later", "four months later"):  # opens, then joins
        with recorded_statements(app) as statements, recorded_commits(app) as commits:
            answers.append(report(client, suggestion=suggestion))
        counts.append((len(statements), len(commits)))
    # On PostgreSQL the one write commits itself (autocommit: no BEGIN or COMMIT round trip);
    # on SQLite its two statements commit together.
    assert counts == [(expected, 0 if postgres else 1)] * 2
    assert answers[0]["correction_id"] == answers[1]["correction_id"]
    found = correction(app, answers[0]["correction_id"])
    assert found.report_count == 2 and found.status == "new"
    with app.app_context():
        stored = db.session.scalars(select(Report).order_by(Report.id)).all()
        assert [(r.correction_id, r.suggestion) for r in stored] == [
            (found.id, "five months later"),
            (found.id, "four months later"),
        ]
