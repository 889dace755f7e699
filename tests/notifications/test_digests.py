"""Daily digests: at DIGEST_HOUR on the newsroom's clock, one mail per editor, once a day."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engagement.accounts import editors as accounts
from engagement.accounts.models import Editor
from engagement.extensions import db
from engagement.notifications import notify_editors
from engagement.notifications.digests import run_digests
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem, set_mode
from engagement.notifications.worker import Worker

KYIV = ZoneInfo("Europe/Kyiv")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "NEWSROOM_TIMEZONE": "Europe/Kyiv", "DIGEST_HOUR": 8}


def kyiv(hour: int, minute: int = 0, days_ahead: int = 1) -> datetime:
    """A moment tomorrow (so after every row the test creates) on Kyiv's clock, in UTC."""
    day = datetime.now(KYIV).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), tzinfo=KYIV).astimezone(UTC)


def _editors(app):
    with app.app_context():
        ann = accounts.create_editor("ann@example.org", "password-123456", display_name="Ann")
        bob = accounts.create_editor("bob@example.org", "password-123456", display_name="Bob")
        db.session.flush()
        set_mode(bob, "patron", "off")
        db.session.commit()
        return ann.id, bob.id


def _news(app, n: int, summary: str = "New patron {n}"):
    with app.app_context():
        notify_editors(
            "patron",
            "test_notice",
            f"patron:{n}",
            summary=summary.format(n=n),
            url=f"/newsroom/patrons/{n}",
            title="t",
            name="n",
            message="m",
        )
        db.session.commit()


def _digests(app):
    with app.app_context():
        return db.session.scalars(select(Email).where(Email.kind == "digest")).all()


def test_nothing_is_built_before_the_hour_and_one_digest_per_editor_at_it(app):
    ann_id, bob_id = _editors(app)
    _news(app, 1)
    _news(app, 2)
    with app.app_context():
        assert run_digests(kyiv(7, 59)) == 0
        assert run_digests(kyiv(8, 0)) == 1  # Ann; Bob switched patron news off
        assert run_digests(kyiv(8, 1)) == 0  # once a day
    [digest] = _digests(app)
    assert digest.recipients == "ann@example.org"
    assert digest.dedupe_key == f"digest:{ann_id}:{kyiv(8).astimezone(KYIV).date().isoformat()}"
    assert "2 new items" in digest.subject
    assert "New patron 1" in digest.text_body and "New patron 2" in digest.text_body
    assert "http://localhost/newsroom/patrons/2" in digest.text_body
    with app.app_context():
        items = db.session.scalars(select(DigestItem)).all()
        assert {item.editor_id for item in items} == {ann_id}
        assert all(item.digested_at is not None for item in items)


def test_the_hour_is_the_newsrooms_not_utc(app):
    _editors(app)
    _news(app, 1)
    half_past_six_utc = kyiv(12).replace(hour=6, minute=30)  # 08:30 or 09:30 in Kyiv
    half_past_four_utc = kyiv(12).replace(hour=4, minute=30)  # 06:30 or 07:30 in Kyiv
    with app.app_context():
        assert run_digests(half_past_four_utc) == 0
        assert run_digests(half_past_six_utc) == 1  # before 08:00 UTC, after 08:00 in Kyiv


def test_news_after_todays_digest_waits_for_tomorrows(app):
    _editors(app)
    _news(app, 1)
    with app.app_context():
        assert run_digests(kyiv(8)) == 1
    _news(app, 2)
    with app.app_context():
        assert run_digests(kyiv(15)) == 0
        assert run_digests(kyiv(8, days_ahead=2)) == 1
    texts = sorted(d.text_body for d in _digests(app))
    assert sum("New patron 2" in t for t in texts) == 1
    assert sum("New patron 1" in t for t in texts) == 1


def test_the_worker_sends_the_digest_escaped(app, smtp_sink):
    _editors(app)
    _news(app, 1, summary="<script>alert('{n}')</script> joined")
    worker = Worker(app, clock=lambda: kyiv(9))
    with app.app_context():
        assert worker.drain().sent == 1
    [message] = smtp_sink.wait_for(1)
    assert str(message["To"]) == "ann@example.org"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "<script>alert('1')</script> joined" in text


def test_a_deactivated_editor_gets_no_digest(app):
    ann_id, _ = _editors(app)
    _news(app, 1)
    with app.app_context():
        db.session.get(Editor, ann_id).active = False
        db.session.commit()
        assert run_digests(kyiv(8)) == 0
        assert all(i.digested_at for i in db.session.scalars(select(DigestItem)))


def test_a_worker_told_not_to_build_digests_sends_only_what_is_queued(app, smtp_sink):
    _editors(app)
    _news(app, 1)
    with app.app_context():
        quiet = Worker(app, clock=lambda: kyiv(9), digests=False)
        assert quiet.drain().sent == 0
    assert _digests(app) == []
    with app.app_context():
        assert Worker(app, clock=lambda: kyiv(9)).drain().sent == 1
    assert [str(m["To"]) for m in smtp_sink.wait_for(1)] == ["ann@example.org"]


def test_the_worker_command_can_leave_the_digests_out(app, runner):
    _editors(app)
    _news(app, 1)
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 mail(s)" in result.output
    assert _digests(app) == []
