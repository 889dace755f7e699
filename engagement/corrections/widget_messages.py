"""The widget's words in the readers' languages, from the same catalogs as the pages.

`widget.js` marks its English messages with `_()` (babel.cfg extracts them into messages.pot);
`GET /widget/messages/<version>/<lang>.json` answers {msgid: translation} for one language. The
version is a hash of every language's messages, written into the served `widget.js`, so the
JSON's URL changes whenever a translation does and the file can be cached for good.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache

from babel.messages.extract import extract_javascript
from flask import Response, current_app
from flask_babel import gettext

from engagement import i18n
from engagement.corrections.blueprints import public
from engagement.extensions import limiter

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "widget.js")
VERSION_MARK = b"__CATALOG_VERSION__"
FOREVER = 365 * 24 * 3600


@cache
def widget_msgids(path: str = SCRIPT) -> tuple[str, ...]:
    """The messages widget.js marks with _(), in order (read once per process)."""
    with open(path, "rb") as file:
        found = list(extract_javascript(file, {"_": None}, [], {}))
    msgids: dict[str, None] = {}
    for _line, _function, message, _comments in found:
        if isinstance(message, str):
            msgids[message] = None
    return tuple(msgids)


@dataclass(frozen=True)
class WidgetCatalogs:
    """One app's widget messages per served language, their version and the script."""

    messages: dict[str, dict[str, str]]
    version: str
    script: bytes


def _translated(code: str) -> dict[str, str]:
    with i18n.language(code):
        pairs = {msgid: gettext(msgid) for msgid in widget_msgids()}
    return {msgid: text for msgid, text in pairs.items() if text != msgid}


def catalogs() -> WidgetCatalogs:
    """The current app's widget catalogs, built on first use."""
    app = current_app
    built = app.extensions.get("widget_catalogs")
    if built is None:
        messages = {code: _translated(code) for code in i18n.languages().codes}
        text = json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()
        version = hashlib.sha256(text).hexdigest()[:12]
        with open(SCRIPT, "rb") as file:
            script = file.read().replace(VERSION_MARK, version.encode())
        built = app.extensions["widget_catalogs"] = WidgetCatalogs(messages, version, script)
    return built


@public.get("/widget/messages/<version>/<tag>.json")
@limiter.exempt
def widget_messages(version: str, tag: str):
    """One language's widget messages; cached for good under the current version's URL."""
    built = catalogs()
    code = i18n.languages().closest(tag)
    body = json.dumps(built.messages.get(code, {}), ensure_ascii=False, sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.cache_control.public = True
    if version == built.version:
        response.cache_control.max_age = FOREVER
        response.cache_control.immutable = True
    else:  # an old widget.js still cached somewhere: the current messages, briefly
        response.cache_control.max_age = 300
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
