"""Fixtures for the readers' side: the membership tests' Stripe emulator wired to the app."""

from tests.membership.conftest import (  # noqa: F401 - fixtures shared with the membership tests
    app_config,
    coffee,
    stripe_live,
)
