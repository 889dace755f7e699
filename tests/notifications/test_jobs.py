"""Features' jobs in the worker's loop: each committed on its own, a failing one never stops it."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.notifications import jobs


def test_a_failing_job_is_rolled_back_and_the_others_still_run(app, worker, clock, caplog):
    blueprint = Blueprint("jobs_under_test", __name__)

    def broken(now):
        db.session.add(Patron(email="never@example.org", name="Never"))
        db.session.flush()
        raise RuntimeError("this job fails")

    def fine(now):
        db.session.add(Patron(email="kept@example.org", name="Kept"))
        return 1

    jobs.register_job(blueprint, "broken", broken)
    jobs.register_job(blueprint, "fine", fine)
    app.register_blueprint(blueprint)
    with app.app_context():
        assert jobs.run_jobs(app, clock())["broken"] == -1
        worker.drain()  # the worker runs the jobs again: "fine" cannot add its patron twice
        emails = list(db.session.scalars(select(Patron.email)))
    assert emails == ["kept@example.org"]
    assert "worker job 'broken' failed" in caplog.text
    assert "worker job 'fine' failed" in caplog.text
