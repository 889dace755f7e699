"""A Patreon patron's account page, data download and erasure, and eligibility at a round's
close counted the same way as for Stripe patrons."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.voting import curation
from engagement.voting.models import Round, Topic
from tests.patreon.conftest import (
    CO_CREATOR_TIER,
    PatreonDelivery,
    PatreonMember,
    map_patreon_tier,
    member_document,
    membership_of,
    our_tier,
    post_delivery,
    stored,
)
from tests.voting.conftest import Voting, csrf, sign_in


def _patron_id(app, email):
    with app.app_context():
        return db.session.scalar(select(Patron.id).where(Patron.email == email))


def _pledge(client, email="pat@example.org", days_paid=20, **extra):
    now = utcnow()
    who = email.split("@")[0]
    body = member_document(
        email=email,
        member_id=f"m-{who}",
        user_id=f"u-{who}",
        pledge_start=now - timedelta(days=40),
        last_charge=now - timedelta(days=10),
        next_charge=now + timedelta(days=days_paid),
        **extra,
    )
    response = post_delivery(client, "members:pledge:create", body)
    assert response.get_json()["outcome"] == "processed", response.get_json()
    return body


def test_the_account_page_says_through_patreon_with_a_link_to_manage_it(app, client):
    coffee = our_tier(app)
    _pledge(client)
    map_patreon_tier(app, CO_CREATOR_TIER, coffee)
    sign_in(client, _patron_id(app, "pat@example.org"))
    page = client.get("/account").get_data(as_text=True)
    assert "Paid through Patreon" in page
    assert 'href="https://www.patreon.com/settings/memberships"' in page
    assert "Coffee" in page
    data = json.loads(client.get("/account/data").get_data(as_text=True))
    [member] = data["patreon"]["members"]
    assert (member["email"], member["state"], member["tier"]) == (
        "pat@example.org",
        "active",
        "Co-creator",
    )
    assert data["patreon"]["deliveries"][0]["trigger"] == "members:pledge:create"


def test_erasure_removes_the_patreon_data_and_old_deliveries_do_not_bring_it_back(app, client):
    body = _pledge(client)
    patron_id = _patron_id(app, "pat@example.org")
    sign_in(client, patron_id)
    token = csrf(client, "/account")
    assert client.post("/account/delete", data={"csrf_token": token}).status_code == 200
    done = client.post("/account/delete/confirm", data={"csrf_token": token, "understood": "y"})
    assert done.status_code == 200
    assert stored(app, PatreonMember) == []
    [delivery] = stored(app, PatreonDelivery)
    assert "pat@example.org" not in delivery.payload and "Pat Reon" not in delivery.payload
    assert json.loads(delivery.payload)["data"]["id"] == "m-pat"

    again = post_delivery(
        client,
        "members:pledge:update",
        body.replace(b'"pledge_cadence": 1', b'"pledge_cadence": 1 '),
    )
    assert again.get_json()["outcome"] == "ignored"
    assert stored(app, PatreonMember) == []
    assert [p.email for p in stored(app, Patron)] == [None]
    late = stored(app, PatreonDelivery)[-1]
    assert "pat@example.org" not in late.payload


def test_a_patreon_vote_counts_at_the_close_only_if_the_pledge_was_in_force_then(
    app, client, auth, forms
):
    voting = Voting(app)
    coffee = voting.tier("Coffee")
    _pledge(client, "stays@example.org")
    _pledge(client, "lapses@example.org", days_paid=20)
    map_patreon_tier(app, CO_CREATOR_TIER, coffee)
    round_id, topics = voting.round()
    for email in ("stays@example.org", "lapses@example.org"):
        voter = app.test_client()
        sign_in(voter, _patron_id(app, email))
        response = voter.post(f"/topics/{topics[0]}/vote", data={"csrf_token": csrf(voter)})
        assert response.status_code == 303, response.get_data(as_text=True)
    now = utcnow()  # Patreon says the second pledge was declined before the close
    post_delivery(
        client,
        "members:pledge:update",
        member_document(
            email="lapses@example.org",
            member_id="m-lapses",
            user_id="u-lapses",
            status="declined_patron",
            last_status="Declined",
            pledge_start=now - timedelta(days=40),
            last_charge=now - timedelta(days=8),
        ),
    )
    assert membership_of(app, "lapses@example.org").status == "past_due"
    auth.login("editor")
    forms.post(f"/newsroom/rounds/{round_id}/close", {}, page=f"/newsroom/rounds/{round_id}")
    with app.app_context():
        topic = db.session.get(Topic, topics[0])
        assert (topic.vote_count, topic.counted_votes) == (2, 1)
        curation.tally_round(db.session.get(Round, round_id))  # counting again: the same
        assert db.session.get(Topic, topics[0]).counted_votes == 1
