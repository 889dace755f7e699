"""`make run`: the service on its embedded defaults, with everything it needs beside it.

Starts an SMTP sink, the Stripe emulator and the outbox worker, upgrades the database, seeds the
demo data and serves the app at http://127.0.0.1:5000 in development mode.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PORT = int(os.environ.get("PORT", "5000"))
SMTP_PORT = int(os.environ.get("DEV_SMTP_PORT", "8025"))
STRIPE_PORT = int(os.environ.get("DEV_STRIPE_PORT", "12111"))
DEV_WEBHOOK_SECRET = "whsec_development_only"  # noqa: S105 - the emulator's local secret


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("ENGAGEMENT_ENV", "development")
    env.setdefault("FLASK_APP", "wsgi")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{APP_PORT}")
    env.setdefault("MAIL_SERVER", "127.0.0.1")
    env.setdefault("MAIL_PORT", str(SMTP_PORT))
    env.setdefault("STRIPE_SECRET_KEY", "sk_test_development")
    env.setdefault("STRIPE_API_BASE", f"http://127.0.0.1:{STRIPE_PORT}")
    env.setdefault("STRIPE_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)
    env.setdefault("WIDGET_ALLOWED_ORIGINS", f"http://127.0.0.1:{APP_PORT},http://localhost:{APP_PORT}")
    # One development server process (`flask run`, threaded) keeps every counter, so in-memory
    # rate limits are exact here; several gunicorn workers need Redis (docs/deployment.md).
    # Nothing stands in front of it: X-Forwarded-For is ignored (TRUSTED_PROXIES=0).
    env.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    env.setdefault("TRUSTED_PROXIES", "0")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", *args]


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def main() -> None:
    """Start the services, prepare the database and serve until Ctrl+C."""
    env = _environment()
    helpers = [
        [sys.executable, "-m", "devtools.smtp_sink", "--port", str(SMTP_PORT)],
        [sys.executable, "-m", "devtools.stripe_emulator", "--port", str(STRIPE_PORT),
         "--webhook-url", f"http://127.0.0.1:{APP_PORT}/stripe/webhook",
         "--webhook-secret", env["STRIPE_WEBHOOK_SECRET"].split(",")[0]],
    ]
    processes = [subprocess.Popen(cmd, cwd=ROOT, env=env) for cmd in helpers]
    try:
        _prepare_and_serve(env, processes)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(processes)


def _prepare_and_serve(env: dict[str, str], processes: list[subprocess.Popen]) -> None:
    # The demo tiers are synced to the emulator while seeding, so it must be listening first.
    for port in (SMTP_PORT, STRIPE_PORT):
        _wait_for_port(port)
    subprocess.run(_flask("db", "upgrade"), cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(_flask("demo", "seed"), cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout
    servers = [
        _flask("worker"),
        _flask("run", "--host", "127.0.0.1", "--port", str(APP_PORT), "--debug"),
    ]
    processes += [subprocess.Popen(cmd, cwd=ROOT, env=env) for cmd in servers]
    time.sleep(1.5)
    base = env["PUBLIC_BASE_URL"]
    print(f"""
engagement is running (development mode)
  Reader pages      {base}/support   {base}/topics   {base}/corrections
  Demo article      {base}/demo/article   (highlight text, press Ctrl+Enter)
  Patron sign-in    {base}/account/login  (magic links arrive in this console)
  Newsroom          {base}/newsroom/
  Health            {base}/healthz
  Stripe emulator   {env['STRIPE_API_BASE']}   (test card 4242 4242 4242 4242)
  SMTP sink         127.0.0.1:{SMTP_PORT}  (mails are printed here)
{seeded}Press Ctrl+C to stop.
""", flush=True)
    while all(p.poll() is None for p in processes):
        time.sleep(0.5)


def _stop(processes: list[subprocess.Popen]) -> None:
    # Ctrl+C in a terminal already reached every child; give them a moment before asking again.
    deadline = time.monotonic() + 3
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


if __name__ == "__main__":
    main()
