"""TOPICS_CACHE_SECONDS: anonymous readers share one rendered /topics per process for a
few seconds; signed-in readers and pages with a flashed message are always fresh."""

from __future__ import annotations

import pytest

from engagement.extensions import db
from engagement.voting.models import Topic
from tests.voting.conftest import sign_in


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


def test_signed_in_patrons_get_a_fresh_page(app, client, voting):
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
