"""Bulk voting data: one open round, its topics, and (by default) 1,000,000 votes.

`create_round_with_votes(connection, votes=...)` adds a voting tier (once), enough co-creators
(patrons with an active membership of that tier) to cast the votes within the round's budget,
their ballots, and the votes, with SQLAlchemy Core inserts in chunks (COPY on PostgreSQL). The
counters stay consistent: each topic's `vote_count` and each ballot's `used` match the votes.

    python -m bench.datagen_votes DATABASE_URL [VOTES [TOPICS [BUDGET]]]
"""

from __future__ import annotations

import functools
import random
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import Connection

from engagement.accounts.models import Patron
from engagement.membership.models import Membership, Tier
from engagement.voting.models import Ballot, Round, Topic, Vote

CHUNK = 20_000
TIER_SLUG = "bench-co-creators"


def _tier_id(conn: Connection) -> int:
    tier_id = conn.scalar(select(Tier.id).where(Tier.slug == TIER_SLUG))
    if tier_id is None:
        now = datetime.now(UTC)
        tier_id = conn.execute(
            Tier.__table__.insert()
            .values(
                name="Bench co-creators",
                slug=TIER_SLUG,
                description="",
                monthly_amount=300,
                currency="eur",
                grants_voting=True,
                position=99,
                active=False,
                created_at=now,
                updated_at=now,
            )
            .returning(Tier.id)
        ).scalar_one()
    return tier_id


def _insert(conn: Connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns` order): COPY on PostgreSQL, executemany on SQLite."""
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # SQLite: the driver's executemany with values in SQLAlchemy's stored form (naive UTC
    # timestamps as text), skipping the per-row type processing.
    cursor = conn.connection.driver_connection.cursor()
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    stamped = (
        [i for i, row_value in enumerate(rows[0]) if isinstance(row_value, datetime)]
        if rows
        else []
    )
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if stamped:
            chunk = [
                tuple(_stored(v) if i in stamped else v for i, v in enumerate(row)) for row in chunk
            ]
        cursor.executemany(sql, chunk)
    cursor.close()


@functools.lru_cache(maxsize=4096)
def _stored(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _ballots(rng: random.Random, votes: int, topics: int, budget: int) -> list[list[int]]:
    """Which topic indexes each co-creator votes for: popular topics get more votes."""
    weights = [1 / (rank + 1) for rank in range(topics)]
    ballots, left = [], votes
    while left > 0:
        size = min(budget, topics, left)
        first = rng.choices(range(topics), weights=weights)[0]
        ballots.append([(first + k) % topics for k in range(size)])
        left -= size
    return ballots


def create_round_with_votes(
    conn: Connection | None = None,
    *,
    votes: int = 1_000_000,
    topics: int = 20,
    budget: int = 3,
    seed: int = 8,
) -> dict:
    """Add an open round with `topics` topics and `votes` votes; return what was made.

    With no connection, uses the app's session (inside an app context); the caller commits.
    """
    if conn is None:
        from engagement.extensions import db

        conn = db.session.connection()
    started = time.perf_counter()
    rng = random.Random(seed)
    run = secrets.token_hex(4)
    now = datetime.now(UTC).replace(microsecond=0)
    if conn.dialect.name == "sqlite":
        # A big page cache: the votes' indexes are written in no particular order.
        conn.exec_driver_sql("PRAGMA cache_size=-400000")
    tier_id = _tier_id(conn)
    round_id = conn.execute(
        Round.__table__.insert()
        .values(
            title=f"Benchmark round {run}",
            description="Generated for benchmarks.",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            vote_budget=budget,
            results_visibility="live",
            allow_suggestions=True,
            created_at=now,
        )
        .returning(Round.id)
    ).scalar_one()
    topic_ids = [
        conn.execute(
            Topic.__table__.insert()
            .values(
                round_id=round_id,
                title=f"Topic {i + 1} of benchmark round {run}",
                description="",
                position=i + 1,
                state="open",
                public_reason="",
                vote_count=0,
                created_at=now,
                state_changed_at=now,
            )
            .returning(Topic.id)
        ).scalar_one()
        for i in range(topics)
    ]

    ballots = _ballots(rng, votes, topics, budget)
    first_patron = (conn.scalar(select(func.max(Patron.id))) or 0) + 1
    patron_ids = range(first_patron, first_patron + len(ballots))
    _insert(
        conn,
        Patron.__table__,
        ("id", "email", "name", "created_at"),
        [(pid, f"bench-{run}-{pid}@example.org", "", now) for pid in patron_ids],
    )
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('patrons', 'id'), "
                "(SELECT max(id) FROM patrons))"
            )
        )
    access_until, started_at = now + timedelta(days=400), now - timedelta(days=10)
    _insert(
        conn,
        Membership.__table__,
        (
            "patron_id",
            "tier_id",
            "source",
            "status",
            "interval",
            "amount",
            "currency",
            "access_until",
            "cancel_at_period_end",
            "started_at",
            "created_at",
            "updated_at",
        ),
        [
            (
                pid,
                tier_id,
                "stripe",
                "active",
                "month",
                300,
                "eur",
                access_until,
                False,
                started_at,
                now,
                now,
            )
            for pid in patron_ids
        ],
    )
    _insert(
        conn,
        Ballot.__table__,
        ("round_id", "patron_id", "used"),
        [(round_id, pid, len(chosen)) for pid, chosen in zip(patron_ids, ballots, strict=True)],
    )
    counts = [0] * topics
    minutes = [now - timedelta(minutes=m) for m in range(1440)]
    rows = []
    for pid, chosen in zip(patron_ids, ballots, strict=True):
        for index in chosen:
            counts[index] += 1
            rows.append((pid, topic_ids[index], round_id, minutes[pid % 1440]))
    _insert(conn, Vote.__table__, ("patron_id", "topic_id", "round_id", "created_at"), rows)
    for topic_id, count in zip(topic_ids, counts, strict=True):
        conn.execute(update(Topic).where(Topic.id == topic_id).values(vote_count=count))
    return {
        "round_id": round_id,
        "topic_ids": topic_ids,
        "votes": len(rows),
        "patrons": len(ballots),
        "co_creator_id": first_patron,
        "largest_topic_votes": max(counts),
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str]) -> None:
    """Fill the database at argv[1] (its schema must exist)."""
    if len(argv) < 2:
        raise SystemExit(__doc__)
    engine = create_engine(argv[1])
    votes = int(argv[2]) if len(argv) > 2 else 1_000_000
    topics = int(argv[3]) if len(argv) > 3 else 20
    budget = int(argv[4]) if len(argv) > 4 else 3
    with engine.begin() as conn:
        summary = create_round_with_votes(conn, votes=votes, topics=topics, budget=budget)
    print(
        f"round {summary['round_id']}: {summary['votes']} votes by {summary['patrons']} "
        f"co-creators on {len(summary['topic_ids'])} topics in {summary['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main(sys.argv)
