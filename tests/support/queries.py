"""Counting the SQL statements a piece of work runs (the `queries` fixture in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import event

from engagement.extensions import db


@contextmanager
def _recorded(app, event_name: str, entry) -> Iterator[list[str]]:
    """Within the block, `entry(*the event's arguments)` is appended to the list each time the
    app's engine fires `event_name`."""
    seen: list[str] = []

    def record(*args) -> None:
        seen.append(entry(*args))

    with app.app_context():
        engine = db.engine
    event.listen(engine, event_name, record)
    try:
        yield seen
    finally:
        event.remove(engine, event_name, record)


def recorded_statements(app) -> AbstractContextManager[list[str]]:
    """Within the block, every statement the app's engine runs is appended to the list."""
    return _recorded(app, "before_cursor_execute", lambda _conn, _cursor, statement, *_: statement)


def recorded_commits(app) -> AbstractContextManager[list[str]]:
    """Within the block, a "commit" is appended to the list for every COMMIT the app's engine
    sends (SQLAlchemy's commit event; none for work done in autocommit)."""
    return _recorded(app, "commit", lambda _conn: "commit")
