"""`flask demo seed`: a demo admin and each feature's sample data; safe to run again."""

from __future__ import annotations

import click
from flask import Blueprint, current_app

from engagement.accounts import editors as accounts
from engagement.extensions import db

cli = Blueprint("demo", __name__, cli_group="demo")

DEMO_ADMIN_EMAIL = "admin@example.org"
DEMO_ADMIN_PASSWORD = "demo-admin-password"  # noqa: S105 - printed for the demo, development only


def _seeders():
    # Each feature's demo.py contributes functions() -> lines to print, run in this order.
    from engagement.corrections.demo import seed_corrections
    from engagement.membership.demo import seed_demo_patron, seed_patrons, seed_tiers
    from engagement.voting.demo import seed_demo_round

    return [seed_tiers, seed_patrons, seed_corrections, seed_demo_round, seed_demo_patron]


@cli.cli.command("seed")
def seed() -> None:
    """Create the demo admin and sample data (development only; running it twice is harmless)."""
    env = current_app.config["ENGAGEMENT_ENV"]
    if env not in ("development", "test"):
        raise click.ClickException(f"demo data is for development; ENGAGEMENT_ENV is {env}")
    lines = []
    if accounts.find_editor(DEMO_ADMIN_EMAIL) is None:
        accounts.create_editor(
            DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, role="admin", display_name="Demo Admin"
        )
    lines.append(f"Demo admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    for seeder in _seeders():
        lines.extend(seeder() or [])
    db.session.commit()
    for line in lines:
        click.echo(line)
