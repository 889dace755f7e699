"""Complimentary memberships: granted by admins to an email, for months or without end,
revocable, on record, and giving the vote when the tier does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.grants import add_months
from engagement.membership.models import Membership, voting_rights

from .conftest import make_patron


def _tier(app, name, voting):
    with app.app_context():
        tier = tier_service.save_tier(
            None,
            name=name,
            description="",
            monthly_amount=500,
            yearly_amount=None,
            currency="eur",
            grants_voting=voting,
            position=0,
            active=True,
        )
        db.session.commit()
        return tier.id


def _grant(forms, email, tier_id, months="", reason="Press partner"):
    return forms.post(
        "/newsroom/patrons/grant",
        {"email": email, "tier": str(tier_id), "months": months, "reason": reason},
    )


def _memberships(app, email):
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == email))
        rows = db.session.scalars(
            select(Membership).where(Membership.patron_id == patron.id).order_by(Membership.id)
        ).all()
        return (
            patron,
            rows,
            [voting_rights(patron), voting_rights(patron, utcnow() + timedelta(days=400))],
        )


def test_an_admin_grants_a_tier_to_a_new_email_for_some_months(app, auth, forms, client):
    tier_id = _tier(app, "Friends", voting=True)
    auth.login("admin")
    response = _grant(forms, "Guest@Example.org", tier_id, months="6", reason="Our <b>partner</b>")
    assert response.status_code == 303
    patron, [membership], votes = _memberships(app, "guest@example.org")
    assert membership.source == "grant" and membership.status == "active"
    assert membership.grant_reason == "Our <b>partner</b>" and membership.granted_by_id
    assert membership.access_until.date() == add_months(membership.started_at, 6).date()
    assert votes == [True, False]  # votes now, not after the six months
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Granted by Admin: Our &lt;b&gt;partner&lt;/b&gt;" in page


def test_a_grant_without_end_lasts_and_can_be_revoked(app, auth, forms, client):
    tier_id = _tier(app, "Friends", voting=True)
    patron_id = make_patron(app, "known@example.org")
    auth.login("admin")
    assert _grant(forms, "known@example.org", tier_id).status_code == 303
    patron, [membership], votes = _memberships(app, "known@example.org")
    assert patron.id == patron_id and membership.access_until is None
    assert votes == [True, True]

    again = _grant(forms, "known@example.org", tier_id)
    assert again.status_code == 409
    assert "revoke it first" in again.get_data(as_text=True)

    page = f"/newsroom/patrons/{patron_id}"
    revoked = forms.post(f"/newsroom/patrons/{patron_id}/grants/{membership.id}/revoke", page=page)
    assert revoked.status_code == 303
    _, [membership], votes = _memberships(app, "known@example.org")
    assert membership.revoked_at is not None and membership.ended_at is not None
    assert votes == [False, False]
    assert "cancel" in client.get(page).get_data(as_text=True)
    # A new grant is possible once the old one is revoked.
    assert _grant(forms, "known@example.org", tier_id, months="1").status_code == 303


def test_a_grant_of_a_tier_without_voting_gives_no_vote(app, auth, forms):
    tier_id = _tier(app, "Readers", voting=False)
    auth.login("admin")
    assert _grant(forms, "reader@example.org", tier_id).status_code == 303
    _, [membership], votes = _memberships(app, "reader@example.org")
    assert membership.grants_access(utcnow())
    assert votes == [False, False]


def test_bad_grants_are_refused_beside_the_field(app, auth, forms):
    tier_id = _tier(app, "Friends", voting=True)
    auth.login("admin")
    bad_email = _grant(forms, "nobody", tier_id)
    assert bad_email.status_code == 422
    assert "Enter a valid email address." in bad_email.get_data(as_text=True)
    bad_months = _grant(forms, "a@example.org", tier_id, months="0")
    assert bad_months.status_code == 422 and 'id="months-error"' in bad_months.get_data(
        as_text=True
    )
    no_reason = _grant(forms, "a@example.org", tier_id, reason="")
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Membership)) is None


def test_only_admins_grant(app, auth, client):
    auth.login("editor")
    assert client.get("/newsroom/patrons/grant").status_code == 403


def test_add_months_keeps_the_day_or_takes_the_months_last():
    start = utcnow().replace(year=2026, month=1, day=31)
    assert add_months(start, 1).date().isoformat() == "2026-02-28"
    assert add_months(start, 13).date().isoformat() == "2027-02-28"
    assert add_months(start, -2).date().isoformat() == "2025-11-30"


def test_demo_seed_makes_a_patron_with_a_grant_once(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert "Demo patron: patron@example.org" in result.output
    patron, rows, votes = _memberships(app, "patron@example.org")
    assert [m.source for m in rows] == ["grant"] and votes == [True, True]
