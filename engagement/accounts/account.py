"""A patron's own account: what they hold, their data as JSON, and erasing it.

Other features add to a patron's account without this module importing them; each call names
the feature's blueprint, and the hook lands in that app's registry (`app.extensions["accounts"]`)
when the blueprint registers:
`register_section(bp, key, template, order=...)` adds a part of the /account page (the template
holds its own `<section>` and heading),
`register_page_context(bp, function(patron) -> dict)` adds variables to /account and the erasure
confirmation page, `register_data_section(bp, name, function(patron) -> JSON-able)` adds a key to
"download my data", `register_erase_check(bp, function(patron) -> bool)` runs before erasure (False
stops it), and `register_eraser(bp, function(patron))` removes that feature's personal data on
erasure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app
from flask.sansio.app import App
from sqlalchemy import select

from engagement.accounts.erasure import bury
from engagement.accounts.magic_links import MagicLink, forget_links
from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db


@dataclass(frozen=True)
class Section:
    """A part of the account page: a template included with the page's context."""

    key: str
    template: str
    order: int = 100


@dataclass
class AccountHooks:
    """One app's account extensions, in the order the features registered them."""

    sections: dict[str, Section] = field(default_factory=dict)
    page_contexts: list[Callable[[Patron], dict]] = field(default_factory=list)
    data_sections: dict[str, Callable[[Patron], Any]] = field(default_factory=dict)
    erase_checks: list[Callable[[Patron], bool]] = field(default_factory=list)
    erasers: list[Callable[[Patron], None]] = field(default_factory=list)


def hooks_of(app: App) -> AccountHooks:
    """The app's account hooks, made on first use."""
    return app.extensions.setdefault("accounts", AccountHooks())


def _hooks() -> AccountHooks:
    return hooks_of(current_app)


def _on_register(blueprint: Blueprint, add: Callable[[AccountHooks], None]) -> None:
    blueprint.record_once(lambda state: add(hooks_of(state.app)))


def register_section(blueprint: Blueprint, key: str, template: str, *, order: int = 100) -> None:
    """Show `template` on /account in `order`, with the page's context (the patron, and every
    feature's page context); the same key again replaces it."""
    section = Section(key, template, order)
    _on_register(blueprint, lambda hooks: hooks.sections.__setitem__(key, section))


def sections_of(app: App) -> list[Section]:
    """The app's account page parts from the features, in order."""
    return sorted(hooks_of(app).sections.values(), key=lambda section: section.order)


def sections() -> list[Section]:
    """The current app's account page parts, in order."""
    return sections_of(current_app)


def register_page_context(blueprint: Blueprint, function: Callable[[Patron], dict]) -> None:
    """Add `function(patron)`'s variables to the account and erasure confirmation pages."""
    _on_register(blueprint, lambda hooks: hooks.page_contexts.append(function))


def register_data_section(
    blueprint: Blueprint, name: str, function: Callable[[Patron], Any]
) -> None:
    """Add `name` to the patron's data download (registering a name again replaces it)."""
    _on_register(blueprint, lambda hooks: hooks.data_sections.__setitem__(name, function))


def register_erase_check(blueprint: Blueprint, function: Callable[[Patron], bool]) -> None:
    """Run `function(patron)` before erasure; a False answer stops the erasure."""
    _on_register(blueprint, lambda hooks: hooks.erase_checks.append(function))


def register_eraser(blueprint: Blueprint, function: Callable[[Patron], None]) -> None:
    """Run `function(patron)` when a patron's personal data is erased (flush, never commit)."""
    _on_register(blueprint, lambda hooks: hooks.erasers.append(function))


def page_context(patron: Patron) -> dict:
    """The variables every feature adds to the patron's account pages."""
    context: dict = {}
    for function in _hooks().page_contexts:
        context.update(function(patron))
    return context


def ready_for_erasure(patron: Patron) -> bool:
    """True when every feature's check before erasure passed (e.g. renewals stopped)."""
    return all(check(patron) for check in _hooks().erase_checks)


def iso(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 text for the data download, or None."""
    return value.isoformat() if value else None


def _links_data(patron: Patron) -> list[dict]:
    links = db.session.scalars(
        select(MagicLink).where(MagicLink.patron_id == patron.id).order_by(MagicLink.id)
    )
    return [
        {
            "created_at": iso(link.created_at),
            "expires_at": iso(link.expires_at),
            "used_at": iso(link.used_at),
        }
        for link in links
    ]


def export_data(patron: Patron) -> dict:
    """Everything the service holds about the patron, as plain JSON values."""
    data = {
        "patron": {
            "email": patron.email,
            "name": patron.name,
            "stripe_customer_id": patron.stripe_customer_id,
            "language": patron.language,
            "created_at": iso(patron.created_at),
            "last_sign_in_at": iso(patron.last_sign_in_at),
        },
        "sign_in_links": _links_data(patron),
    }
    for name, function in _hooks().data_sections.items():
        data[name] = function(patron)
    return data


def erase_patron(patron: Patron) -> None:
    """Remove the patron's personal data everywhere; keep Stripe ids and amounts for the books.

    Every feature's eraser runs while the email and name are still known (each finds its rows
    by them, in any case); then the patron row loses both and the language they chose, a
    tombstone keeps the email from coming back, and the sign-in links go. Flushes, never
    commits.
    """
    now = utcnow()
    for eraser in _hooks().erasers:
        eraser(patron)
    bury("email", patron.email, now)
    forget_links(patron)
    patron.email = None
    patron.name = ""
    patron.language = None
    patron.erased_at = now
    db.session.flush()
