"""Casting votes on /topics: budget, one vote per topic, changing one's mind, who may vote."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.worker import Worker
from engagement.voting.models import Ballot, Round, Topic, Vote
from tests.voting.conftest import csrf, sign_in


def _vote(client, topic_id, action="vote", token=None, **kwargs):
    return client.post(
        f"/topics/{topic_id}/{action}", data={"csrf_token": token or csrf(client)}, **kwargs
    )


def _votes(app, patron_id=None):
    with app.app_context():
        query = select(Vote.topic_id)
        if patron_id:
            query = query.where(Vote.patron_id == patron_id)
        return sorted(db.session.scalars(query))


def _count(app, topic_id):
    with app.app_context():
        return db.session.get(Topic, topic_id).vote_count


def test_a_co_creator_votes_and_sees_the_vote_counted(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    response = _vote(client, topics[0], follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your vote is in. You have 2 votes left in this round." in page
    assert "You have 2 of 3 votes left in this round." in page
    assert "You voted for this" in page
    assert _votes(app, patron) == [topics[0]]
    assert _count(app, topics[0]) == 1


def test_the_budget_holds(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(topics=("A", "B", "C", "D"), budget=3)
    sign_in(client, patron)
    token = csrf(client)
    for topic_id in topics[:3]:
        assert _vote(client, topic_id, token=token).status_code == 303
    response = _vote(client, topics[3], token=token, follow_redirects=True)
    assert "You have used all 3 of your votes in this round." in response.get_data(as_text=True)
    assert _votes(app, patron) == sorted(topics[:3])
    assert _count(app, topics[3]) == 0
    with app.app_context():
        assert db.session.get(Ballot, (_round, patron)).used == 3


def test_one_vote_per_topic(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    _vote(client, topics[0], token=token)
    response = _vote(client, topics[0], token=token, follow_redirects=True)
    assert "You have already voted for this topic." in response.get_data(as_text=True)
    assert _votes(app, patron) == [topics[0]]
    assert _count(app, topics[0]) == 1
    with app.app_context():
        assert db.session.get(Ballot, (_round, patron)).used == 1


def test_a_co_creator_changes_their_mind(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(budget=1)
    sign_in(client, patron)
    token = csrf(client)
    _vote(client, topics[0], token=token)
    page = _vote(client, topics[1], token=token, follow_redirects=True).get_data(as_text=True)
    assert "You have used all 1 of your votes" in page
    page = _vote(client, topics[0], "unvote", token=token, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Your vote is taken back. You have 1 vote left in this round." in page
    _vote(client, topics[1], token=token)
    assert _votes(app, patron) == [topics[1]]
    assert (_count(app, topics[0]), _count(app, topics[1])) == (0, 1)


def test_taking_back_a_vote_never_given_is_refused(client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    page = _vote(client, topics[0], "unvote", follow_redirects=True).get_data(as_text=True)
    assert "You have not voted for this topic." in page


def test_a_closed_round_refuses_votes_and_withdrawals(app, client, voting):
    patron = voting.patron("ada@example.org")
    round_id, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    _vote(client, topics[0], token=token)
    with app.app_context():
        db.session.get(Round, round_id).closed_early_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    for action in ("vote", "unvote"):
        topic = topics[1] if action == "vote" else topics[0]
        response = _vote(client, topic, action, token=token, follow_redirects=True)
        assert "Voting in this round has closed." in response.get_data(as_text=True)
    assert _votes(app, patron) == [topics[0]]


def test_a_scheduled_round_takes_no_votes_yet(client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(state="scheduled")
    sign_in(client, patron)
    response = client.post(
        f"/topics/{topics[0]}/vote", data={"csrf_token": _token(client)}, follow_redirects=True
    )
    assert "Voting in this round has not opened yet." in response.get_data(as_text=True)


def _token(client):
    # A page with no vote form for this patron: take the session's token from another form.
    return csrf(client, "/newsroom/login")


def test_a_patron_whose_tier_cannot_vote_is_refused_and_told_which_tiers_can(app, client, voting):
    voting.tier("Coffee")
    patron = voting.patron("reader@example.org", tier="Newsletter", grants_voting=False)
    _round, topics = voting.round()
    sign_in(client, patron)
    page = client.get("/topics").get_data(as_text=True)
    assert "Your membership does not include voting in this round." in page
    assert "Members of Coffee can vote." in page
    assert ">Vote</button>" not in page
    response = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": _token(client)})
    assert response.status_code == 403
    assert "Only co-creators" in response.get_data(as_text=True)
    assert _votes(app) == []


def test_a_round_for_named_tiers_refuses_other_co_creators(app, client, voting):
    voting.tier("Champion")
    patron = voting.patron("ada@example.org", tier="Coffee")
    _round, topics = voting.round(tiers=("Champion",))
    sign_in(client, patron)
    page = client.get("/topics").get_data(as_text=True)
    assert "Members of Champion can vote." in page
    response = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": _token(client)})
    assert response.status_code == 403


def test_an_anonymous_reader_sees_how_to_become_a_co_creator(client, voting):
    _round, topics = voting.round()
    page = client.get("/topics").get_data(as_text=True)
    assert "Become a co-creator" in page
    assert 'href="/support"' in page
    assert "Housing" in page and ">Vote</button>" not in page


def test_an_anonymous_vote_goes_to_sign_in(app, voting):
    _round, topics = voting.round()
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/topics/{topics[0]}/vote")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/login?next=")
    assert _votes(app) == []


def test_a_vote_without_csrf_token_is_refused(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    response = client.post(f"/topics/{topics[0]}/vote")
    assert response.status_code == 400
    assert _votes(app) == []


def test_the_buttons_are_named_and_described_by_the_topic_title(client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    _vote(client, topics[0])
    page = client.get("/topics").get_data(as_text=True)
    assert (f'aria-describedby="topic-{topics[0]}-title">Take back my vote</button>') in page
    assert (f'aria-describedby="topic-{topics[1]}-title">Vote</button>') in page
    assert f'id="topic-{topics[1]}-title">Schools</h3>' in page
    assert (
        "Your votes count only if your membership still lets you vote when the round closes" in page
    )


def test_json_votes_answer_with_the_remaining_budget(client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(budget=1)
    sign_in(client, patron)
    token = csrf(client)
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    response = client.post(f"/topics/{topics[0]}/vote", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["remaining"] == 0
    response = client.post(f"/topics/{topics[1]}/vote", headers=headers)
    assert response.status_code == 409
    assert "used all 1" in response.get_json()["error"]["message"]


def test_unknown_topic_is_not_found(client, voting):
    patron = voting.patron("ada@example.org")
    voting.round()
    sign_in(client, patron)
    response = client.post("/topics/99999/vote", data={"csrf_token": csrf(client)})
    assert response.status_code == 404


def test_live_results_show_counts_and_sealed_results_hide_them(app, client, voting):
    ada = voting.patron("ada@example.org")
    live_round, live_topics = voting.round(topics=("Live topic",), visibility="live")
    sealed_round, sealed_topics = voting.round(topics=("Sealed topic",), visibility="sealed")
    sign_in(client, ada)
    token = csrf(client)
    _vote(client, live_topics[0], token=token)
    _vote(client, sealed_topics[0], token=token)
    anonymous = app.test_client()
    page = anonymous.get("/topics").get_data(as_text=True)
    assert "Results are sealed: counts appear when voting closes." in page
    live_part, sealed_part = page.split("Live topic")[1].split("Sealed topic")
    assert "1 vote<" in live_part
    assert "1 vote<" not in sealed_part.split("</li>")[0]
    with app.app_context():
        db.session.get(Round, sealed_round).closed_early_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        Worker(app, digests=False).drain()  # the worker counts a closed round; pages only read
    page = anonymous.get("/topics").get_data(as_text=True)
    assert "What your votes decided" in page
    results = page.split("What your votes decided")[1]
    assert "Sealed topic</td>" in results and "<td>1</td>" in results


def test_titles_are_escaped_on_the_page(client, voting):
    voting.round(topics=("<script>alert(1)</script>",))
    page = client.get("/topics").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
