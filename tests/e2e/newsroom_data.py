"""A newsroom with something on every page, for the editors' browser tests and screenshots:
corrections with readers' suggested wordings, a round with long topic titles and votes, a
suggestion, a patron with a complimentary membership, Stripe events that failed and that were
ignored."""

from __future__ import annotations

from dataclasses import dataclass

from engagement.accounts.models import Editor, Patron
from engagement.extensions import db
from engagement.membership import grants
from engagement.membership.models import StripeEvent, Tier
from engagement.voting import services as voting_services
from engagement.voting.models import Topic, Vote
from tests.corrections.triage_data import report
from tests.voting.conftest import Voting

LONG = (
    "Why the riverside bridge opened six months late and what the council's minutes say "
    "about the contractor's penalties"
)


@dataclass
class Newsroom:
    """The ids a test needs."""

    corrections: list[int]
    round_id: int
    topics: list[int]
    patron_id: int
    grant_id: int
    failed_event: int
    ignored_event: int


def _votes(app, voting: Voting, round_id: int, topic_id: int, count: int) -> None:
    for n in range(count):
        patron_id = voting.patron(f"voter{n}@example.org")
        with app.app_context():
            db.session.add(Vote(patron_id=patron_id, topic_id=topic_id, round_id=round_id))
            db.session.commit()


def make_newsroom(app) -> Newsroom:
    """Fill the app's database (the admin `admin@example.org` must exist already)."""
    first, _ = report(app, suggestion="five months later", email="ada@example.net", notify=True)
    report(app, suggestion="five  months later")  # the same wording, spaced differently
    report(app, suggestion="four months later", comment="The minutes say four.")
    second, _ = report(
        app,
        exact="a budget of 4.2 million",
        prefix="the council approved ",
        suffix=" for the works",
        suggestion="a budget of 4.5 million",
    )
    third, _ = report(app, exact=LONG, prefix="", suffix="", comment="Headline is wrong.")
    voting = Voting(app)
    round_id, topics = voting.round(topics=(LONG, "Schools", "Night buses on every line"))
    _votes(app, voting, round_id, topics[0], 3)
    with app.app_context():
        db.session.get(Topic, topics[0]).vote_count = 3  # the counter the pages show
        suggester = db.session.get(Patron, voting.patron("ideas@example.org"))
        voting_services.suggest_topic(suggester, round_id, LONG + " (a suggestion)", "Why " * 40)
        admin = db.session.scalar(db.select(Editor).where(Editor.email == "admin@example.org"))
        tier = db.session.scalar(db.select(Tier).order_by(Tier.id))
        membership = grants.grant_membership("friend@example.org", tier, 6, "Our columnist", admin)
        failed = StripeEvent(
            stripe_id="evt_failed_1",
            type="customer.subscription.updated",
            payload='{"id": "evt_failed_1"}',
            outcome="failed",
            error="APIConnectionError: Stripe could not be reached",
        )
        ignored = StripeEvent(
            stripe_id="evt_ignored_1",
            type="charge.succeeded",
            payload="{}",
            outcome="ignored",
            error="type not handled",
        )
        db.session.add_all([failed, ignored])
        db.session.commit()
        return Newsroom(
            [first, second, third],
            round_id,
            topics,
            membership.patron_id,
            membership.id,
            failed.id,
            ignored.id,
        )
