"""The scenarios: each prepares its data, builds its requests and is measured against the
baseline's GET or insert of the same run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
    """What a scenario gets: a fresh database upgraded to the head, the app's env, the
    baseline's figures and the run's settings. The scenario builds its data, then starts the
    app with `start_app()` (after any extra settings it needs) and measures it."""

    app_env: dict[str, str]
    database_url: str
    baseline_get: Measurement
    baseline_insert: Measurement
    args: object
    workdir: Path
    app: Server | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def start_app(self, **extra_env: str) -> Server:
        """Start the app under gunicorn with the run's settings (plus `extra_env`)."""
        self.app_env.update(extra_env)
        self.app = Server("wsgi:app", self.app_env, self.args.workers, self.args.threads)
        return self.app

    def scale(self, size: int, minimum: int = 1) -> int:
        """A data-set size the issue names, times --scale."""
        return max(minimum, int(size * self.args.scale))

    def measure(self, requests_file: Path | None = None, path: str = "") -> Measurement:
        """Warm up, then drive the app (a requests file, or GETs of `path`) for the duration."""
        return run_wrk(
            self.app.url + path,
            requests_file,
            self.args.duration,
            self.args.connections,
            warmup=self.args.warmup,
        )

    def in_app(self, target: str, *arguments) -> object:
        """Call `module:function(*arguments)` in an app context of its own process (the
        scenario's settings and database) and return what it returned (JSON-able)."""
        done = subprocess.run(
            [sys.executable, "-m", "bench.inapp", target, json.dumps(arguments)],
            cwd=ROOT,
            env=self.app_env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{target} failed: {done.stderr[-2000:]}")
        line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("INAPP "))
        return json.loads(line[len("INAPP ") :])

    def expected_requests(self, rps_guess: float) -> int:
        """How many distinct requests a file needs so that warm-up plus run never wrap round."""
        return int(rps_guess * (self.args.duration + self.args.warmup) * 1.5) + 100


def write_requests(path: Path, requests: list[tuple[str, str, dict[str, str], str]]) -> Path:
    """Write (method, path, headers, body) requests as bench/wrk/requests_file.lua reads them."""
    blocks = []
    for method, target, headers, body in requests:
        head = [f"{method} {target}"] + [f"{k}: {v}" for k, v in headers.items()]
        blocks.append("\n".join(head) + "\n\n" + body)
    path.write_text("\n%%\n".join(blocks) + "\n")
    return path


def correction_body(i: int, same: bool) -> str:
    """A widget report; distinct passages unless `same`."""
    n = 0 if same else i
    return json.dumps(
        {
            "url": f"https://news.example.org/2026/article-{n % 500}",
            "title": f"Article {n % 500}",
            "quote": {
                "exact": f"the council approved {n} new homes",
                "prefix": "On Monday ",
                "suffix": " in the northern district",
            },
            "position": {"start": 120, "end": 150},
            "suggestion": "the council approved 40 new homes",
            "comment": "The figure in the council minutes differs.",
        }
    )


def scenario_corrections(ctx: Context) -> list[Row]:
    """POST /api/v1/corrections against the baseline's insert: distinct passages, then the
    same passage again and again, on one app server."""
    headers = {"Content-Type": "application/json", "Origin": "https://news.example.org"}
    rows = []
    for same in (False, True):
        count = 500 if same else ctx.expected_requests(1000)
        requests = [
            ("POST", "/api/v1/corrections", headers, correction_body(i, same)) for i in range(count)
        ]
        path = write_requests(ctx.workdir / "corrections.req", requests)
        if ctx.app is None:
            ctx.start_app()
        measured = ctx.measure(path)
        name = (
            "POST /api/v1/corrections (same passage)"
            if same
            else "POST /api/v1/corrections (distinct passages)"
        )
        rows.append(
            Row(
                name,
                measured,
                ctx.baseline_insert,
                "bare insert",
                note=errors_note(measured, "no editors: no mail rendered"),
            ).check_ratio(0.75)
        )
    return rows


def errors_note(m: Measurement, *notes: str) -> str:
    """The notes column: socket errors and non-2xx answers (if any), then `notes`."""
    parts = []
    if m.non2xx:
        parts.append(f"{m.non2xx} non-2xx")
    if m.errors - m.non2xx:
        parts.append(f"{m.errors - m.non2xx} socket errors")
    return "; ".join(parts + [n for n in notes if n])


SCENARIOS: dict[str, Callable[[Context], Row | list[Row]]] = {
    "corrections": scenario_corrections,
}
DOCS: dict[str, str] = {
    "corrections": "POST /api/v1/corrections: every report a new passage (a new correction), "
    "then the same passage again and again (reports grouped into one)",
}


def scenario(name: str, doc: str):
    """Register a scenario function under `name` (used by the feature scenario modules)."""

    def register(fn: Callable[[Context], Row | list[Row]]):
        SCENARIOS[name] = fn
        DOCS[name] = doc
        return fn

    return register


def describe() -> dict[str, str]:
    """Every scenario's name and what it does."""
    _extra_scenarios()
    return {name: DOCS.get(name, "") for name in SCENARIOS}


def _extra_scenarios() -> None:
    # Feature scenarios live in their own modules; each adds itself to SCENARIOS.
    for module in (
        "bench.scenarios_membership",
        "bench.scenarios_voting",
        "bench.scenarios_triage",
        "bench.scenarios_worker",
        "bench.scenarios_dashboard",
    ):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def _baseline(dbs: Databases, args) -> tuple[Server, Measurement, Measurement]:
    env = app_environment("")
    env["BASELINE_DATABASE_URL"] = dbs.new("baseline")
    server = Server("bench.baseline:app", env, args.workers, args.threads, health_path="/word")
    get = run_wrk(server.url + "/word", None, args.duration, args.connections, warmup=args.warmup)
    body = correction_body(1, same=False)
    path = write_requests(
        dbs.tmp / "baseline.req", [("POST", "/insert", {"Content-Type": "application/json"}, body)]
    )
    insert = run_wrk(server.url, path, args.duration, args.connections, warmup=args.warmup)
    return server, get, insert


def run_all(dbs: Databases, args) -> list[Row]:
    """Run every scenario (or those named with --only) on one kind of database."""
    _extra_scenarios()
    names = args.only or list(SCENARIOS)
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; see --list")
    baseline, base_get, base_insert = _baseline(dbs, args)
    base_rss, base_private = baseline.worker_rss_mb(), baseline.worker_private_mb()
    rows = [
        Row(
            "baseline GET /word",
            base_get,
            None,
            "",
            note="bare Flask",
            rss_mb=base_rss,
            private_mb=base_private,
        ),
        Row(
            "baseline POST /insert",
            base_insert,
            None,
            "",
            note="bare Flask, one row",
            rss_mb=base_rss,
            private_mb=base_private,
        ),
    ]
    baseline.stop()
    for name in names:
        started = time.monotonic()
        database_url = dbs.new(re.sub(r"\W", "_", name))
        env = app_environment(database_url)
        upgrade_database(env)
        ctx = Context(env, database_url, base_get, base_insert, args, dbs.tmp)
        try:
            result = SCENARIOS[name](ctx)
            result = result if isinstance(result, list) else [result]
            rss = ctx.app.worker_rss_mb() if ctx.app else None
            private = ctx.app.worker_private_mb() if ctx.app else None
            for row in result:
                if row.rss_mb is None and row.app is not None:
                    row.rss_mb, row.private_mb = rss, private
        except Exception as exc:  # noqa: BLE001 - one broken scenario must not lose the run
            log = f"; see {ctx.app.log.name}" if ctx.app else ""
            result = [
                Row(
                    name,
                    None,
                    None,
                    "",
                    note=f"failed: {type(exc).__name__}: {str(exc)[:200]}{log}",
                )
            ]
            print(f"scenario {name} failed: {exc!r}", file=sys.stderr, flush=True)
        finally:
            if ctx.app:
                ctx.app.stop()
            for cleanup in reversed(ctx.cleanups):
                cleanup()
        rows.extend(result)
        print(
            f"[{dbs.kind}] {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True
        )
    return rows


def _replace_between(content: str, name: str, text: str) -> str:
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    if start not in content or end not in content:
        return content
    before, after = content.split(start)[0], content.split(end)[1]
    return f"{before}{start}\n{text}\n{end}{after}"


def _figure(row: Row) -> str:
    if "mails_per_second" in row.extra:
        return f"{row.extra['mails_per_second']:.0f} mails/s"
    if row.goal.startswith("ratio") and row.ratio is not None:
        return f"{row.ratio:.2f}"
    if row.goal.startswith("≤") and row.note:
        return row.note.split(";")[0]
    return "–"


def goals_summary(runs: dict[str, list[Row]]) -> str:
    """A table of every goal: the figure and met/missed per database."""
    kinds = list(runs)
    lines = ["| goal | scenario | " + " | ".join(kinds) + " |", "|---|---|" + "---|" * len(kinds)]
    names = []
    for rows in runs.values():
        for row in rows:
            if row.goal and row.scenario not in names:
                names.append(row.scenario)
    for name in names:
        cells, goal = [], ""
        for kind in kinds:
            row = next((r for r in runs[kind] if r.scenario == name), None)
            if row is None or row.met is None:
                cells.append("–")
                continue
            goal = row.goal
            cells.append(f"{_figure(row)}: {'met' if row.met else '**missed**'}")
        lines.append(f"| {goal} | {name} | " + " | ".join(cells) + " |")
    cells = []
    for kind in kinds:
        peaks = [r.rss_mb for r in runs[kind] if r.rss_mb is not None and r.app is not None]
        peak = max(peaks) if peaks else None
        cells.append(
            "–" if peak is None else f"{peak:.0f} MB: {'met' if peak < 100 else '**missed**'}"
        )
    lines.append("| < 100 MB | largest gunicorn worker, any scenario | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def update_performance_doc(paths: list[Path], runs: dict[str, list[Row]] | None = None) -> None:
    """Put the latest tables (and the goals summary) into docs/performance.md between its
    markers."""
    doc = ROOT / "docs" / "performance.md"
    if not doc.exists():
        return
    content = _replace_between(
        doc.read_text(), "latest-results", "\n".join(p.read_text() for p in paths)
    )
    if runs:
        content = _replace_between(content, "goals-summary", goals_summary(runs))
    doc.write_text(content)


__all__ = [
    "BENCH",
    "SCENARIOS",
    "Context",
    "Row",
    "describe",
    "errors_note",
    "goals_summary",
    "run_all",
    "scenario",
    "update_performance_doc",
    "write_requests",
]
