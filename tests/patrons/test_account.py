"""/account: what the emulator holds, the billing portal, reports, data download and erasure."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime

from flask import Blueprint
from sqlalchemy import select

from engagement import create_app
from engagement.accounts import account
from engagement.accounts.models import Patron
from engagement.corrections.models import Correction, Report
from engagement.extensions import db
from engagement.membership.models import Donation
from engagement.membership.stripe_gateway import gateway
from tests.conftest import csrf_token_from
from tests.membership.conftest import join, membership_of

from .conftest import link_tokens, make_patron


def _subscription(app, customer_id):
    with app.app_context():
        [subscription] = gateway().list_subscriptions(customer_id=customer_id)
        return subscription


def _add_report(app, email=None, patron_id=None, status="in_review", quote="the wrong year"):
    with app.app_context():
        correction = Correction(
            article_url="https://news.example.org/a",
            article_host="news.example.org",
            quote_exact=quote,
            quote_key="k" * 64,
            anchor_key=quote[:10].ljust(64, "x"),
            status=status,
            report_count=1,
        )
        db.session.add(correction)
        db.session.flush()
        db.session.add(
            Report(
                correction_id=correction.id,
                quote_exact=quote,
                page_url="https://news.example.org/a",
                title="An article",
                email=email,
                patron_id=patron_id,
                comment="It was 1999.",
            )
        )
        db.session.commit()


def test_account_needs_a_signed_in_patron(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_account_shows_what_the_emulator_holds(
    app, forms, client, stripe_live, coffee, patron_session
):
    join(forms, stripe_live, email="member@example.org", interval="year")
    patron_session.sign_in("member@example.org")
    membership = membership_of(app, "member@example.org")
    subscription = _subscription(app, membership.patron.stripe_customer_id)
    assert subscription["status"] == "active"

    html = client.get("/account").get_data(as_text=True)
    assert "Coffee" in html
    assert '<dd class="membership-status">Active</dd>' in html
    period_end = subscription["items"]["data"][0]["current_period_end"]
    shown = datetime.fromtimestamp(period_end, UTC)
    assert f'<time datetime="{shown.isoformat()}">{shown.strftime("%-d %B %Y")}</time>' in html
    assert "Next charge" in html and "(€30)" in html
    assert 'value="Manage billing"' in html


def test_billing_opens_the_stripe_portal_for_the_patron(
    app, forms, client, stripe_live, coffee, patron_session
):
    join(forms, stripe_live, email="portal@example.org")
    patron_session.sign_in("portal@example.org")
    response = forms.post("/account/billing", page="/account")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(stripe_live.url + "/portal/bps_")
    with app.app_context():
        customer = db.session.scalar(
            select(Patron.stripe_customer_id).where(Patron.email == "portal@example.org")
        )
    portal = urllib.request.urlopen(location, timeout=10).read().decode()
    assert "portal@example.org" in portal and "Cancel at period end" in portal
    assert customer


def test_billing_without_a_stripe_customer_says_so(app, forms, client, patron_session):
    make_patron(app, "granted@example.org")
    patron_session.sign_in("granted@example.org")
    response = forms.post("/account/billing", page="/account")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account")
    assert "no payment with us" in client.get("/account").get_data(as_text=True)


def test_account_lists_the_patrons_reports_and_their_states(app, client, patron_session):
    patron_id = make_patron(app, "reader@example.org")
    _add_report(app, email="reader@example.org", status="corrected", quote="the wrong <year>")
    _add_report(app, patron_id=patron_id, status="in_review", quote="a misspelt name")
    _add_report(app, email="someone-else@example.org", quote="not theirs")
    patron_session.sign_in("reader@example.org")
    html = client.get("/account").get_data(as_text=True)
    assert "the wrong &lt;year&gt;" in html and ">Corrected</span>" in html
    assert "a misspelt name" in html and ">Being checked</span>" in html
    assert "not theirs" not in html
    assert "My votes and what they led to" in html


def test_the_account_page_shows_each_features_section_in_order(app, client, patron_session):
    make_patron(app, "sections@example.org")
    patron_session.sign_in("sections@example.org")
    html = client.get("/account").get_data(as_text=True)
    headings = re.findall(r'<h2 id="[a-z-]+">([^<]+)</h2>', html)
    assert headings == [
        "Membership",
        "Gifts",
        "My correction reports",
        "My votes and what they led to",
        "Language",
        "Where you are signed in",
        "Your data",
    ]
    assert '<li><a href="/account">Your account</a></li>' in html  # the footer, signed in
    keys = [section.key for section in account.sections_of(app)]
    assert keys == ["membership", "gifts", "reports", "votes", "language"]


def test_a_section_registered_on_a_blueprint_shows_only_in_its_own_app(app, app_config):
    extra = Blueprint("extra_account_section", __name__)
    account.register_section(extra, "extra", "accounts/erased.html", order=5)
    other = create_app(app_config)
    other.register_blueprint(extra)
    assert [s.key for s in account.sections_of(other)][0] == "extra"
    assert "extra" not in [s.key for s in account.sections_of(app)]


def test_download_my_data_holds_memberships_donations_and_reports(
    app, client, forms, stripe_live, coffee, patron_session
):
    join(forms, stripe_live, email="data@example.org")
    membership = membership_of(app, "data@example.org")
    with app.app_context():
        db.session.add(Donation(patron_id=membership.patron_id, amount=1500, currency="eur"))
        db.session.commit()
    _add_report(app, email="data@example.org")
    patron_session.sign_in("data@example.org")
    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["patron"]["email"] == "data@example.org"
    assert data["memberships"][0]["tier"] == "Coffee"
    assert data["memberships"][0]["stripe_subscription_id"] == membership.stripe_subscription_id
    assert data["donations"][0]["amount"] == 1500
    assert data["reports"][0]["quote"] == "the wrong year"
    assert data["reports"][0]["state"] == "in_review"


def test_deleting_my_data_takes_two_confirmations(
    app, client, forms, stripe_live, coffee, patron_session, smtp_sink
):
    join(forms, stripe_live, email="erase@example.org")
    _add_report(app, email="erase@example.org")
    patron_session.sign_in("erase@example.org")

    first = forms.post("/account/delete", page="/account")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "stop renewing" in page and "I understand" in page
    csrf = csrf_token_from(page)
    unticked = client.post("/account/delete/confirm", data={"csrf_token": csrf})
    assert unticked.status_code == 422
    assert "Tick the box to confirm." in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Patron.email).where(Patron.email == "erase@example.org"))

    done = client.post("/account/delete/confirm", data={"csrf_token": csrf, "understood": "y"})
    assert done.status_code == 200 and "Your data is deleted" in done.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # signed out

    membership = membership_of(app, "erase@example.org")
    assert membership is None  # nobody has that email any more
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.erased_at.is_not(None)))
        assert (patron.email, patron.name) == (None, "")
        assert patron.stripe_customer_id.startswith("cus_")
        report = db.session.scalar(select(Report))
        assert report.email is None and report.comment == "It was 1999."
        customer = patron.stripe_customer_id
    # Stripe keeps the subscription, set not to renew; the accounts keep their ids and amounts.
    subscription = _subscription(app, customer)
    assert subscription["cancel_at_period_end"] is True
    stripe_live.wait_idle(20)
    with app.app_context():
        from engagement.membership.models import Membership, StripeEvent
        from engagement.notifications.models import Email

        kept = db.session.scalar(select(Membership))
        assert kept.amount == 300 and kept.stripe_subscription_id == subscription["id"]
        # Neither the outbox nor the stored Stripe events keep the address.
        assert db.session.scalar(select(StripeEvent.id)) is not None
        for event in db.session.scalars(select(StripeEvent)):
            assert "erase@example.org" not in event.payload
        for mail in db.session.scalars(select(Email)):
            assert "erase@example.org" not in mail.recipients + mail.text_body + mail.html_body
    # The old address no longer gets a link.
    smtp_sink.clear()
    forms.post("/account/login", {"email": "erase@example.org"})
    assert link_tokens(app, smtp_sink, "erase@example.org") == []
