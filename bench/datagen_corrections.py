"""Bulk corrections for benchmarks and the triage list's performance checks.

`generate(engine)` adds 100,000 corrections and 300,000 reports (by default) with SQLAlchemy
Core inserts in chunks: a realistic mix of states, articles on a few hosts, many ties on the
sort keys (times on whole minutes, small report counts), suggestions on about half the reports.

    python -m bench.datagen_corrections DATABASE_URL [CORRECTIONS [REPORTS]]
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from engagement.corrections.models import Correction, Report

STATES = (
    ("new", 40),
    ("in_review", 15),
    ("corrected", 20),
    ("clarified", 5),
    ("no_action", 10),
    ("spam", 8),
    ("duplicate", 2),
)
HOSTS = ("news.example.org", "www.example.com", "local.example.net")
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 2 * 365 * 24 * 60


def _states(rng: random.Random, n: int) -> list[str]:
    names, weights = zip(*STATES, strict=True)
    return rng.choices(names, weights=weights, k=n)


def _correction_rows(rng: random.Random, first_id: int, n: int) -> list[dict]:
    rows = []
    for i, status in zip(range(first_id, first_id + n), _states(rng, n), strict=True):
        host = HOSTS[i % len(HOSTS)]
        article = f"https://{host}/{2024 + i % 3}/story-{i % 5000}"
        exact = f"the figure of {i} people quoted in paragraph {i % 40}"
        key = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
        first = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))  # ties on purpose
        last = first + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
        closed = status not in ("new", "in_review")
        rows.append(
            {
                "id": i,
                "article_url": article,
                "article_host": host,
                "article_title": f"Story {i % 5000} on {host}",
                "quote_exact": exact,
                "quote_prefix": "According to the council,",
                "quote_suffix": "said the report.",
                "quote_key": key,
                "anchor_key": key,
                "position_start": None,
                "position_end": None,
                "status": status,
                "report_count": 0,
                "first_reported_at": first,
                "last_reported_at": last,
                "created_at": first,
                "assignee_id": None,
                "public_note": (
                    f"We wrote {i} people; the council's figure is {i + 1}."
                    if status in ("corrected", "clarified")
                    else ""
                ),
                "resolved_at": last + timedelta(hours=5) if closed else None,
                "duplicate_of_id": None,
            }
        )
    return rows


def _report_rows(rng: random.Random, corrections: list[dict], first_id: int, n: int) -> list[dict]:
    rows = []
    for offset in range(n):
        # Every correction gets one report; the rest go to random ones.
        correction = corrections[offset] if offset < len(corrections) else rng.choice(corrections)
        correction["report_count"] += 1
        has_email = rng.random() < 0.3
        rows.append(
            {
                "id": first_id + offset,
                "correction_id": correction["id"],
                "quote_exact": correction["quote_exact"],
                "quote_prefix": correction["quote_prefix"],
                "quote_suffix": correction["quote_suffix"],
                "position_start": None,
                "position_end": None,
                "page_url": correction["article_url"],
                "title": correction["article_title"],
                "suggestion": f"the figure of {correction['id'] + 1} people"
                if rng.random() < 0.5
                else "",
                "comment": "The council's minutes give another number."
                if rng.random() < 0.4
                else "",
                "email": f"reader{offset}@example.net" if has_email else None,
                "notify": has_email and rng.random() < 0.5,
                "lang": "en",
                "user_agent": "bench",
                "ip_hash": "",
                "source": "widget",
                "is_spam": False,
                "patron_id": None,
                "created_at": correction["first_reported_at"],
            }
        )
    return rows


def _next_id(engine: Engine, column) -> int:
    with engine.connect() as conn:
        return (conn.scalar(select(func.max(column))) or 0) + 1


def _insert(engine: Engine, table, rows: list[dict], chunk: int) -> None:
    with engine.begin() as conn:
        for start in range(0, len(rows), chunk):
            conn.execute(table.insert(), rows[start : start + chunk])


def _fix_sequences(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("corrections", "reports"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
        conn.execute(text("ANALYZE corrections"))
        conn.execute(text("ANALYZE reports"))


def generate(
    engine: Engine,
    corrections: int = 100_000,
    reports: int = 300_000,
    seed: int = 5,
    chunk: int = 5_000,
) -> dict[str, int]:
    """Add `corrections` corrections and `reports` reports (at least one per correction)."""
    rng = random.Random(seed)
    correction_rows = _correction_rows(rng, _next_id(engine, Correction.id), corrections)
    report_rows = _report_rows(
        rng, correction_rows, _next_id(engine, Report.id), max(reports, corrections)
    )
    _insert(engine, Correction.__table__, correction_rows, chunk)
    _insert(engine, Report.__table__, report_rows, chunk)
    _fix_sequences(engine)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {"corrections": len(correction_rows), "reports": len(report_rows)}


def main(argv: list[str]) -> None:
    """Fill the database at argv[0] (already upgraded to the head)."""
    if not argv:
        raise SystemExit(__doc__)
    engine = create_engine(argv[0])
    sizes = [int(a) for a in argv[1:3]]
    started = time.perf_counter()
    made = generate(engine, *sizes)
    print(f"{made} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
