"""A stateful Stripe v1 API emulator for development and tests (loopback only, never production)."""

import threading

from werkzeug.serving import make_server

from devtools import loopback

from .app import create_app
from .store import Store
from .webhooks import WebhookSender

__all__ = ["Emulator", "EmulatorRefused", "start_emulator", "check_environment", "check_host"]


class EmulatorRefused(loopback.Refused):
    """Raised when the environment or host is not safe for the emulator."""


def check_environment(environ=None) -> None:
    """Refuse to run unless ENGAGEMENT_ENV is development or test."""
    loopback.check_environment("The Stripe emulator", EmulatorRefused, environ)


def check_host(host: str) -> str:
    """Loopback only."""
    return loopback.check_host("The Stripe emulator", host, EmulatorRefused)


class Emulator:
    """A running emulator: .url, .store, .sender and test helpers."""

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        webhook_url=None,
        webhook_secret=None,
        initial_backoff=0.2,
        max_attempts=6,
        quiet=True,
    ):
        host = check_host(host)
        self.sender = WebhookSender(webhook_url, webhook_secret, initial_backoff, max_attempts)
        self.store = Store(on_event=self._on_event)
        self.app = create_app(self)
        handler = loopback.QuietHandler if quiet else None
        self.server = make_server(host, port, self.app, threaded=True, request_handler=handler)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.server.server_port}"
        self.port = self.server.server_port
        self._thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name="stripe-emulator"
        )

    def _on_event(self, event):
        event["pending_webhooks"] = 1 if self.sender.url else 0
        self.sender.enqueue(event)

    def start(self):
        """Serve in a daemon thread; return self."""
        self._thread.start()
        return self

    def set_webhook(self, url, secret, initial_backoff=None, max_attempts=None):
        """Send future (and queued) events to url, signed with secret."""
        self.sender.configure(
            url, secret, initial_backoff=initial_backoff, max_attempts=max_attempts
        )

    def wait_idle(self, timeout=10.0):
        """Return True once no webhook delivery is queued or in flight (False on timeout)."""
        return self.sender.wait_idle(timeout)

    def reset(self):
        """Forget all state (objects, events, deliveries, clock offset)."""
        with self.store.lock:
            self.store.reset()
            self.sender.clear()

    def events(self, type_=None):
        """Return stored events oldest first, optionally of one type."""
        with self.store.lock:
            evts = list(reversed(self.store.all("event")))
        return [e for e in evts if type_ is None or e["type"] == type_]

    def deliveries(self):
        """Return the webhook delivery log (one entry per attempt)."""
        with self.sender.cond:
            return list(self.sender.log)

    def stop(self):
        """Stop serving and stop the webhook sender."""
        self.sender.stop()
        self.server.shutdown()
        self.server.server_close()


def start_emulator(
    port=0,
    webhook_url=None,
    webhook_secret=None,
    host="127.0.0.1",
    initial_backoff=0.2,
    max_attempts=6,
):
    """Start an emulator in a background thread and return it (port=0 picks a free port)."""
    check_environment()
    return Emulator(host, port, webhook_url, webhook_secret, initial_backoff, max_attempts).start()
