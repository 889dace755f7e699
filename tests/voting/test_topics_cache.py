"""TOPICS_CACHE_SECONDS: anonymous readers share one rendered /topics per process for a
few seconds; signed-in co-creators share one page with their own ballot laid over it (their
own votes, budget and eligibility always current, their own CSRF token in the forms; more in
test_topics_overlay.py); pages with a flashed message are always fresh."""

from __future__ import annotations

import pytest

from engagement.extensions import db
from engagement.voting.models import Topic
from tests.voting.conftest import csrf, sign_in


@pytest.fixture
def app_config(app_config):
    app_config["TOPICS_CACHE_SECONDS"] = 60
    return app_config


def _rename_first_topic(app, round_id: int, title: str) -> None:
    with app.app_context():
        topic = db.session.query(Topic).filter_by(round_id=round_id).order_by(Topic.id).first()
        topic.title = title
        db.session.commit()


def test_anonymous_readers_share_the_cached_page(app, client, voting):
    round_id, _ = voting.round(topics=("Housing", "Schools"))
    assert "Housing" in client.get("/topics").get_data(as_text=True)
    _rename_first_topic(app, round_id, "Rents")
    again = app.test_client().get("/topics").get_data(as_text=True)
    assert "Housing" in again and "Rents" not in again


def test_signed_in_patrons_do_not_get_the_anonymous_page(app, client, voting):
    round_id, _ = voting.round(topics=("Housing", "Schools"))
    patron_id = voting.patron("ada@example.org")
    client.get("/topics")
    _rename_first_topic(app, round_id, "Rents")
    sign_in(client, patron_id)
    assert "Rents" in client.get("/topics").get_data(as_text=True)


def test_the_cache_is_on_unless_turned_off(app_config, monkeypatch):
    from engagement import create_app

    config = {k: v for k, v in app_config.items() if k != "TOPICS_CACHE_SECONDS"}
    monkeypatch.delenv("TOPICS_CACHE_SECONDS", raising=False)
    assert create_app(config).config["TOPICS_CACHE_SECONDS"] == 2
    monkeypatch.setenv("TOPICS_CACHE_SECONDS", "0")
    assert create_app(config).config["TOPICS_CACHE_SECONDS"] == 0


def _vote_ids(app, patron_id: int) -> list[int]:
    with app.app_context():
        from engagement.voting.models import Vote

        return [v.topic_id for v in db.session.query(Vote).filter_by(patron_id=patron_id)]


def test_a_co_creators_own_vote_shows_at_once_on_the_cached_page(app, client, voting):
    _round_id, topic_ids = voting.round(topics=("Housing", "Schools"))
    sign_in(client, voting.patron("ada@example.org"))
    page = client.get("/topics").get_data(as_text=True)
    assert "You have 3 of 3 votes left" in page
    voted = client.post(f"/topics/{topic_ids[0]}/vote", data={"csrf_token": csrf(client)})
    assert voted.status_code == 303
    client.get("/topics")  # shows (and takes) the flashed "Your vote is in."
    again = client.get("/topics").get_data(as_text=True)
    assert "You have 2 of 3 votes left" in again
    assert f'action="/topics/{topic_ids[0]}/unvote"' in again


def test_co_creators_share_the_page_each_with_their_own_token(app, voting):
    round_id, topic_ids = voting.round(topics=("Housing", "Schools"))
    ada, bob = app.test_client(), app.test_client()
    ada_id, bob_id = voting.patron("ada@example.org"), voting.patron("bob@example.org")
    sign_in(ada, ada_id)
    sign_in(bob, bob_id)
    ada_token = csrf(ada)
    _rename_first_topic(app, round_id, "Rents")
    page = bob.get("/topics").get_data(as_text=True)
    assert "Housing" in page and "Rents" not in page  # the same ballot state: shared
    bob_token = csrf(bob)
    assert bob_token != ada_token
    assert (
        bob.post(f"/topics/{topic_ids[1]}/vote", data={"csrf_token": bob_token}).status_code == 303
    )
    assert (
        ada.post(f"/topics/{topic_ids[1]}/vote", data={"csrf_token": bob_token}).status_code == 400
    )
    assert _vote_ids(app, bob_id) == [topic_ids[1]]
    assert _vote_ids(app, ada_id) == []
