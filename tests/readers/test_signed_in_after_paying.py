"""Signed in after paying (issue 15, section 3): only the browser that started the Checkout,
only a patron the checkout made, once, within 30 minutes, after asking Stripe."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Patron
from engagement.extensions import db
from engagement.membership import thanks
from engagement.membership.stripe_gateway import gateway
from tests.membership.conftest import pay, start_checkout
from tests.patrons.conftest import make_patron


def _pay_as_a_reader(forms, emulator, email="new@example.org", data=None):
    """Join Coffee from /support without an address (Checkout asks), pay; the thanks path."""
    response = start_checkout(
        forms, data or {"kind": "membership", "tier": "coffee", "interval": "month"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    status, headers, body = pay(response.headers["Location"], email=email)
    assert status == 303, body
    assert emulator.wait_idle(20)
    return "/" + headers["Location"].split("/", 3)[3]


def test_the_new_patron_is_signed_in_on_the_thanks_page(client, forms, stripe_live, coffee):
    assert client.get("/account").status_code == 302
    thanks_path = _pay_as_a_reader(forms, stripe_live)
    html = client.get(thanks_path).get_data(as_text=True)
    assert "Welcome, co-creator!" in html
    assert "You are signed in as <strong>new@example.org</strong>" in html
    assert 'href="/topics">Vote on what we cover next</a>' in html
    account = client.get("/account")
    assert account.status_code == 200 and "new@example.org" in account.get_data(as_text=True)


def test_a_leaked_thanks_url_signs_nobody_in_elsewhere(app, client, forms, stripe_live, coffee):
    thanks_path = _pay_as_a_reader(forms, stripe_live)
    stranger = app.test_client()
    html = stranger.get(thanks_path).get_data(as_text=True)
    assert "Welcome, co-creator!" in html and "You are signed in" not in html
    assert stranger.get("/account").status_code == 302


def test_a_checkout_signs_in_once_even_with_the_old_cookie_replayed(
    app, client, forms, stripe_live, coffee
):
    thanks_path = _pay_as_a_reader(forms, stripe_live)
    before = client.get_cookie("session").value  # the cookie holding the checkout's id
    assert "You are signed in" in client.get(thanks_path).get_data(as_text=True)
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert "You are signed in" not in replay.get(thanks_path).get_data(as_text=True)
    assert replay.get("/account").status_code == 302


def test_an_address_that_was_a_patron_before_is_not_signed_in_by_paying(
    app, client, forms, stripe_live, coffee
):
    """Anyone can type anyone's address at Checkout: that proves nothing about the person."""
    make_patron(app, email="known@example.org")
    stripe_live.store.clock_offset = 10  # the checkout starts 10 s after the patron existed
    thanks_path = _pay_as_a_reader(forms, stripe_live, email="known@example.org")
    html = client.get(thanks_path).get_data(as_text=True)
    assert "Welcome, co-creator!" in html and "You are signed in" not in html
    assert "Sign in to your account" in html
    assert client.get("/account").status_code == 302


def test_the_window_closes_30_minutes_after_the_checkout_was_created(
    app, client, forms, stripe_live, coffee
):
    thanks_path = _pay_as_a_reader(forms, stripe_live)
    session_id = thanks_path.split("session_id=")[1]
    with app.app_context():
        created = gateway().retrieve_checkout_session(session_id)["created"]
        from engagement.membership.stripe_sync import from_timestamp

        start = from_timestamp(created)
        assert thanks.verify_checkout(gateway(), session_id, start + timedelta(minutes=29))
        assert thanks.verify_checkout(gateway(), session_id, start + timedelta(minutes=31)) is None
        assert thanks.verify_checkout(gateway(), "cs_test_nope", start) is None


def test_an_unpaid_checkout_signs_nobody_in(app, forms, emulator, coffee):
    response = start_checkout(forms, {"kind": "membership", "tier": "coffee", "interval": "month"})
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        checkout = gateway().retrieve_checkout_session(session_id)
        from engagement.membership.stripe_sync import from_timestamp

        now = from_timestamp(checkout["created"])
        assert thanks.verify_checkout(gateway(), session_id, now) is None
        assert db.session.scalar(select(Patron)) is None


def test_a_signed_in_patron_pays_with_their_own_address_prefilled(
    app, client, forms, stripe_live, coffee
):
    import stripe

    client.get(_pay_as_a_reader(forms, stripe_live))  # signed in by the first payment
    assert client.get("/support").get_data(as_text=True).count("new@example.org") == 1
    response = start_checkout(forms, {"kind": "gift", "gift_preset": "1000"})
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    sc = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_live.url})
    checkout = sc.v1.checkout.sessions.retrieve(session_id)
    assert checkout.customer and checkout.customer.startswith("cus_")
