"""Actions that cannot be taken back ask first, without JavaScript: a GET says what will happen
and to how many and changes nothing; the page's button POSTs it. The webhook list opens on the
events that failed, and only those offer "Process again"."""

from __future__ import annotations

from html import unescape

import pytest

from engagement.accounts.models import Editor
from engagement.extensions import db
from engagement.membership import grants
from engagement.membership.models import Membership, StripeEvent, Tier
from engagement.voting.models import Round, Topic, Vote
from tests.voting.conftest import Voting


@pytest.fixture
def admin(auth):
    auth.login("admin")


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def _round_with_votes(app) -> tuple[int, list[int]]:
    voting = Voting(app)
    round_id, topics = voting.round()
    with app.app_context():
        for n in range(2):
            patron_id = voting.patron(f"voter{n}@example.org")
            db.session.add(Vote(patron_id=patron_id, topic_id=topics[0], round_id=round_id))
        db.session.get(Topic, topics[0]).vote_count = 2
        db.session.commit()
    return round_id, topics


def test_closing_a_round_asks_first_naming_the_votes_and_voters(app, client, forms, admin):
    round_id, _ = _round_with_votes(app)
    page = _page(client.get(f"/newsroom/rounds/{round_id}"))
    assert f'href="/newsroom/rounds/{round_id}/close">Close the round now…</a>' in page
    asked = _page(client.get(f"/newsroom/rounds/{round_id}/close"))
    assert "The 2 votes of 2 co-creators are counted now" in asked
    assert f'action="/newsroom/rounds/{round_id}/close"' in asked
    with app.app_context():
        assert db.session.get(Round, round_id).closed_early_at is None
    forms.post(f"/newsroom/rounds/{round_id}/close", page=f"/newsroom/rounds/{round_id}/close")
    with app.app_context():
        assert db.session.get(Round, round_id).closed_early_at is not None
    closed = client.get(f"/newsroom/rounds/{round_id}/close")
    assert closed.status_code == 303  # nothing left to confirm


def test_merging_topics_asks_first_naming_the_voters_who_will_get_a_mail(app, client, forms, admin):
    round_id, topics = _round_with_votes(app)
    url = f"/newsroom/topics/{topics[0]}/merge?target_id={topics[1]}&back=round"
    asked = _page(client.get(url))
    assert "Its 2 votes move to “Schools”" in asked
    assert "2 voters will get a mail saying where their vote went." in asked
    with app.app_context():
        assert db.session.get(Topic, topics[0]).state == "open"
    response = forms.post(
        f"/newsroom/topics/{topics[0]}/merge",
        {"target_id": str(topics[1]), "back": "round"},
        page=url,
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Topic, topics[0]).state == "merged"
    assert (
        client.get(f"/newsroom/topics/{topics[1]}/merge?target_id={topics[1]}").status_code == 303
    )


def test_revoking_a_grant_asks_first(app, client, forms, admin):
    Voting(app).tier("Coffee")
    with app.app_context():
        admin_row = db.session.scalar(db.select(Editor).where(Editor.role == "admin"))
        membership = grants.grant_membership(
            "friend@example.org",
            db.session.scalar(db.select(Tier)),
            None,
            "Our columnist",
            admin_row,
        )
        db.session.commit()
        patron_id, membership_id = membership.patron_id, membership.id
    url = f"/newsroom/patrons/{patron_id}/grants/{membership_id}/revoke"
    assert f'href="{url}"' in _page(client.get(f"/newsroom/patrons/{patron_id}"))
    asked = _page(client.get(url))
    assert "Revoke friend@example.org's Coffee membership?" in asked
    with app.app_context():
        assert db.session.get(Membership, membership_id).revoked_at is None
    forms.post(url, page=url)
    with app.app_context():
        assert db.session.get(Membership, membership_id).revoked_at is not None
    assert client.get(f"/newsroom/patrons/{patron_id}/grants/999/revoke").status_code == 404


def test_the_webhook_list_opens_on_failed_events_and_only_they_can_be_processed_again(
    app, client, admin
):
    with app.app_context():
        db.session.add_all(
            [
                StripeEvent(
                    stripe_id="evt_failed",
                    type="invoice.paid",
                    payload="{}",
                    outcome="failed",
                    error="boom",
                ),
                StripeEvent(
                    stripe_id="evt_ignored",
                    type="charge.succeeded",
                    payload="{}",
                    outcome="ignored",
                    error="type not handled",
                ),
            ]
        )
        db.session.commit()
    first = _page(client.get("/newsroom/webhooks"))
    assert "evt_failed" in first and "evt_ignored" not in first
    assert '<option value="failed" selected>Needs attention (failed)</option>' in first
    every = _page(client.get("/newsroom/webhooks?outcome=any"))
    assert "evt_ignored" in every
    assert "Process again: evt_failed" in every and "Process again: evt_ignored" not in every
    asked = _page(client.get("/newsroom/webhooks/1/process"))
    assert "Process evt_failed again?" in asked and "It failed with: boom" in asked
    assert client.get("/newsroom/webhooks/2/process").status_code == 303


def test_with_nothing_failed_the_list_says_so_and_links_to_every_event(app, client, admin):
    page = _page(client.get("/newsroom/webhooks"))
    assert "No event needs attention" in page
    assert 'href="/newsroom/webhooks?outcome=any"' in page


def test_a_confirmation_page_carries_its_csrf_token_and_changes_nothing_by_itself(
    app, client, admin
):
    round_id, _ = _round_with_votes(app)
    asked = client.get(f"/newsroom/rounds/{round_id}/close").get_data(as_text=True)
    assert 'name="csrf_token"' in asked and 'name="confirmed" value="yes"' in asked
    assert client.post(f"/newsroom/rounds/{round_id}/close").status_code == 400
    with app.app_context():
        assert db.session.get(Round, round_id).closed_early_at is None
