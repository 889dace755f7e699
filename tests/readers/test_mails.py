"""Receipts and news by mail: the welcome receipt, the gift receipt, a granted membership, and
what became of a co-creator's suggestion."""

from __future__ import annotations

from engagement.accounts.models import Editor, Patron
from engagement.extensions import db
from engagement.membership.grants import grant_membership
from engagement.membership.models import Tier
from engagement.voting import curation
from engagement.voting.models import Round, Topic
from engagement.voting.services import suggest_topic
from tests.membership.conftest import pay, start_checkout
from tests.patrons.conftest import send_outbox
from tests.voting.conftest import Voting


def _text(message):
    return message.get_body(("plain",)).get_content()


def test_a_gift_gets_a_receipt(app, forms, stripe_live, smtp_sink):
    response = start_checkout(forms, {"kind": "gift", "gift_preset": "2500"})
    status, _headers, body = pay(response.headers["Location"], email="giver@example.org")
    assert status == 303, body
    assert stripe_live.wait_idle(20)
    send_outbox(app)
    [receipt] = smtp_sink.to("giver@example.org")
    assert receipt["Subject"] == "Thank you for your gift to The Independent Ledger: your receipt"
    assert "One-time gift:  €25" in _text(receipt) and "nothing more will be charged" in _text(
        receipt
    )


def test_a_granted_membership_is_told_by_mail(app, smtp_sink):
    with app.app_context():
        tier = Tier(name="Coffee", slug="coffee", monthly_amount=300, grants_voting=True)
        admin = Editor(email="boss@example.org", password_hash="x", role="admin")
        db.session.add_all([tier, admin])
        db.session.flush()
        grant_membership("Friend@Example.org", tier, 6, "Our source", admin)
        db.session.commit()
    send_outbox(app)
    [mail] = smtp_sink.to("friend@example.org")
    assert mail["Subject"] == "You have a complimentary membership of The Independent Ledger"
    assert "It runs until" in _text(mail) and "/topics" in _text(mail)


def _suggestion(app, voting, title):
    patron_id = voting.patron("ada@example.org") if not voting._tiers else None
    round_id, _ = voting.round(topics=("Housing",))
    with app.app_context():
        patron = (
            db.session.get(Patron, patron_id) if patron_id else db.session.scalar(db.select(Patron))
        )
        topic = suggest_topic(patron, round_id, title, "")
        db.session.commit()
        return topic.id, round_id


def test_the_suggester_hears_when_the_suggestion_is_published_merged_or_declined(app, smtp_sink):
    voting = Voting(app)
    published, round_id = _suggestion(app, voting, "Night buses")
    declined, _ = _suggestion(app, voting, "Celebrity gossip")
    merged, _ = _suggestion(app, voting, "Housing costs")
    with app.app_context():
        curation.publish_suggestion(
            db.session.get(Topic, published), db.session.get(Round, round_id)
        )
        topic = db.session.get(Topic, declined)
        topic.public_reason = "Not what we cover."
        curation.decline_topic(topic, "Not what we cover.")
        target = db.session.scalar(db.select(Topic).where(Topic.title == "Housing"))
        curation.merge_topic(db.session.get(Topic, merged), target)
        db.session.commit()
    send_outbox(app)
    subjects = {m["Subject"]: _text(m) for m in smtp_sink.to("ada@example.org")}
    assert "/topics#topic-" in subjects["Your suggestion is up for votes: Night buses"]
    assert "Their reason: Not what we cover." in subjects["About your suggestion: Celebrity gossip"]
    assert "“Housing costs”" in subjects["Your suggestion joined a similar topic: Housing"]
