"""`flask stripe ...`: keep Stripe and the newsroom's records in step from the command line."""

from __future__ import annotations

import click
from flask import Blueprint

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.checkout import money
from engagement.membership.stripe_gateway import GatewayError, gateway

cli = Blueprint("stripe", __name__, cli_group="stripe")


@cli.cli.command("sync-tiers")
def sync_tiers() -> None:
    """Create or update the Stripe product and prices of every tier (by lookup key)."""
    gw = gateway()
    if not gw.configured:
        raise click.ClickException("Stripe is not configured: set STRIPE_SECRET_KEY.")
    try:
        synced = tier_service.sync_all(gw)
    except GatewayError as exc:
        db.session.rollback()
        raise click.ClickException(f"Stripe refused or could not be reached: {exc.message}") \
            from exc
    db.session.commit()
    for tier in synced:
        prices = ", ".join(
            f"{money(tier.amount_for(i), tier.currency)}/{i} = {tier.price_id_for(i)}"
            for i in ("month", "year") if tier.amount_for(i))
        click.echo(f"{tier.slug}: product {tier.stripe_product_id}; {prices}")
    click.echo(f"Synced {len(synced)} tier(s).")
