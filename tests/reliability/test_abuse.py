"""Abuse: the report rate limit holds across several gunicorn workers sharing Redis.

(A magic link clicked in parallel signs in once: see test_races.py, on PostgreSQL.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests.clock import python_command
from tests.conftest import IN_CI

from .conftest import post_json

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
LIMIT = 5
REPORTS = 12


# The project's wsgi app, with the answering worker's pid in a header, so the test can see that
# more than one worker took part.
TAGGED_WSGI = """
import os
from wsgi import app as project_app

def app(environ, start_response):
    def tagged(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker-Pid", str(os.getpid()))], exc_info)
    return project_app(environ, tagged)
"""


@pytest.fixture(scope="module")
def redis_url():
    """The Redis that CI starts (TEST_REDIS_URL); required in CI, skipped locally without it."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI must set TEST_REDIS_URL")
        pytest.skip("needs Redis: set TEST_REDIS_URL")
    return url


@pytest.fixture
def fresh_limits(redis_url):
    """Forget the report counts an earlier test (or run) left: same address, same window."""
    import redis

    client = redis.Redis.from_url(redis_url)
    # The API and the form share one counter, scoped "corrections-report" (issue 14, item 4).
    stale = list(client.scan_iter("*LIMITER/*corrections-report*"))
    if stale:
        client.delete(*stale)
    client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_health(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer /healthz")


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory, redis_url):
    """`gunicorn -w 3 --max-requests 1 wsgi:app` on a free loopback port, its database
    migrated, limits in Redis."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ENGAGEMENT_ENV": "test",
        "FLASK_APP": "wsgi",
        "SECRET_KEY": "reliability-abuse",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'abuse.sqlite'}",
        "PUBLIC_BASE_URL": base_url,
        "WIDGET_ALLOWED_ORIGINS": "https://news.example.org",
        "RATELIMIT_STORAGE_URI": redis_url,
        "CORRECTIONS_RATE_LIMIT": f"{LIMIT} per minute",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        python_command("-m", "flask", "db", "upgrade"),
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    (tmp_path / "tagged_wsgi.py").write_text(TAGGED_WSGI)
    process = subprocess.Popen(
        python_command(
            "-m",
            "gunicorn",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--preload",
            # Every worker answers one request and is replaced: each report is answered by a
            # process of its own (a new pid), so no count can live in one worker's memory, and
            # no test depends on how the kernel spreads connections over the workers.
            "--max-requests",
            "1",
            "--graceful-timeout",
            "5",
            "--pythonpath",
            f"{ROOT},{tmp_path}",
            "tagged_wsgi:app",
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_health(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _report(base_url: str, n: int):
    return post_json(
        f"{base_url}/api/v1/corrections",
        {
            "url": "https://news.example.org/2026/bridge",
            "quote": {"exact": f"passage {n} with a mistake"},
            "comment": "Wrong.",
        },
    )


@pytest.fixture
def gunicorn(gunicorn_server, fresh_limits):
    """The gunicorn server's URL, with no report counted yet."""
    return gunicorn_server


@pytest.mark.slow
def test_the_report_limit_holds_across_gunicorn_workers_sharing_redis(gunicorn):
    answers, workers = [], set()
    # One reader's address sends report after report; each is answered by a worker process of
    # its own (--max-requests 1).
    while len(answers) < REPORTS:
        status, body, headers = _report(gunicorn, len(answers))
        answers.append((status, body, headers))
        workers.add(headers["X-Worker-Pid"])
    codes = [status for status, _, _ in answers]
    assert codes == [201] * LIMIT + [429] * (len(answers) - LIMIT), codes
    for _status, body, headers in answers[LIMIT:]:
        assert int(headers["Retry-After"]) > 0
        assert body["error"]["code"]  # the API's JSON error, not an HTML page
    assert len(workers) == REPORTS, workers
    refused_by = {headers["X-Worker-Pid"] for _, _, headers in answers[LIMIT:]}
    print(
        f"\n{len(answers)} reports, answered by {len(workers)} workers; 429 from {len(refused_by)}"
    )


@pytest.mark.slow
def test_a_parallel_burst_gets_no_more_than_the_limit_through(gunicorn):
    barrier = threading.Barrier(REPORTS)
    answers: list = [None] * REPORTS

    def report(n: int) -> None:
        barrier.wait()
        answers[n] = _report(gunicorn, n)

    threads = [threading.Thread(target=report, args=(n,)) for n in range(REPORTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = Counter(status for status, _, _ in answers)
    assert codes == {201: LIMIT, 429: REPORTS - LIMIT}, codes
