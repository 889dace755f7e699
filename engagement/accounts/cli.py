"""`flask editors ...`: manage editor accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask import Blueprint

from engagement.accounts import editors
from engagement.errors import DomainError
from engagement.extensions import db

cli = Blueprint("editors", __name__, cli_group="editors")


@cli.cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["editor", "admin"]), default="editor")
@click.option("--name", "display_name", default="", help="Display name (default: from the email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create an editor; the password is prompted for, or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        editor = editors.create_editor(email, password, role=role, display_name=display_name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {editor.role} {editor.email}")
