"""`flask stripe ...`: keep Stripe and the newsroom's records in step from the command line."""

from __future__ import annotations

import sys

import click
from flask import Blueprint

from engagement.extensions import db
from engagement.formatting import money
from engagement.membership import tiers as tier_service
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
        raise click.ClickException(
            f"Stripe refused or could not be reached: {exc.message}"
        ) from exc
    db.session.commit()
    for tier in synced:
        prices = ", ".join(
            f"{money(tier.amount_for(i), tier.currency)}/{i} = {tier.price_id_for(i)}"
            for i in ("month", "year")
            if tier.amount_for(i)
        )
        click.echo(f"{tier.slug}: product {tier.stripe_product_id}; {prices}")
    click.echo(f"Synced {len(synced)} tier(s).")


@cli.cli.command("reconcile")
def reconcile() -> None:
    """Compare Stripe's subscriptions and customers with ours and mend the drift (nightly)."""
    from engagement.membership import reconcile as reconciliation

    gw = gateway()
    if not gw.configured:
        raise click.ClickException("Stripe is not configured: set STRIPE_SECRET_KEY.")
    try:
        subscriptions = gw.list_subscriptions(status="all")
        customers = gw.list_customers()
    except GatewayError as exc:
        raise click.ClickException(
            f"Stripe refused or could not be reached: {exc.message}"
        ) from exc
    changes: list[str] = []
    stderr = sys.stderr
    with click.progressbar(subscriptions, label="Subscriptions", file=stderr) as bar:
        for subscription in bar:
            changes += _mend(reconciliation.reconcile_subscription, gw, subscription)
    with click.progressbar(customers, label="Customers", file=stderr) as bar:
        for customer in bar:
            changes += _mend(reconciliation.reconcile_customer, gw, customer)
    for line in changes:
        click.echo(line)
    for line in reconciliation.missing_in_stripe({s["id"] for s in subscriptions}):
        click.echo(f"Warning: {line}", err=True)
    click.echo(f"{len(changes)} change(s)." if changes else "No change.")


def _mend(function, gw, item) -> list[str]:
    """Run one reconciliation step in its own transaction; a failure skips only this item."""
    try:
        lines = function(gw, item)
        db.session.commit()
        return lines
    except GatewayError as exc:
        db.session.rollback()
        click.echo(f"Error on {item.get('id')}: {exc.message}", err=True)
        return []


patrons_cli = Blueprint("patrons_cli", __name__, cli_group="patrons")


@patrons_cli.cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--q", default="", help="Only patrons whose email or name contains this.")
@click.option("--tier", "tier_id", type=int, default=None, help="Only this tier (its id).")
@click.option("--status", default="", help="Only this membership status ('none': no membership).")
def export_patrons(path: str, q: str, tier_id: int | None, status: str) -> None:
    """Write the patron list (as on /newsroom/patrons) to a CSV file, with a progress bar."""
    from engagement.membership import patrons

    if status and status not in patrons.STATUS_CHOICES:
        raise click.BadParameter(
            f"use one of {', '.join(patrons.STATUS_CHOICES)}", param_hint="--status"
        )
    flt = patrons.PatronFilter(q=q.strip(), tier_id=tier_id, status=status)
    total = patrons.count_rows(flt)
    written = 0
    with (
        open(path, "w", newline="", encoding="utf-8") as out,
        click.progressbar(length=total, label="Patrons", file=sys.stderr) as bar,
    ):
        for line in patrons.csv_lines(_counting(patrons.iter_rows(flt), bar)):
            out.write(line)
        written = bar.pos
    click.echo(f"Wrote {written} patron(s) to {path}.")


def _counting(rows, bar):
    for row in rows:
        bar.update(1)
        yield row
