"""The corrections feature's two blueprints and the modules that fill them."""

from __future__ import annotations

from flask import Flask

from engagement.blueprints import feature_blueprints, load_modules, register
from engagement.corrections import api, widget

public, newsroom = feature_blueprints("corrections", __name__)
public.register_blueprint(api.bp)  # corrections.api.*: the JSON intake under /api/v1
public.register_blueprint(widget.bp)  # corrections.widget.*: widget.js and its demo article

# Imported by init_app: their decorators add routes to the blueprints above.
MODULES = ("views", "public", "triage_views", "account_hooks", "trends")


def init_app(app: Flask) -> None:
    """Fill and register the feature's blueprints."""
    load_modules(__package__, MODULES)
    register(app, public, newsroom)
