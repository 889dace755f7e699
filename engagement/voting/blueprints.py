"""The voting feature's two blueprints and the modules that fill them."""

from __future__ import annotations

from flask import Flask

from engagement.blueprints import feature_blueprints, load_modules, register

public, newsroom = feature_blueprints("voting", __name__)

# Imported by init_app: their decorators add routes to the blueprints above.
MODULES = ("views", "newsroom_views", "suggestions_views", "account_hooks", "trends", "closing")


def init_app(app: Flask) -> None:
    """Fill and register the feature's blueprints."""
    load_modules(__package__, MODULES)
    register(app, public, newsroom)
