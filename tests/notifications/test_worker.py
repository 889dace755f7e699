"""The worker sends what is due to a real SMTP server, retries failures and never loses a mail."""

import random
from datetime import timedelta

from sqlalchemy import select

from engagement.extensions import db
from engagement.notifications import enqueue
from engagement.notifications.models import Email
from engagement.notifications.sending import retry_delay
from engagement.notifications.worker import Worker
from tests.notifications.conftest import queue_mails


def _emails(app):
    with app.app_context():
        return {e.id: e for e in db.session.scalars(select(Email).order_by(Email.id))}


def test_a_queued_mail_arrives_as_multipart_alternative_with_intact_cyrillic(
    app, worker, clock, smtp_sink
):
    with app.app_context():
        enqueue(
            "test_notice",
            "olena@example.org",
            "fix:1",
            title="Виправлення: «Київ» 2026",
            name="Олена",
            message="Текст <b>виправлено</b>.",
        )
        db.session.commit()
        result = worker.drain()
    assert result.sent == 1
    [message] = smtp_sink.wait_for(1)
    assert message.get_content_type() == "multipart/alternative"
    assert str(message["Subject"]) == "Виправлення: «Київ» 2026"
    assert str(message["To"]) == "olena@example.org"
    assert str(message["From"]) == "newsroom@example.org"
    assert message["Date"] and message["Message-ID"].startswith("<outbox.")
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n") == "Hello Олена,\n\nТекст <b>виправлено</b>.\n"
    assert "Текст &lt;b&gt;виправлено&lt;/b&gt;." in html.get_content()
    email = _emails(app)[1]
    assert (email.status, email.attempts, email.claimed_at) == ("sent", 1, None)
    assert email.sent_at == clock.now


def test_a_batch_goes_over_one_connection_and_each_mail_is_marked_sent(app, worker, smtp_sink):
    queue_mails(app, 12)
    with app.app_context():
        result = worker.drain()
    assert (result.claimed, result.sent) == (12, 12)
    assert len(smtp_sink.wait_for(12)) == 12
    assert sorted(str(m["To"]) for m in smtp_sink.messages) == sorted(
        f"editor{n}@example.org" for n in range(12)
    )
    assert {e.status for e in _emails(app).values()} == {"sent"}
    with app.app_context():
        assert worker.drain().claimed == 0  # nothing is sent twice


def test_smtp_down_keeps_mails_queued_and_each_arrives_once_when_it_is_back(
    app, worker, clock, smtp_sink
):
    queue_mails(app, 5)
    smtp_sink.stop()
    with app.app_context():
        result = worker.drain()  # must not raise
    assert result.sent == 0 and result.released == 5
    assert result.connection_error.startswith("SMTP server unreachable")
    for email in _emails(app).values():
        assert email.status == "queued"
        assert email.attempts == 0  # the server being down is not the mail's fault
        assert "unreachable" in email.last_error
        assert email.next_attempt_at - clock.now <= timedelta(minutes=1)
    with app.app_context():
        assert worker.drain().claimed == 0  # not due again before its retry time
    smtp_sink.start()
    clock.advance(minutes=1)
    with app.app_context():
        assert worker.drain().sent == 5
        clock.advance(hours=1)
        assert worker.drain().claimed == 0
    messages = smtp_sink.wait_for(5)
    assert sorted(str(m["To"]) for m in messages) == sorted(
        f"editor{n}@example.org" for n in range(5)
    )
    assert {e.status for e in _emails(app).values()} == {"sent"}


def test_a_refused_recipient_fails_only_that_mail(app, worker, smtp_sink):
    queue_mails(app, 3)
    smtp_sink.refused_recipients.add("editor1@example.org")
    with app.app_context():
        result = worker.drain()
    assert (result.sent, result.dead) == (2, 1)
    emails = _emails(app)
    assert [emails[i].status for i in (1, 2, 3)] == ["sent", "dead", "sent"]
    assert "550" in emails[2].last_error and "editor1@example.org" in emails[2].last_error
    assert sorted(str(m["To"]) for m in smtp_sink.wait_for(2)) == [
        "editor0@example.org",
        "editor2@example.org",
    ]


def test_the_backoff_grows_with_jitter_and_the_first_retry_is_within_a_minute():
    rng = random.Random(7)
    for _ in range(200):
        assert timedelta(seconds=15) <= retry_delay(1, rng) <= timedelta(seconds=45)
    lows = [retry_delay(n, random.Random(0)) for n in range(1, 8)]
    assert all(later > earlier for earlier, later in zip(lows, lows[1:], strict=False))
    assert retry_delay(50, rng) <= timedelta(hours=9)
    assert len({retry_delay(3, rng) for _ in range(20)}) > 1  # jitter spreads retries


def test_a_temporary_failure_is_retried_then_the_mail_is_dead_after_max_attempts(
    app, worker, clock, smtp_sink
):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    queue_mails(app, 1)
    smtp_sink.deferred_recipients.add("editor0@example.org")  # the server answers 451
    seen = []
    for _ in range(3):
        with app.app_context():
            result = worker.drain()
        email = _emails(app)[1]
        seen.append((email.status, email.attempts))
        assert result.sent == 0
        clock.now = email.next_attempt_at + timedelta(seconds=1)
    assert seen == [("failed", 1), ("failed", 2), ("dead", 3)]
    assert _emails(app)[1].last_error
    with app.app_context():
        clock.advance(days=30)
        assert worker.drain().claimed == 0  # dead mails stay parked


def test_a_claim_left_by_a_dead_worker_expires_and_the_mail_is_sent(app, clock, smtp_sink):
    queue_mails(app, 2)
    with app.app_context():
        crashed = Worker(app, worker_id="host:99:crashed", clock=clock, digests=False)
        from engagement.notifications.worker import claim_batch

        claimed = claim_batch(crashed.worker_id, clock.now, 10, 300)
        assert len(claimed) == 2  # ...and then the process died without sending
        other = Worker(app, worker_id="host:100:other", clock=clock, digests=False)
        assert other.drain().claimed == 0  # still within the claim timeout
        clock.advance(seconds=301)
        assert other.drain().sent == 2
    assert len(smtp_sink.wait_for(2)) == 2
    assert {e.claimed_by for e in _emails(app).values()} == {"host:100:other"}


def test_flask_worker_once_sends_and_prints_a_count(app, runner, smtp_sink):
    queue_mails(app, 3)
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    assert "Sent 3 mail(s); 0 failed, 0 dead" in result.output
    assert len(smtp_sink.wait_for(3)) == 3


def test_flask_worker_once_with_smtp_down_exits_cleanly(app, runner, smtp_sink):
    queue_mails(app, 2)
    smtp_sink.stop()
    result = runner.invoke(args=["worker", "--once", "--no-digests"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 mail(s)" in result.output and "2 left for later" in result.output


def test_a_very_long_line_and_a_lone_dot_arrive_intact(app, worker, smtp_sink):
    body = "word " * 800 + "\n.\nлінія"
    with app.app_context():
        enqueue("test_notice", "a@example.org", "long", title="Long", name="A", message=body)
        db.session.commit()
        assert worker.drain().sent == 1
    [message] = smtp_sink.wait_for(1)
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert body in text


def test_a_connection_lost_mid_batch_spends_one_attempt_and_the_rest_wait(
    app, worker, clock, smtp_sink
):
    import threading
    from collections import Counter

    queue_mails(app, 20)
    smtp_sink.delay = 0.05  # slow enough that the batch is still going when the server stops

    def stop_after_five():
        smtp_sink.wait_for(5, timeout=60)
        smtp_sink.stop()

    stopper = threading.Thread(target=stop_after_five)
    stopper.start()
    with app.app_context():
        result = worker.drain()  # must not raise
    stopper.join()
    assert result.connection_error and result.connection_error.startswith("connection lost")
    emails = list(_emails(app).values())
    failed = [e for e in emails if e.status == "failed"]
    waiting = [e for e in emails if e.status == "queued"]
    assert len(failed) == 1 and failed[0].attempts == 1  # the one in flight
    assert all(e.attempts == 0 and e.last_error.startswith("not tried") for e in waiting)
    assert len(failed) + len(waiting) + result.sent == 20
    smtp_sink.delay = 0
    smtp_sink.start()
    clock.advance(minutes=2)
    with app.app_context():
        worker.drain()
    assert {e.status for e in _emails(app).values()} == {"sent"}
    per_recipient = Counter(str(m["To"]) for m in smtp_sink.messages)
    assert set(per_recipient) == {f"editor{n}@example.org" for n in range(20)}
    assert sum(per_recipient.values()) <= 21  # the in-flight one may have arrived before the drop
