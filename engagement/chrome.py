"""The header and footer every readers' page shares: the links the features register, which one
is the current page's section, and where the brand goes.

Features add their links without this module naming them: `register_reader_nav(blueprint, ...)`
records the link on the feature's blueprint and it lands in that app's list
(`app.extensions["reader_nav"]`) when the blueprint registers, as the newsroom's navigation does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, request, url_for
from flask.sansio.app import App

# (label, endpoint) to show instead of a link's own, e.g. once a patron is signed in; None keeps it.
Instead = Callable[[], tuple[str, str] | None]


@dataclass(frozen=True)
class ReaderLink:
    """One entry of the readers' navigation."""

    label: str
    endpoint: str
    order: int = 100
    covers: str | None = None  # the section's URL path (pages at it and below); default: the link's
    instead: Instead | None = None
    footer_only: bool = False


@dataclass
class ReaderNav:
    """One app's readers' links (by key) and the endpoint the brand links to."""

    links: dict[str, ReaderLink] = field(default_factory=dict)
    home: str | None = None


def nav_of(app: App) -> ReaderNav:
    """The app's readers' navigation, made on first use."""
    return app.extensions.setdefault("reader_nav", ReaderNav())


def register_reader_nav(
    blueprint: Blueprint,
    key: str,
    label: str,
    endpoint: str,
    *,
    order: int = 100,
    covers: str | None = None,
    instead: Instead | None = None,
    footer_only: bool = False,
) -> None:
    """Add a link to the readers' header and footer (`footer_only`: the footer alone) when
    `blueprint` registers; the same key again replaces it."""
    link = ReaderLink(label, endpoint, order, covers, instead, footer_only)
    blueprint.record_once(lambda state: nav_of(state.app).links.__setitem__(key, link))


def register_reader_home(blueprint: Blueprint, endpoint: str) -> None:
    """Where the brand links when HOME_URL is not set (the readers' front page)."""
    blueprint.record_once(lambda state: setattr(nav_of(state.app), "home", endpoint))


def _rule_path(endpoint: str) -> str:
    return next(current_app.url_map.iter_rules(endpoint)).rule


def _is_under(path: str, section: str) -> bool:
    return path == section or path.startswith(section.rstrip("/") + "/")


def _links(footer: bool) -> list[dict]:
    shown = sorted(
        (link for link in nav_of(current_app).links.values() if footer or not link.footer_only),
        key=lambda link: link.order,
    )
    rule = request.url_rule.rule if request and request.url_rule else None
    entries = []
    for link in shown:
        label, endpoint = (link.instead() if link.instead else None) or (link.label, link.endpoint)
        section = link.covers or _rule_path(endpoint)
        entries.append(
            {
                "label": label,
                "href": url_for(endpoint),
                "current": rule is not None and _is_under(rule, section),
            }
        )
    return entries


def _sections() -> list[dict]:
    return _links(footer=False)


def _footer_links() -> list[dict]:
    return _links(footer=True)


def _chrome() -> dict:
    home = current_app.config.get("HOME_URL")
    endpoint = nav_of(current_app).home
    return {
        "reader_sections": _sections,
        "reader_footer_links": _footer_links,
        "home_url": home,
        "brand_url": home or (url_for(endpoint) if endpoint else "/"),
    }


def init_app(app: Flask) -> None:
    """Give every template the readers' links and the brand's link."""
    app.context_processor(_chrome)
