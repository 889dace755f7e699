"""`flask patreon import FILE.csv` and `flask patreon reconcile`."""

from __future__ import annotations

import os
import sys

import click
from flask import Blueprint

from engagement.database import utcnow
from engagement.extensions import db
from engagement.patreon import csv_import

cli = Blueprint("patreon_cli", __name__, cli_group="patreon")


@cli.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_file(path: str) -> None:
    """Import Patreon's members export (CSV): active patrons become patrons here."""
    size = os.path.getsize(path)
    if size > csv_import.MAX_BYTES:
        raise click.ClickException(f"{csv_import.TOO_LARGE} Nothing was imported.")
    with open(path, "rb") as handle:
        data = handle.read()

    def progress(rows):
        with click.progressbar(rows, label="Members", file=sys.stderr) as bar:
            yield from bar

    try:
        summary = csv_import.import_members(data, utcnow(), progress)
        db.session.commit()
    except csv_import.ImportRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} Nothing was imported.") from None
    except Exception:
        db.session.rollback()
        raise
    for line in summary_lines(summary):
        click.echo(line)


def summary_lines(summary: csv_import.ImportSummary) -> list[str]:
    """The summary in words, one line each."""
    lines = [
        f"{summary.rows} row(s): {summary.created} created, {summary.updated} updated, "
        f"{summary.lapsed} lapsed, {summary.unchanged} unchanged, "
        f"{len(summary.skipped)} skipped."
    ]
    lines += [f"Skipped line {line}: {reason}" for line, reason in summary.skipped]
    if summary.unknown_columns:
        lines.append(f"Columns not used: {', '.join(summary.unknown_columns)}")
    if summary.missing_columns:
        lines.append(f"Columns missing (left empty): {', '.join(summary.missing_columns)}")
    return lines


@cli.cli.command("reconcile")
def reconcile() -> None:
    """Compare the campaign's members on Patreon (API v2) with ours and mend the drift."""
    from engagement.patreon import reconcile as reconciliation
    from engagement.patreon.client import PatreonClient, PatreonError

    client = PatreonClient.from_config()
    if client is None:
        raise click.ClickException(
            "Reconciling with Patreon needs PATREON_ACCESS_TOKEN (a creator's access token "
            "from Patreon's developer portal) and PATREON_CAMPAIGN_ID (the campaign's id). "
            "Without them, webhooks and the CSV import keep the patrons up to date."
        )
    changes: list[str] = []
    seen: set[str] = set()
    try:
        for members, included, total in client.member_pages():
            label = f"Members ({total})" if total is not None else "Members"
            with click.progressbar(members, label=label, file=sys.stderr) as bar:
                for member in bar:
                    changes += reconciliation.reconcile_member(member, included, utcnow())
                    db.session.commit()
                    seen.add(_user_id(member))
    except PatreonError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    for line in changes:
        click.echo(line)
    for line in reconciliation.missing_on_patreon(seen):
        click.echo(f"Warning: {line}", err=True)
    click.echo(f"{len(changes)} change(s)." if changes else "No change.")


def _user_id(member: dict) -> str:
    user = ((member.get("relationships") or {}).get("user") or {}).get("data") or {}
    return str(user.get("id") or f"member:{member.get('id')}")
