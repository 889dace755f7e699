"""POST /patreon/webhook: signatures, one row per delivery, late and out-of-order deliveries,
members:delete, and the /newsroom/webhooks page with both senders."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.voting import eligibility
from tests.patreon.conftest import (
    CO_CREATOR_TIER,
    OLD_WEBHOOK_SECRET,
    PatreonDelivery,
    PatreonMember,
    control,
    map_patreon_tier,
    member_document,
    membership_of,
    our_tier,
    post_delivery,
    signature,
    stored,
)


def _may_vote(app, email, at=None) -> bool:
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == email))
        return eligibility.may_vote(patron, None, at)


def test_a_pledge_from_the_stand_in_makes_a_patron_who_votes_once_the_tier_is_mapped(
    app, patreon_live
):
    coffee = our_tier(app)
    answer = control(
        patreon_live,
        "members",
        {
            "email": "Pat@Example.org",
            "full_name": "Pat Reon",
            "patron_status": "active_patron",
            "tier_id": CO_CREATOR_TIER,
            "charge": True,
        },
    )
    assert answer["trigger"] == "members:pledge:create"
    assert answer["delivery"]["status"] == 200, answer["delivery"]
    membership = membership_of(app, "pat@example.org")
    assert (membership.source, membership.status, membership.tier) == ("patreon", "active", None)
    assert not _may_vote(app, "pat@example.org")  # the Patreon tier needs a decision first

    map_patreon_tier(app, CO_CREATOR_TIER, coffee)
    assert membership_of(app, "pat@example.org").tier.name == "Coffee"
    assert _may_vote(app, "pat@example.org")
    [delivery] = stored(app, PatreonDelivery)
    assert (delivery.trigger, delivery.outcome) == ("members:pledge:create", "processed")


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(app, client):
    body = member_document(last_charge=utcnow())
    for headers in ({"sig": "0" * 32}, {"secret": "not-the-secret"}, {"secret": None}):
        response = post_delivery(client, "members:create", body, **headers)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_signature"
    tampered = body.replace(b"pat@example.org", b"eve@example.org")
    response = post_delivery(client, "members:create", tampered, sig=signature(body))
    assert response.status_code == 400
    assert stored(app, PatreonDelivery) == [] and stored(app, Patron) == []


def test_the_older_secret_still_verifies_during_a_rotation(app, client):
    body = member_document(last_charge=utcnow(), next_charge=utcnow() + timedelta(days=30))
    response = post_delivery(client, "members:create", body, secret=OLD_WEBHOOK_SECRET)
    assert response.status_code == 200 and response.get_json()["outcome"] == "processed"


def test_a_delivery_sent_again_is_stored_and_applied_once(app, patreon_live):
    control(
        patreon_live,
        "members",
        {
            "email": "pat@example.org",
            "tier_id": CO_CREATOR_TIER,
            "patron_status": "active_patron",
            "charge": True,
        },
    )
    again = control(patreon_live, "deliveries/0/resend")
    assert again["delivery"]["status"] == 200
    assert '"duplicate"' in again["delivery"]["answer"]
    assert len(stored(app, PatreonDelivery)) == 1
    assert len(stored(app, PatreonMember)) == 1


def test_a_late_older_delivery_does_not_undo_a_newer_one(app, client):
    now = utcnow()
    start = now - timedelta(days=70)
    declined = member_document(
        status="declined_patron",
        last_status="Declined",
        pledge_start=start,
        last_charge=now - timedelta(days=35),
    )
    paid = member_document(
        status="active_patron",
        pledge_start=start,
        last_charge=now - timedelta(days=5),
        next_charge=now + timedelta(days=25),
    )
    assert post_delivery(client, "members:pledge:update", paid).get_json()["outcome"] == "processed"
    late = post_delivery(client, "members:pledge:update", declined)
    assert late.status_code == 200 and late.get_json()["outcome"] == "ignored"
    membership = membership_of(app, "pat@example.org")
    assert membership.status == "active"
    assert membership.access_until == now.replace(
        microsecond=now.microsecond // 1000 * 1000
    ) + timedelta(days=25 + 7)
    [_paid, ignored] = stored(app, PatreonDelivery)
    assert "out of order" in ignored.error


def test_a_delete_that_arrives_before_the_update_it_followed_still_wins(app, client):
    now = utcnow()
    same = {
        "pledge_start": now - timedelta(days=40),
        "last_charge": now - timedelta(days=10),
        "next_charge": now + timedelta(days=20),
    }
    post_delivery(client, "members:pledge:delete", member_document(status="former_patron", **same))
    response = post_delivery(client, "members:update", member_document(**same))
    assert response.get_json()["outcome"] == "ignored"
    assert membership_of(app, "pat@example.org").status == "canceled"


def test_members_delete_ends_the_membership_when_what_was_paid_runs_out(app, client):
    coffee = our_tier(app)
    map_patreon_tier(app, CO_CREATOR_TIER, coffee)
    now = utcnow()
    paid_until = now + timedelta(days=20)
    post_delivery(
        client,
        "members:pledge:create",
        member_document(
            pledge_start=now - timedelta(days=10),
            last_charge=now - timedelta(days=10),
            next_charge=paid_until,
        ),
    )
    response = post_delivery(
        client,
        "members:delete",
        member_document(
            pledge_start=now - timedelta(days=10),
            last_charge=now - timedelta(days=10),
            next_charge=paid_until,
        ),
    )
    assert response.get_json()["outcome"] == "processed"
    membership = membership_of(app, "pat@example.org")
    assert membership.status == "canceled"
    assert membership.ended_at == membership.access_until
    assert abs(membership.ended_at - paid_until) < timedelta(seconds=1)
    assert _may_vote(app, "pat@example.org", now)
    assert not _may_vote(app, "pat@example.org", paid_until + timedelta(seconds=1))


def test_a_signed_body_that_is_not_a_member_is_stored_as_failed(app, client):
    response = post_delivery(client, "members:update", b'{"data": {"type": "campaign"}}')
    assert response.status_code == 400
    [row] = stored(app, PatreonDelivery)
    assert row.outcome == "failed" and "not a member" in row.error
    response = post_delivery(client, "posts:publish", b'{"data": {}}')
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_the_webhooks_page_shows_stripe_and_patreon_and_processes_a_delivery_again(
    app, client, auth, forms
):
    post_delivery(client, "members:update", b'{"data": {"type": "campaign"}}')
    auth.login("admin")
    page = client.get("/newsroom/webhooks").get_data(as_text=True)
    assert '<h2 id="stripe-events">Stripe</h2>' in page
    assert '<h2 id="patreon-deliveries">Patreon</h2>' in page
    assert "members:update" in page and "not a member" in page
    [row] = stored(app, PatreonDelivery)
    confirm_url = f"/newsroom/patreon/deliveries/{row.id}/process"
    assert f'href="{confirm_url}"' in page  # offered, since it failed
    asking = client.get(confirm_url).get_data(as_text=True)
    assert f"Apply Patreon delivery #{row.id} again?" in asking and "It failed with:" in asking
    response = forms.post(confirm_url, {"outcome": ""}, page=confirm_url, follow_redirects=True)
    assert (
        f"Processing Patreon delivery #{row.id} again did not succeed: failed."
        in response.get_data(as_text=True)
    )
    filtered = client.get("/newsroom/webhooks?outcome=processed").get_data(as_text=True)
    assert "No Patreon deliveries." in filtered


def test_process_again_is_offered_only_on_a_failed_delivery(app, client, auth):
    post_delivery(client, "members:update", b'{"data": {"type": "campaign"}}')
    [row] = stored(app, PatreonDelivery)
    with app.app_context():
        db.session.get(PatreonDelivery, row.id).outcome = "ignored"
        db.session.commit()
    auth.login("admin")
    confirm_url = f"/newsroom/patreon/deliveries/{row.id}/process"
    assert confirm_url not in client.get("/newsroom/webhooks?outcome=any").get_data(as_text=True)
    response = client.get(confirm_url, follow_redirects=True)
    assert (
        f"Patreon delivery #{row.id} did not fail (ignored): nothing to redo."
        in response.get_data(as_text=True)
    )


def test_an_editor_who_is_not_admin_cannot_open_the_patreon_page(app, client, auth):
    auth.login("editor")
    assert client.get("/newsroom/patreon").status_code == 403


def test_odd_values_in_a_signed_delivery_get_a_400_never_a_500(app, client):
    for attributes in (
        '"next_charge_date": "9999-12-31T23:59:59"',
        '"last_charge_date": "0001-01-01T00:00:00+05:00"',
        '"currently_entitled_amount_cents": -1',
        '"email": 5',
        '"patron_status": "gold_patron"',
    ):
        body = (
            '{"data": {"type": "member", "id": "m-odd", "attributes": {"email": '
            '"odd@example.org", "patron_status": "active_patron", ' + attributes + "}}}"
        )
        response = post_delivery(client, "members:update", body.encode())
        assert response.status_code == 400, (attributes, response.get_json())
    assert {row.outcome for row in stored(app, PatreonDelivery)} == {"failed"}
    assert stored(app, PatreonMember) == []
