"""Signed, ordered, retrying webhook delivery with hold/release controls and a delivery log."""

import hashlib
import hmac
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque


def sign(payload, secret, timestamp=None):
    """Return the Stripe-Signature header value for payload (str) signed with secret."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class WebhookSender:
    """Delivers events in order from a background thread, retrying with exponential backoff."""

    def __init__(self, url=None, secret=None, initial_backoff=0.2, max_attempts=6, timeout=10.0):
        self.url, self.secret = url, secret
        self.initial_backoff, self.max_attempts = initial_backoff, max_attempts
        self.timeout = timeout
        self.cond = threading.Condition()
        self.queue = deque()
        self.held = []
        self.holding = False
        self.busy = 0
        self.log = []
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="stripe-emu-webhooks", daemon=True)
        self.thread.start()

    def configure(self, url=None, secret=None, **settings):
        """Set the endpoint and optionally initial_backoff / max_attempts / timeout."""
        with self.cond:
            self.url, self.secret = url, secret
            for key, value in settings.items():
                if value is not None and key in ("initial_backoff", "max_attempts", "timeout"):
                    setattr(self, key, type(getattr(self, key))(value))

    def enqueue(self, event):
        """Queue an event for delivery (or hold it while holding); no endpoint means no delivery."""
        with self.cond:
            if self.holding:
                self.held.append(event)
            elif self.url:
                self.queue.append(event)
                self.cond.notify_all()

    def hold(self):
        """Queue new events instead of delivering them."""
        with self.cond:
            self.holding = True

    def discard(self):
        """Drop held events (missed webhooks) and stop holding; return how many."""
        with self.cond:
            dropped, self.held, self.holding = len(self.held), [], False
            return dropped

    def release(self, order="as_is", seed=None, duplicates=None, threads=1, keep_holding=False):
        """Deliver held events in the given order, optionally duplicated and concurrently."""
        rng = random.Random(seed)
        with self.cond:
            events, self.held = self.held, []
            self.holding = bool(keep_holding)
        if order == "reverse":
            events.reverse()
        elif order == "random":
            rng.shuffle(events)
        elif order != "as_is":
            raise ValueError("order must be as_is, reverse or random")
        if duplicates:
            low, high = int(duplicates[0]), int(duplicates[-1])
            events = [e for e in events for _ in range(rng.randint(low, high))]
        threads = max(1, int(threads or 1))
        if threads == 1:
            with self.cond:
                self.queue.extend(events)
                self.cond.notify_all()
            return len(events)
        with self.cond:
            self.busy += threads
        chunks = [events[i::threads] for i in range(threads)]
        for chunk in chunks:
            threading.Thread(target=self._deliver_chunk, args=(chunk,), daemon=True).start()
        return len(events)

    def _deliver_chunk(self, events):
        try:
            for event in events:
                self._deliver(event)
        finally:
            with self.cond:
                self.busy -= 1
                self.cond.notify_all()

    def redeliver(self, event):
        """Queue one event for delivery again, even while holding."""
        with self.cond:
            self.queue.append(event)
            self.cond.notify_all()

    def pending(self):
        """Return how many events are queued or being delivered (held events excluded)."""
        with self.cond:
            return len(self.queue) + self.busy

    def wait_idle(self, timeout=10.0):
        """Block until nothing is queued or in flight; return True if idle in time."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.queue or self.busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def clear(self):
        """Forget queued, held and logged deliveries."""
        with self.cond:
            self.queue.clear()
            self.held, self.log, self.holding = [], [], False

    def stop(self):
        """Stop the background thread."""
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def _run(self):
        while True:
            with self.cond:
                while not self.queue and not self.stopped:
                    self.cond.wait()
                if self.stopped:
                    return
                event = self.queue.popleft()
                self.busy += 1
            try:
                self._deliver(event)
            finally:
                with self.cond:
                    self.busy -= 1
                    self.cond.notify_all()

    def _deliver(self, event):
        """POST one event, retrying on non-2xx or connection errors; log every attempt."""
        with self.cond:
            url, secret = self.url, self.secret
            backoff, attempts = self.initial_backoff, self.max_attempts
        if not url:
            self._record(event, None, 0, None, "no webhook url configured")
            return False
        payload = json.dumps(event, indent=2)
        for attempt in range(1, attempts + 1):
            status, error = self._post(url, payload, secret)
            self._record(event, url, attempt, status, error)
            if status is not None and 200 <= status < 300:
                return True
            if attempt < attempts and not self.stopped:
                time.sleep(backoff)
                backoff *= 2
        return False

    def _post(self, url, payload, secret):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if secret:
            headers["Stripe-Signature"] = sign(payload, secret)
        req = urllib.request.Request(url, data=payload.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return None, str(getattr(exc, "reason", exc))

    def _record(self, event, url, attempt, status, error):
        ok = status is not None and 200 <= status < 300
        with self.cond:
            self.log.append(
                {
                    "event": event["id"],
                    "type": event["type"],
                    "url": url,
                    "attempt": attempt,
                    "status": status,
                    "ok": ok,
                    "error": error,
                    "at": time.time(),
                }
            )
