"""What the service takes from outside, bounded at the edge (issue 14, item 8).

Odd input gets a 4xx, never a 500:
- ids in URLs go through a bounded converter: 1..2^31-1 (PostgreSQL's `integer`), else 404;
  it is registered as `int`, so every `<int:...>` of the app is bounded, and also as `id`;
- a NUL character anywhere in the path, the query string or a form value is refused with 400
  before any view runs (PostgreSQL cannot store NUL in text, nor compare with it);
- JSON is parsed with a nesting limit (a body of 16,000 `[` is a 400, not a RecursionError),
  both by `request.get_json()` (the app's JSON provider) and by `loads_bounded()`;
- numbers and dates typed by people are parsed with limits: `parse_id()`, `IdRange`, `SaneDate`.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

MAX_ID = 2**31 - 1  # the largest value of an `integer` column on PostgreSQL
MAX_JSON_DEPTH = 64  # Stripe's events nest about 8 deep; Python's parser gives up near 1,000
FIRST_YEAR, LAST_YEAR = 1900, 2999  # dates people may type in filters and forms

_ID_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: "²".isdigit() is True, int("²") fails
NUL_REFUSED = _l("The request contains a NUL character, which is not allowed.")
# What decides JSON nesting: an escaped character (skipped whole, so an escaped quote never ends
# a string), a quote, or a bracket.
_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


class IdConverter(IntegerConverter):
    """`<int:name>` and `<id:name>`: a database id, 1..2^31-1; anything else is a 404."""

    regex = r"\d{1,10}"

    def __init__(
        self,
        map,
        fixed_digits: int = 0,
        min: int | None = 1,  # noqa: A002
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(raw: Any) -> int | None:
    """An id typed or posted as text (or given as an int): 1..2^31-1, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not _ID_RE.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if 1 <= value <= MAX_ID else None


class IdRange:
    """A WTForms validator: the number is a possible id (1..2^31-1)."""

    def __init__(self, message: str | None = None):
        self.message = message or _l("Give a number between 1 and %(max)s.", max=MAX_ID)

    def __call__(self, form, field) -> None:
        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if value is not None and parse_id(value) is None:
                raise ValidationError(self.message)


class SaneDate:
    """A WTForms validator: a date (or date and time) between the years 1900 and 2999.

    Beyond them, adding a day or moving between time zones leaves what Python can count."""

    def __init__(self, message: str | None = None):
        self.message = message or _l(
            "Give a date between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR
        )

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, (date, datetime)) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(self.message)


def json_depth(text: str | bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings not counted)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # Only brackets and quotes matter: walk those (found in C), not every character.
    depth = deepest = 0
    in_string = False
    for match in _STRUCTURE.finditer(text):
        mark = match.group()
        if in_string:
            in_string = mark != '"'
        elif mark == '"':
            in_string = True
        elif mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif mark in "]}":
            depth -= 1
    return deepest


class TooDeep(ValueError):
    """The JSON nests deeper than MAX_JSON_DEPTH."""


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH, **kwargs) -> Any:
    """`json.loads`, refusing (ValueError) a text that nests deeper than `max_depth`."""
    # Fewer openers than the limit cannot nest past it (str.count runs in C): no walk at all.
    openers = (
        text.count("[") + text.count("{")
        if isinstance(text, str)
        else text.count(b"[") + text.count(b"{")
    )
    if openers > max_depth and json_depth(text) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text, **kwargs)


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: `request.get_json()` refuses JSON nested too deep (400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_bounded(s, **kwargs)


def has_nul(value: str) -> bool:
    """True when the text holds a NUL character."""
    return "\x00" in value


def refuse_nul() -> None:
    """Before every request: 400 for a NUL in the path, the query string or a form value."""
    if has_nul(request.path) or b"%00" in request.query_string or b"\x00" in request.query_string:
        raise BadRequest(str(NUL_REFUSED))
    if any(has_nul(key) or has_nul(value) for key, value in request.args.items(multi=True)):
        raise BadRequest(str(NUL_REFUSED))
    form_body = request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    )
    if form_body and any(
        has_nul(key) or has_nul(value) for key, value in request.form.items(multi=True)
    ):
        raise BadRequest(str(NUL_REFUSED))


def init_app(app: Flask) -> None:
    """Bound ids in URLs (before any blueprint adds its routes), refuse NULs, bound JSON."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(refuse_nul)
