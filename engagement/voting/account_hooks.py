"""What the voting feature adds to a patron's account: their votes on /account, their votes and
suggestions in "download my data", and what erasure does to them."""

from __future__ import annotations

from sqlalchemy import select, update

from engagement.accounts import account
from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.voting.blueprints import public
from engagement.voting.models import Round, Topic, Vote


def votes_data(patron: Patron) -> list[dict]:
    """The patron's votes as plain data: topic, round, when, and the topic's state."""
    rows = db.session.execute(
        select(Vote.created_at, Topic.title, Topic.state, Topic.published_url, Round.title)
        .join(Topic, Topic.id == Vote.topic_id)
        .join(Round, Round.id == Vote.round_id)
        .where(Vote.patron_id == patron.id)
        .order_by(Vote.created_at)
    ).all()
    return [
        {
            "topic": topic,
            "round": round_title,
            "voted_at": at.isoformat(),
            "state": state,
            "published_url": url,
        }
        for at, topic, state, url, round_title in rows
    ]


def suggestions_data(patron: Patron) -> list[dict]:
    """Topics the patron suggested: title, their description, state and when."""
    topics = db.session.scalars(
        select(Topic).where(Topic.suggested_by_id == patron.id).order_by(Topic.id)
    )
    return [
        {
            "topic": topic.title,
            "description": topic.description,
            "state": topic.state,
            "suggested_at": topic.created_at.isoformat() if topic.created_at else None,
        }
        for topic in topics
    ]


def forget_suggester(patron: Patron) -> None:
    """Suggested topics stop pointing at the patron; the topics stay in their rounds."""
    db.session.execute(
        update(Topic)
        .where(Topic.suggested_by_id == patron.id)
        .values(suggested_by_id=None)
        .execution_options(synchronize_session=False)
    )


# Votes stay after an erasure: they hold no personal data once the patron's email is gone,
# and removing them would change closed rounds' results.
account.register_section(public, "votes", "voting/_account_votes.html", order=40)
account.register_data_section(public, "votes", votes_data)
account.register_data_section(public, "suggestions", suggestions_data)
account.register_eraser(public, forget_suggester)
