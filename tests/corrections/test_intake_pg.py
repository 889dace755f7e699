"""On PostgreSQL, identical reports sent at the same moment still end in one correction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engagement.corrections.models import Correction, Report
from engagement.extensions import db

PARALLEL = 12
BODY = {
    "url": "https://news.example.org/2026/bridge",
    "title": "Riverside bridge opens six months late",
    "quote": {
        "exact": "six months later",
        "prefix": "opened to walkers on Saturday morning,",
        "suffix": "than the council had promised",
    },
    "position": {"start": 120, "end": 136},
    "comment": "It opened in May.",
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": False}


@pytest.mark.postgres
def test_parallel_identical_reports_end_in_one_correction(pg_app):
    barrier = threading.Barrier(PARALLEL)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send():
        client = pg_app.test_client()
        barrier.wait()
        response = client.post("/api/v1/corrections", json=BODY)
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201] * PARALLEL, answers
    assert len({answer["correction_id"] for _, answer in answers}) == 1
    with pg_app.app_context():
        corrections = db.session.scalars(select(Correction)).all()
        assert len(corrections) == 1
        assert corrections[0].report_count == PARALLEL
        assert len(db.session.scalars(select(Report)).all()) == PARALLEL
