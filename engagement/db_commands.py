"""`flask db ...`: Flask-Migrate's commands, loaded when one of them runs.

Flask-Migrate imports Alembic (and Mako) on import: about 10 MB in every process. The web and
worker processes never migrate, so the app registers a `db` group that only names its commands;
the first `flask db <command>` binds Flask-Migrate to the app and hands over to its group.
"""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import ScriptInfo

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def bind_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to `app` (once): `flask_migrate.upgrade()` and friends then work."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from engagement.extensions import db

    Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)


class _DbCommands(click.Group):
    """Stands for Flask-Migrate's `db` group until it runs: its context is the real group's,
    so options, subcommands and help are Flask-Migrate's own."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        from flask_migrate.cli import db

        if parent is not None:
            bind_migrate(parent.ensure_object(ScriptInfo).load_app())
        return db.make_context(info_name, args, parent=parent, **extra)


def init_app(app: Flask) -> None:
    """Register `flask db` without importing Flask-Migrate."""
    app.cli.add_command(_DbCommands("db", help="Database migrations (Flask-Migrate, Alembic)."))
