"""Bulk patrons and memberships for the dashboard's benchmark.

`generate(engine)` adds 100,000 patrons (by default), each with one membership, with SQLAlchemy
Core inserts in chunks: most active (monthly or yearly, in euros, some in dollars), some
cancelled in the last two years, some never paid, a few complimentary grants; start dates over
two years before `now`, so every week of the dashboard has joiners and leavers.

    python -m bench.datagen_patrons DATABASE_URL [PATRONS]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bench.datagen_corrections import _insert, _next_id
from engagement.accounts.models import Patron
from engagement.membership.models import Membership

SPAN_DAYS = 2 * 365
# (status, source, weight): what becomes of a membership.
FATES = (
    ("active", "stripe", 70),
    ("canceled", "stripe", 20),
    ("incomplete", "stripe", 4),
    ("past_due", "stripe", 3),
    ("active", "grant", 3),
)


def _rows(
    rng: random.Random, first_id: int, first_membership: int, n: int, now: datetime
) -> tuple[list[dict], list[dict]]:
    fates = rng.choices(FATES, weights=[w for *_, w in FATES], k=n)
    patrons, memberships = [], []
    for offset, (status, source, _) in enumerate(fates):
        pid = first_id + offset
        started = now - timedelta(days=rng.uniform(1, SPAN_DAYS))
        ended = None
        if status == "canceled":
            ended = started + timedelta(days=rng.uniform(1, (now - started).days or 1))
        yearly = source == "stripe" and rng.random() < 0.25
        access = (
            (ended if ended else now + timedelta(days=rng.uniform(1, 30)))
            if (source == "stripe")
            else None
        )
        patrons.append(
            {
                "id": pid,
                "email": f"patron{pid}@example.net",
                "name": "",
                "stripe_customer_id": f"cus_bench{pid}" if source == "stripe" else None,
                "created_at": started,
                "session_version": 0,
            }
        )
        memberships.append(
            {
                "id": first_membership + offset,
                "patron_id": pid,
                "tier_id": None,
                "source": source,
                "stripe_subscription_id": f"sub_bench{pid}" if source == "stripe" else None,
                "interval": None if source == "grant" else "year" if yearly else "month",
                "amount": None if source == "grant" else (6000 if yearly else 500),
                "currency": None if source == "grant" else "usd" if pid % 10 == 0 else "eur",
                "status": status,
                "access_until": access,
                "cancel_at_period_end": False,
                "started_at": started,
                "ended_at": ended,
                "created_at": started,
                "updated_at": now,
            }
        )
    return patrons, memberships


def generate(
    engine: Engine,
    patrons: int = 100_000,
    seed: int = 16,
    chunk: int = 5_000,
    now: datetime | None = None,
) -> dict[str, int]:
    """Add `patrons` patrons with one membership each."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    patron_rows, membership_rows = _rows(
        rng, _next_id(engine, Patron.id), _next_id(engine, Membership.id), patrons, now
    )
    _insert(engine, Patron.__table__, patron_rows, chunk)
    _insert(engine, Membership.__table__, membership_rows, chunk)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("patrons", "memberships"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
        conn.execute(text("ANALYZE"))
    return {"patrons": len(patron_rows), "memberships": len(membership_rows)}


def main(argv: list[str]) -> None:
    """Fill the database at argv[0] (already upgraded to the head)."""
    if not argv:
        raise SystemExit(__doc__)
    started = time.perf_counter()
    made = generate(create_engine(argv[0]), *[int(a) for a in argv[1:2]])
    print(f"{made} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
