"""Features add navigation links and dashboard panels here, so the shell never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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


NAV: dict[str, NavLink] = {}
PANELS: dict[str, Panel] = {}


def register_nav(label: str, endpoint: str, *, admin_only: bool = False, order: int = 100) -> None:
    """Add a navigation link (registering the same endpoint again replaces it)."""
    NAV[endpoint] = NavLink(label, endpoint, admin_only, order)


def register_panel(key: str, template: str, context: Callable[[], dict], *,
                   admin_only: bool = False, order: int = 100) -> None:
    """Add a dashboard panel (registering the same key again replaces it)."""
    PANELS[key] = Panel(key, template, context, admin_only, order)


def nav_for(is_admin: bool) -> list[NavLink]:
    """The links this person may see, in order."""
    return sorted((n for n in NAV.values() if is_admin or not n.admin_only), key=lambda n: n.order)


def panels_for(is_admin: bool) -> list[Panel]:
    """The panels this person may see, in order."""
    return sorted((p for p in PANELS.values() if is_admin or not p.admin_only),
                  key=lambda p: p.order)


HEADLINES: dict[str, tuple[Callable[[], list], bool]] = {}


def register_headline(key: str, figures: Callable[[], list], *, admin_only: bool = False) -> None:
    """Add a function giving headline figures (`trends.Headline`) to the dashboard's top row."""
    HEADLINES[key] = (figures, admin_only)


def headlines_for(is_admin: bool) -> list:
    """Every headline this person may see, in their order."""
    found = [h for figures, admin_only in HEADLINES.values() if is_admin or not admin_only
             for h in figures()]
    return sorted(found, key=lambda h: h.order)
