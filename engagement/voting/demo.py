"""Demo data for `flask demo seed`: an open round of five topics and a co-creator to vote."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.voting.models import Round, Topic

DEMO_ROUND = "What should we cover next?"
DEMO_CO_CREATOR = "reader@example.org"
DEMO_TOPICS = [
    ("Who owns the empty flats on the high street?",
     "Landlords, shell companies and why the shops stay shut."),
    ("How long does an ambulance take to reach the villages?",
     "Response times by postcode, from the service's own logs."),
    ("Where does the council's road-repair money go?",
     "Following three years of contracts, street by street."),
    ("Why are the night buses gone?",
     "Who decided, what it saved, and who now walks home."),
    ("What happens to the river after the new plant opens?",
     "Samples, permits and the promises made at the hearing."),
]


def seed_demo_round() -> list[str]:
    """Create the demo round (once) and a demo co-creator with a membership that votes."""
    lines = []
    round_ = db.session.scalar(select(Round).where(Round.title == DEMO_ROUND))
    if round_ is None:
        now = utcnow()
        round_ = Round(title=DEMO_ROUND, vote_budget=3, results_visibility="live",
                       allow_suggestions=True, opens_at=now - timedelta(hours=1),
                       closes_at=now + timedelta(days=14),
                       description="You have three votes. Spend them on the stories you most "
                                   "want our reporters to take on next.")
        db.session.add(round_)
        for position, (title, description) in enumerate(DEMO_TOPICS, start=1):
            db.session.add(Topic(round=round_, title=title, description=description,
                                 position=position, state="open"))
        db.session.flush()
    lines.append(f"Demo round: “{DEMO_ROUND}”, five topics, three votes each, at /topics")
    lines.append(_seed_co_creator())
    return lines


def _seed_co_creator() -> str:
    patron = db.session.scalar(select(Patron).where(Patron.email == DEMO_CO_CREATOR))
    if patron is None:
        patron = Patron(email=DEMO_CO_CREATOR, name="Demo Reader")
        db.session.add(patron)
        db.session.flush()
    live = db.session.scalar(select(Membership).where(
        Membership.patron_id == patron.id, Membership.source == "grant",
        Membership.ended_at.is_(None)))
    if live is None:
        tier = db.session.scalar(select(Tier).where(Tier.grants_voting.is_(True))
                                 .order_by(Tier.position, Tier.id))
        db.session.add(Membership(patron=patron, tier=tier, source="grant", status="active",
                                  grant_reason="Demo co-creator", started_at=utcnow()))
        db.session.flush()
    return (f"Demo co-creator: {DEMO_CO_CREATOR} (sign in at /account/login; the link arrives "
            "in the development mail sink)")
