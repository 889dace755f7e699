"""The scenarios: each prepares its data, builds its requests and is measured against the
baseline's GET or insert of the same run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.run import (
    BENCH,
    ROOT,
    Databases,
    Measurement,
    Row,
    Server,
    app_environment,
    run_wrk,
    upgrade_database,
)


@dataclass
class Context:
    """What a scenario gets: the running servers, the app's env and the run's settings."""

    app: Server
    app_env: dict[str, str]
    database_url: str
    baseline_get: Measurement
    baseline_insert: Measurement
    args: object
    workdir: Path


def write_requests(path: Path, requests: list[tuple[str, str, dict[str, str], str]]) -> Path:
    """Write (method, path, headers, body) requests in the format bench/wrk/requests_file.lua reads."""
    blocks = []
    for method, target, headers, body in requests:
        head = [f"{method} {target}"] + [f"{k}: {v}" for k, v in headers.items()]
        blocks.append("\n".join(head) + "\n\n" + body)
    path.write_text("\n%%\n".join(blocks) + "\n")
    return path


def correction_body(i: int, same: bool) -> str:
    """A widget report; distinct passages unless `same`."""
    n = 0 if same else i
    return json.dumps({
        "url": f"https://news.example.org/2026/article-{n % 500}",
        "title": f"Article {n % 500}",
        "quote": {"exact": f"the council approved {n} new homes", "prefix": "On Monday ",
                  "suffix": " in the northern district"},
        "position": {"start": 120, "end": 150},
        "suggestion": "the council approved 40 new homes",
        "comment": "The figure in the council minutes differs.",
    })


def scenario_corrections(ctx: Context, same: bool) -> Row:
    """POST /api/v1/corrections against the baseline's insert."""
    headers = {"Content-Type": "application/json", "Origin": "https://news.example.org"}
    requests = [("POST", "/api/v1/corrections", headers, correction_body(i, same))
                for i in range(5000)]
    path = write_requests(ctx.workdir / "corrections.req", requests)
    measured = run_wrk(ctx.app.url, path, ctx.args.duration, ctx.args.connections)
    name = "POST /api/v1/corrections (same passage)" if same else \
        "POST /api/v1/corrections (distinct passages)"
    return Row(name, measured, ctx.baseline_insert, "bare insert",
               note=_errors_note(measured))


def _errors_note(m: Measurement) -> str:
    return f"{m.non2xx} non-2xx" if m.non2xx or m.errors else ""


SCENARIOS: dict[str, Callable[[Context], Row | list[Row]]] = {
    "corrections-distinct": lambda ctx: scenario_corrections(ctx, same=False),
    "corrections-same": lambda ctx: scenario_corrections(ctx, same=True),
}


def _extra_scenarios() -> None:
    # Feature scenarios live in their own modules; each adds itself to SCENARIOS.
    for module in ("bench.scenarios_membership", "bench.scenarios_voting",
                   "bench.scenarios_triage", "bench.scenarios_worker"):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def _baseline(dbs: Databases, args) -> tuple[Server, Measurement, Measurement]:
    env = app_environment("")
    env["BASELINE_DATABASE_URL"] = dbs.new("baseline")
    server = Server("bench.baseline:app", env, args.workers, args.threads)
    get = run_wrk(server.url + "/word", None, args.duration, args.connections)
    body = correction_body(1, same=False)
    path = write_requests(dbs.tmp / "baseline.req", [
        ("POST", "/insert", {"Content-Type": "application/json"}, body)])
    insert = run_wrk(server.url, path, args.duration, args.connections)
    return server, get, insert


def run_all(dbs: Databases, args) -> list[Row]:
    """Run every scenario (or those named with --only) on one kind of database."""
    _extra_scenarios()
    names = args.only or list(SCENARIOS)
    baseline, base_get, base_insert = _baseline(dbs, args)
    rows = [Row("baseline GET /word", base_get, None, "", note="bare Flask"),
            Row("baseline POST /insert", base_insert, None, "", note="bare Flask, one row")]
    baseline.stop()
    for name in names:
        database_url = dbs.new(re.sub(r"\W", "_", name))
        env = app_environment(database_url)
        upgrade_database(env)
        app = Server("wsgi:app", env, args.workers, args.threads)
        ctx = Context(app, env, database_url, base_get, base_insert, args, dbs.tmp)
        try:
            result = SCENARIOS[name](ctx)
        finally:
            app.stop()
        rows.extend(result if isinstance(result, list) else [result])
    return rows


def update_performance_doc(paths: list[Path]) -> None:
    """Put the latest tables into docs/performance.md between its markers."""
    doc = ROOT / "docs" / "performance.md"
    if not doc.exists():
        return
    latest = "\n".join(p.read_text() for p in paths)
    content = doc.read_text()
    start, end = "<!-- latest-results -->", "<!-- /latest-results -->"
    if start in content and end in content:
        before = content.split(start)[0]
        after = content.split(end)[1]
        doc.write_text(f"{before}{start}\n{latest}\n{end}{after}")


__all__ = ["BENCH", "SCENARIOS", "Context", "run_all", "update_performance_doc",
           "write_requests"]
