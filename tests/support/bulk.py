"""Many rows at once for the tests that check a page's queries do not grow with the data:
corrections with their reports, and an open round with its votes. Core inserts, so thousands of
rows take a moment; the values are drawn from a seeded `random.Random`, so every run is alike."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from engagement.accounts.models import Patron
from engagement.corrections.models import Correction, Report
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.voting.models import Ballot, Round, Topic, Vote

# Every state a correction can be in, weighted roughly as a newsroom sees them.
STATES = (
    ("new",) * 8
    + ("in_review",) * 3
    + ("corrected",) * 4
    + ("clarified", "no_action", "no_action", "spam", "duplicate")
)
HOSTS = ("news.example.org", "www.example.com")
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def many_corrections(engine: Engine, corrections: int, reports: int, seed: int = 5) -> None:
    """Add `corrections` corrections in every state and `reports` reports (at least one each).

    Times are on whole minutes within a month and report counts are small, so the sort keys
    tie often, which is what keyset pagination must cope with."""
    rng = random.Random(seed)
    rows = []
    for n in range(corrections):
        first = EPOCH + timedelta(minutes=rng.randrange(30 * 24 * 60))
        status = rng.choice(STATES)
        key = hashlib.sha256(f"bulk-{seed}-{n}".encode()).hexdigest()
        host = HOSTS[n % len(HOSTS)]
        rows.append(
            {
                "article_url": f"https://{host}/story-{n % 300}",
                "article_host": host,
                "article_title": f"Story {n % 300}",
                "quote_exact": f"{n} people in paragraph {n % 9}",
                "quote_key": key,
                "anchor_key": key,
                "status": status,
                "report_count": 0,
                "first_reported_at": first,
                "last_reported_at": first,
                "created_at": first,
                "resolved_at": None
                if status in ("new", "in_review")
                else first + timedelta(hours=2),
            }
        )
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                insert(Correction).returning(Correction.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        counts = dict.fromkeys(ids, 0)
        report_rows = []
        for n in range(max(reports, corrections)):
            index = n if n < len(ids) else rng.randrange(len(ids))
            correction_id, row = ids[index], rows[index]
            counts[correction_id] += 1
            report_rows.append(
                {
                    "correction_id": correction_id,
                    "quote_exact": row["quote_exact"],
                    "page_url": row["article_url"],
                    "title": row["article_title"],
                    "suggestion": "another figure" if rng.random() < 0.5 else "",
                    "comment": "",
                    "created_at": row["first_reported_at"],
                }
            )
        conn.execute(insert(Report), report_rows)
        by_count: dict[int, list[int]] = {}
        for correction_id, count in counts.items():
            by_count.setdefault(count, []).append(correction_id)
        for count, same in by_count.items():
            conn.execute(
                update(Correction).where(Correction.id.in_(same)).values(report_count=count)
            )


def round_with_votes(votes: int, topics: int = 5, budget: int = 3, seed: int = 8) -> dict:
    """An open round with `topics` topics and `votes` votes by as many co-creators (patrons
    with a membership that grants voting) as the budget needs; in the app's session, which
    the caller commits. Returns the round's and topics' ids, a co-creator's id and the largest
    topic's votes."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    session = db.session
    run = (session.scalar(select(func.count(Tier.id))) or 0) + 1  # names unique per call
    tier = Tier(
        name=f"Bulk voters {run}", slug=f"bulk-voters-{run}", monthly_amount=300, grants_voting=True
    )
    round_ = Round(
        title=f"Round of {votes} votes",
        description="",
        vote_budget=budget,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        results_visibility="live",
        allow_suggestions=True,
    )
    session.add_all([tier, round_])
    session.flush()
    topic_ids = []
    for position in range(1, topics + 1):
        topic = Topic(
            round_id=round_.id, title=f"Topic {position}", position=position, state="open"
        )
        session.add(topic)
        session.flush()
        topic_ids.append(topic.id)
    ballots = []
    left = votes
    while left:
        size = min(budget, topics, left)
        start = rng.randrange(topics)
        ballots.append([topic_ids[(start + k) % topics] for k in range(size)])
        left -= size
    patron_ids = list(
        session.execute(
            insert(Patron).returning(Patron.id, sort_by_parameter_order=True),
            [{"email": f"voter-{run}-{n}@example.org", "name": ""} for n in range(len(ballots))],
        ).scalars()
    )
    session.execute(
        insert(Membership),
        [
            {
                "patron_id": pid,
                "tier_id": tier.id,
                "source": "stripe",
                "status": "active",
                "started_at": now - timedelta(days=10),
                "access_until": now + timedelta(days=30),
            }
            for pid in patron_ids
        ],
    )
    session.execute(
        insert(Ballot),
        [
            {"round_id": round_.id, "patron_id": pid, "used": len(chosen)}
            for pid, chosen in zip(patron_ids, ballots, strict=True)
        ],
    )
    session.execute(
        insert(Vote),
        [
            {"patron_id": pid, "topic_id": topic_id, "round_id": round_.id, "created_at": now}
            for pid, chosen in zip(patron_ids, ballots, strict=True)
            for topic_id in chosen
        ],
    )
    counts = {topic_id: 0 for topic_id in topic_ids}
    for chosen in ballots:
        for topic_id in chosen:
            counts[topic_id] += 1
    for topic_id, count in counts.items():
        session.execute(update(Topic).where(Topic.id == topic_id).values(vote_count=count))
    return {
        "round_id": round_.id,
        "topic_ids": topic_ids,
        "co_creator_id": patron_ids[0],
        "largest_topic_votes": max(counts.values()),
    }
