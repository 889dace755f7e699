"""The notifications feature's two blueprints and the modules that fill them."""

from __future__ import annotations

from flask import Flask

from engagement.blueprints import feature_blueprints, load_modules, register

public, newsroom = feature_blueprints("notifications", __name__)

# Imported by init_app: their decorators add routes to the blueprints above.
MODULES = ("views", "account_hooks", "trends", "sign_in_mail")


def init_app(app: Flask) -> None:
    """Fill and register the feature's blueprints."""
    load_modules(__package__, MODULES)
    register(app, public, newsroom)
