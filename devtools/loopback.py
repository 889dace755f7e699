"""What the development stand-ins share (the Stripe emulator, the Patreon stand-in): they run
only in development or tests, listen only on loopback, and log no requests of their own."""

from __future__ import annotations

import ipaddress
import os

from werkzeug.serving import WSGIRequestHandler

ALLOWED_ENVS = ("development", "test")


class Refused(RuntimeError):
    """The environment or the host is not safe for a stand-in."""


def check_environment(service: str, refused: type[Refused], environ=None) -> None:
    """Raise `refused` unless ENGAGEMENT_ENV is development or test (unset means production)."""
    env = (environ if environ is not None else os.environ).get("ENGAGEMENT_ENV")
    if env not in ALLOWED_ENVS:
        raise refused(
            f"{service} refuses to start: ENGAGEMENT_ENV is {env!r}. It only runs when "
            f"ENGAGEMENT_ENV is one of {', '.join(ALLOWED_ENVS)} "
            "(unset means production)."
        )


def check_host(service: str, host: str, refused: type[Refused]) -> str:
    """The host to bind, if it is a loopback address; raise `refused` otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise refused(f"{service} only listens on loopback, not on {host!r}.")


class QuietHandler(WSGIRequestHandler):
    """A request handler that logs nothing (the stand-ins print only what matters)."""

    def log_request(self, *args, **kwargs):
        pass
