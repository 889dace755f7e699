"""Counting the SQL statements a piece of work runs (the `queries` fixture in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from engagement.extensions import db


@contextmanager
def recorded_statements(app) -> Iterator[list[str]]:
    """Within the block, every statement the app's engine runs is appended to the list."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def recorded_commits(app) -> Iterator[list[str]]:
    """Within the block, a "commit" is appended to the list for every COMMIT the app's engine
    sends (SQLAlchemy's commit event; none for work done in autocommit)."""
    commits: list[str] = []

    def record(_conn) -> None:
        commits.append("commit")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", record)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", record)
