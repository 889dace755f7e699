"""Database plumbing shared by every feature: UTC timestamps and SQLite's connection settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, event, literal_column, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

from engagement.extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use engagement.database.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sql_in(column, values):
    """`column IN ('a', 'b')` with the fixed values of the code written into the SQL.

    A bound list is expanded on every execution (SQLAlchemy's post-compile step) and keeps
    SQLite from a partial index whose WHERE names the same values; for the code's own constants
    (states, sources) the literal list costs nothing per execution. Never for input.
    """
    for value in values:
        if not isinstance(value, str) or "'" in value:
            raise ValueError(f"sql_in takes the code's own plain words, not {value!r}")
    return column.in_([literal_column(f"'{value}'") for value in values])


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind the database and configure SQLite connections as they open."""
    db.init_app(app)
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def is_postgres() -> bool:
    """True when the app's database is PostgreSQL."""
    return db.engine.dialect.name == "postgresql"


@contextmanager
def writing(autocommit_on_postgres: bool) -> Iterator[Connection]:
    """A pooled Core connection of its own for a request's writes, committed at the end of the
    block and rolled back when it raises.

    `autocommit_on_postgres` is the caller's word that on PostgreSQL each of its writes is one
    statement that stands alone (nothing to undo when a later one fails or never runs). The
    block then runs in autocommit there: each statement its own transaction, without the BEGIN
    and COMMIT round trips around it (psycopg sends BEGIN apart, before the first statement)."""
    with db.engine.connect() as conn:
        if autocommit_on_postgres and conn.dialect.name == "postgresql":
            yield conn.execution_options(isolation_level="AUTOCOMMIT")
            return
        with conn.begin():
            yield conn


def ping() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return False
