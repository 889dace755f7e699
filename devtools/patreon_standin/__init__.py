"""A small Patreon stand-in for development and tests (loopback only, never production).

It keeps one campaign's members, serves them as Patreon's API v2 members list (for
`flask patreon reconcile`), and sends member webhooks signed as Patreon signs them when a member
changes (through the JSON controls or the page at `/`).
"""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from devtools import loopback

from .app import create_app
from .store import Campaign, sign

__all__ = ["PatreonStandin", "StandinRefused", "Campaign", "sign", "start_standin"]


class StandinRefused(loopback.Refused):
    """The environment or the host is not safe for the stand-in."""


def check_environment(environ=None) -> None:
    """Refuse to run unless ENGAGEMENT_ENV is development or test."""
    loopback.check_environment("The Patreon stand-in", StandinRefused, environ)


def check_host(host: str) -> str:
    """Loopback only."""
    return loopback.check_host("The Patreon stand-in", host, StandinRefused)


class PatreonStandin:
    """A running stand-in: `.url`, `.campaign` (members, tiers, deliveries), `.stop()`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, quiet: bool = True, **campaign_settings
    ):
        host = check_host(host)
        self.campaign = Campaign(**campaign_settings)
        self.server = make_server(
            host,
            port,
            create_app(self.campaign),
            threaded=True,
            request_handler=loopback.QuietHandler if quiet else None,
        )
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, name="patreon-standin"
        )

    def start(self) -> PatreonStandin:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def start_standin(**settings) -> PatreonStandin:
    """Check the environment, start a stand-in on a free loopback port (by default)."""
    check_environment()
    return PatreonStandin(**settings).start()
