"""`make bench`: run the scenarios against the app and the bare-Flask baseline, in one run.

    python -m bench.run [--db sqlite|postgres|both] [--duration 10] [--connections 16]
                        [--workers 4] [--only NAME ...] [--scale 1.0] [--quick]

Both servers run under gunicorn with the same settings on loopback; wrk drives them. Each
scenario's throughput is reported with the baseline's from the same run and their ratio. The
table goes to bench/results/<time>-<db>.md and docs/performance.md shows the latest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Measurement:
    """What wrk measured for one target."""

    requests: int
    seconds: float
    errors: int
    non2xx: int
    p50_ms: float
    p99_ms: float
    warmup_requests: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    """One line of the results table.

    `goal` is the target as text ("≥ 0.75", "≤ 1.5 × page 1", "≥ 200 mails/s") and `met` whether
    this run reached it (None when the line has no goal). `rss_mb` is the peak resident memory
    of the app server's largest worker during the scenario.
    """

    scenario: str
    app: Measurement | None
    baseline: Measurement | None
    baseline_name: str
    note: str = ""
    extra: dict = field(default_factory=dict)
    goal: str = ""
    met: bool | None = None
    rss_mb: float | None = None
    private_mb: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.app and self.baseline and self.baseline.rps:
            return self.app.rps / self.baseline.rps
        return None

    def check_ratio(self, minimum: float) -> Row:
        """Set the goal to "ratio ≥ minimum" and whether it was met."""
        self.goal = f"ratio ≥ {minimum:g}"
        self.met = self.ratio is not None and self.ratio >= minimum
        return self


class Server:
    """A gunicorn process serving a WSGI app on a loopback port."""

    def __init__(
        self,
        target: str,
        env: dict[str, str],
        workers: int,
        threads: int,
        health_path: str = "/healthz",
    ):
        self.port = free_port()
        self.health_path = health_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open while the server runs
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread" if threads > 1 else "sync",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        """Wait until a worker answers the health path over HTTP (gunicorn binds the port
        before its workers have imported the app, which takes seconds on a busy machine)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + self.health_path, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer in 60 s; see {self.log.name}")

    def worker_rss_mb(self) -> float:
        """The largest resident memory of this server's worker processes, in MB."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        peak = 0
        for pid in children:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        return peak / 1024

    def worker_private_mb(self) -> float:
        """The largest private memory (pages no other process shares: what one more worker
        costs) of this server's workers now, in MB."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        largest = 0
        for pid in children:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            private = sum(
                int(line.split()[1])
                for line in rollup.splitlines()
                if line.startswith(("Private_Clean:", "Private_Dirty:"))
            )
            largest = max(largest, private)
        return largest / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_wrk(
    url: str,
    requests_file: Path | None,
    duration: int,
    connections: int,
    warmup: int = 0,
    skip: int = 0,
) -> Measurement:
    """Drive `url` with wrk for `duration` seconds and parse its figures.

    With `warmup`, a first untimed run of that many seconds lets every worker import its lazy
    modules, open its database connections and fill SQLAlchemy's statement cache; the timed
    run then skips the requests the warm-up sent (fresh event ids stay fresh).
    """
    warm = run_wrk(url, requests_file, warmup, connections) if warmup > 0 else None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if requests_file is not None:
            script.write((BENCH / "wrk" / "requests_file.lua").read_text())
        script.write((BENCH / "wrk" / "report.lua").read_text())
    env = dict(os.environ)
    if requests_file is not None:
        env["BENCH_REQUESTS"] = str(requests_file)
    threads = min(2, connections)
    env["BENCH_THREADS"] = str(threads)
    if warm is not None:
        skip = warm.requests + 2 * connections  # in-flight requests are not counted
    env["BENCH_SKIP"] = str(skip)
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "--timeout",
            "30s",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}"
        )
    out = done.stdout
    os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    measured = Measurement(**json.loads(line[len("BENCH ") :]))
    measured.warmup_requests = warm.requests if warm else 0
    return measured


class Databases:
    """Fresh databases for one run: SQLite files, or new PostgreSQL databases on a server."""

    def __init__(self, kind: str, postgres_url: str):
        self.kind = kind
        self.postgres_url = postgres_url
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-"))
        self.created: list[str] = []

    def new(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.sqlite')}"
        db_name = f"bench_{name}_{secrets.token_hex(3)}"
        engine = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        engine.dispose()
        self.created.append(db_name)
        base, _, _ = self.postgres_url.rpartition("/")
        return f"{base}/{db_name}"

    def cleanup(self) -> None:
        if self.created:
            engine = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                for db_name in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            engine.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)


def app_environment(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The app's settings for a benchmark: test mode, no rate limits, this database."""
    env = dict(os.environ)
    env.update(
        {
            "ENGAGEMENT_ENV": "test",
            "SECRET_KEY": "bench-secret-key",
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "FLASK_APP": "wsgi",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "WIDGET_ALLOWED_ORIGINS": "https://news.example.org",
        }
    )
    env.update(extra or {})
    return env


def upgrade_database(env: dict[str, str]) -> None:
    """Build the schema with the migrations, as production does."""
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def machine_line() -> str:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def _cell(value: float | None, fmt: str) -> str:
    return format(value, fmt) if value is not None else "–"


def format_row(row: Row) -> str:
    """One markdown table line."""
    a, b = row.app, row.baseline
    goal = row.goal
    if row.met is not None:
        goal = f"{goal}: **{'met' if row.met else 'missed'}**"
    cells = [
        row.scenario,
        _cell(a.rps if a else None, ".0f"),
        _cell(a.p50_ms if a else None, ".1f"),
        _cell(a.p99_ms if a else None, ".1f"),
        row.baseline_name if b else "–",
        _cell(b.rps if b else None, ".0f"),
        _cell(row.ratio, ".2f"),
        _cell(row.rss_mb, ".0f") + (f" ({row.private_mb:.0f})" if row.private_mb else ""),
        goal,
        row.note,
    ]
    return "| " + " | ".join(cells) + " |"


def write_results(
    rows: list[Row], kind: str, args: argparse.Namespace, elapsed: float | None = None
) -> Path:
    """Write the markdown table for this run under bench/results/ and return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    took = f" The run took {elapsed / 60:.1f} min." if elapsed else ""
    load = f" Load average at the end: {os.getloadavg()[0]:.2f}."
    lines = [
        f"## {kind} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine_line()}. gunicorn {args.workers} workers × {args.threads} threads "
        f"for both servers; wrk {args.connections} connections, {args.warmup} s warm-up then "
        f"{args.duration} s per target; data scale {args.scale:g}.{took}{load}",
        "",
        "| scenario | app req/s | p50 ms | p99 ms | baseline | baseline req/s | ratio "
        "| worker MB (private) | goal | notes |",
        "|---|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    lines.extend(format_row(row) for row in rows)
    table = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-{kind}.md"
    path.write_text(table)
    return path


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark on each database asked for."""
    from bench import scenarios

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--duration", type=int, default=None, help="seconds per target (10)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="untimed seconds before each target (2)"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="multiply the data-set sizes (1.0 = the sizes the issue names)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 s per target, 1 s warm-up, data scale 0.01",
    )
    parser.add_argument("--only", nargs="*", help="scenario names to run")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--no-doc", action="store_true", help="do not copy the tables into docs/performance.md"
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, doc in scenarios.describe().items():
            print(f"{name:24} {doc}")
        return
    quick = {"duration": 2, "warmup": 1, "scale": 0.01}
    full = {"duration": 10, "warmup": 2, "scale": 1.0}
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    written, runs = [], {}
    for kind in kinds:
        started = time.monotonic()
        dbs = Databases(kind, args.postgres_url)
        try:
            rows = scenarios.run_all(dbs, args)
        finally:
            dbs.cleanup()
        path = write_results(rows, kind, args, time.monotonic() - started)
        written.append(path)
        runs[kind] = rows
        print(path.read_text(), flush=True)
    if not args.no_doc and not args.quick:
        scenarios.update_performance_doc(written, runs)


if __name__ == "__main__":
    main()
