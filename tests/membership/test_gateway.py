"""The gateway's re-fetch, over real HTTP to the Stripe emulator: Stripe's JSON as plain dicts,
Stripe's errors as GatewayError, ids kept inside their path, and the outbound proxy worked out
from the environment once, when the client is built."""

from __future__ import annotations

import json
import urllib.request

import pytest
import stripe

from engagement.membership.stripe_gateway import Gateway, GatewayError
from tests.webclient import ReverseProxy

SECRET = "sk_test_membership"


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_shell(monkeypatch):
    """Each test sets the proxy variables it needs: none come from the shell's environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def subscription_id(app, emulator, coffee):
    """A paying member's subscription, as the emulator has it."""
    request = urllib.request.Request(
        f"{emulator.url}/_emulator/subscriptions",
        data=json.dumps(
            {"email": "member@example.org", "price": _monthly_price(app, coffee)}
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["subscription"]["id"]


def _monthly_price(app, tier_id: int) -> str:
    from engagement.extensions import db
    from engagement.membership.models import Tier

    with app.app_context():
        return db.session.get(Tier, tier_id).stripe_monthly_price_id


def _as_stripe_has_it(emulator, path: str) -> dict:
    request = urllib.request.Request(
        f"{emulator.url}{path}", headers={"Authorization": f"Bearer {SECRET}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def forward_proxy(emulator):
    """An HTTP proxy on loopback that forwards to the emulator; stopped after the test."""
    proxy = ReverseProxy(emulator.url).start()
    yield proxy
    proxy.stop()


def _only_plain(value) -> bool:
    # JSON's own types all the way down: no StripeObject (a dict subclass) anywhere.
    if isinstance(value, dict):
        return not isinstance(value, stripe.StripeObject) and all(
            _only_plain(item) for item in value.values()
        )
    if isinstance(value, list):
        return all(_only_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def test_a_subscription_comes_back_as_stripe_sent_it_in_plain_dicts(emulator, subscription_id):
    gateway = Gateway(SECRET, emulator.url)
    fetched = gateway.retrieve_subscription(subscription_id)
    assert fetched == _as_stripe_has_it(emulator, f"/v1/subscriptions/{subscription_id}")
    assert fetched["object"] == "subscription" and fetched["items"]["data"][0]["price"]["id"]
    assert _only_plain(fetched)
    customer = gateway.retrieve_customer(fetched["customer"])
    assert customer["email"] == "member@example.org" and _only_plain(customer)


def test_an_unknown_id_is_missing_and_an_odd_one_stays_in_its_path(emulator, subscription_id):
    gateway = Gateway(SECRET, emulator.url)
    with pytest.raises(GatewayError) as unknown:
        gateway.retrieve_subscription("sub_unknown")
    assert unknown.value.missing and unknown.value.status == 404
    # "../customers/..." must not reach another resource: the id is one quoted path segment.
    customer = gateway.retrieve_subscription(subscription_id)["customer"]
    with pytest.raises(GatewayError) as odd:
        gateway.retrieve_subscription(f"../customers/{customer}")
    assert odd.value.missing


def test_a_refused_key_is_a_gateway_error(emulator, subscription_id):
    with pytest.raises(GatewayError) as refused:
        Gateway("sk_live_not_a_test_key", emulator.url).retrieve_subscription(subscription_id)
    assert refused.value.status == 401 and not refused.value.missing


def test_the_proxy_is_read_from_the_environment_when_the_client_is_built(
    emulator, subscription_id, forward_proxy, monkeypatch
):
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("http_proxy", forward_proxy.url)
    proxied = Gateway(SECRET, emulator.url)
    assert proxied.retrieve_subscription(subscription_id)["id"] == subscription_id
    assert forward_proxy.seen == [f"{emulator.url}/v1/subscriptions/{subscription_id}"]

    # NO_PROXY names the API's host: a client built now goes straight there...
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    direct = Gateway(SECRET, emulator.url)
    assert direct.retrieve_subscription(subscription_id)["id"] == subscription_id
    # ...and the client built before keeps the proxy it was given (no lookup per request).
    proxied.retrieve_subscription(subscription_id)
    assert len(forward_proxy.seen) == 2


def test_the_app_starts_without_stripes_library_and_loads_it_on_first_use(tmp_path):
    """A worker that never calls Stripe never pays for its library (about 6 MB a process):
    the app is built and serves a page without it; the first webhook verification loads it."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys\n"
        "from engagement import create_app\n"
        "app = create_app()\n"
        "assert app.test_client().get('/healthz').status_code == 200\n"
        "print('after a page:', 'stripe' in sys.modules)\n"
        "answer = app.test_client().post('/stripe/webhook', data=b'{}',\n"
        "    headers={'Stripe-Signature': 't=1,v1=00'})\n"
        "print('after a webhook:', answer.status_code, 'stripe' in sys.modules)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ENGAGEMENT_ENV": "test",
        "SECRET_KEY": "gateway-import",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'import.sqlite'}",
        "STRIPE_WEBHOOK_SECRET": "whsec_import",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["after a page: False", "after a webhook: 400 True"]
