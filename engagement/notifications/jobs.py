"""Work a feature has the outbox worker do on every round of its loop (e.g. counting a round
whose voting closed by the clock), so that pages never write when they are read.

A feature registers a job on its blueprint; each app keeps its own (`app.extensions
["worker_jobs"]`). The worker runs every job in an app context before it claims mails, commits
after each, and logs and rolls back a job that fails without stopping (the next round tries
again). A job takes the worker's clock time and returns how many things it did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Flask
from flask.sansio.app import App

from engagement.extensions import db

log = logging.getLogger(__name__)

Job = Callable[[datetime], int]


def jobs_of(app: App) -> dict[str, Job]:
    """The app's worker jobs by name, made on first use."""
    return app.extensions.setdefault("worker_jobs", {})


def register_job(blueprint: Blueprint, name: str, job: Job) -> None:
    """Have the worker run `job(now)` on every round of its loop from when `blueprint`
    registers (flush, never commit: the worker commits)."""
    blueprint.record_once(lambda state: jobs_of(state.app).__setitem__(name, job))


def run_jobs(app: Flask, now: datetime) -> dict[str, int]:
    """Run every job once; what each did (a failed job is logged and counts -1)."""
    done = {}
    for name, job in jobs_of(app).items():
        try:
            done[name] = job(now)
            db.session.commit()
        except Exception:  # noqa: BLE001 - one job's trouble must not stop the mail
            db.session.rollback()
            log.exception("worker job %r failed; it runs again on the next round", name)
            done[name] = -1
    return done
