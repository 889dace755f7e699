"""After the close: who counted, the ranking, outcomes, mails to voters, merges, the export."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.voting.models import Ballot, Round, Topic, Vote
from tests.voting.conftest import csrf, sign_in


def _cast(app, patron_id, topic_ids):
    client = app.test_client()
    sign_in(client, patron_id)
    token = csrf(client)
    for topic_id in topic_ids:
        response = client.post(f"/topics/{topic_id}/vote", data={"csrf_token": token})
        assert response.status_code == 303


def _close(forms, round_id):
    response = forms.post(
        f"/newsroom/rounds/{round_id}/close", {}, page=f"/newsroom/rounds/{round_id}"
    )
    assert response.status_code == 303
    return response


def _topic(app, topic_id):
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        db.session.expunge(topic)
        return topic


def test_a_member_who_cancels_before_the_close_is_not_counted(app, auth, forms, voting):
    stays = voting.patron("stays@example.org")
    leaves = voting.patron("leaves@example.org")
    round_id, topics = voting.round()
    _cast(app, stays, [topics[0]])
    _cast(app, leaves, [topics[0], topics[1]])
    voting.cancel(leaves)
    auth.login("editor")
    _close(forms, round_id)
    assert (_topic(app, topics[0]).vote_count, _topic(app, topics[0]).counted_votes) == (2, 1)
    assert (_topic(app, topics[1]).vote_count, _topic(app, topics[1]).counted_votes) == (1, 0)
    page = forms.client.get(f"/newsroom/rounds/{round_id}").get_data(as_text=True)
    assert "1 counted" in page and "2 cast" in page
    public = app.test_client().get("/topics").get_data(as_text=True)
    assert (
        "A vote counts when the voter's membership still included voting at the round's close."
        in public
    )


def test_a_grant_and_a_membership_ending_after_the_close_still_count(app, auth, forms, voting):
    from datetime import timedelta

    from engagement.database import utcnow
    from engagement.membership.models import Membership

    ada = voting.patron("ada@example.org")
    round_id, topics = voting.round()
    _cast(app, ada, [topics[0]])
    auth.login("editor")
    _close(forms, round_id)
    with app.app_context():  # Ada cancels the day after the close; the round is counted again
        membership = db.session.scalar(select(Membership).where(Membership.patron_id == ada))
        membership.status, membership.ended_at = "canceled", utcnow() + timedelta(days=1)
        from engagement.voting import curation

        curation.tally_round(db.session.get(Round, round_id))
        db.session.commit()
    assert _topic(app, topics[0]).counted_votes == 1


def test_closing_twice_is_refused_and_a_closed_round_cannot_be_edited(app, auth, forms, voting):
    round_id, _topics = voting.round()
    auth.login("editor")
    _close(forms, round_id)
    page = _close(forms, round_id)
    page = forms.client.get(f"/newsroom/rounds/{round_id}").get_data(as_text=True)
    assert "Only an open round can be closed early." in page
    response = forms.post(
        f"/newsroom/rounds/{round_id}/edit",
        {
            "title": "Changed",
            "opens_at": "2026-01-01T10:00",
            "closes_at": "2026-02-01T10:00",
            "vote_budget": "3",
            "results_visibility": "live",
        },
        page="/newsroom/rounds/new",
    )
    assert response.status_code == 409
    assert "A closed round cannot be changed." in response.get_data(as_text=True)


def test_publishing_mails_each_voter_once_with_the_article(
    app, auth, forms, runner, smtp_sink, voting
):
    ada = voting.patron("ada@example.org")
    bob = voting.patron("bob@example.org")
    voting.patron("carol@example.org")
    round_id, topics = voting.round()
    _cast(app, ada, [topics[0], topics[1]])
    _cast(app, bob, [topics[0]])
    auth.login("editor")
    _close(forms, round_id)
    url = "https://news.example.org/housing?a=1&b=2"
    response = forms.post(
        f"/newsroom/topics/{topics[0]}/outcome",
        {"state": "published", "published_url": url},
        page=f"/newsroom/rounds/{round_id}",
        follow_redirects=True,
    )
    assert "2 voters will get the article by mail." in response.get_data(as_text=True)
    # Publishing again is refused by the lifecycle, and mails are keyed per topic and patron.
    again = forms.post(
        f"/newsroom/topics/{topics[0]}/outcome",
        {"state": "published", "published_url": url},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert again.status_code == 409
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    messages = smtp_sink.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["ada@example.org", "bob@example.org"]
    message = messages[0]
    assert message["Subject"] == "You voted for it, we published it: Housing"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert url in text
    assert 'href="https://news.example.org/housing?a=1&amp;b=2"' in html
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Email.id)).where(Email.kind == "topic_published"))
            == 2
        )
    assert _topic(app, topics[0]).state == "published"
    public = app.test_client().get("/topics").get_data(as_text=True)
    assert "read the article" in public


def test_outcomes_need_their_url_or_reason_beside_the_field(app, auth, forms, voting):
    round_id, topics = voting.round()
    auth.login("editor")
    _close(forms, round_id)
    response = forms.post(
        f"/newsroom/topics/{topics[0]}/outcome",
        {"state": "published", "published_url": "javascript:alert(1)"},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="outcome-{topics[0]}-url-error">Give the article' in page
    response = forms.post(
        f"/newsroom/topics/{topics[1]}/outcome",
        {"state": "declined"},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert response.status_code == 422
    assert f'id="outcome-{topics[1]}-reason-error">Give readers a reason' in response.get_data(
        as_text=True
    )
    forms.post(
        f"/newsroom/topics/{topics[1]}/outcome",
        {"state": "declined", "reason": "Another paper covered it well."},
        page=f"/newsroom/rounds/{round_id}",
    )
    forms.post(
        f"/newsroom/topics/{topics[2]}/outcome",
        {"state": "planned"},
        page=f"/newsroom/rounds/{round_id}",
    )
    forms.post(
        f"/newsroom/topics/{topics[2]}/outcome",
        {"state": "in_progress"},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert _topic(app, topics[1]).public_reason == "Another paper covered it well."
    assert _topic(app, topics[2]).state == "in_progress"
    public = app.test_client().get("/topics").get_data(as_text=True)
    assert (
        "Declined\n                    \n                    : Another paper covered it well."
        in public
        or "Another paper covered it well." in public
    )
    assert "In progress" in public


def test_outcomes_wait_for_the_close(auth, forms, voting):
    round_id, topics = voting.round()
    auth.login("editor")
    response = forms.post(
        f"/newsroom/topics/{topics[0]}/outcome",
        {"state": "planned"},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert response.status_code == 409
    assert "Outcomes are set once the round has closed." in response.get_data(as_text=True)


def test_the_ranking_breaks_ties_by_raw_votes_then_order(app, auth, forms, voting):
    ada = voting.patron("ada@example.org")
    bob = voting.patron("bob@example.org")
    round_id, topics = voting.round(topics=("First", "Second", "Third"))
    _cast(app, ada, [topics[2], topics[1]])
    _cast(app, bob, [topics[2]])
    auth.login("editor")
    _close(forms, round_id)
    response = forms.client.get(f"/newsroom/rounds/{round_id}/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["rank"], r["topic"], r["votes"], r["counted_votes"], r["state"]) for r in rows] == [
        ("1", "Third", "2", "2", "open"),
        ("2", "Second", "1", "1", "open"),
        ("3", "First", "0", "0", "open"),
    ]


def test_the_export_defuses_spreadsheet_formulas(app, auth, forms, voting):
    round_id, _topics = voting.round(topics=('=HYPERLINK("http://x")',))
    auth.login("editor")
    body = forms.client.get(f"/newsroom/rounds/{round_id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_the_export_is_for_editors_only(app, voting):
    round_id, _topics = voting.round()
    response = app.test_client().get(f"/newsroom/rounds/{round_id}/export.csv")
    assert response.status_code == 302
    assert "/newsroom/login" in response.headers["Location"]


def test_merging_moves_votes_keeps_one_per_voter_and_tells_the_voters(app, auth, forms, voting):
    ada = voting.patron("ada@example.org")
    bob = voting.patron("bob@example.org")
    round_id, topics = voting.round(topics=("Rents", "Housing costs", "Schools"))
    _cast(app, ada, [topics[0], topics[1]])
    _cast(app, bob, [topics[0]])
    auth.login("editor")
    response = forms.post(
        f"/newsroom/topics/{topics[0]}/merge",
        {"target_id": str(topics[1]), "back": "round"},
        page=f"/newsroom/rounds/{round_id}",
    )
    assert response.status_code == 303
    with app.app_context():
        votes = db.session.execute(
            select(Vote.patron_id, Vote.topic_id).order_by(Vote.patron_id)
        ).all()
        assert [tuple(v) for v in votes] == [(ada, topics[1]), (bob, topics[1])]
        assert db.session.get(Ballot, (round_id, ada)).used == 1
        assert db.session.get(Ballot, (round_id, bob)).used == 1
        mails = db.session.scalars(select(Email).where(Email.kind == "topic_merged")).all()
        assert sorted(m.recipients for m in mails) == ["ada@example.org", "bob@example.org"]
        assert "Your vote moved" in mails[0].subject
    merged, target = _topic(app, topics[0]), _topic(app, topics[1])
    assert (merged.state, merged.merged_into_id, merged.vote_count) == ("merged", topics[1], 0)
    assert target.vote_count == 2
    page = app.test_client().get("/topics").get_data(as_text=True)
    assert "Rents" not in page


def test_the_round_list_and_dashboard_panel(app, auth, forms, voting):
    ada = voting.patron("ada@example.org")
    _round, topics = voting.round()
    _cast(app, ada, [topics[0]])
    auth.login("editor")
    page = forms.client.get("/newsroom/").get_data(as_text=True)
    assert 'id="panel-voting"' in page
    assert "<dt>Votes today</dt><dd>1</dd>" in page
    assert "<dt>Open rounds</dt><dd>1</dd>" in page
    assert ">Rounds</a>" in page
    page = forms.client.get("/newsroom/rounds").get_data(as_text=True)
    assert "What should we cover next?" in page and "Open" in page


def test_the_account_page_shows_my_votes_and_what_they_led_to(app, auth, forms, voting):
    ada = voting.patron("ada@example.org")
    round_id, topics = voting.round(topics=("Housing", "Schools", "Parks"))
    _cast(app, ada, [topics[0], topics[1], topics[2]])
    auth.login("editor")
    _close(forms, round_id)
    forms.post(
        f"/newsroom/topics/{topics[0]}/outcome",
        {"state": "published", "published_url": "https://news.example.org/housing"},
        page=f"/newsroom/rounds/{round_id}",
    )
    forms.post(
        f"/newsroom/topics/{topics[1]}/outcome",
        {"state": "declined", "reason": "Covered last month."},
        page=f"/newsroom/rounds/{round_id}",
    )
    reader = app.test_client()
    sign_in(reader, ada)
    page = reader.get("/account").get_data(as_text=True)
    mine = page.split("My votes and what they led to")[1].split("</section>")[0]
    assert 'Published: <a href="https://news.example.org/housing">read the article</a>' in mine
    assert "Declined: Covered last month." in mine
    assert "Not chosen this time" in mine
    data = reader.get("/account/data").get_json()
    assert sorted(v["topic"] for v in data["votes"]) == ["Housing", "Parks", "Schools"]
