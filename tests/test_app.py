"""The app factory, settings, health check, error responses and security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engagement import create_app
from engagement.config import ConfigError


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {
                "ENGAGEMENT_ENV": "production",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
            }
        )


def test_production_starts_with_a_secret_key_and_secure_cookies(tmp_path):
    app = create_app(
        {
            "ENGAGEMENT_ENV": "production",
            "SECRET_KEY": "s" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GRACE_DAYS", "11")
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    app = create_app(
        {"ENGAGEMENT_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"}
    )
    assert app.config["GRACE_DAYS"] == 11
    assert app.config["WIDGET_ALLOWED_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_an_invalid_setting_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("GRACE_DAYS", "soon")
    with pytest.raises(ConfigError, match="GRACE_DAYS"):
        create_app({"ENGAGEMENT_ENV": "test"})


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "db.sqlite"
    app = create_app({"ENGAGEMENT_ENV": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] != "ok"


def test_unknown_api_path_answers_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_page_answers_an_html_page(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "Not found" in response.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/healthz", "/newsroom/login", "/nothing-here"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_web_app_leaves_alembic_to_the_flask_db_command(tmp_path):
    """Flask-Migrate (with Alembic and Mako, ~10 MB a process) is loaded by `flask db` only."""
    script = (
        "import sys; from engagement import create_app; app = create_app(); "
        "print(sorted(m for m in ('alembic', 'flask_migrate', 'mako') if m in sys.modules)); "
        "print(sorted(app.cli.list_commands(None)))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ENGAGEMENT_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    loaded, commands = done.stdout.splitlines()[-2:]
    assert loaded == "[]"
    assert "'db'" in commands
