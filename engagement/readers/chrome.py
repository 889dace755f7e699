"""The header and footer every readers' page shares: where the brand goes, the sections, and
which one is the current page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for

from engagement.accounts.auth import current_patron


@dataclass(frozen=True)
class Section:
    """One entry of the readers' navigation."""

    label: str
    endpoint: str
    prefixes: tuple[str, ...]  # the endpoints (by prefix) that belong to this section

    def is_current(self, endpoint: str | None) -> bool:
        """True when the page being shown belongs to this section."""
        return bool(endpoint) and endpoint.startswith(self.prefixes)


SECTIONS = (
    Section("Support", "membership.support", ("membership.support", "membership.thanks")),
    Section("Topics", "voting.topics", ("voting.topics", "voting.suggest", "voting.vote",
                                        "voting.unvote")),
    Section("Corrections", "corrections.public_log",
            ("corrections.public_log", "corrections.report", "corrections.stop_mails")),
)
ACCOUNT = ("accounts.patron_", "membership.patron_billing")


def _sections() -> list[dict]:
    endpoint = request.endpoint if request else None
    links = [{"label": s.label, "href": url_for(s.endpoint), "current": s.is_current(endpoint)}
             for s in SECTIONS]
    signed_in = current_patron() is not None
    links.append({"label": "Your account" if signed_in else "Sign in",
                  "href": url_for("accounts.patron_account" if signed_in
                                  else "accounts.patron_login"),
                  "current": bool(endpoint) and endpoint.startswith(ACCOUNT)})
    return links


def _chrome() -> dict:
    home = current_app.config.get("HOME_URL")
    return {"reader_sections": _sections, "home_url": home,
            "brand_url": home or url_for("readers.home")}


def init_app(app: Flask) -> None:
    """Give every template the readers' sections and the brand's link."""
    app.context_processor(_chrome)
