"""A local SMTP sink (aiosmtpd) for development and tests: it keeps and prints what it receives.

    python -m devtools.smtp_sink --port 8025

SIGUSR1 makes it print READY_LINE (what `make run` waits for before its banner).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import signal
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

READY_LINE = "SMTP sink: mails received from now on are printed"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.sink.refused_recipients:
            return "550 5.1.1 Mailbox unavailable"
        if address.lower() in self.sink.deferred_recipients:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        self.sink.record(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


def _parsed(content: bytes) -> EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


class SmtpSink:
    """An SMTP server on loopback that keeps every message it accepts.

    A message is parsed when it is first read (`messages`, `to`, `wait_for`), not while the
    server receives it: accepting costs what a real relay's accepting costs, so a benchmark of
    the outbox worker does not measure the email package's parser on the same cores.
    """

    def __init__(self, port: int | None = None, echo: bool = False, delay: float = 0.0):
        self.port = port or free_port()
        self.echo = echo
        self._parsed: list[EmailMessage] = []
        self._received: list[bytes] = []  # accepted, not parsed yet (they follow _parsed)
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused_recipients: set[str] = set()  # RCPT answered 550 (permanent)
        self.deferred_recipients: set[str] = set()  # RCPT answered 451 (try again later)
        self.delay = delay  # seconds to wait before accepting each message (a slow server)
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far, in order, parsed."""
        with self._lock:
            return self._all()

    def _all(self) -> list[EmailMessage]:
        # Under the lock: parse what arrived since the last read.
        if self._received:
            self._parsed.extend(_parsed(content) for content in self._received)
            self._received.clear()
        return self._parsed

    def record(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> None:
        """Keep one received message, as the bytes the client sent (called by the handler)."""
        with self._lock:
            self._received.append(content)
            self.envelopes.append((mail_from, rcpt_tos))
        if self.echo:
            message = _parsed(content)
            body = message.get_body(preferencelist=("plain",))
            print(f"--- mail to {', '.join(rcpt_tos)}: {message['Subject']}", flush=True)
            print(body.get_content() if body else "", flush=True)

    def start(self) -> SmtpSink:
        """Start listening on 127.0.0.1:port."""
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            ready_timeout=10,
            server_hostname="localhost",
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; later connections are refused until start() again."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        """Forget what was received."""
        with self._lock:
            self._parsed.clear()
            self._received.clear()
            self.envelopes.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._parsed) + len(self._received) >= count:
                    return list(self._all())
            time.sleep(0.02)
        raise TimeoutError(f"expected {count} mails, got {len(self.envelopes)}")

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header names the address."""
        with self._lock:
            return [m for m in self._all() if address.lower() in str(m["To"]).lower()]


def main() -> None:
    """Run the sink in the foreground, printing each message, until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl+C must not interrupt stop()
        signal.signal(signum, lambda *_: stop.set())
    # `make run` holds back what the sink printed until this line: the demo seed's mails.
    signal.signal(signal.SIGUSR1, lambda *_: print(READY_LINE, flush=True))
    sink = SmtpSink(port=args.port, echo=True).start()
    print(f"SMTP sink listening on 127.0.0.1:{sink.port}", flush=True)
    while not stop.wait(1):
        pass
    sink.stop()


if __name__ == "__main__":
    main()
