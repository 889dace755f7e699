"""Absolute links the service hands to others (Stripe, mails, feeds): built from PUBLIC_BASE_URL.

Never from the request: its Host header (and X-Forwarded-Host) is whatever the client sent, so
`url_for(..., _external=True)`, `request.host_url` and `request.url_root` would let anyone make
the service hand out links to their own site (issue 14, item 5). `tests/test_public_urls.py`
fails when any of those comes back into `engagement/` or `templates/`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def public_base() -> str:
    """PUBLIC_BASE_URL without its trailing slash, e.g. `https://engage.example.org`."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under PUBLIC_BASE_URL, inside a request or outside one.

    Takes full endpoint names ("membership.thanks"); extra values become the query string.
    """
    parts = urlsplit(public_base())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
