"""Shared fixtures: a fresh app and database per test, a client, signed-in editors, real SMTP,
a live server and a real browser.

The suite runs on a SQLite file by default and on PostgreSQL when TEST_DATABASE_URL is set
(a server URL; each test session creates and drops its own database there).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from devtools.smtp_sink import SmtpSink
from engagement import create_app
from engagement.accounts import editors as accounts
from engagement.extensions import db
from tests.clock import start_from_environment as start_clock_from_environment

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_PATH = Path(__file__).parent / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

EDITOR_PASSWORD = "editor-password-123"  # noqa: S105 - test credentials


# Variables of the developer's shell that would otherwise reach the app under test (through
# load_config, or through a process a test starts). The TEST_* switches, CI and CHROMIUM_PATH
# are the suite's own and stay.
SHELL_PREFIXES = ("FLASK_", "GUNICORN_", "STRIPE_", "MAIL_", "RATELIMIT_", "PATREON_")
SHELL_NAMES = {
    "ENGAGEMENT_ENV",
    "DATABASE_URL",
    "PORT",
    "DEV_SMTP_PORT",
    "DEV_STRIPE_PORT",
    "WEB_CONCURRENCY",
    "VERBOSE",
}


def _isolate_from_the_shell() -> list[str]:
    """Drop every setting the shell exported, so results come from the fixtures alone."""
    from engagement.config import SETTINGS

    names = [
        name
        for name in os.environ
        if name in SETTINGS or name in SHELL_NAMES or name.startswith(SHELL_PREFIXES)
    ]
    for name in names:
        del os.environ[name]
    os.environ["ENGAGEMENT_ENV"] = "test"
    return names


def pytest_configure(config):
    config.ignored_shell_settings = _isolate_from_the_shell()
    config.test_clock = start_clock_from_environment()


def pytest_unconfigure(config):
    if getattr(config, "test_clock", None) is not None:
        config.test_clock.stop()


def pytest_collection_modifyitems(config, items):
    """Every test that drives the browser is marked e2e: `-m "not e2e"` leaves them all out."""
    for item in items:
        if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


def pytest_report_header(config):
    ignored = getattr(config, "ignored_shell_settings", [])
    lines = []
    if ignored:
        lines.append(f"settings ignored from the shell: {', '.join(sorted(ignored))}")
    if getattr(config, "test_clock", None) is not None:
        lines.append(f"clock moved to {os.environ['TEST_CLOCK']} (TEST_CLOCK), ticking")
    return lines


# --- database -------------------------------------------------------------------------------


class _PostgresDatabase:
    """A database created on a PostgreSQL server for one test session, dropped at its end."""

    def __init__(self, server_url: str):
        self.server_url = server_url
        self.name = f"engagement_test_{secrets.token_hex(4)}"
        self.url = urlunsplit(urlsplit(server_url)._replace(path="/" + self.name))
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")

    def create(self):
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as exc:  # a configured PostgreSQL that does not answer is a failure
            pytest.fail(f"PostgreSQL at {self.server_url} is not usable: {exc}")
        return self

    def drop(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """The suite's PostgreSQL database (TEST_DATABASE_URL), or None to run on SQLite."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield None
        return
    database = _PostgresDatabase(server_url).create()
    yield database.url
    database.drop()


@pytest.fixture(scope="session")
def pg_only_url(postgres_url):
    """A PostgreSQL database for tests that need PostgreSQL itself (races, SKIP LOCKED).

    Uses TEST_DATABASE_URL, else TEST_POSTGRES_URL; CI sets one in both passes, so these
    tests run there and fail, not skip, when PostgreSQL is missing.
    """
    if postgres_url:
        yield postgres_url
        return
    server_url = os.environ.get("TEST_POSTGRES_URL")
    if not server_url:
        if IN_CI:
            pytest.fail("CI must set TEST_POSTGRES_URL or TEST_DATABASE_URL")
        pytest.skip("needs PostgreSQL: set TEST_POSTGRES_URL")
    database = _PostgresDatabase(server_url).create()
    yield database.url
    database.drop()


@pytest.fixture
def database_url(postgres_url, tmp_path):
    """The URL of this test's database: the session's PostgreSQL one, or a new SQLite file."""
    return postgres_url or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def smtp_sink():
    """A real SMTP server on loopback; `.messages` holds parsed `email` messages."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def compiled_catalogs(tmp_path_factory):
    """The working tree's message catalogs, compiled for this session (no `make` needed)."""
    from devtools import translations

    folder = tmp_path_factory.mktemp("catalogs")
    translations.build(folder)
    return folder


@pytest.fixture
def app_config(database_url, smtp_sink, tmp_path, compiled_catalogs):
    """Settings for the test app; a test may change them before asking for `app`."""
    return {
        "BABEL_TRANSLATION_DIRECTORIES": str(compiled_catalogs),
        "ENGAGEMENT_ENV": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_sink.port,
        "MAIL_DEFAULT_SENDER": "newsroom@example.org",
        "NEWSROOM_TIMEZONE": "UTC",
        "DIGEST_HOUR": 8,
        "WIDGET_ALLOWED_ORIGINS": ["https://news.example.org"],
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests look at /topics right after a change; tests/voting/test_topics_cache.py
        # covers the cache that production has on by default.
        "TOPICS_CACHE_SECONDS": 0,
        # Likewise the dashboard's figures; tests/membership/test_tiers.py covers that cache.
        "DASHBOARD_CACHE_SECONDS": 0,
    }


@pytest.fixture
def app(app_config):
    """A fresh app with an empty schema."""
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def pg_app(app_config, pg_only_url):
    """Like `app`, but always on PostgreSQL (for races and row locking)."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": pg_only_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def queries(app):
    """`with queries() as statements:` records the SQL the app runs inside the block."""
    from tests.support.queries import recorded_statements

    return lambda: recorded_statements(app)


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


# --- forms and sign-in ----------------------------------------------------------------------


def csrf_token_from(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


class Forms:
    """Submit forms the way a browser does: fetch the page, take its CSRF token, post."""

    def __init__(self, client):
        self.client = client

    def token(self, page_url: str) -> str:
        response = self.client.get(page_url)
        return csrf_token_from(response.get_data(as_text=True))

    def post(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        data = dict(data or {})
        data["csrf_token"] = self.token(page or url)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def forms(client):
    """Post forms with their CSRF token."""
    return Forms(client)


class Auth:
    """Make editors and sign them in: `auth.login("admin")`."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.forms = Forms(client)

    def create(self, role: str = "editor", email: str | None = None):
        email = email or f"{role}@example.org"
        with self.app.app_context():
            editor = accounts.find_editor(email) or accounts.create_editor(
                email, EDITOR_PASSWORD, role=role, display_name=role.title()
            )
            db.session.commit()
            return editor.id

    def login(self, role: str = "editor", email: str | None = None):
        email = email or f"{role}@example.org"
        self.create(role, email)
        response = self.forms.post("/newsroom/login", {"email": email, "password": EDITOR_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.forms.post("/newsroom/logout", page="/newsroom/")


@pytest.fixture
def auth(app, client):
    """Sign in as an editor or admin."""
    return Auth(app, client)


# --- the Stripe emulator ------------------------------------------------------------------


@pytest.fixture(scope="session")
def emulator_session():
    """One Stripe emulator for the test session, over real HTTP on a free loopback port."""
    from devtools.stripe_emulator import start_emulator

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENGAGEMENT_ENV", "test")
        emu = start_emulator(port=0, initial_backoff=0.05)
    yield emu
    emu.stop()


@pytest.fixture
def emulator_attempts():
    """How often the emulator tries a webhook delivery; a folder may override it."""
    return 8


@pytest.fixture
def emulator(emulator_session, emulator_attempts):
    """The emulator, empty, with no webhook endpoint yet."""
    emulator_session.wait_idle(30)
    emulator_session.reset()
    emulator_session.set_webhook(None, None, initial_backoff=0.05, max_attempts=emulator_attempts)
    emulator_session.store.failures_before_cancel = 3
    yield emulator_session
    emulator_session.set_webhook(None, None)
    emulator_session.wait_idle(30)
    emulator_session.reset()


# --- a live server and a real browser -------------------------------------------------------


class LiveServer:
    """The app served over real HTTP on loopback, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def live_server(app):
    """The test app over HTTP; `live_server.url` is its base URL."""
    server = LiveServer(app)
    app.config["PUBLIC_BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"chromium is required in CI but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser page with axe-core preloaded; dialogs are recorded, never accepted."""
    with browser_page(browser) as page:
        yield page


@contextmanager
def browser_page(browser, **context_options):
    """Like the `page` fixture, in a context of its own made with `context_options` (a
    `locale` sets the Accept-Language the pages see, `java_script_enabled=False` ...)."""
    if not AXE_PATH.exists():
        message = f"axe-core missing at {AXE_PATH}: run `npm install --prefix tests/e2e`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    context = browser.new_context(**context_options)
    context.add_init_script(path=str(AXE_PATH))
    page = context.new_page()
    page.dialogs = []

    def _on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", _on_dialog)
    # Ceilings for waiting, not timings under test: CI runs four passes side by side on two
    # cores, where a page can take seconds to come back; a wrong page only fails later.
    from playwright.sync_api import expect

    page.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    try:
        yield page
    finally:
        context.close()


def check_a11y(page) -> None:
    """Fail on any serious or critical axe-core violation on the current page."""
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"accessibility violations on {page.url}: {bad}"


@pytest.fixture
def a11y():
    """`a11y(page)` runs axe-core on the page and fails on serious or critical violations."""
    return check_a11y


def browser_login(page, base_url: str, email: str, password: str = EDITOR_PASSWORD) -> None:
    """Sign an editor in through the real login page."""
    page.goto(base_url + "/newsroom/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/newsroom/")
