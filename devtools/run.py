"""`make run`: the service on its embedded defaults, with everything it needs beside it.

Starts an SMTP sink, the Stripe emulator and the outbox worker, upgrades the database, seeds the
demo data and serves the app at http://127.0.0.1:5000 in development mode. It prints one line
per step, then the banner; after the banner come the app's request logs and every mail the SMTP
sink receives. VERBOSE=1 shows every tool's own log instead. PORT, DEV_SMTP_PORT and
DEV_STRIPE_PORT move the three ports.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from devtools.console import Relay, StepFailed, run_quietly, say, step, tail, verbose
from devtools.smtp_sink import READY_LINE

ROOT = Path(__file__).resolve().parent.parent
DEV_WEBHOOK_SECRET = "whsec_development_only"  # noqa: S105 - the emulator's local secret
DEV_PATREON_SECRET = "patreon_development_only"  # noqa: S105 - the Patreon stand-in's secret
PORTS = (
    ("PORT", 5000, "the app"),
    ("DEV_SMTP_PORT", 8025, "the SMTP sink"),
    ("DEV_STRIPE_PORT", 12111, "the Stripe emulator"),
)
TEST_CARD = "4242 4242 4242 4242"


class PortProblem(Exception):
    """A port that cannot be used, named with the variable that changes it."""


def read_ports(environ: dict[str, str]) -> dict[str, int]:
    """PORT, DEV_SMTP_PORT and DEV_STRIPE_PORT from the environment (or their defaults)."""
    ports = {}
    for name, default, _ in PORTS:
        raw = environ.get(name, "").strip() or str(default)
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise PortProblem(f"{name}={raw!r} is not a port number (1 to 65535).")
        ports[name] = int(raw)
    if len(set(ports.values())) < len(ports):
        raise PortProblem(
            "PORT, DEV_SMTP_PORT and DEV_STRIPE_PORT must be three different "
            f"ports (now {ports['PORT']}, {ports['DEV_SMTP_PORT']}, "
            f"{ports['DEV_STRIPE_PORT']})."
        )
    return ports


def check_ports_free(ports: dict[str, int]) -> None:
    """Stop before anything starts when a port is taken, naming the variable that moves it."""
    for name, _, what in PORTS:
        port = ports[name]
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                raise PortProblem(
                    f"Port {port} ({what}) is already in use on 127.0.0.1. Stop what uses it, or "
                    f"choose another port: make run {name}={port + 1}"
                ) from None


def _environment(ports: dict[str, int]) -> dict[str, str]:
    app_port = ports["PORT"]
    env = dict(os.environ)
    env.setdefault("ENGAGEMENT_ENV", "development")
    env.setdefault("FLASK_APP", "wsgi")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{app_port}")
    env.setdefault("MAIL_SERVER", "127.0.0.1")
    env.setdefault("MAIL_PORT", str(ports["DEV_SMTP_PORT"]))
    env.setdefault("STRIPE_SECRET_KEY", "sk_test_development")
    env.setdefault("STRIPE_API_BASE", f"http://127.0.0.1:{ports['DEV_STRIPE_PORT']}")
    env.setdefault("STRIPE_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)
    # The Patreon stand-in (devtools/patreon_standin) on DEV_PATREON_PORT (12112 by default).
    env.setdefault(
        "PATREON_API_BASE", f"http://127.0.0.1:{int(env.get('DEV_PATREON_PORT') or 12112)}"
    )
    env.setdefault("PATREON_WEBHOOK_SECRET", DEV_PATREON_SECRET)
    env.setdefault("PATREON_ACCESS_TOKEN", "standin-token")
    env.setdefault("PATREON_CAMPAIGN_ID", "4242")
    env.setdefault(
        "WIDGET_ALLOWED_ORIGINS", f"http://127.0.0.1:{app_port},http://localhost:{app_port}"
    )
    # One development server process (`flask run`, threaded) keeps every counter, so in-memory
    # rate limits are exact here; several gunicorn workers need Redis (docs/deployment.md).
    # Nothing stands in front of it: X-Forwarded-For is ignored (TRUSTED_PROXIES=0).
    env.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    env.setdefault("TRUSTED_PROXIES", "0")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", *args]


class Children:
    """The processes `make run` started, each with its output relay; stops them all."""

    def __init__(self, env: dict[str, str]):
        self.env, self.gate, self.relays = env, threading.Event(), []

    def start(
        self, name: str, command: list[str], marker: str, env: dict[str, str] | None = None
    ) -> Relay:
        """Start one child in the background; its output waits for `marker`, then the gate."""
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or self.env,
            text=True,
            errors="replace",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        relay = Relay(name, process, marker, self.gate)
        self.relays.append(relay)
        return relay

    def check_alive(self) -> None:
        """Raise StepFailed with a child's output when it exited during start-up."""
        for relay in self.relays:
            code = relay.process.poll()
            if code is not None:
                relay.finish()
                raise StepFailed(f"{relay.name} exited with {code}", relay.held_output())

    def wait_ready(self, relay: Relay, timeout: float = 60.0) -> None:
        """Wait until the child printed its ready line."""
        deadline = time.monotonic() + timeout
        while not relay.ready.wait(0.1):
            self.check_alive()
            if time.monotonic() > deadline:
                raise StepFailed(
                    f"{relay.name} did not start in {timeout:.0f} s", relay.held_output()
                )

    def serve(self) -> None:
        """Pass the output on and wait until Ctrl+C or until one child exits."""
        self.gate.set()
        while True:
            for relay in self.relays:
                code = relay.process.poll()
                if code is not None:
                    relay.finish()
                    say(f"{relay.name} stopped (exit code {code}); stopping the rest.")
                    return
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every child: a moment for Ctrl+C to work, then SIGTERM, then SIGKILL."""
        processes = [relay.process for relay in self.relays]
        deadline = time.monotonic() + 2
        for process in processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(children: Children, port: int, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise StepFailed(f"{name} does not listen on 127.0.0.1:{port} after {timeout:.0f} s")


def _get(url: str, data: bytes | None = None, timeout: float = 20.0) -> bytes:
    with urllib.request.urlopen(url, data=data, timeout=timeout) as response:
        return response.read()


def _wait_for_app(children: Children, base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            _get(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise StepFailed(f"the app does not answer {base}/healthz after {timeout:.0f} s")


def _start_helpers(children: Children, ports: dict[str, int]) -> Relay:
    env = children.env
    sink = children.start(
        "SMTP sink",
        [sys.executable, "-m", "devtools.smtp_sink", "--port", str(ports["DEV_SMTP_PORT"])],
        READY_LINE,
    )
    quiet = [] if verbose() else ["--quiet"]
    children.start(
        "Stripe emulator",
        [
            sys.executable,
            "-m",
            "devtools.stripe_emulator",
            "--port",
            str(ports["DEV_STRIPE_PORT"]),
            "--webhook-url",
            f"http://127.0.0.1:{ports['PORT']}/stripe/webhook",
            "--webhook-secret",
            env["STRIPE_WEBHOOK_SECRET"].split(",")[0],
            *quiet,
        ],
        "Stripe emulator listening on",
    )
    patreon = env["PATREON_API_BASE"].rstrip("/")
    children.start(
        "Patreon stand-in",
        [
            sys.executable,
            "-m",
            "devtools.patreon_standin",
            "--port",
            patreon.rsplit(":", 1)[1],
            "--webhook-url",
            f"http://127.0.0.1:{ports['PORT']}/patreon/webhook",
            "--webhook-secret",
            env["PATREON_WEBHOOK_SECRET"].split(",")[0],
            *quiet,
        ],
        "Patreon stand-in on",
    )
    # The demo tiers are synced to the emulator while seeding, so it must be listening first.
    _wait_for_port(children, ports["DEV_SMTP_PORT"], "the SMTP sink")
    _wait_for_port(children, ports["DEV_STRIPE_PORT"], "the Stripe emulator")
    return sink


def _prepare(children: Children, sink: Relay) -> str:
    env = children.env
    with step("Upgrading the database"):
        run_quietly(_flask("db", "upgrade"), cwd=ROOT, env=env)
    with step("Seeding the demo data"):
        seeded = run_quietly(_flask("demo", "seed"), cwd=ROOT, env=env, stdout_only=True)
    with step("Sending the demo's mails to the SMTP sink"):
        run_quietly(_flask("worker", "--once"), cwd=ROOT, env=env)
        # The sink prints what it received so far no more: start-up mails stay out of the way.
        sink.process.send_signal(signal.SIGUSR1)
        children.wait_ready(sink)
    return seeded


def _start_app(children: Children, ports: dict[str, int]) -> None:
    env, base = children.env, children.env["PUBLIC_BASE_URL"].rstrip("/")
    token = secrets.token_hex(6)
    worker_env = dict(env)
    if not verbose():
        worker_env.setdefault("LOG_LEVEL", "WARNING")  # "sent 1 mail": the sink shows the mail
    worker = children.start("outbox worker", _flask("worker"), "polling every", worker_env)
    app = children.start(
        "app",
        _flask("run", "--host", "127.0.0.1", "--port", str(ports["PORT"]), "--debug"),
        f"startup={token}",
    )
    _wait_for_app(children, base)
    # The seed's tiers made Stripe events; let their webhooks land before the banner.
    stripe = env["STRIPE_API_BASE"].rstrip("/")
    _get(f"{stripe}/_emulator/webhooks/wait", data=json.dumps({"timeout": 15}).encode())
    _get(f"{base}/healthz?startup={token}")  # the app's last line before the banner
    children.wait_ready(app)
    children.wait_ready(worker)


def banner(env: dict[str, str], ports: dict[str, int], seeded: str) -> str:
    """What `make run` prints last: where everything is, the demo logins, how to stop."""
    base = env["PUBLIC_BASE_URL"].rstrip("/")
    stripe = env["STRIPE_API_BASE"].rstrip("/")
    patreon = env["PATREON_API_BASE"].rstrip("/")
    logins = "\n".join(f"  {line}" for line in seeded.strip().splitlines())
    return f"""
engagement is running (development mode, with demo data)

  Readers' home     {base}/
  Demo article      {base}/demo/article   (select a passage, press Ctrl+Enter)
  Newsroom          {base}/newsroom/
  Stripe emulator   {stripe}/_emulator/state   (test card {TEST_CARD}, any date and CVC)
  Patreon stand-in  {patreon}/   (change a member there: its webhook reaches the app)
  Mail inbox        smtp://127.0.0.1:{ports["DEV_SMTP_PORT"]}   (every mail is printed below)

Demo data
{logins}

Press Ctrl+C to stop (it stops every part). Request logs and mails follow.
"""


def _start(children: Children, ports: dict[str, int]) -> str:
    with step("Starting the SMTP sink and the Stripe emulator"):
        sink = _start_helpers(children, ports)
    seeded = _prepare(children, sink)
    with step("Starting the app and the outbox worker"):
        _start_app(children, ports)
    return seeded


def main() -> int:
    """Start the services, prepare the database and serve until Ctrl+C."""
    try:
        ports = read_ports(os.environ)
        check_ports_free(ports)
    except PortProblem as exc:
        say(str(exc))
        return 1
    env = _environment(ports)
    children = Children(env)
    try:
        seeded = _start(children, ports)
        say(banner(env, ports, seeded))
        children.serve()
    except StepFailed as exc:
        say(
            f"make run stopped: {exc}\n{tail(exc.output)}"
            if exc.output
            else f"make run stopped: {exc}"
        )
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        children.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
