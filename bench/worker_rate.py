"""How fast one outbox worker sends: mails per second to a local SMTP sink.

    .venv/bin/python -m bench.worker_rate [--mails 2000] [--postgres-server URL]

Queues the mails (rendered from the digest template), starts the project's SMTP sink in its own
process on a free loopback port, then times `Worker.drain()` (claim, send over one connection
per batch, mark each sent and commit) until the outbox is empty. Uses a fresh SQLite file, or
a scratch database on --postgres-server.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, func, select, text

from devtools.smtp_sink import free_port
from engagement import create_app
from engagement.extensions import db
from engagement.notifications import enqueue
from engagement.notifications.models import Email
from engagement.notifications.worker import Worker


class _Editor:
    name = "Bench Editor"


def _queue(count: int) -> None:
    sections = [
        {
            "kind": "correction",
            "label": "New correction reported",
            "items": [{"summary": "A misspelt name in the third paragraph", "url": ""}],
        }
    ]
    for n in range(count):
        enqueue(
            "digest",
            f"editor{n}@example.org",
            f"bench:{n}",
            editor=_Editor(),
            sections=sections,
            count=1,
            date=date.today(),
        )
    db.session.commit()


class _PostgresScratch:
    """A database of its own on the given server, dropped afterwards."""

    def __init__(self, server_url: str):
        self.name = f"worker_rate_{uuid.uuid4().hex[:8]}"
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = urlunsplit(urlsplit(server_url)._replace(path="/" + self.name))

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def _wait_for_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the SMTP sink did not start on port {port}")


def main() -> None:
    """Queue, send, print the rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument(
        "--postgres-server",
        default=None,
        help="a PostgreSQL server URL; a scratch database is made and dropped",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="worker-rate-")
    url = f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
    scratch = None
    if args.postgres_server:
        scratch = _PostgresScratch(args.postgres_server)
        url = scratch.url
    port = free_port()
    # The sink runs in its own process, as under `make run`, so it does not share our GIL.
    sink = subprocess.Popen(
        [sys.executable, "-m", "devtools.smtp_sink", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port)
    app = create_app(
        {
            "ENGAGEMENT_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_PORT": port,
            "WORKER_BATCH_SIZE": args.batch_size,
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        with app.app_context():
            db.create_all()
            _queue(args.mails)
            worker = Worker(app)
            started = time.perf_counter()
            totals = worker.drain()
            elapsed = time.perf_counter() - started
            left = db.session.scalar(select(func.count()).where(Email.status != "sent"))
            db.session.remove()
            db.engine.dispose()
    finally:
        sink.terminate()
        sink.wait()
        if scratch:
            scratch.drop()
    print(f"database: {url.split(':')[0]}")
    print(
        f"sent {totals.sent} mails in {elapsed:.2f} s with one worker "
        f"(batch {args.batch_size}); unsent left {left}"
    )
    print(f"rate: {totals.sent / elapsed:.0f} mails/s")


if __name__ == "__main__":
    main()
