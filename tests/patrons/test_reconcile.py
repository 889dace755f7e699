"""`flask stripe reconcile` mends what dropped webhooks left behind, and a second run changes
nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.membership.models import Membership
from engagement.membership.stripe_gateway import gateway
from engagement.notifications.models import Email
from tests.membership.conftest import join, membership_of
from tests.support.emulator import control


def _reconcile(runner):
    result = runner.invoke(args=["stripe", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output


def _drop_webhooks(emulator, action):
    """Run `action` while the emulator holds its webhooks, then throw them away.

    The action must have made Stripe send something: a test of missed webhooks where none
    was missed would prove nothing.
    """
    control(emulator, "webhooks/hold")
    try:
        result = action()
    finally:
        discarded = control(emulator, "webhooks/discard")["discarded"]
        emulator.wait_idle(20)
    assert discarded > 0, "the action sent no webhook, so none was dropped"
    return result


def test_reconcile_creates_a_membership_whose_webhooks_were_dropped(
    app, forms, runner, stripe_live, coffee
):
    _drop_webhooks(stripe_live, lambda: join(forms, stripe_live, email="lost@example.org"))
    assert membership_of(app, "lost@example.org") is None

    output = _reconcile(runner)
    assert "created membership, status active" in output and "1 change(s)." in output
    membership = membership_of(app, "lost@example.org")
    assert membership.status == "active" and membership.tier.slug == "coffee"
    assert membership.patron.stripe_customer_id.startswith("cus_")
    with app.app_context():  # the welcome mail the webhook would have queued
        assert (
            db.session.scalar(
                select(func.count(Email.id)).where(Email.kind == "membership_welcome")
            )
            == 1
        )

    assert _reconcile(runner).strip().endswith("No change.")
    with app.app_context():
        assert db.session.scalar(select(func.count(Membership.id))) == 1


def test_reconcile_mends_a_cancellation_and_an_email_change_it_missed(
    app, forms, runner, stripe_live, coffee
):
    join(forms, stripe_live, email="drift@example.org")
    membership = membership_of(app, "drift@example.org")
    assert membership.cancel_at_period_end is False
    customer_id = membership.patron.stripe_customer_id

    def change_in_stripe():
        with app.app_context():
            gw = gateway()
            gw.cancel_subscription_at_period_end(membership.stripe_subscription_id)
            gw.client.v1.customers.update(customer_id, params={"email": "new@example.org"})

    _drop_webhooks(stripe_live, change_in_stripe)
    assert membership_of(app, "drift@example.org").cancel_at_period_end is False

    output = _reconcile(runner)
    assert f"{membership.stripe_subscription_id} (" in output
    assert "cancel_at_period_end False -> True" in output
    assert f"{customer_id}: email drift@example.org -> new@example.org" in output
    assert membership_of(app, "new@example.org").cancel_at_period_end is True
    assert _reconcile(runner).strip().endswith("No change.")


def test_reconcile_leaves_an_erased_patrons_email_out(app, forms, runner, stripe_live, coffee):
    join(forms, stripe_live, email="private@example.org")
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == "private@example.org"))
        from engagement.accounts.account import erase_patron

        erase_patron(patron)
        db.session.commit()
    output = _reconcile(runner)
    assert "private@example.org" not in output
    with app.app_context():
        assert db.session.scalar(select(Patron.email)) is None


def test_reconcile_without_stripe_says_so(app, runner):
    app.config["STRIPE_SECRET_KEY"] = None
    app.extensions.pop("stripe_gateway", None)
    result = runner.invoke(args=["stripe", "reconcile"])
    assert result.exit_code != 0 and "Stripe is not configured" in result.output
