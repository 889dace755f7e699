"""`flask demo seed`: a newsroom a month in, the same every time, seeded once, never in
production."""

from __future__ import annotations

from sqlalchemy import func, select

from engagement import create_app
from engagement.corrections.models import STATUSES, Correction
from engagement.extensions import db
from engagement.membership.figures import membership_figures
from engagement.membership.models import Membership
from engagement.voting.models import Round, Topic, Vote


def _snapshot() -> dict:
    return {
        "memberships": sorted(
            db.session.execute(
                select(Membership.status, Membership.interval, Membership.amount)
            ).all(),
            key=repr,
        ),
        "corrections": sorted(
            db.session.execute(select(Correction.status, Correction.report_count)).all()
        ),
        "topics": sorted(
            db.session.execute(
                select(Topic.title, Topic.state, Topic.vote_count, Topic.counted_votes)
            ).all(),
            key=repr,
        ),
        "votes": db.session.scalar(select(func.count(Vote.id))),
    }


def test_the_demo_newsroom_looks_a_month_in(app, runner, client):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        figures = membership_figures()
        counts = [bar.count for bar in figures["bars"]]
        assert len(set(counts)) >= 6 and counts[-1] > counts[0]
        statuses = [m.status for m in db.session.scalars(select(Membership))]
        assert statuses.count("past_due") == 1 and statuses.count("canceled") == 4
        assert set(db.session.scalars(select(Correction.status))) == set(STATUSES)
        open_round, closed = (
            db.session.scalar(select(Round).where(Round.title == title))
            for title in ("What should we cover next?", "What should we look into this autumn?")
        )
        assert open_round.is_open() and closed.status() == "closed" and closed.tallied_at
        open_topics = [t for t in open_round.topics if t.state == "open"]
        assert len(open_topics) == 5 and all(t.vote_count > 0 for t in open_topics)
        assert len({t.vote_count for t in open_topics}) > 1
        assert [t.state for t in open_round.topics].count("suggested") == 1
        assert {t.state for t in closed.topics} == {
            "published",
            "in_progress",
            "planned",
            "declined",
        }
    log = client.get("/corrections").get_data(as_text=True)
    assert "it opened five months late" in log and "includes VAT" in log
    topics = client.get("/topics").get_data(as_text=True)
    assert "What should we look into this autumn?" in topics


def test_seeding_is_deterministic_and_runs_once(app, runner, app_config, tmp_path):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with app.app_context():
        first = _snapshot()
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert _snapshot() == first
    other = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/other.sqlite"}
    )
    with other.app_context():
        db.create_all()
    assert other.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    with other.app_context():
        assert _snapshot() == first
        db.session.remove()
        db.engine.dispose()


def test_there_is_no_demo_data_in_production(app_config):
    production = create_app(
        {**app_config, "ENGAGEMENT_ENV": "production", "RATELIMIT_STORAGE_URI": "memory://"}
    )
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "demo data is for development" in result.output
