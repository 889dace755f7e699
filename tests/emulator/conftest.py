"""Fixtures for the Stripe emulator tests: an emulator, a Stripe client, a webhook receiver."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from devtools.stripe_emulator import start_emulator
from tests.support.emulator import call

WEBHOOK_SECRET = "whsec_test_emulator"


@pytest.fixture(scope="session")
def emulator_server():
    """One emulator for the session (ENGAGEMENT_ENV=test only while starting)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ENGAGEMENT_ENV", "test")
        emu = start_emulator(port=0, webhook_url=None, webhook_secret=None, initial_backoff=0.02)
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator_server):
    """The emulator, reset and without webhook endpoint."""
    emulator_server.reset()
    emulator_server.set_webhook(None, None, initial_backoff=0.02, max_attempts=6)
    emulator_server.store.failures_before_cancel = 3
    yield emulator_server
    emulator_server.wait_idle(5)


@pytest.fixture
def client(emu):
    """A stripe.StripeClient pointed at the emulator."""
    return stripe.StripeClient(
        "sk_test_emulator", base_addresses={"api": emu.url}, max_network_retries=0
    )


class Receiver:
    """A loopback HTTP server recording webhook requests; can fail the first N of them."""

    def __init__(self):
        self.requests = []
        self.fail_first = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                with outer.lock:
                    outer.requests.append((dict(self.headers), body))
                    failing = len(outer.requests) <= outer.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/stripe"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        """Return the verified events received, in arrival order."""
        with self.lock:
            reqs = list(self.requests)
        return [
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WEBHOOK_SECRET)
            for headers, body in reqs
        ]

    def types(self):
        """Return the types of the received events."""
        return [e["type"] for e in self.events()]


@pytest.fixture
def receiver(emu):
    """A webhook receiver registered with the emulator."""
    rec = Receiver()
    emu.set_webhook(rec.url, WEBHOOK_SECRET)
    yield rec
    emu.wait_idle(5)
    emu.set_webhook(None, None)
    rec.server.shutdown()
    rec.server.server_close()


def make_price(client, amount=1000, interval="month", name="Pro", lookup_key=None):
    """Create a product and a recurring (or one-time when interval is None) price."""
    params = {"product_data": {"name": name}, "currency": "usd", "unit_amount": amount}
    if interval:
        params["recurring"] = {"interval": interval}
    if lookup_key:
        params["lookup_key"] = lookup_key
    return client.v1.prices.create(params=params)


def subscribe(emu, price_id, email="user@example.com", metadata=None):
    """Create a paid subscription through the shortcut control; return its JSON."""
    status, body = call(
        emu, "subscriptions", {"email": email, "price": price_id, "metadata": metadata or {}}
    )
    assert status == 200, body
    return body
