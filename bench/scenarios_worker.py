"""The outbox worker: mails per second to the local SMTP sink, and its peak memory.

Queues N mails through the app's own `enqueue` (rendered text and HTML, one row each), starts
the project's SMTP sink (`devtools.smtp_sink`, aiosmtpd on loopback, in this process), then
times `flask worker --once` (claim a batch, send it over one SMTP connection, mark each mail
sent, commit; until the outbox is empty). The rate leaves out the command's start-up (timed
separately on an empty outbox): the worker is a long-running process in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date

from bench.run import ROOT
from bench.scenarios import Context, Row, scenario
from devtools.smtp_sink import SmtpSink

MAILS = 5_000
GOAL_PER_SECOND = 200


class _Editor:
    name = "Bench Editor"


def queue_mails(count: int) -> int:
    """In the app: queue `count` digest mails, as the digest job would."""
    from engagement.extensions import db
    from engagement.notifications import enqueue

    sections = [{"kind": "correction", "label": "New correction reported",
                 "items": [{"summary": "A misspelt name in the third paragraph", "url": ""}]}]
    for n in range(count):
        enqueue("digest", f"editor{n}@example.org", f"bench:{n}", editor=_Editor(),
                sections=sections, count=1, date=date.today())
        if n % 1000 == 999:
            db.session.commit()
    db.session.commit()
    return count


def _worker_once(env: dict[str, str]) -> tuple[float, float, str, float]:
    """Run `flask worker --once`; (seconds, peak resident MB, its output, CPU seconds)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--once"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"flask worker --once failed: {output[-1000:]}")
    return elapsed, usage.ru_maxrss / 1024, output.strip(), usage.ru_utime + usage.ru_stime


@scenario("worker", "flask worker --once: mails per second to the local SMTP sink (start-up "
                    "left out), and the worker's peak memory")
def worker(ctx: Context) -> Row:
    """Time the worker sending a full outbox."""
    count = ctx.scale(MAILS, minimum=200)
    sink = SmtpSink().start()
    ctx.cleanups.append(sink.stop)
    env = dict(ctx.app_env, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port),
               MAIL_USE_TLS="false", MAIL_USE_SSL="false",
               MAIL_DEFAULT_SENDER="newsroom@example.org")
    start_up, _, _, start_cpu = _worker_once(env)
    ctx.in_app("bench.scenarios_worker:queue_mails", count)
    elapsed, rss_mb, output, cpu = _worker_once(env)
    received = len(sink.wait_for(count, timeout=30))
    sending = max(elapsed - start_up, 1e-6)
    rate = count / sending
    row = Row(f"flask worker --once ({count:,} mails)", None, None, "",
              note=f"**{rate:.0f} mails/s** ({count:,} in {sending:.1f} s after a "
                   f"{start_up:.1f} s start-up; {count / elapsed:.0f}/s with it; the worker "
                   f"used {(cpu - start_cpu) / count * 1000:.1f} ms CPU a mail); "
                   f"sink received {received:,}; {output.splitlines()[-1]}",
              rss_mb=rss_mb)
    row.goal = f"≥ {GOAL_PER_SECOND} mails/s"
    row.met = rate >= GOAL_PER_SECOND and received >= count
    row.extra["mails_per_second"] = rate
    return row
