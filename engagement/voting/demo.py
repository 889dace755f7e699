"""Demo data for `flask demo seed`: an open round of five topics with the patrons' votes spread
over them and a suggestion waiting, a closed round with its results and outcomes, and a
co-creator to vote. Deterministic: a fixed seed, times relative to the seeding."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.voting import curation, eligibility, services
from engagement.voting.models import Round, Topic, Vote

DEMO_ROUND = "What should we cover next?"
DEMO_CO_CREATOR = "reader@example.org"
DEMO_TOPICS = [
    (
        "Who owns the empty flats on the high street?",
        "Landlords, shell companies and why the shops stay shut.",
    ),
    (
        "How long does an ambulance take to reach the villages?",
        "Response times by postcode, from the service's own logs.",
    ),
    (
        "Where does the council's road-repair money go?",
        "Following three years of contracts, street by street.",
    ),
    ("Why are the night buses gone?", "Who decided, what it saved, and who now walks home."),
    (
        "What happens to the river after the new plant opens?",
        "Samples, permits and the promises made at the hearing.",
    ),
]


DEMO_SEED = 20
PAST_ROUND = "What should we look into this autumn?"
PAST_TOPICS = [
    ("Who cleans the river after the floods?", "Contracts, crews and the bill for the clean-up."),
    ("Why did the school bus route change?", "Parents' complaints and the council's reasons."),
    ("How much do the town's car parks earn?", "Fees, fines and where the money ends up."),
    ("Is the new clinic fully staffed?", "Vacancies, waiting times and the promised doctors."),
]
# What became of the past round's topics, from the most voted down.
PAST_OUTCOMES = [
    ("published", "", "/demo/article"),
    ("in_progress", "", None),
    ("planned", "", None),
    ("declined", "Another outlet covered it in depth while the round ran.", None),
]
SUGGESTION = (
    "Why do the street lights go off at midnight?",
    "On our street they go dark at twelve; is it to save money?",
)


def _new_round(
    title: str, topics: list[tuple[str, str]], opens_at: datetime, description: str
) -> Round:
    round_ = Round(
        title=title,
        vote_budget=3,
        results_visibility="live",
        allow_suggestions=True,
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=26),
        description=description,
    )
    db.session.add(round_)
    for position, (topic_title, topic_description) in enumerate(topics, start=1):
        db.session.add(
            Topic(
                round=round_,
                title=topic_title,
                description=topic_description,
                position=position,
                state="open",
            )
        )
    db.session.flush()
    return round_


def _vote(round_: Round, rng: random.Random, now: datetime, voters: list[Patron]) -> None:
    """Each voter spends one to three votes, mostly on the first topics, at spread-out times."""
    topics = sorted(round_.topics, key=lambda t: t.position)
    weights = [len(topics) + 2 - index for index in range(len(topics))]
    for patron in voters:
        chosen: set[int] = set()
        for _ in range(rng.randint(1, round_.vote_budget)):
            chosen.add(rng.choices(topics, weights=weights)[0].id)
        for topic_id in sorted(chosen):
            services.cast_vote(patron.id, topic_id)
        start = max(round_.opens_at, min(m.started_at for m in _paid(patron)))
        span = int((min(now, round_.closes_at) - start).total_seconds())
        at = start + timedelta(seconds=rng.randint(0, max(span, 1)))
        db.session.execute(
            update(Vote)
            .where(Vote.patron_id == patron.id, Vote.round_id == round_.id)
            .values(created_at=at)
        )


def _paid(patron: Patron) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.patron_id == patron.id)))


def _co_creators(at: datetime) -> list[Patron]:
    patrons = db.session.scalars(
        select(Patron)
        .join(Membership)
        .where(Membership.source == "stripe", Membership.started_at <= at)
        .order_by(Patron.id)
    )
    return [p for p in dict.fromkeys(patrons) if eligibility.may_vote(p)]


def _seed_past_round(rng: random.Random, now: datetime) -> None:
    round_ = _new_round(
        PAST_ROUND,
        PAST_TOPICS,
        now - timedelta(days=75),
        "Three votes each: which of these should we dig into this autumn?",
    )
    closes_at = now - timedelta(days=45)
    round_.closes_at = closes_at
    _vote_while_open(round_, rng, now, _co_creators(closes_at))
    curation.tally_round(round_)
    ranked = services.ranking(round_)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    for topic, (state, reason, path) in zip(ranked, PAST_OUTCOMES, strict=False):
        curation.set_outcome(topic, state, reason=reason, url=base + path if path else None)


def _vote_while_open(
    round_: Round, rng: random.Random, now: datetime, voters: list[Patron]
) -> None:
    closes_at = round_.closes_at
    round_.closes_at = now + timedelta(days=1)  # votes are cast while a round is open
    db.session.flush()
    _vote(round_, rng, now if closes_at > now else closes_at, voters)
    round_.closes_at = closes_at
    db.session.flush()


def seed_demo_round(now: datetime | None = None) -> list[str]:
    """Create the demo rounds, their votes and a waiting suggestion (once), and a demo
    co-creator with a membership that votes."""
    now = now or utcnow()
    if db.session.scalar(select(Round).where(Round.title == DEMO_ROUND)) is None:
        rng = random.Random(DEMO_SEED)
        _seed_past_round(rng, now)
        round_ = _new_round(
            DEMO_ROUND,
            DEMO_TOPICS,
            now - timedelta(days=12),
            "You have three votes. Spend them on the stories you most want our "
            "reporters to take on next.",
        )
        _vote_while_open(round_, rng, now, _co_creators(now))
        suggester = _co_creators(now)[-1:]
        if suggester:
            services.suggest_topic(suggester[0], round_.id, *SUGGESTION)
    lines = [
        f"Demo rounds: “{DEMO_ROUND}” open with votes and a suggestion waiting, "
        f"“{PAST_ROUND}” closed with results, at /topics"
    ]
    lines.append(_seed_co_creator())
    return lines


def _seed_co_creator() -> str:
    patron = db.session.scalar(select(Patron).where(Patron.email == DEMO_CO_CREATOR))
    if patron is None:
        patron = Patron(email=DEMO_CO_CREATOR, name="Demo Reader")
        db.session.add(patron)
        db.session.flush()
    live = db.session.scalar(
        select(Membership).where(
            Membership.patron_id == patron.id,
            Membership.source == "grant",
            Membership.ended_at.is_(None),
        )
    )
    if live is None:
        tier = db.session.scalar(
            select(Tier).where(Tier.grants_voting.is_(True)).order_by(Tier.position, Tier.id)
        )
        db.session.add(
            Membership(
                patron=patron,
                tier=tier,
                source="grant",
                status="active",
                grant_reason="Demo co-creator",
                started_at=utcnow(),
            )
        )
        db.session.flush()
    return (
        f"Demo co-creator: {DEMO_CO_CREATOR} (sign in at /account/login; the link arrives "
        "in the development mail sink)"
    )
