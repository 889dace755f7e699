"""The corrections feature's two blueprints and the modules that fill them."""

from __future__ import annotations

from flask import Flask

from engagement.blueprints import feature_blueprints, load_modules, register

public, newsroom = feature_blueprints("corrections", __name__)

# Imported by init_app: their decorators add routes to the blueprints above. `api` is the JSON
# intake under /api/v1 (its CORS is set up by the factory), `widget` serves widget.js, widget.css
# and the demo article.
MODULES = (
    "views",
    "api",
    "widget",
    "widget_messages",
    "public",
    "triage_views",
    "account_hooks",
    "trends",
)


def init_app(app: Flask) -> None:
    """Fill and register the feature's blueprints."""
    load_modules(__package__, MODULES)
    register(app, public, newsroom)
