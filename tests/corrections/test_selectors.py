"""Quotes kept as the W3C selector was sent, grouped by their normalised form (old rows too),
shown readably, and exported as a W3C Web Annotation (issue 22)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from engagement.corrections import grouping
from engagement.corrections.models import Correction, Report
from engagement.corrections.passages import Excerpt, excerpt, shortened
from engagement.extensions import db

ARTICLE = "https://news.example.org/2026/treaty"
# The text around the passage as an article's textContent has it: a link's text, a paragraph
# break with the template's indentation, a no-break space.
BEFORE = (
    "Of the members of the\n      <Collective Security Treaty>, all of them except\u00a0for"
    " Belarus "
)
EXACT = "failed to\n  come"
AFTER = " to the summit in Astana,\n    \n    which was held in November of that year."


@pytest.fixture
def app_config(app_config):
    """Room for many reports from one address; the limit itself is tested elsewhere."""
    return {**app_config, "CORRECTIONS_RATE_LIMIT": "1000 per minute"}


def send(client, exact=EXACT, prefix=BEFORE, suffix=AFTER, position=(500, 515), **extra):
    body = {
        "url": ARTICLE,
        "title": "Summit",
        "comment": "They came.",
        "quote": {"exact": exact, "prefix": prefix, "suffix": suffix},
        **extra,
    }
    if position:
        body["position"] = {"start": position[0], "end": position[1]}
    response = client.post("/api/v1/corrections", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_selector_is_stored_as_sent_with_only_64_characters_of_context(client, app):
    made = send(client)
    with app.app_context():
        report = db.session.get(Report, made["id"])
        correction = report.correction
        for row in (report, correction):
            assert row.quote_exact == EXACT
            assert row.quote_prefix == BEFORE[-64:] and row.quote_prefix.endswith("Belarus ")
            assert row.quote_suffix == AFTER[:64] and row.quote_suffix.startswith(" to the ")
        assert correction.quote_as_sent is True
        assert correction.quote_key == grouping.quote_key("failed to come")


def test_the_same_passage_with_other_whitespace_joins_the_correction(client, app):
    first = send(client)
    second = send(
        client,
        exact="failed to come",
        prefix=" ".join(BEFORE.split()) + " ",
        suffix=" " + " ".join(AFTER.split()),
        position=None,
    )
    assert first["correction_id"] == second["correction_id"]


def legacy_correction(app) -> int:
    """A correction as stored before quotes were kept as sent: normalised and trimmed."""
    moment = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    prefix = grouping.normalise_prefix(BEFORE)
    exact = grouping.normalise_text(EXACT)
    suffix = grouping.normalise_suffix(AFTER)
    with app.app_context():
        correction = Correction(
            article_url=ARTICLE,
            article_host="news.example.org",
            article_title="Summit",
            quote_exact=exact,
            quote_prefix=prefix,
            quote_suffix=suffix,
            quote_as_sent=False,
            quote_key=grouping.quote_key(exact),
            anchor_key=grouping.anchor_key(prefix, exact, suffix),
            position_start=None,
            position_end=None,
            status="new",
            report_count=1,
            first_reported_at=moment,
            last_reported_at=moment,
            created_at=moment,
        )
        db.session.add(correction)
        db.session.add(
            Report(
                correction=correction,
                quote_exact=exact,
                quote_prefix=prefix,
                quote_suffix=suffix,
                page_url=ARTICLE,
                comment="Old report.",
                created_at=moment,
            )
        )
        db.session.commit()
        return correction.id


def test_a_report_stored_before_this_change_still_groups_with_new_ones(client, app):
    old = legacy_correction(app)
    assert send(client)["correction_id"] == old
    with app.app_context():
        assert db.session.get(Correction, old).report_count == 2


def test_the_excerpt_collapses_whitespace_and_cuts_the_context_at_words():
    shown = excerpt(EXACT, BEFORE[-64:], AFTER[:64])
    # The prefix was cut just before a word (kept); the suffix mid-word (dropped, maybe whole).
    assert shown == Excerpt(
        "…<Collective Security Treaty>, all of them except for Belarus ",
        "failed to come",
        " to the summit in Astana, which was held in November…",
    )
    # Context that reaches the start or end of the article is whole: no ellipsis, nothing cut.
    assert excerpt("5.1 million", "came to ", ", which the mayor") == Excerpt(
        "came to ", "5.1 million", ", which the mayor"
    )
    # Spaces selected with the passage go to the context.
    assert excerpt(" bridge\n", "the", "opened") == Excerpt("the ", "bridge", " opened")
    # Old rows kept a trimmed context: one space joins it.
    assert str(excerpt("all", "Treaty,", "of them", as_sent=False)) == "Treaty, all of them"


def test_shortened_text_ends_at_a_word():
    assert shortened("the  new\nfootbridge over the river", 20) == "the new footbridge…"
    assert shortened("short  one") == "short one"


def test_the_editors_mail_shows_the_passage_readably(client, app, auth, runner, smtp_sink):
    auth.create("editor")
    send(client)
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    smtp_sink.wait_for(1)
    message = smtp_sink.messages[0]
    text = message.get_body(("plain",)).get_content()
    assert (
        "…<Collective Security Treaty>, all of them except for Belarus [failed to come] to "
        "the summit in Astana, which was held in November…"
    ) in text
    html = message.get_body(("html",)).get_content()
    assert "Belarus <mark>failed to come</mark> to the summit" in html


# --- the W3C Web Annotation export -----------------------------------------------------------


def annotation_url(correction_id: int) -> str:
    return f"/newsroom/corrections/{correction_id}/annotation.json"


def test_a_correction_exports_as_a_web_annotation(client, app, auth):
    made = send(client, suggestion="came to", email="reader@example.net")
    send(client, comment="Buy pills", website="http://spam.example")  # spam: left out
    auth.login("editor")
    response = client.get(annotation_url(made["correction_id"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
    answer = json.loads(response.get_data(as_text=True))
    assert answer["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert answer["type"] == "Annotation" and answer["motivation"] == "editing"
    assert answer["id"] == (
        f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}{annotation_url(made['correction_id'])}"
    )
    assert answer["target"] == {
        "source": ARTICLE,
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": EXACT,
                "prefix": BEFORE[-64:],
                "suffix": AFTER[:64],
            },
            {"type": "TextPositionSelector", "start": 500, "end": 515},
        ],
    }
    assert [(b["type"], b["purpose"], b["value"]) for b in answer["body"]] == [
        ("TextualBody", "editing", "came to"),
        ("TextualBody", "commenting", "They came."),
    ]
    assert "reader@example.net" not in response.get_data(as_text=True)
    assert "Buy pills" not in response.get_data(as_text=True)


def test_an_old_correction_exports_without_its_trimmed_context(client, app, auth):
    old = legacy_correction(app)
    auth.login("editor")
    answer = client.get(annotation_url(old)).get_json(force=True)
    assert answer["target"]["selector"] == [
        {"type": "TextQuoteSelector", "exact": "failed to come"}
    ]


def test_the_export_is_for_editors_only_and_404s_for_an_unknown_correction(client, app, auth):
    made = send(client)
    response = client.get(annotation_url(made["correction_id"]))
    assert response.status_code == 302 and "/newsroom/login" in response.headers["Location"]
    auth.login("editor")
    assert client.get(annotation_url(99999)).status_code == 404


# --- the no-JavaScript form -------------------------------------------------------------------


def test_after_sending_the_form_keeps_the_article_and_offers_the_way_back(forms, client):
    response = forms.post(
        "/corrections/report",
        {
            "url": "https://news.example.org/2026/treaty",
            "quote": "failed to come",
            "suggestion": "came",
        },
        page="/corrections/report?url=" + ARTICLE,
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you. The editors will look at the passage you reported." in page
    assert f'<a href="{ARTICLE}">Back to the article</a>' in page
    assert f'value="{ARTICLE}"' in page  # the form keeps the article for another report
    # A link back is offered only to this newsroom's articles.
    other = client.get("/corrections/report?sent=1&url=https://evil.example/x")
    assert "Back to the article" not in other.get_data(as_text=True)
