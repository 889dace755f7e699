"""The report as the API and the form receive it: a pydantic model, and its errors as fields."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from engagement.accounts.models import normalise_email
from engagement.corrections.grouping import WHITESPACE_CHARS, normalise_text
from engagement.corrections.models import QUOTE_CONTEXT_MAX, QUOTE_EXACT_MAX

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
LANG_PATTERN = r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)?$"
# The same rules in the OpenAPI document: no NUL anywhere, titles on one line, passages not blank.
STORABLE_PATTERN = "^[^\x00]*$"
ONE_LINE_PATTERN = "^[^\x00\r\n]*$"
# Plain addresses only (no quoting, no display names): safe to put in a mail header later.
EMAIL_PATTERN = (
    r"^[^@\s,;<>\"\\()\x00-\x1f\x7f]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
NOT_BLANK_PATTERN = f"^[^\x00]*[^\x00{WHITESPACE_CHARS}][^\x00]*$"
NOTHING_SAID = _l("write the correction you suggest, or a comment")


def _storable(value: str) -> str:
    # NUL and lone surrogates cannot be stored in PostgreSQL text (nor encoded as UTF-8).
    if _UNSTORABLE.search(value):
        raise ValueError(gettext("contains characters that cannot be stored"))
    return value


Text = Annotated[str, AfterValidator(_storable)]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 12.0 as an integer; so do we (but not "12" nor true).
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e12:
        return int(value)
    return value


Offset = Annotated[int, BeforeValidator(_whole_number)]


class QuoteIn(BaseModel):
    """A W3C TextQuoteSelector: the passage and up to 64 characters either side, kept as sent."""

    model_config = ConfigDict(strict=True, extra="ignore", title="Quote")

    exact: Text = Field(
        min_length=1,
        max_length=QUOTE_EXACT_MAX,
        json_schema_extra={"pattern": NOT_BLANK_PATTERN},
        description="The passage with the mistake, as selected in the article's text.",
    )
    prefix: Text = Field(
        "",
        max_length=1024,
        json_schema_extra={"pattern": STORABLE_PATTERN},
        description="The text immediately before the passage, whitespace "
        "included; only its last 64 characters are kept.",
    )
    suffix: Text = Field(
        "",
        max_length=1024,
        json_schema_extra={"pattern": STORABLE_PATTERN},
        description="The text immediately after the passage, whitespace "
        "included; only its first 64 characters are kept.",
    )

    @field_validator("prefix")
    @classmethod
    def _last_of_prefix(cls, value: str) -> str:
        return value[-QUOTE_CONTEXT_MAX:] if value else ""

    @field_validator("suffix")
    @classmethod
    def _first_of_suffix(cls, value: str) -> str:
        return value[:QUOTE_CONTEXT_MAX]

    @field_validator("exact")
    @classmethod
    def _exact_has_text(cls, value: str) -> str:
        normalised = normalise_text(value)
        if not normalised:
            raise ValueError(gettext("select or paste the passage with the mistake"))
        return value


class PositionIn(BaseModel):
    """A W3C TextPositionSelector: character offsets in the article's text."""

    model_config = ConfigDict(strict=True, extra="ignore", title="Position")

    start: Offset = Field(ge=0, le=100_000_000)
    end: Offset = Field(ge=1, le=100_000_000)

    @model_validator(mode="after")
    def _end_after_start(self) -> PositionIn:
        if self.end <= self.start:
            raise ValueError("@end: " + gettext("must be greater than start"))
        return self


class ReportIn(BaseModel):
    """One reader's report of a passage."""

    model_config = ConfigDict(strict=True, extra="ignore", title="ReportRequest")

    url: Text = Field(
        min_length=1,
        max_length=2048,
        description="The article's address (its canonical link when it has one).",
    )
    title: Text = Field(
        "",
        max_length=300,
        json_schema_extra={"pattern": ONE_LINE_PATTERN},
        description="The article's title, on one line.",
    )
    quote: QuoteIn
    position: PositionIn | None = None
    suggestion: Text = Field("", max_length=2000, json_schema_extra={"pattern": STORABLE_PATTERN})
    comment: Text = Field("", max_length=4000, json_schema_extra={"pattern": STORABLE_PATTERN})
    email: Text | None = Field(
        None,
        max_length=254,
        json_schema_extra={"format": "email", "pattern": EMAIL_PATTERN},
        description="Optional; needed when `notify` is true.",
    )
    notify: bool = Field(False, description="Tell the reader when the passage is fixed.")
    lang: Text = Field("", max_length=16, pattern=LANG_PATTERN)
    website: Text = Field(
        "",
        max_length=2048,
        json_schema_extra={"pattern": STORABLE_PATTERN},
        description="Leave empty: a trap for robots that fill every field.",
    )

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^/\s?#@]+([/?#]|$)", value, re.IGNORECASE) or any(
            c.isspace() for c in value
        ):
            raise ValueError(
                gettext("give the article's full address, starting with http:// or https://")
            )
        try:
            urlsplit(value).port  # noqa: B018 - raises on a port out of range
        except ValueError:
            raise ValueError(gettext("the address has a port that cannot be")) from None
        return value

    @field_validator("title")
    @classmethod
    def _title_one_line(cls, value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError(gettext("must be on one line"))
        return normalise_text(value)[:300]

    @field_validator("email")
    @classmethod
    def _email_valid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.match(EMAIL_PATTERN, value):
            raise ValueError(gettext("not a valid email address"))
        return normalise_email(value)  # erasure and "my reports" find it in any case

    @model_validator(mode="after")
    def _says_something(self) -> ReportIn:
        if not normalise_text(self.suggestion) and not normalise_text(self.comment):
            raise ValueError(f"@suggestion: {NOTHING_SAID}")
        return self

    @model_validator(mode="after")
    def _notify_needs_email(self) -> ReportIn:
        if self.notify and not self.email:
            raise ValueError(
                "@email: " + gettext("give an email address so we can tell you when it is fixed")
            )
        return self


class ReportCreated(BaseModel):
    """What the API answers when it took a report."""

    model_config = ConfigDict(title="ReportCreated")

    id: int
    correction_id: int
    status: str = Field(json_schema_extra={"enum": ["new", "in_review"]})


_FRIENDLY = {
    "missing": _l("this field is required"),
    "string_pattern_mismatch": _l("must be on one line"),
    "bool_type": _l("must be true or false"),
    "int_type": _l("must be a whole number"),
    "string_type": _l("must be text"),
    "model_type": _l("must be an object"),
    "model_attributes_type": _l("must be an object"),
}
# Pydantic's reasons that carry a number, in the reader's words (ctx names the number).
_NUMBERED = {
    "string_too_long": (
        "max_length",
        lambda n: ngettext(
            "must be at most %(num)s character", "must be at most %(num)s characters", n
        ),
    ),
    "string_too_short": (
        "min_length",
        lambda n: ngettext(
            "must be at least %(num)s character", "must be at least %(num)s characters", n
        ),
    ),
    "greater_than_equal": ("ge", lambda n: gettext("must be %(limit)s or more", limit=n)),
    "less_than_equal": ("le", lambda n: gettext("must be %(limit)s or less", limit=n)),
}


_RULE_ABOUT_FIELD = re.compile(r"^@(\w+): (.*)$", re.DOTALL)


def _field_name(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "body"


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "string_pattern_mismatch" and error["loc"][-1:] == ("lang",):
        return gettext("must be a language tag such as en or uk")
    if kind in _FRIENDLY:
        return str(_FRIENDLY[kind])
    key, reason = _NUMBERED.get(kind, ("", None))
    number = (error.get("ctx") or {}).get(key)
    if reason is not None and isinstance(number, int) and not isinstance(number, bool):
        return reason(number)
    message = error["msg"]
    return message.removeprefix("Value error, ")


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as {"quote.exact": "reason", ...}; the first reason per field wins."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        location = tuple(error["loc"])
        message = _message(error)
        rule = _RULE_ABOUT_FIELD.match(message)
        if rule:  # a model-level rule about one of the model's fields
            location, message = (*location, rule.group(1)), rule.group(2)
        if location == ("quote",) and error["type"] == "missing":
            location = ("quote", "exact")  # the part of the quote a reader must give
        fields.setdefault(_field_name(location), message)
    return fields


def _host_of(url: Any) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower() if isinstance(url, str) else ""
    except ValueError:
        return ""


HOST_NOT_ALLOWED = _l("reports are taken only for this newsroom's articles")


def parse_report(data: Any, hosts: set[str] | None = None) -> ReportIn:
    """Validate a decoded body (and, given `hosts`, the article's host); raise InvalidInput
    naming each field at fault."""
    from engagement.errors import InvalidInput

    if not isinstance(data, dict):
        raise InvalidInput(gettext("The body must be a JSON object."), field="body")
    fields: dict[str, str] = {}
    try:
        report = ReportIn.model_validate(data)
    except ValidationError as exc:
        fields = errors_by_field(exc)
    if hosts is not None and "url" not in fields and _host_of(data.get("url")) not in hosts:
        fields["url"] = str(HOST_NOT_ALLOWED)
    if fields:
        raise InvalidInput(gettext("Some of what was sent is not valid."), fields=fields)
    return report
