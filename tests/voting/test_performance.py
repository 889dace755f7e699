"""/topics runs a fixed number of queries, whatever the number of votes."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from engagement.extensions import db
from engagement.voting.models import Round
from tests.support.bulk import round_with_votes
from tests.support.queries import recorded_commits, recorded_statements
from tests.voting.conftest import csrf, sign_in


def _queries(app, client, url="/topics") -> tuple[int, str]:
    with recorded_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("signed_in", [False, True])
def test_topics_runs_the_same_queries_for_10_and_1000_votes(app, voting, signed_in):
    counts = []
    for votes in (10, 1000):
        with app.app_context():
            summary = round_with_votes(votes=votes, topics=5, budget=3)
            db.session.commit()
        client = app.test_client()
        if signed_in:
            sign_in(client, summary["co_creator_id"])
        queries, page = _queries(app, client)
        assert f"{summary['largest_topic_votes']} votes<" in page
        counts.append(queries)
        with app.app_context():  # remove it, so the next round is the only one
            db.session.execute(delete(Round).where(Round.id == summary["round_id"]))
            db.session.commit()
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


def test_a_signed_in_vote_is_one_statement_on_postgresql_and_four_on_sqlite(app, client, voting):
    """The vote's work in SQL: the topic, round, eligibility and session read, the ballot spent,
    the vote added and counted (issue 17: one data-modifying statement on PostgreSQL)."""
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    with recorded_statements(app) as statements, recorded_commits(app) as commits:
        answer = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": token})
    assert answer.status_code == 303
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert len(statements) == (1 if postgres else 4), statements
    # On PostgreSQL the one statement commits itself (no BEGIN or COMMIT round trip).
    assert len(commits) == (0 if postgres else 1)
    assert f'action="/topics/{topics[0]}/unvote"' in client.get("/topics").get_data(as_text=True)


def _undoing(statements: list[str]) -> list[str]:
    """The statements after the first that write (what would undo the first one's writes)."""
    return [
        s for s in statements[1:] if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]


@pytest.mark.parametrize(
    ("topic", "action", "message"),
    [
        (0, "vote", "You have already voted for this topic."),
        (1, "unvote", "You have not voted for this topic."),
    ],
    ids=["a second vote on a topic", "taking back a vote never cast"],
)
def test_a_refused_vote_or_withdrawal_writes_nothing(app, client, voting, topic, action, message):
    """Refused by the vote's (or withdrawal's) own statement before it spends or gives back
    anything: on PostgreSQL nothing written and nothing to undo; the budget as it was."""
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(budget=3)
    sign_in(client, patron)
    token = csrf(client)
    json = {"Accept": "application/json"}
    first = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": token}, headers=json)
    assert first.get_json()["remaining"] == 2
    with recorded_statements(app) as statements:
        refused = client.post(
            f"/topics/{topics[topic]}/{action}", data={"csrf_token": token}, headers=json
        )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == message
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert not _undoing(statements), statements
    after = client.post(f"/topics/{topics[2]}/vote", data={"csrf_token": token}, headers=json)
    assert after.get_json()["remaining"] == 1


def test_taking_a_vote_back_is_one_statement_on_postgresql_and_four_on_sqlite(app, client, voting):
    """The ballot's unit given back, the vote removed and the topic counted down: one
    data-modifying statement on PostgreSQL, as the vote is."""
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": token})
    assert f'action="/topics/{topics[0]}/unvote"' in client.get("/topics").get_data(as_text=True)
    with recorded_statements(app) as statements, recorded_commits(app) as commits:
        answer = client.post(
            f"/topics/{topics[0]}/unvote",
            data={"csrf_token": token},
            headers={"Accept": "application/json"},
        )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["remaining"] == answer.get_json()["budget"]
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert len(statements) == (1 if postgres else 4), statements
    assert len(commits) == (0 if postgres else 1)
    assert f'action="/topics/{topics[0]}/unvote"' not in client.get("/topics").get_data(
        as_text=True
    )
    # Nothing left to take back: refused, and the ballot stays as it was.
    again = client.post(
        f"/topics/{topics[0]}/unvote",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert again.status_code == 409
    assert "not voted" in again.get_json()["error"]["message"]
