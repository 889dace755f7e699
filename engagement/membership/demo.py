"""Demo data for `flask demo seed`: three tiers that all make the patron a co-creator, patrons
who joined over the last twelve months (a few lapsed, one past due) and a patron with a
complimentary membership. Deterministic: a fixed seed, times relative to the seeding."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from engagement.accounts.models import Editor, Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.grants import add_months, grant_membership, live_grant
from engagement.membership.models import Membership, Tier
from engagement.membership.stripe_gateway import GatewayError, gateway

DEMO_SEED = 20
DEMO_PATRON_EMAIL = "patron@example.org"
# Readers who became patrons, oldest first; every ninth lapsed, the fifth from last is past due.
PATRON_NAMES = (
    "Mykola Shevchuk",
    "Anna Kowalska",
    "Taras Hrytsenko",
    "Lena Vogel",
    "Oksana Melnyk",
    "David Okafor",
    "Iryna Tkachenko",
    "Sofia Rossi",
    "Andrii Bondarenko",
    "Marta Nowak",
    "Pavlo Kravets",
    "Hanna Lindqvist",
    "Yulia Savchenko",
    "Tomás Ruiz",
    "Olha Moroz",
    "Jonas Becker",
    "Kateryna Lysenko",
    "Amira Haddad",
    "Serhii Polishchuk",
    "Claire Martin",
    "Dmytro Kovalenko",
    "Nadia Petrenko",
    "Lukas Novak",
    "Viktoria Marchenko",
    "Ivan Zhuk",
    "Emma Johansson",
    "Roman Pavlenko",
    "Daria Sydorenko",
    "Bogdan Ilchenko",
    "Mila Horvat",
    "Oleh Tymoshenko",
    "Zoe Laurent",
    "Artem Kuzmenko",
    "Alina Hnatiuk",
    "Petra Svoboda",
    "Maksym Rudenko",
    "Inna Yaremchuk",
    "Felix Wagner",
)

DEMO_TIERS = [
    (
        "Coffee",
        "For the cost of a cup of coffee a month, become a co-creator: vote on the "
        "topics we cover next.",
        300,
        3000,
    ),
    ("Supporter", "Keep our reporting free for everyone, and vote on what we cover.", 800, 8000),
    (
        "Champion",
        "Fund a reporter's day each month; vote, and hear first what we plan.",
        2000,
        20000,
    ),
]


def seed_tiers() -> list[str]:
    """Create the demo tiers (once) and sync them to Stripe when it can be reached."""
    lines = []
    for position, (name, description, monthly, yearly) in enumerate(DEMO_TIERS):
        slug = tier_service.slugify(name)
        if db.session.scalar(select(Tier.id).where(Tier.slug == slug)) is None:
            tier_service.save_tier(
                None,
                name=name,
                description=description,
                monthly_amount=monthly,
                yearly_amount=yearly,
                currency="eur",
                grants_voting=True,
                position=position,
                active=True,
            )
    gw = gateway()
    if not gw.configured:
        lines.append("Demo tiers: Coffee, Supporter, Champion (not synced: no STRIPE_SECRET_KEY)")
        return lines
    try:
        with db.session.begin_nested():
            tier_service.sync_all(gw)
        lines.append("Demo tiers: Coffee, Supporter, Champion (synced to Stripe)")
    except GatewayError as exc:
        lines.append(
            "Demo tiers: Coffee, Supporter, Champion (not synced yet: Stripe is not "
            f"reachable ({exc.message}); the first checkout of a tier syncs it)"
        )
    return lines


def _email(name: str) -> str:
    return name.lower().replace(" ", ".").replace("á", "a") + "@example.org"


def _paid_membership(
    patron: Patron, tier: Tier, joined: datetime, interval: str, now: datetime
) -> Membership:
    months = 12 if interval == "year" else 1
    period_end = joined
    while period_end <= now:
        period_end = add_months(period_end, months)
    amount = tier.yearly_amount if interval == "year" else tier.monthly_amount
    return Membership(
        patron=patron,
        tier=tier,
        source="stripe",
        status="active",
        interval=interval,
        amount=amount,
        currency=tier.currency,
        started_at=joined,
        created_at=joined,
        current_period_end=period_end,
        access_until=period_end,
    )


def _lapse(membership: Membership, rng: random.Random, now: datetime) -> None:
    ended = min(
        membership.started_at + timedelta(days=rng.randint(35, 150)),
        now - timedelta(days=rng.randint(3, 20)),
    )
    membership.status, membership.ended_at = "canceled", ended
    membership.access_until = membership.current_period_end = ended
    membership.cancellation_reason = "cancellation_requested"


def _past_due(membership: Membership, now: datetime) -> None:
    membership.status = "past_due"
    membership.current_period_end = now - timedelta(days=3)
    membership.access_until = now + timedelta(days=4)  # the grace days still run


def seed_patrons(now: datetime | None = None) -> list[str]:
    """Patrons who joined over the last twelve months, more of them lately (once)."""
    now = now or utcnow()
    tiers = list(db.session.scalars(select(Tier).order_by(Tier.position, Tier.id)))
    count = len(PATRON_NAMES)
    summary = (
        f"Demo patrons: {count} joined over the last twelve months "
        f"({len(PATRON_NAMES[8::9])} lapsed, 1 past due)"
    )
    if not tiers or db.session.scalar(
        select(Patron.id).where(Patron.email == _email(PATRON_NAMES[0]))
    ):
        return [summary]
    rng = random.Random(DEMO_SEED)
    for index, name in enumerate(PATRON_NAMES):
        days_ago = int(360 * ((count - index) / count) ** 1.5) + rng.randint(0, 5)
        joined = now - timedelta(days=days_ago, hours=rng.randint(0, 23))
        patron = Patron(email=_email(name), name=name, created_at=joined)
        tier = tiers[rng.choice((0, 0, 0, 1, 1, 2)) % len(tiers)]
        membership = _paid_membership(
            patron, tier, joined, "year" if index % 4 == 3 else "month", now
        )
        if index % 9 == 8:
            _lapse(membership, rng, now)
        elif index == count - 5:
            _past_due(membership, now)
        db.session.add_all([patron, membership])
    db.session.flush()
    return [summary]


def seed_demo_patron() -> list[str]:
    """A patron with a complimentary membership, to try the sign-in link (once)."""
    admin = db.session.scalar(select(Editor).where(Editor.role == "admin").order_by(Editor.id))
    tier = db.session.scalar(select(Tier).order_by(Tier.position, Tier.id))
    if admin is None or tier is None:
        return []
    patron = db.session.scalar(select(Patron).where(Patron.email == DEMO_PATRON_EMAIL))
    if patron is None or live_grant(patron) is None:
        grant_membership(DEMO_PATRON_EMAIL, tier, None, "Demo patron", admin)
    return [
        f"Demo patron: {DEMO_PATRON_EMAIL} (sign in at /account/login; the link is in the "
        "SMTP sink's output)"
    ]
