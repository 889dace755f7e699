"""The outbox worker: mails per second to the local SMTP sink, and its peak memory.

Queues N mails through the app's own `enqueue` (rendered text and HTML, one row each), starts
the project's SMTP sink (`devtools.smtp_sink`, aiosmtpd on loopback, in this process), then
runs what `flask worker --once` runs, `Worker(app).drain()` (claim a batch, send it over one
SMTP connection, mark each mail sent and commit, until the outbox is empty), timed inside its
process: the rate leaves out the start-up, as the worker is a long-running process in
production. Then `flask worker --once` itself sends a second outbox of the same size, timed with
its start-up, for comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.run import ROOT
from bench.scenarios import Context, Row, scenario
from devtools.smtp_sink import SmtpSink

MAILS = 5_000
GOAL_PER_SECOND = 400  # issue 17 (was 200)


class _Editor:
    name = "Bench Editor"


def queue_mails(count: int, first: int = 0) -> int:
    """In the app: queue `count` digest mails, as the digest job would."""
    from engagement.extensions import db
    from engagement.notifications import enqueue

    sections = [
        {
            "kind": "correction",
            "label": "New correction reported",
            "items": [{"summary": "A misspelt name in the third paragraph", "url": ""}],
        }
    ]
    for n in range(first, first + count):
        enqueue(
            "digest",
            f"editor{n}@example.org",
            f"bench:{n}",
            editor=_Editor(),
            sections=sections,
            count=1,
            date=date.today(),
        )
        if n % 1000 == 999:
            db.session.commit()
    db.session.commit()
    return count


def drain() -> dict:
    """In the app: what `flask worker --once` runs (`Worker(app).drain()`), timed from inside."""
    from flask import current_app

    from engagement.notifications.worker import Worker

    runner = Worker(current_app._get_current_object())
    started, cpu = time.perf_counter(), time.process_time()
    totals = runner.drain()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "sent": totals.sent,
        "failed": totals.failed,
        "dead": totals.dead,
        "left": totals.released,
        "error": totals.connection_error,
        "peak_mb": _peak_mb(os.getpid()),
    }


def _peak_mb(pid: int) -> float | None:
    """VmHWM of a running process (exec gives it a fresh one; wait4's ru_maxrss would not:
    Linux carries the forking parent's peak over into it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), None)
    return int(line.split()[1]) / 1024 if line else None


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command in the app's directory; (seconds, peak resident MB, its output)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _peak_mb(process.pid) or 0.0)
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed: {output[-1000:]}")
    return elapsed, peak, output


@scenario(
    "worker",
    "the outbox worker's drain (what flask worker --once runs): mails per "
    "second to the local SMTP sink, and the process's peak memory",
)
def worker(ctx: Context) -> Row:
    """Time the worker sending a full outbox, twice: the drain alone, and the whole command."""
    count = ctx.scale(MAILS, minimum=200)
    sink = SmtpSink().start()
    ctx.cleanups.append(sink.stop)
    env = dict(
        ctx.app_env,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(sink.port),
        MAIL_USE_TLS="false",
        MAIL_USE_SSL="false",
        MAIL_DEFAULT_SENDER="newsroom@example.org",
    )
    ctx.in_app("bench.scenarios_worker:queue_mails", count)
    _, rss_mb, output = _run(
        [sys.executable, "-m", "bench.inapp", "bench.scenarios_worker:drain", "[]"], env
    )
    timed = json.loads(output.strip().splitlines()[-1][len("INAPP ") :])
    received = len(sink.wait_for(count, timeout=30))
    # The command itself, start-up included, on a second outbox of the same size.
    ctx.in_app("bench.scenarios_worker:queue_mails", count, count)
    whole, command_rss, command_output = _run(
        [sys.executable, "-m", "flask", "worker", "--once"], env
    )
    rate = timed["sent"] / max(timed["seconds"], 1e-6)
    row = Row(
        f"outbox worker ({count:,} mails)",
        None,
        None,
        "",
        note=f"**{rate:.0f} mails/s**: {timed['sent']:,} sent in {timed['seconds']:.1f} s "
        f"({timed['cpu'] / max(timed['sent'], 1) * 1000:.1f} ms CPU a mail in the "
        f"worker); sink received {received:,}; `flask worker --once` with its "
        f"start-up: {count / whole:.0f} mails/s ({command_output.strip()[:60]})",
        rss_mb=max(rss_mb, command_rss, timed["peak_mb"] or 0.0),
    )
    row.goal = f"≥ {GOAL_PER_SECOND} mails/s"
    row.met = rate >= GOAL_PER_SECOND and received >= count and timed["sent"] == count
    row.extra["mails_per_second"] = rate
    return row
