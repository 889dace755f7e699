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
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from bench.run import ROOT
from bench.scenarios import Context, Row, scenario
from devtools.smtp_sink import SmtpSink

MAILS = 5_000
GOAL_PER_SECOND = 400  # issue 17 (was 200)
TOGETHER = 3  # workers draining one outbox at the same time
START_AT = "BENCH_DRAIN_AT"  # a drain waits for this moment (epoch seconds), when set


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
    if os.environ.get(START_AT):  # several workers: all start together, after their start-up
        time.sleep(max(0.0, float(os.environ[START_AT]) - time.time()))
    began = time.time()
    started, cpu = time.perf_counter(), time.process_time()
    totals = runner.drain()
    return {
        "began": began,
        "ended": time.time(),
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
def worker(ctx: Context) -> list[Row]:
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
    return [row, _together(ctx, env, sink, count)]


def _together(ctx: Context, env: dict[str, str], sink: SmtpSink, count: int) -> Row:
    """TOGETHER drains on a third outbox of the same size, released at the same moment: their
    combined rate, and that each mail went out once (the claim: SKIP LOCKED on PostgreSQL, one
    writer at a time on SQLite)."""
    ctx.in_app("bench.scenarios_worker:queue_mails", count, 2 * count)
    already = len(sink.envelopes)
    command = [sys.executable, "-m", "bench.inapp", "bench.scenarios_worker:drain", "[]"]
    start_env = dict(env, **{START_AT: repr(time.time() + 5.0)})  # after every start-up
    results = []
    with ExitStack() as files:
        logs = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in range(TOGETHER)]
        processes = [
            subprocess.Popen(
                command, cwd=ROOT, env=start_env, stdout=log, stderr=subprocess.STDOUT, text=True
            )
            for log in logs
        ]
        for process, log in zip(processes, logs, strict=True):
            process.wait(timeout=600)
            log.seek(0)
            output = log.read()
            if process.returncode != 0:
                raise RuntimeError(f"a drain failed: {output[-1000:]}")
            results.append(json.loads(output.strip().splitlines()[-1][len("INAPP ") :]))
    sink.wait_for(already + count, timeout=60)
    recipients = [rcpt for _sender, rcpts in sink.envelopes[already:] for rcpt in rcpts]
    sent = sum(r["sent"] for r in results)
    span = max(r["ended"] for r in results) - min(r["began"] for r in results)
    rate = sent / max(span, 1e-6)
    shares = ", ".join(f"{r['sent']:,}" for r in results)
    twice = len(recipients) - len(set(recipients))
    row = Row(
        f"outbox workers, {TOGETHER} at once ({count:,} mails)",
        None,
        None,
        "",
        note=f"**{rate:.0f} mails/s** together: {sent:,} sent in {span:.1f} s, shared "
        f"{shares}; sink received {len(recipients):,}, {twice} twice; the sink is one Python "
        "process (this one) on the same cores",
        rss_mb=max(r["peak_mb"] or 0.0 for r in results),
    )
    row.goal = "each mail once"
    row.met = sent == count and len(recipients) == count and twice == 0
    row.extra["mails_per_second"] = rate
    return row
