"""How the app sits behind reverse proxies and gunicorn (issue 14, item 4).

- `TRUSTED_PROXIES` (a hop count, 0 by default) wraps the app in Werkzeug's ProxyFix: with N
  proxies in front, `request.remote_addr` is the address the N-th proxy from us saw (the real
  client), and the scheme is the one it was asked for. With 0, X-Forwarded-* are ignored, so a
  client cannot choose its own address. X-Forwarded-Host, -Port and -Prefix are never trusted:
  absolute links come from PUBLIC_BASE_URL (engagement.urls), not from the request.
  Every rate-limit key and each report's `ip_hash` read `request.remote_addr`.
- Rate-limit counters in `memory://` live inside one process: with several gunicorn workers
  each keeps its own, and every limit is multiplied by the worker count. Production refuses to
  start that way; development and tests get a warning. The worker count comes from gunicorn's
  command line, GUNICORN_CMD_ARGS or WEB_CONCURRENCY here, and from gunicorn itself through the
  `on_starting` hook in gunicorn.conf.py (which also sees a config file's `workers`).
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engagement.config import ConfigError

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Trust TRUSTED_PROXIES hops of X-Forwarded-For/-Proto; check the rate-limit storage."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )
    check_rate_limit_storage(app.config, gunicorn_workers(sys.argv, os.environ))


def _is_gunicorn(argv: Sequence[str]) -> bool:
    program = argv[0] if argv else ""
    name = os.path.basename(program)
    return name.startswith("gunicorn") or program.endswith(os.path.join("gunicorn", "__main__.py"))


def gunicorn_workers(argv: Sequence[str], environ: Mapping[str, str]) -> int | None:
    """How many worker processes gunicorn runs, or None when this is not gunicorn.

    Reads, as gunicorn does, the command line, then GUNICORN_CMD_ARGS, then WEB_CONCURRENCY
    (a config file's `workers` is seen by the gunicorn.conf.py hook instead).
    """
    if not _is_gunicorn(argv):
        return None
    try:
        from gunicorn.config import Config
    except ImportError:  # pragma: no cover - gunicorn is a dependency
        return None
    parser = Config().parser()
    for args in (list(argv[1:]), shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))):
        parsed, _ = parser.parse_known_args(args)
        if parsed.workers is not None:
            return int(parsed.workers)
    try:
        return int(environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


def rate_limit_storage_problem(config: Mapping[str, Any], workers: int | None) -> str | None:
    """Why these settings cannot keep the rate limits with this many workers, or None."""
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not workers or workers <= 1 or not config.get("RATELIMIT_ENABLED", True):
        return None
    if not storage.startswith("memory://"):
        return None
    return (
        f"RATELIMIT_STORAGE_URI={storage} keeps rate-limit counters inside each process, "
        f"and gunicorn runs {workers} workers: every limit (sign-in attempts, reports, "
        f"checkouts) would let {workers} times as much through. Set RATELIMIT_STORAGE_URI "
        "to a Redis server shared by all workers (redis://host:6379/0), or run one worker."
    )


def check_rate_limit_storage(config: Mapping[str, Any], workers: int | None) -> None:
    """Refuse (production) or warn loudly (elsewhere) when the counters cannot be shared."""
    problem = rate_limit_storage_problem(config, workers)
    if problem is None:
        return
    if config.get("ENGAGEMENT_ENV") == "production":
        raise ConfigError(problem)
    log.warning("%s (allowed outside production)", problem)


def check_gunicorn(workers: int, instance_path: str) -> None:
    """gunicorn.conf.py's `on_starting` hook: stop the master before it forks any worker."""
    from engagement.config import load_config

    try:
        config = load_config(instance_path)
    except ConfigError:
        return  # the app refuses to start with its own reason
    try:
        check_rate_limit_storage(config, workers)
    except ConfigError as exc:
        log.error("refusing to start: %s", exc)
        print(f"engagement: refusing to start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
