"""Parallel requests on PostgreSQL: the budget and one vote per topic hold under races."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from engagement.extensions import db
from engagement.voting.models import Ballot, Topic, Vote
from tests.voting.conftest import Voting, csrf, sign_in


def _parallel(app, patron_id, topic_ids, actions=None):
    """One thread per topic id, each with its own signed-in client; all post at once."""
    clients = []
    for _ in topic_ids:
        client = app.test_client()
        sign_in(client, patron_id)
        clients.append((client, csrf(client)))
    barrier = threading.Barrier(len(topic_ids))
    statuses = [None] * len(topic_ids)

    def post(index):
        client, token = clients[index]
        barrier.wait()
        action = actions[index] if actions else "vote"
        response = client.post(
            f"/topics/{topic_ids[index]}/{action}",
            data={"csrf_token": token},
            headers={"Accept": "application/json"},
        )
        statuses[index] = response.status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(topic_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_twenty_parallel_votes_with_a_budget_of_three_make_three_votes(pg_app):
    voting = Voting(pg_app)
    patron = voting.patron("ada@example.org")
    round_id, topics = voting.round(topics=[f"Topic {i}" for i in range(20)], budget=3)
    statuses = _parallel(pg_app, patron, topics)
    assert sorted(statuses).count(200) == 3, statuses
    assert all(status in (200, 409) for status in statuses), statuses
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 3
        assert db.session.get(Ballot, (round_id, patron)).used == 3
        assert db.session.scalar(select(func.sum(Topic.vote_count))) == 3


def test_parallel_duplicate_votes_on_one_topic_make_one_vote(pg_app):
    voting = Voting(pg_app)
    patron = voting.patron("ada@example.org")
    round_id, topics = voting.round(budget=3)
    statuses = _parallel(pg_app, patron, [topics[0]] * 10)
    assert statuses.count(200) == 1, statuses
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 1
        assert db.session.get(Ballot, (round_id, patron)).used == 1
        assert db.session.get(Topic, topics[0]).vote_count == 1


def test_votes_and_withdrawals_racing_on_one_topic_keep_the_counters_true(pg_app):
    voting = Voting(pg_app)
    patron = voting.patron("ada@example.org")
    round_id, topics = voting.round(budget=2)
    statuses = _parallel(pg_app, patron, [topics[0]] * 12, ["vote", "unvote"] * 6)
    assert all(status in (200, 409) for status in statuses), statuses
    with pg_app.app_context():
        votes = db.session.scalar(select(func.count(Vote.id)))
        assert votes in (0, 1)
        assert db.session.get(Ballot, (round_id, patron)).used == votes
        assert db.session.get(Topic, topics[0]).vote_count == votes
