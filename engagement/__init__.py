"""engagement: reader engagement and membership for independent newsrooms."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from engagement.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    app.config.from_mapping(load_config(app.instance_path, config))
    _ensure_instance_folder(app)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    register_serving(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def _ensure_instance_folder(app: Flask) -> None:
    os.makedirs(app.instance_path, exist_ok=True)


def register_serving(app: Flask) -> None:
    """TRUSTED_PROXIES (ProxyFix) and the rate-limit storage check against gunicorn's workers."""
    from engagement import serving

    serving.init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind the extension instances to this app."""
    # models: imported so that every table is in the metadata
    from engagement import database, db_commands, edge, i18n, models, security  # noqa: F401
    from engagement.accounts import auth
    from engagement.extensions import babel, csrf, limiter, mail

    edge.init_app(app)  # first: bounded ids before any route exists, NULs refused first
    database.init_app(app)
    db_commands.init_app(app)  # Flask-Migrate is loaded by `flask db` only
    mail.init_app(app)
    i18n.init_app(app, babel)  # before any blueprint: features register language sources
    csrf.init_app(app)
    limiter.init_app(app)
    _allow_widget_origins(app)
    auth.init_app(app)
    security.init_app(app)


def _allow_widget_origins(app: Flask) -> None:
    # CORS only for the corrections intake, and only for the outlets' pages.
    from engagement.corrections.api import CORRECTIONS_PATH
    from engagement.extensions import cors

    cors.init_app(
        app,
        resources={
            CORRECTIONS_PATH: {
                "origins": list(app.config.get("WIDGET_ALLOWED_ORIGINS") or []),
                "methods": ["POST", "OPTIONS"],
                "allow_headers": ["Content-Type", "X-Engagement-Widget"],
                "max_age": 600,
            }
        },
    )


def register_blueprints(app: Flask) -> None:
    """Attach every feature's pages and API (each feature's blueprints.py, docs/development.md)."""
    from engagement import chrome, health
    from engagement.accounts import blueprints as accounts
    from engagement.corrections import blueprints as corrections
    from engagement.membership import blueprints as membership
    from engagement.newsroom import views as newsroom
    from engagement.notifications import blueprints as notifications
    from engagement.patreon import blueprints as patreon
    from engagement.readers import blueprints as readers
    from engagement.readers import formatting
    from engagement.voting import blueprints as voting

    app.register_blueprint(health.bp)  # core, not a feature: one blueprint (docs/development.md)
    for feature in (accounts, notifications, corrections, membership, voting, patreon, readers):
        feature.init_app(app)
    app.register_blueprint(newsroom.bp)  # the newsroom's shell: its home page and navigation
    chrome.init_app(app)  # the readers' header and footer on every page
    formatting.init_app(app)  # money, dates and states written one way


def register_error_handlers(app: Flask) -> None:
    """One place maps domain and HTTP errors to HTML and JSON."""
    from engagement.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    """`flask editors`, `flask demo`, `flask worker`, `flask stripe`, ..."""
    from engagement.accounts.cli import cli as editors_cli
    from engagement.demo.cli import cli as demo_cli
    from engagement.membership.cli import cli as stripe_cli
    from engagement.membership.cli import patrons_cli
    from engagement.notifications.cli import cli as worker_cli
    from engagement.patreon.cli import cli as patreon_cli

    for group in (editors_cli, demo_cli, worker_cli, stripe_cli, patrons_cli, patreon_cli):
        app.register_blueprint(group)
