"""`make run` as a newcomer meets it: a fresh clone of the repository's HEAD, its own virtual
environment installed by the Makefile (pip, as configured on this machine; nothing reused from
the working tree's .venv), free ports, and the banner as the last thing before request logs."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import smtplib
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from devtools.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
BANNER_END = "Press Ctrl+C to stop"
REQUEST_LOG = re.compile(r'"(GET|POST|HEAD) \S+ HTTP/1\.[01]" \d{3}')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MAKE_VARIABLES = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VERBOSE")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # werkzeug colours some request log lines


class Output:
    """Every line the process prints, collected by a thread."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.done = threading.Event()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(COLOUR.sub("", line.rstrip("\n")))
        self.done.set()

    def wait_for(self, text: str, timeout: float) -> int:
        """The index of the first line containing `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, line in enumerate(list(self.lines)):
                if text in line:
                    return index
            if self.done.is_set():
                break
            time.sleep(0.2)
        pytest.fail(f"no {text!r} in the output:\n" + "\n".join(self.lines[-80:]))


def _stop_group(process: subprocess.Popen) -> None:
    """Ctrl+C to the whole process group, then SIGKILL for whatever is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    time.sleep(1)  # the group's other members may still be exiting
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def make_run(tmp_path):
    """`make run` in a fresh clone on free ports; yields (output, ports); stops the group."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    ports = {
        "PORT": free_port(),
        "DEV_SMTP_PORT": free_port(),
        "DEV_STRIPE_PORT": free_port(),
        "DEV_PATREON_PORT": free_port(),
    }
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    env.update({name: str(port) for name, port in ports.items()})
    env.pop("ENGAGEMENT_ENV", None)  # the test suite's "test"; make run sets development
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        yield Output(process), ports
    finally:
        _stop_group(process)


def _answers(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "smtp":
        with smtplib.SMTP(parts.hostname, parts.port, timeout=10) as smtp:
            assert smtp.noop()[0] == 250, url
        return
    with urllib.request.urlopen(url, timeout=20) as response:
        assert response.status == 200, url


def _sign_in(base: str, email: str, password: str) -> str:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"{base}/newsroom/login", timeout=20).read().decode()
    form = urllib.parse.urlencode(
        {"csrf_token": CSRF.search(page).group(1), "email": email, "password": password}
    ).encode()
    with opener.open(f"{base}/newsroom/login", data=form, timeout=20) as response:
        return response.url


@pytest.mark.slow
@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="make run uses its own SQLite file; the SQLite pass covers it",
)
def test_make_run_on_a_fresh_clone_ends_on_a_banner_whose_urls_answer(make_run):
    output, ports = make_run
    start = output.wait_for("engagement is running", timeout=480)
    end = output.wait_for(BANNER_END, timeout=30)
    before = output.lines[:start]
    # A few lines of progress before the banner, none of pip's, alembic's or the servers' logs.
    assert len(before) <= 12, "\n".join(before)
    assert not any(
        re.search(r"WARNING|INFO|alembic|pip|Traceback|deprecat", line, re.I) for line in before
    ), "\n".join(before)
    banner = "\n".join(output.lines[start : end + 1])
    urls = re.findall(r"(?:https?|smtp)://\S+", banner)
    assert f"http://127.0.0.1:{ports['PORT']}/newsroom/" in urls
    assert f"smtp://127.0.0.1:{ports['DEV_SMTP_PORT']}" in urls
    assert any(f":{ports['DEV_STRIPE_PORT']}/" in url for url in urls)
    for url in urls:
        _answers(url)
    email, password = re.search(r"Demo admin: (\S+) / (\S+)", banner).groups()
    landed = _sign_in(f"http://127.0.0.1:{ports['PORT']}", email, password)
    assert landed.rstrip("/").endswith("/newsroom"), landed
    # After the banner: only the app's request logs (ours), nothing from start-up.
    output.wait_for('"POST /newsroom/login', timeout=30)
    after = [line for line in output.lines[end + 1 :] if line.strip()]
    assert after and all(REQUEST_LOG.search(line) for line in after), "\n".join(after)
