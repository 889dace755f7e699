"""The newsroom's home page."""

from flask import Blueprint, render_template
from flask_login import current_user

from engagement.accounts.auth import editor_required
from engagement.newsroom import registry

bp = Blueprint("newsroom", __name__, url_prefix="/newsroom")

registry.register_nav("Dashboard", "newsroom.home", order=0)


@bp.app_context_processor
def _newsroom_nav():
    if current_user.is_authenticated:
        return {"newsroom_nav": registry.nav_for(current_user.is_admin)}
    return {"newsroom_nav": []}


@bp.get("/")
@editor_required
def home():
    """The dashboard: each feature's panel with its figures."""
    panels = [(panel, panel.context()) for panel in registry.panels_for(current_user.is_admin)]
    return render_template("newsroom/home.html", panels=panels)
