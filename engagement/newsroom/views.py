"""The newsroom's home page."""

import time

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engagement.accounts.auth import editor_required
from engagement.blueprints import newsroom_blueprint
from engagement.database import utcnow
from engagement.formatting import newsroom_time
from engagement.i18n import current_language
from engagement.newsroom import registry

bp = newsroom_blueprint("newsroom", __name__)  # every page needs a signed-in editor

registry.register_nav(bp, _l("Dashboard"), "newsroom.home", order=0)


@bp.app_context_processor
def _newsroom_nav():
    if current_user.is_authenticated:
        return {"newsroom_nav": registry.nav_for(current_user.is_admin)}
    return {"newsroom_nav": []}


def _figures(is_admin: bool) -> dict:
    panels = [(panel, panel.context()) for panel in registry.panels_for(is_admin)]
    return {
        "panels": panels,
        "headlines": registry.headlines_for(is_admin),
        "as_of": newsroom_time(utcnow()),
    }


def dashboard_figures(is_admin: bool, fresh: bool = False) -> dict:
    """The dashboard's figures, counted at most once per DASHBOARD_CACHE_SECONDS in this process
    (each count scans the patrons and corrections; `fresh` counts again now). The headlines are
    written in words, so each language keeps its own."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    cache = current_app.extensions.setdefault("dashboard_figures", {})
    key = (is_admin, current_language())
    kept = cache.get(key)
    if seconds > 0 and not fresh and kept and kept[0] > time.monotonic():
        return kept[1]
    figures = _figures(is_admin)
    if seconds > 0:
        cache[key] = (time.monotonic() + seconds, figures)
    return figures


@bp.get("/")
@editor_required
def home():
    """The dashboard: headline figures with their trends, then each feature's panel."""
    figures = dashboard_figures(current_user.is_admin, fresh=request.args.get("fresh") == "1")
    return render_template("newsroom/home.html", **figures)
