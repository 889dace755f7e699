"""A round closed by the clock is counted by the outbox worker; the pages that show it only read."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.worker import Worker
from engagement.voting.models import Round, Topic
from tests.support.queries import recorded_statements
from tests.voting.conftest import csrf, sign_in

WRITES = ("INSERT", "UPDATE", "DELETE")


def _close_by_the_clock(app, round_id: int) -> None:
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        round_.opens_at = utcnow() - timedelta(days=8)
        round_.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def _tallied_at(app, round_id: int):
    with app.app_context():
        return db.session.get(Round, round_id).tallied_at


def test_reading_the_topics_and_the_rounds_writes_nothing(app, client, auth, voting):
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    _close_by_the_clock(app, round_id)
    reader = app.test_client()
    sign_in(reader, patron)
    auth.login("editor")
    writes = []
    for who, url in (
        (app.test_client(), "/topics"),
        (reader, "/topics"),
        (client, "/newsroom/rounds"),
    ):
        with recorded_statements(app) as statements:
            assert who.get(url).status_code == 200
        writes += [s for s in statements if s.lstrip().split()[0].upper() in WRITES]
    assert writes == []
    assert _tallied_at(app, round_id) is None


def test_the_worker_counts_a_round_closed_by_the_clock(app, client, voting):
    ada = voting.patron("ada@example.org")
    round_id, topics = voting.round(topics=("Housing", "Schools"))
    sign_in(client, ada)
    assert (
        client.post(f"/topics/{topics[1]}/vote", data={"csrf_token": csrf(client)}).status_code
        == 303
    )
    _close_by_the_clock(app, round_id)
    at = utcnow()
    with app.app_context():
        Worker(app, clock=lambda: at, digests=False).drain()
    with app.app_context():
        assert db.session.get(Round, round_id).tallied_at == at
        counted = dict(
            db.session.execute(
                select(Topic.id, Topic.counted_votes).where(Topic.round_id == round_id)
            ).all()
        )
    assert counted == {topics[0]: 0, topics[1]: 1}


def test_a_round_not_closed_yet_is_left_for_later(app, voting):
    round_id, _topics = voting.round()
    with app.app_context():
        Worker(app, clock=utcnow, digests=False).drain()
    assert _tallied_at(app, round_id) is None
