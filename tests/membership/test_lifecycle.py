"""Renewals and failed payments, driven by the emulator's clock: past due, grace, ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.extensions import db
from engagement.membership.models import voting_rights
from engagement.notifications.models import Email
from tests.support.emulator import control

from .conftest import join, membership_of


def _advance(emulator, subscription_id, outcome):
    result = control(
        emulator, "clock/advance", {"subscription": subscription_id, "outcome": outcome}
    )
    assert emulator.wait_idle(30)
    return result


def _mails(app, kind):
    with app.app_context():
        return [e.recipients for e in db.session.scalars(select(Email).where(Email.kind == kind))]


def test_renewal_moves_the_period_on(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="renew@example.org")
    first = membership_of(app, "renew@example.org")
    _advance(stripe_live, first.stripe_subscription_id, "paid")
    renewed = membership_of(app, "renew@example.org")
    assert renewed.status == "active"
    assert renewed.current_period_end > first.current_period_end + timedelta(days=27)
    assert renewed.access_until == renewed.current_period_end
    assert _mails(app, "membership_welcome") == ["renew@example.org"]


def test_failed_payment_past_due_grace_then_ended(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="late@example.org")
    paid = membership_of(app, "late@example.org")
    paid_through = paid.current_period_end

    _advance(stripe_live, paid.stripe_subscription_id, "failed")
    late = membership_of(app, "late@example.org")
    assert late.status == "past_due"
    assert late.access_until == paid_through + timedelta(days=7)
    assert late.grants_access(paid_through + timedelta(days=6))
    assert not late.grants_access(paid_through + timedelta(days=8))
    with app.app_context():
        from engagement.accounts.models import Patron

        patron = db.session.scalar(select(Patron).where(Patron.email == "late@example.org"))
        assert voting_rights(patron, paid_through + timedelta(days=3))
        assert not voting_rights(patron, paid_through + timedelta(days=9))
        failed = db.session.scalar(select(Email).where(Email.kind == "membership_payment_failed"))
        assert failed.recipients == "late@example.org"
        assert "/account" in failed.text_body and "update your card" in failed.html_body.lower()

    _advance(stripe_live, paid.stripe_subscription_id, "failed")
    _advance(stripe_live, paid.stripe_subscription_id, "failed")  # third failure: Stripe cancels
    ended = membership_of(app, "late@example.org")
    assert ended.status == "canceled" and ended.ended_at is not None
    assert ended.cancellation_reason == "payment_failed"
    assert not ended.grants_access(ended.ended_at)
    # one mail per unpaid invoice, however often Stripe retries it
    assert _mails(app, "membership_payment_failed") == ["late@example.org"]
    assert _mails(app, "membership_ended") == ["late@example.org"]


def test_recovered_payment_restores_access(app, forms, stripe_live, coffee):
    join(forms, stripe_live, email="recover@example.org")
    sub = membership_of(app, "recover@example.org").stripe_subscription_id
    _advance(stripe_live, sub, "failed")
    assert membership_of(app, "recover@example.org").status == "past_due"
    _advance(stripe_live, sub, "paid")
    back = membership_of(app, "recover@example.org")
    assert back.status == "active" and back.access_until == back.current_period_end
    assert _mails(app, "membership_welcome") == ["recover@example.org"]


def test_cancel_at_period_end_keeps_access_and_tells_editors(app, forms, stripe_live, coffee, auth):
    auth.create("editor", "desk@example.org")
    with app.app_context():
        from engagement.accounts.models import Editor
        from engagement.notifications.preferences import set_mode

        set_mode(db.session.scalar(select(Editor)), "patron", "instant")
        db.session.commit()
    join(forms, stripe_live, email="leaving@example.org")
    sub = membership_of(app, "leaving@example.org").stripe_subscription_id
    import stripe

    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_live.url})
    sc.v1.subscriptions.update(sub, params={"cancel_at_period_end": True})
    assert stripe_live.wait_idle(20)
    leaving = membership_of(app, "leaving@example.org")
    assert leaving.cancel_at_period_end and leaving.status == "active"
    assert leaving.grants_access(leaving.current_period_end - timedelta(hours=1))
    assert _mails(app, "patron_new") == ["desk@example.org"]
    assert _mails(app, "patron_cancellation") == ["desk@example.org"]
    _advance(stripe_live, sub, "paid")  # the period ends: Stripe deletes the subscription
    assert membership_of(app, "leaving@example.org").status == "canceled"
    assert _mails(app, "patron_cancellation") == ["desk@example.org"] * 2
