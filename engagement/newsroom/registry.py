"""Features add navigation links and dashboard panels here, so the shell never imports them.

Each app has its own registry (`app.extensions["newsroom"]`), filled when the feature's
blueprint registers: `register_nav(blueprint, ...)` records the link on that blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, current_app
from flask.sansio.app import App


@dataclass(frozen=True)
class NavLink:
    """A link in the newsroom's navigation."""

    label: str
    endpoint: str
    admin_only: bool = False
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A section of the dashboard: a template fragment and a function giving its context."""

    key: str
    template: str
    context: Callable[[], dict] = field(default=lambda: {})
    admin_only: bool = False
    order: int = 100


@dataclass
class Registry:
    """One app's newsroom links, panels and headline functions."""

    nav: dict[str, NavLink] = field(default_factory=dict)
    panels: dict[str, Panel] = field(default_factory=dict)
    headlines: dict[str, tuple[Callable[[], list], bool]] = field(default_factory=dict)


def registry_of(app: App) -> Registry:
    """The app's registry, made on first use."""
    return app.extensions.setdefault("newsroom", Registry())


def _current() -> Registry:
    return registry_of(current_app)


def register_nav(
    blueprint: Blueprint, label: str, endpoint: str, *, admin_only: bool = False, order: int = 100
) -> None:
    """Add a navigation link when `blueprint` registers (the same endpoint again replaces it)."""
    link = NavLink(label, endpoint, admin_only, order)
    blueprint.record_once(lambda state: registry_of(state.app).nav.__setitem__(endpoint, link))


def register_panel(
    blueprint: Blueprint,
    key: str,
    template: str,
    context: Callable[[], dict],
    *,
    admin_only: bool = False,
    order: int = 100,
) -> None:
    """Add a dashboard panel when `blueprint` registers (the same key again replaces it)."""
    panel = Panel(key, template, context, admin_only, order)
    blueprint.record_once(lambda state: registry_of(state.app).panels.__setitem__(key, panel))


def nav_for(is_admin: bool) -> list[NavLink]:
    """The links this person may see, in order."""
    links = (n for n in _current().nav.values() if is_admin or not n.admin_only)
    return sorted(links, key=lambda n: n.order)


def panels_for(is_admin: bool) -> list[Panel]:
    """The panels this person may see, in order."""
    return sorted(
        (p for p in _current().panels.values() if is_admin or not p.admin_only),
        key=lambda p: p.order,
    )


def register_headline(
    blueprint: Blueprint, key: str, figures: Callable[[], list], *, admin_only: bool = False
) -> None:
    """Add a function giving headline figures (`trends.Headline`) to the dashboard's top row."""
    entry = (figures, admin_only)
    blueprint.record_once(lambda state: registry_of(state.app).headlines.__setitem__(key, entry))


def headlines_for(is_admin: bool) -> list:
    """Every headline this person may see, in their order."""
    found = [
        h
        for figures, admin_only in _current().headlines.values()
        if is_admin or not admin_only
        for h in figures()
    ]
    return sorted(found, key=lambda h: h.order)
