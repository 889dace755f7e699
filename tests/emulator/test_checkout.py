"""Hosted checkout: test cards, the objects it creates, the events in Stripe's order."""

import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from tests.support.emulator import call

from .conftest import make_price


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_form(url, fields):
    """POST a form without following redirects; return (status, headers, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode(fields).encode()
    try:
        with opener.open(url, data=data, timeout=10) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def get_page(url):
    """GET a page; return its HTML."""
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read().decode()


def _subscription_session(client, price, **extra):
    params = {
        "mode": "subscription",
        "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "https://app.example/billing/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example/pricing",
        "client_reference_id": "user-7",
        "metadata": {"tier": "pro"},
        "subscription_data": {"metadata": {"user_id": "7"}},
    }
    params.update(extra)
    return client.v1.checkout.sessions.create(params=params)


def test_subscription_checkout_via_page(client, emu):
    price = make_price(client, 1000)
    cs = _subscription_session(client, price, customer_email="buyer@example.com")
    assert cs.status == "open" and cs.url == f"{emu.url}/checkout/{cs.id}"
    html = get_page(cs.url)
    assert 'for="card_number">Card number</label>' in html and ">Pay</button>" in html
    assert "Pro ($10.00/month)" in html
    assert "<script" not in html and f'<form method="post" action="/checkout/{cs.id}">' in html

    status, _, body = post_form(cs.url, {"card_number": "4000000000000002"})
    assert status == 402 and "Your card was declined." in body
    assert client.v1.checkout.sessions.retrieve(cs.id).status == "open"

    status, headers, _ = post_form(cs.url, {"test_card": "4242424242424242"})
    assert status == 303
    assert headers["Location"] == f"https://app.example/billing/done?session_id={cs.id}"

    done = client.v1.checkout.sessions.retrieve(cs.id, params={"expand": ["subscription"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.customer_details.email == "buyer@example.com"
    sub = done.subscription
    assert sub.status == "active" and sub.metadata.to_dict() == {"user_id": "7"}
    item = sub["items"].data[0]
    assert item.price.id == price.id and item.current_period_end > item.current_period_start
    invoices = client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [i.status for i in invoices] == ["paid"]
    assert invoices[0].parent.subscription_details.subscription == sub.id
    assert [e["type"] for e in emu.events()][-7:] == [
        "customer.created",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ]


def test_email_field_when_no_email_known(client, emu):
    cs = _subscription_session(client, make_price(client))
    assert 'for="email">Email</label>' in get_page(cs.url)
    status, _, body = post_form(cs.url, {"card_number": "4242424242424242"})
    assert status == 402 and "Enter your email" in body
    status, _, _ = post_form(
        cs.url, {"card_number": "4242 4242 4242 4242", "email": "typed@example.com"}
    )
    assert status == 303
    cust = client.v1.customers.retrieve(client.v1.checkout.sessions.retrieve(cs.id).customer)
    assert cust.email == "typed@example.com"


def test_existing_customer_is_reused(client, emu):
    cust = client.v1.customers.create(params={"email": "known@example.com"})
    cs = _subscription_session(client, make_price(client), customer=cust.id)
    assert post_form(cs.url, {"card_number": "4242424242424242"})[0] == 303
    assert client.v1.checkout.sessions.retrieve(cs.id).customer == cust.id
    assert len(emu.events("customer.created")) == 1


def test_payment_mode_with_price_data_and_refund(client, emu):
    cs = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "customer_email": "pay@example.com",
            "success_url": "https://app.example/ok",
            "payment_intent_data": {"metadata": {"o": "9"}},
            "line_items": [
                {
                    "quantity": 2,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 750,
                        "product_data": {"name": "Credits"},
                    },
                }
            ],
        }
    )
    assert cs.amount_total == 1500
    assert post_form(cs.url, {"card_number": "4242424242424242"})[0] == 303
    done = client.v1.checkout.sessions.retrieve(cs.id, params={"expand": ["payment_intent"]})
    pi = done.payment_intent
    assert pi.status == "succeeded" and pi.amount == 1500 and pi.metadata.to_dict() == {"o": "9"}
    assert [e["type"] for e in emu.events()][-3:] == [
        "payment_intent.succeeded",
        "charge.succeeded",
        "checkout.session.completed",
    ]
    refund = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
    assert refund.amount == 500 and refund.status == "succeeded"
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert charge.amount_refunded == 500 and charge.refunded is False
    assert emu.events("charge.refunded")[-1]["data"]["object"]["id"] == charge.id
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"charge": charge.id, "amount": 5000})


def test_expire_and_line_items(client, emu):
    cs = _subscription_session(client, make_price(client), customer_email="e@example.com")
    items = client.v1.checkout.sessions.line_items.list(cs.id)
    assert items.data[0].price.unit_amount == 1000
    expired = client.v1.checkout.sessions.expire(cs.id)
    assert expired.status == "expired"
    assert emu.events()[-1]["type"] == "checkout.session.expired"
    assert post_form(cs.url, {"card_number": "4242424242424242"})[0] == 402
    assert [s.id for s in client.v1.checkout.sessions.list().data] == [cs.id]


def test_mode_mismatch_rejected(client):
    one_time = make_price(client, 500, interval=None)
    with pytest.raises(stripe.InvalidRequestError):
        _subscription_session(client, one_time)


def test_pay_control_shortcut(client, emu):
    cs = _subscription_session(client, make_price(client), customer_email="c@example.com")
    status, body = call(emu, f"checkout/{cs.id}/pay", {"card": "4000000000000002"})
    assert status == 402 and body["error"]["code"] == "card_declined"
    status, body = call(emu, f"checkout/{cs.id}/pay", {"card": "4242424242424242"})
    assert status == 200 and body["session"]["status"] == "complete"
