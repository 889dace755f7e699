"""The readers' front page's blueprint and the modules that fill it.

Readers has no newsroom part, so it has one blueprint, `public` (named `readers`), and no
`readers_newsroom`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from engagement.blueprints import load_modules, register

public = Blueprint("readers", __name__)

# Imported by init_app: their decorators add routes to the blueprint above.
MODULES = ("views",)


def init_app(app: Flask) -> None:
    """Fill and register the feature's blueprint."""
    load_modules(__package__, MODULES)
    register(app, public)
