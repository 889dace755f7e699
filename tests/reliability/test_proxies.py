"""Issue 14, item 4: behind a reverse proxy, per-client limits stay per client.

Everything over real HTTP: the live server, and in front of it a real reverse proxy on loopback
(tests/webclient.py) that appends the connecting address to X-Forwarded-For as nginx does.
Two clients are told apart by their source addresses, 127.0.0.2 and 127.0.0.3.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from engagement.config import ConfigError
from engagement.corrections.models import Report
from engagement.corrections.services import hash_ip
from engagement.extensions import db
from engagement.serving import check_rate_limit_storage, gunicorn_workers
from tests.conftest import EDITOR_PASSWORD
from tests.webclient import ReverseProxy, WebClient

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "https://news.example.org/2026/bridge"
CLIENT_A, CLIENT_B = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def trusted_proxies():
    """TRUSTED_PROXIES for the test's app: one proxy in front, unless a test says otherwise."""
    return 1


@pytest.fixture
def app_config(app_config, trusted_proxies):
    # Limits whose windows start at the first hit and last an hour: no clock in the way.
    return {
        **app_config,
        "TRUSTED_PROXIES": trusted_proxies,
        "LOGIN_RATE_LIMIT": "3 per hour",
        "CORRECTIONS_RATE_LIMIT": "2 per hour",
    }


@pytest.fixture
def proxy(live_server):
    """The reverse proxy in front of the live server; stopped at the end of the test."""
    proxy = ReverseProxy(live_server.url).start()
    yield proxy
    proxy.stop()


def _report(client: WebClient, n: int, headers: dict | None = None):
    return client.post_json(
        "/api/v1/corrections",
        {"url": ARTICLE, "quote": {"exact": f"passage {n} with a mistake"}, "comment": "Wrong."},
        headers=headers,
    )


def _ip_hashes(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Report.ip_hash).order_by(Report.id)))


def _hash(app, ip: str) -> str:
    with app.app_context():
        return hash_ip(ip)


def test_behind_a_proxy_one_clients_wrong_passwords_do_not_lock_out_another(app, auth, proxy):
    auth.create("admin", "admin@example.org")
    attacker = WebClient(proxy.url, source=CLIENT_A)
    admin = WebClient(proxy.url, source=CLIENT_B)
    answers = [
        attacker.submit(
            "/newsroom/login",
            {"email": f"guess{n}@example.org", "password": "wrong-password"},
            # A forged X-Forwarded-For: the proxy appends the real address, which is the one used.
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        ).status
        for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    signed_in = admin.submit(
        "/newsroom/login", {"email": "admin@example.org", "password": EDITOR_PASSWORD}
    )
    assert signed_in.status == 302, signed_in.text[:500]
    assert (
        attacker.submit(
            "/newsroom/login", {"email": "admin@example.org", "password": EDITOR_PASSWORD}
        ).status
        == 429
    )


def test_behind_a_proxy_reports_are_counted_and_hashed_per_client(app, proxy):
    reader_a = WebClient(proxy.url, source=CLIENT_A)
    reader_b = WebClient(proxy.url, source=CLIENT_B)
    assert [_report(reader_a, n).status for n in range(3)] == [201, 201, 429]
    assert _report(reader_b, 10).status == 201
    assert _ip_hashes(app) == [_hash(app, CLIENT_A)] * 2 + [_hash(app, CLIENT_B)]


def test_the_api_and_the_form_share_one_report_counter(app, proxy):
    reader = WebClient(proxy.url, source=CLIENT_A)
    assert _report(reader, 1).status == 201
    form = {"url": ARTICLE, "quote": "passage 2 with a mistake", "comment": "Wrong."}
    assert reader.submit("/corrections/report", form).status == 302
    assert reader.submit("/corrections/report", {**form, "quote": "passage 3"}).status == 429
    assert _report(reader, 4).status == 429
    assert (
        WebClient(proxy.url, source=CLIENT_B)
        .submit("/corrections/report", {**form, "quote": "passage 5"})
        .status
        == 302
    )


@pytest.mark.parametrize("trusted_proxies", [0])
def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app, live_server):
    reader = WebClient(live_server.url, source=CLIENT_A)
    answers = [
        _report(reader, n, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status for n in range(3)
    ]
    assert answers == [201, 201, 429]
    assert _ip_hashes(app) == [_hash(app, CLIENT_A)] * 2
    # Through a proxy the setting does not trust, every client is the proxy: set TRUSTED_PROXIES.


@pytest.mark.parametrize("trusted_proxies", [0])
def test_without_trusted_proxies_a_forged_forwarded_for_does_not_unlock_sign_in(app, live_server):
    client = WebClient(live_server.url, source=CLIENT_A)
    answers = [
        client.submit(
            "/newsroom/login",
            {"email": f"guess{n}@example.org", "password": "wrong-password"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        ).status
        for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]


# --- memory:// counters and several gunicorn workers -----------------------------------------


def test_the_worker_count_is_read_as_gunicorn_reads_it():
    assert gunicorn_workers(["/usr/bin/pytest"], {"WEB_CONCURRENCY": "4"}) is None
    gunicorn = "/srv/venv/bin/gunicorn"
    assert gunicorn_workers([gunicorn, "wsgi:app"], {}) == 1
    assert gunicorn_workers([gunicorn, "-w", "3", "wsgi:app"], {"WEB_CONCURRENCY": "8"}) == 3
    assert gunicorn_workers([gunicorn, "--workers=2", "wsgi:app"], {}) == 2
    assert gunicorn_workers([gunicorn, "wsgi:app"], {"GUNICORN_CMD_ARGS": "-w 5 -b :80"}) == 5
    assert gunicorn_workers([gunicorn, "wsgi:app"], {"WEB_CONCURRENCY": "4"}) == 4
    module = str(Path("/srv/venv/lib/gunicorn/__main__.py"))
    assert gunicorn_workers([module, "-w", "2", "wsgi:app"], {}) == 2


def test_memory_counters_are_refused_in_production_only_with_several_workers():
    production = {
        "ENGAGEMENT_ENV": "production",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
    }
    check_rate_limit_storage(production, None)  # not gunicorn: one process
    check_rate_limit_storage(production, 1)
    check_rate_limit_storage({**production, "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}, 4)
    with pytest.raises(ConfigError, match="gunicorn runs 2 workers"):
        check_rate_limit_storage(production, 2)
    check_rate_limit_storage({**production, "ENGAGEMENT_ENV": "development"}, 2)  # a warning


@pytest.mark.slow
@pytest.mark.parametrize("how", ["hook", "app"])
def test_gunicorn_with_two_workers_and_memory_counters_refuses_to_start(tmp_path, how):
    """`hook`: gunicorn.conf.py stops the master; `app`: without that file (`-c` an empty one),
    create_app() in each worker refuses, and gunicorn gives up."""
    env = {
        **os.environ,
        "ENGAGEMENT_ENV": "production",
        "SECRET_KEY": "gunicorn-refusal",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'refusal.sqlite'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "GUNICORN_CMD_ARGS": "",
    }
    env.pop("WEB_CONCURRENCY", None)
    config = [] if how == "hook" else ["-c", str(tmp_path / "empty.conf.py")]
    (tmp_path / "empty.conf.py").write_text("")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *config,
            "-w",
            "2",
            "-b",
            "127.0.0.1:0",
            "--graceful-timeout",
            "2",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("engagement: refusing to start" in output) == (how == "hook")
    assert "RATELIMIT_STORAGE_URI=memory:// keeps rate-limit counters inside each process" in output
