"""Mail survives faults end to end: 300 reports while the SMTP server is down, and a worker
process killed with SIGKILL in the middle of a batch. Every editor mail arrives, exactly once
(bar, for the kill, the one mail in flight).

tests/notifications/test_concurrency.py covers the worker alone with test mails; here the mails
are the ones real reports cause, sent by real `flask worker` processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker
from tests.clock import python_command

ROOT = Path(__file__).resolve().parents[2]
EDITORS = ("desk@example.org", "night@example.org")


@pytest.fixture
def app_config(app_config):
    """No rate limit: one test client sends hundreds of reports."""
    return {**app_config, "RATELIMIT_ENABLED": False}


def send_reports(client, count: int, start: int = 0) -> list[int]:
    """`count` reports of different passages through the API; their correction ids."""
    ids = []
    for n in range(start, start + count):
        response = client.post(
            "/api/v1/corrections",
            json={
                "url": f"https://news.example.org/2026/story-{n % 7}",
                "title": f"Story {n % 7}",
                "quote": {"exact": f"passage number {n} with a mistake"},
                "suggestion": f"fixed passage {n}",
            },
        )
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["correction_id"])
    return ids


def _make_editors(auth) -> None:
    for email in EDITORS:
        auth.create("editor", email)


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        return dict(
            db.session.execute(select(Email.status, func.count()).group_by(Email.status)).all()
        )


def _keys_and_ids(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Email.id, Email.dedupe_key)).all())


def wait_until(condition, timeout: float) -> None:
    """Poll until `condition()` is true; fail after `timeout` seconds (a hang, not a slow run)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


def _outbox_id(message) -> int:
    # Message-ID is <outbox.ID.HASH@domain>, fixed per outbox row.
    return int(str(message["Message-ID"]).split(".")[1])


@pytest.mark.slow
def test_300_reports_during_an_smtp_outage_each_reach_every_editor_once(
    app, client, auth, smtp_sink
):
    _make_editors(auth)
    smtp_sink.stop()
    corrections = send_reports(client, 300)
    assert len(set(corrections)) == 300
    expected = 300 * len(EDITORS)
    assert _statuses(app) == {"queued": expected}

    later = utcnow()
    with app.app_context():
        for _ in range(3):  # the worker keeps trying while the server is down, and fails
            later += timedelta(hours=1)
            result = Worker(
                app, worker_id="reliability:outage", clock=lambda t=later: t, digests=False
            ).drain()
            assert result.sent == 0 and result.connection_error
    counts = _statuses(app)
    assert sum(counts.values()) == expected and counts.get("sent", 0) == 0, counts
    with app.app_context():  # an unreachable server costs no attempts: nothing goes dead
        assert db.session.scalar(select(func.max(Email.attempts))) == 0

    smtp_sink.start()
    later += timedelta(hours=1)
    with app.app_context():
        totals = Worker(
            app, worker_id="reliability:after", clock=lambda: later, digests=False
        ).drain()
    assert totals.sent == expected
    messages = smtp_sink.wait_for(expected, timeout=60)
    assert len(messages) == expected
    per_row = Counter(_outbox_id(m) for m in messages)
    assert set(per_row.values()) == {1}
    assert set(per_row) == set(_keys_and_ids(app))
    per_editor = Counter(str(m["To"]) for m in messages)
    assert per_editor == dict.fromkeys(EDITORS, 300)
    keys = _keys_and_ids(app)
    assert {keys[i].split(":editor:")[0] for i in per_row} == {
        f"correction:{c}:new" for c in corrections
    }
    assert _statuses(app) == {"sent": expected}


def _worker_process(database_url: str, smtp_port: int, **settings) -> subprocess.Popen:
    env = {
        **os.environ,
        "ENGAGEMENT_ENV": "test",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_DEFAULT_SENDER": "newsroom@example.org",
        "WORKER_BATCH_SIZE": "25",
        "WORKER_POLL_INTERVAL": "0.2",
        "PYTHONUNBUFFERED": "1",
        **{name: str(value) for name, value in settings.items()},
    }
    return subprocess.Popen(
        python_command("-m", "flask", "worker", "--no-digests"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.mark.slow
def test_a_worker_process_killed_mid_batch_then_a_successor_loses_no_report_mail(
    app, client, auth, smtp_sink, database_url
):
    _make_editors(auth)
    send_reports(client, 100)
    expected = 100 * len(EDITORS)
    smtp_sink.delay = 0.01  # a slow server, so the kill lands inside a batch

    first = _worker_process(database_url, smtp_sink.port)
    try:
        smtp_sink.wait_for(30, timeout=60)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    at_kill = _statuses(app)
    assert at_kill.get("sending", 0) > 0, at_kill  # it died holding a batch

    smtp_sink.delay = 0.0
    # The successor takes over the dead worker's claims once they are 5 s old.
    successor = _worker_process(database_url, smtp_sink.port, OUTBOX_CLAIM_TIMEOUT=5)
    try:
        wait_until(lambda: _statuses(app) == {"sent": expected}, timeout=120)
    finally:
        output = _stop(successor)
    assert successor.returncode == 0, output
    assert _statuses(app) == {"sent": expected}
    per_row = Counter(_outbox_id(m) for m in smtp_sink.messages)
    assert set(per_row) == set(_keys_and_ids(app))  # none lost
    doubled = [row for row, n in per_row.items() if n > 1]
    print(f"\nat the kill: {at_kill}; sent twice: {doubled}")
    assert len(doubled) <= 1 and all(per_row[row] == 2 for row in doubled)
