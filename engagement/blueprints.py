"""How a feature wires its pages: a `public` blueprint and a `newsroom` one behind sign-in.

Each feature's `blueprints.py` calls `feature_blueprints()` and lists its route modules; the
factory calls that module's `init_app(app)`, which imports the route modules and registers both
blueprints. See docs/development.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module

from flask import Blueprint, Flask, current_app, request
from flask_login import current_user

from engagement.extensions import login_manager

NEWSROOM_PREFIX = "/newsroom"


def open_to_all(view: Callable) -> Callable:
    """Mark a newsroom view anyone may open (the sign-in page itself)."""
    setattr(view, "newsroom_open", True)  # noqa: B010 - an attribute functions do not declare
    return view


def require_editor():
    """A newsroom blueprint's before_request: anyone not signed in goes to the sign-in page."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "newsroom_open", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def newsroom_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /newsroom whose every page needs a signed-in editor."""
    blueprint = Blueprint(name, import_name, url_prefix=NEWSROOM_PREFIX)
    blueprint.before_request(require_editor)
    return blueprint


def feature_blueprints(feature: str, import_name: str) -> tuple[Blueprint, Blueprint]:
    """The feature's readers' blueprint (named `feature`) and its `<feature>_newsroom` one."""
    return Blueprint(feature, import_name), newsroom_blueprint(f"{feature}_newsroom", import_name)


def load_modules(package: str, names: Iterable[str]) -> None:
    """Import the feature's route and hook modules (their decorators fill the blueprints)."""
    for name in names:
        import_module(f"{package}.{name}")


def register(app: Flask, *blueprints: Blueprint) -> None:
    """Register the given blueprints on the app."""
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
