"""Hosted billing portal: cancel at period end, resume, switch price, return link."""

import re
import urllib.request

from .conftest import make_price, subscribe
from .test_checkout import get_page, post_form


def _portal(client, emu, customer, return_url="https://app.example/account"):
    return client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": return_url}
    )


def test_portal_actions(client, emu):
    pro = make_price(client, 1000, name="Pro")
    team = make_price(client, 3000, name="Team", interval="year")
    archived = make_price(client, 500, name="Old")
    client.v1.prices.update(archived.id, params={"active": False})
    sub = subscribe(emu, pro.id)["subscription"]
    bps = _portal(client, emu, sub["customer"])
    assert bps.url == f"{emu.url}/portal/{bps.id}" and bps.object == "billing_portal.session"

    html = get_page(bps.url)
    assert ">Cancel at period end</button>" in html and ">Resume</button>" not in html
    assert ">Switch to Team ($30.00/year)</button>" in html and "Switch to Old" not in html
    assert '<a href="https://app.example/account">Return to app.example</a>' in html

    status, headers, _ = post_form(bps.url, {"subscription": sub["id"], "action": "cancel"})
    assert status == 303 and headers["Location"].startswith(f"/portal/{bps.id}")
    event = emu.events()[-1]
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["object"]["cancel_at_period_end"] is True
    assert event["data"]["previous_attributes"]["cancel_at_period_end"] is False
    html = get_page(bps.url)
    assert ">Resume</button>" in html

    post_form(bps.url, {"subscription": sub["id"], "action": "resume"})
    assert client.v1.subscriptions.retrieve(sub["id"]).cancel_at_period_end is False

    post_form(bps.url, {"subscription": sub["id"], "action": "switch", "price": team.id})
    current = client.v1.subscriptions.retrieve(sub["id"])
    assert current["items"].data[0].price.id == team.id
    prev = emu.events()[-1]["data"]["previous_attributes"]
    assert prev["items"]["data"][0]["price"]["id"] == pro.id
    with urllib.request.urlopen(f"{bps.url}?message=x") as resp:
        assert resp.status == 200


def test_portal_rejects_foreign_subscription(client, emu):
    price = make_price(client)
    mine = subscribe(emu, price.id, email="me@example.com")["subscription"]
    other = subscribe(emu, price.id, email="other@example.com")["subscription"]
    bps = _portal(client, emu, mine["customer"])
    status, _, body = post_form(bps.url, {"subscription": other["id"], "action": "cancel"})
    assert status == 400 and "Unknown subscription" in body
    assert not client.v1.subscriptions.retrieve(other["id"]).cancel_at_period_end
    assert len(re.findall(r"<section", get_page(bps.url))) == 1
