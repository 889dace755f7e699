"""Helpers for the outbox tests: a test-only mail template, a movable clock, queued mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader

from engagement.extensions import db
from engagement.notifications import enqueue
from engagement.notifications.worker import Worker

# A mail template the way features write theirs: subject and text in .txt, HTML extends the layout.
TEST_TEMPLATES = {
    "email/test_notice.txt": (
        "{% block subject %}{{ title }}{% endblock %}\n"
        "{% block body %}\nHello {{ name }},\n\n{{ message }}\n{% endblock %}\n"
    ),
    "email/test_notice.html": (
        '{% extends "email/layout.html" %}\n'
        "{% block content %}<p>Hello {{ name }},</p><p>{{ message }}</p>{% endblock %}\n"
    ),
}


class Clock:
    """A clock the test moves by hand: `clock.now`, `clock.advance(seconds=...)`."""

    def __init__(self, now: datetime | None = None):
        # A little ahead of the wall clock, so mails queued during the test are already due.
        self.now = now or datetime.now(UTC) + timedelta(seconds=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def with_test_templates(app):
    """Make the test-only mail template available to the app."""
    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader(TEST_TEMPLATES)])
    return app


@pytest.fixture
def app(app):
    """The app with the test-only mail template available."""
    return with_test_templates(app)


@pytest.fixture
def clock():
    """A hand-moved clock, starting now."""
    return Clock()


@pytest.fixture
def worker(app, clock):
    """A worker of the test app on the hand-moved clock (use inside an app context)."""
    return Worker(app, worker_id="test-host:1:worker-a", clock=clock, digests=False)


def queue_mails(
    app, count: int, to: str = "editor{n}@example.org", title: str = "Notice {n}", start: int = 0
) -> list[int]:
    """Queue `count` test notices and commit; return their ids."""
    ids = []
    with app.app_context():
        for n in range(start, start + count):
            email = enqueue(
                "test_notice",
                to.format(n=n),
                f"test:{n}",
                title=title.format(n=n),
                name=f"Editor {n}",
                message=f"Message number {n}.",
            )
            db.session.flush()
            ids.append(email.id)
        db.session.commit()
    return ids
