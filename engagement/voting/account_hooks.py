"""What the voting feature adds to a patron's account: their votes in "download my data"."""

from __future__ import annotations

from sqlalchemy import select

from engagement.accounts import account
from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.voting.models import Round, Topic, Vote


def votes_data(patron: Patron) -> list[dict]:
    """The patron's votes as plain data: topic, round, when, and the topic's state."""
    rows = db.session.execute(
        select(Vote.created_at, Topic.title, Topic.state, Topic.published_url, Round.title)
        .join(Topic, Topic.id == Vote.topic_id).join(Round, Round.id == Vote.round_id)
        .where(Vote.patron_id == patron.id).order_by(Vote.created_at)).all()
    return [{"topic": topic, "round": round_title, "voted_at": at.isoformat(), "state": state,
             "published_url": url} for at, topic, state, url, round_title in rows]


# Votes stay after an erasure: they hold no personal data once the patron's email is gone,
# and removing them would change closed rounds' results.
account.register_data_section("votes", votes_data)
