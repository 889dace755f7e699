"""Profile one request in process: CPU per request, SQL statements per request, a pyinstrument tree.

    python -m bench.profile DATABASE_URL /topics [-n 200] [--cookie 'session=...']
    python -m bench.profile DATABASE_URL /api/v1/corrections --post bench-body.json \\
        --header 'Origin: https://news.example.org'

The database must exist at the head (`flask db upgrade`), filled as needed (e.g. with
`python -m bench.datagen_votes URL` or `python -m bench.datagen_corrections URL`). The app
runs with the benchmark's settings (test mode, no rate limits). Measured in process, without
HTTP, so the figures do not depend on wrk or gunicorn; compare them before and after a change.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def main() -> None:
    """Build the app on the database, warm up, count statements, time and profile."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database_url")
    parser.add_argument("path")
    parser.add_argument("-n", type=int, default=200, help="requests to time")
    parser.add_argument("--post", metavar="BODY_FILE", help="POST this JSON file's content")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--cookie", help="a Cookie header")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="an app setting, e.g. TOPICS_CACHE_SECONDS=2",
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "ENGAGEMENT_ENV": "test",
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": args.database_url,
        }
    )
    os.environ.setdefault("WIDGET_ALLOWED_ORIGINS", "https://news.example.org")
    for item in args.set:
        name, _, value = item.partition("=")
        os.environ[name] = value

    from pyinstrument import Profiler
    from sqlalchemy import event

    from engagement import create_app
    from engagement.extensions import db

    app = create_app()
    # A Cookie header given here is sent as is: the client's own cookie jar would replace it.
    client = app.test_client(use_cookies=not args.cookie)
    headers = dict(h.split(": ", 1) for h in args.header)
    if args.cookie:
        headers["Cookie"] = args.cookie
    body = Path(args.post).read_bytes() if args.post else None
    if body is not None:
        headers.setdefault("Content-Type", "application/json")

    def call():
        if body is not None:
            return client.post(args.path, data=body, headers=headers)
        return client.get(args.path, headers=headers)

    for _ in range(20):
        answer = call()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    call()
    event.remove(engine, "before_cursor_execute", listener)
    started = time.process_time()
    for _ in range(args.n):
        call()
    cpu_ms = (time.process_time() - started) / args.n * 1000
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.n):
        call()
    profiler.stop()
    print(
        f"{args.path}: status {answer.status_code}, {len(statements)} SQL statements, "
        f"{cpu_ms:.2f} ms CPU per request (in process, no HTTP)"
    )
    for statement in statements:
        print("  ", " ".join(statement.split())[:110])
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
