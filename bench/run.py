"""`make bench`: run the scenarios against the app and the bare-Flask baseline, in one run.

    python -m bench.run [--db sqlite|postgres|both] [--duration 10] [--connections 16]
                        [--workers 4] [--only NAME ...] [--scale 1.0]

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

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    """One line of the results table."""

    scenario: str
    app: Measurement | None
    baseline: Measurement | None
    baseline_name: str
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.app and self.baseline and self.baseline.rps:
            return self.app.rps / self.baseline.rps
        return None


class Server:
    """A gunicorn process serving a WSGI app on a loopback port."""

    def __init__(self, target: str, env: dict[str, str], workers: int, threads: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class",
             "gthread" if threads > 1 else "sync", "--log-level", "warning", target],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start in 30 s")

    def worker_rss_mb(self) -> float:
        """The largest resident memory of this server's worker processes, in MB."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True).stdout.split()
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

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_wrk(url: str, requests_file: Path | None, duration: int, connections: int) -> Measurement:
    """Drive `url` with wrk for `duration` seconds and parse its figures."""
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    if requests_file is not None:
        script.write((BENCH / "wrk" / "requests_file.lua").read_text())
    script.write((BENCH / "wrk" / "report.lua").read_text())
    script.close()
    env = dict(os.environ)
    if requests_file is not None:
        env["BENCH_REQUESTS"] = str(requests_file)
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
         "-s", script.name, url],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    os.unlink(script.name)
    line = next(l for l in out.splitlines() if l.startswith("BENCH "))
    return Measurement(**json.loads(line[len("BENCH "):]))


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
    env.update({
        "ENGAGEMENT_ENV": "test",
        "SECRET_KEY": "bench-secret-key",
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "FLASK_APP": "wsgi",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "WIDGET_ALLOWED_ORIGINS": "https://news.example.org",
    })
    env.update(extra or {})
    return env


def upgrade_database(env: dict[str, str]) -> None:
    """Build the schema with the migrations, as production does."""
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def machine_line() -> str:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        model = next(l.split(":", 1)[1].strip() for l in
                     Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def write_results(rows: list[Row], kind: str, args: argparse.Namespace) -> Path:
    """Write the markdown table for this run and refresh docs/performance.md's latest table."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    lines = [
        f"## {kind} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine_line()}. gunicorn {args.workers} workers × {args.threads} threads "
        f"for both servers; wrk {args.connections} connections, {args.duration} s per target.",
        "",
        "| scenario | app req/s | p50 ms | p99 ms | baseline | baseline req/s | ratio | notes |",
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for row in rows:
        a, b = row.app, row.baseline
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "–"
        lines.append(
            f"| {row.scenario} | {a.rps:.0f} | {a.p50_ms:.1f} | {a.p99_ms:.1f} | "
            f"{row.baseline_name} | {b.rps:.0f} | {ratio} | {row.note} |" if a and b else
            f"| {row.scenario} | {a.rps:.0f} | {a.p50_ms:.1f} | {a.p99_ms:.1f} | – | – | – | "
            f"{row.note} |" if a else f"| {row.scenario} | – | – | – | – | – | – | {row.note} |"
        )
    table = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}-{kind}.md"
    path.write_text(table)
    return path


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark on each database asked for."""
    from bench import scenarios

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the data-set sizes (1.0 = the sizes the issue names)")
    parser.add_argument("--only", nargs="*", help="scenario names to run")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    written = []
    for kind in kinds:
        dbs = Databases(kind, args.postgres_url)
        try:
            rows = scenarios.run_all(dbs, args)
        finally:
            dbs.cleanup()
        path = write_results(rows, kind, args)
        written.append(path)
        print(path.read_text())
    scenarios.update_performance_doc(written)


if __name__ == "__main__":
    main()
