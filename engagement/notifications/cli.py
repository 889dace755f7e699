"""`flask worker [--once]`: send the outbox."""

from __future__ import annotations

import click
from flask import Blueprint, current_app

from engagement.notifications.worker import StopOnSignals, Worker

cli = Blueprint("worker", __name__, cli_group=None)


@cli.cli.command("worker")
@click.option("--once", is_flag=True, help="Send everything due now, print a count and exit.")
@click.option(
    "--digests/--no-digests",
    default=True,
    show_default=True,
    help="Also queue the daily digests when the digest hour has come.",
)
def worker(once: bool, digests: bool) -> None:
    """Send queued mail (and daily digests) until stopped with SIGTERM or Ctrl+C."""
    app = current_app._get_current_object()
    runner = Worker(app, digests=digests)
    if once:
        totals = runner.drain()
        click.echo(
            f"Sent {totals.sent} mail(s); {totals.failed} failed, {totals.dead} dead, "
            f"{totals.released} left for later."
        )
        if totals.connection_error:
            click.echo(totals.connection_error, err=True)
        return
    click.echo(
        f"Outbox worker {runner.worker_id} polling every "
        f"{app.config['WORKER_POLL_INTERVAL']}s (Ctrl+C stops after the current batch)"
    )
    with StopOnSignals(runner):
        runner.run_forever()
