"""Helpers for the voting tests: co-creators with real memberships, rounds with topics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.voting.models import Round, Topic


class Voting:
    """Make tiers, patrons, memberships and rounds in the test's database."""

    def __init__(self, app):
        self.app = app
        self._tiers: dict[str, int] = {}

    def tier(self, name: str = "Coffee", grants_voting: bool = True) -> int:
        if name not in self._tiers:
            with self.app.app_context():
                tier = Tier(
                    name=name, slug=name.lower(), monthly_amount=300, grants_voting=grants_voting
                )
                db.session.add(tier)
                db.session.commit()
                self._tiers[name] = tier.id
        return self._tiers[name]

    def patron(
        self,
        email: str,
        tier: str | None = "Coffee",
        grants_voting: bool = True,
        status: str = "active",
        days: int = 30,
    ) -> int:
        """A patron, with an active membership of `tier` unless tier is None."""
        tier_id = self.tier(tier, grants_voting) if tier else None
        with self.app.app_context():
            patron = Patron(email=email, name=email.split("@")[0].title())
            db.session.add(patron)
            db.session.flush()
            if tier_id:
                db.session.add(
                    Membership(
                        patron_id=patron.id,
                        tier_id=tier_id,
                        source="stripe",
                        status=status,
                        stripe_subscription_id=f"sub_{patron.id}",
                        started_at=utcnow() - timedelta(days=10),
                        access_until=utcnow() + timedelta(days=days),
                    )
                )
            db.session.commit()
            return patron.id

    def cancel(self, patron_id: int) -> None:
        """The patron cancels at once: the membership ends now."""
        with self.app.app_context():
            for membership in db.session.query(Membership).filter_by(patron_id=patron_id):
                membership.status = "canceled"
                membership.access_until = utcnow() - timedelta(seconds=1)
                membership.ended_at = utcnow() - timedelta(seconds=1)
            db.session.commit()

    def round(
        self,
        topics=("Housing", "Schools", "Transport"),
        budget: int = 3,
        visibility: str = "live",
        suggestions: bool = True,
        state: str = "open",
        tiers: tuple[str, ...] = (),
    ) -> tuple[int, list[int]]:
        """A round (open by default) and its topics' ids."""
        now = utcnow()
        opens = now - timedelta(days=1) if state != "scheduled" else now + timedelta(days=1)
        with self.app.app_context():
            round_ = Round(
                title="What should we cover next?",
                description="Choose.",
                opens_at=opens,
                closes_at=now + timedelta(days=7),
                vote_budget=budget,
                results_visibility=visibility,
                allow_suggestions=suggestions,
            )
            round_.eligible_tiers = [db.session.get(Tier, self.tier(name)) for name in tiers]
            db.session.add(round_)
            db.session.flush()
            ids = []
            for position, title in enumerate(topics, start=1):
                topic = Topic(round_id=round_.id, title=title, position=position, state="open")
                db.session.add(topic)
                db.session.flush()
                ids.append(topic.id)
            db.session.commit()
            return round_.id, ids


@pytest.fixture
def voting(app):
    """Make co-creators and rounds."""
    return Voting(app)


def sign_in(client, patron_id: int) -> None:
    """Sign a patron in the way the magic link does: their id in the session."""
    with client.session_transaction() as session:
        session["patron_id"] = patron_id


def csrf(client, url: str = "/topics") -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client.get(url).get_data(as_text=True))
