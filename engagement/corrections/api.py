"""`POST /api/v1/corrections` (the widget's and anyone's JSON intake) and its OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Collection

from flask import current_app, jsonify, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from engagement.accounts.auth import current_patron_id
from engagement.corrections import services
from engagement.corrections.blueprints import public
from engagement.corrections.grouping import WHITESPACE_CHARS
from engagement.corrections.schemas import (
    EMAIL_PATTERN,
    NOT_BLANK_PATTERN,
    ReportCreated,
    ReportIn,
    parse_report,
)
from engagement.database import writing
from engagement.edge import loads_bounded
from engagement.extensions import csrf, db, limiter

MAX_BODY_BYTES = 16 * 1024
CORRECTIONS_PATH = "/api/v1/corrections"


def corrections_rate_limit() -> str:
    """The per-IP limit on reports, from CORRECTIONS_RATE_LIMIT."""
    return current_app.config["CORRECTIONS_RATE_LIMIT"]


# One counter per client for every way of reporting (this API and the no-JavaScript form in
# views.py): a client cannot double its quota by switching (issue 14, item 4).
report_rate_limit = limiter.shared_limit(
    corrections_rate_limit, scope="corrections-report", methods=["POST"]
)


def read_json_body() -> object:
    """The request's JSON body: 413 when over 16 KB, 415 when not JSON, 400 when malformed."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Send the report as application/json.")
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    try:
        # Nesting is bounded: 16 KB of "[" would otherwise be a RecursionError (a 500).
        return loads_bounded(raw.decode(request.mimetype_params.get("charset") or "utf-8"))
    except (UnicodeDecodeError, LookupError, ValueError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None


def _sender() -> services.Sender:
    return services.Sender(
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
        source="widget" if request.headers.get("X-Engagement-Widget") else "api",
        patron_id=current_patron_id(),  # one light query, only with a session cookie
    )


@public.post(CORRECTIONS_PATH)
@csrf.exempt  # JSON from other origins: guarded by CORS and the rate limit, not a form token
# Every attempt counts, up front: Flask-Limiter's deduct_when would test first and count after
# the response, letting a parallel burst through.
@report_rate_limit
def create_report():
    """Take one reader's report: 201 with the report's and its correction's ids."""
    data = parse_report(read_json_body(), services.allowed_hosts())
    sender = _sender()
    # Core on a pooled connection of its own: no ORM session, unless some editor is to be told
    # (None: their mails commit with the report). On PostgreSQL each write is one statement
    # (the correction's with the report's), so no transaction is opened around them.
    with writing(autocommit_on_postgres=True) as conn:
        taken = services.take_report(data, sender, conn)
    if taken is None:
        taken = services.take_report(data, sender)
        db.session.commit()
    return jsonify(
        {"id": taken.report_id, "correction_id": taken.correction_id, "status": taken.status}
    ), 201


@public.get("/api/v1/openapi.json")
@limiter.limit("60 per minute")
def openapi():
    """The API described in OpenAPI 3.1."""
    return jsonify(openapi_document())


def _error_schema() -> dict:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "The input at fault (e.g. `quote.exact`) and why.",
                    },
                },
            }
        },
    }


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})"


def _any_case(text: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


def url_pattern(hosts: Collection[str]) -> str:
    """A regular expression for the article addresses this service takes (its allowed hosts)."""
    names = "|".join(_any_case(host) for host in sorted(hosts))
    return f"^{_any_case('http')}[sS]?://({names})(:{_PORT})?([/?#][^\x00{WHITESPACE_CHARS}]*)?$"


def _request_schema(template: str) -> tuple[dict, dict]:
    schema = ReportIn.model_json_schema(ref_template=template)
    nested = schema.pop("$defs", {})
    properties = schema["properties"]
    properties["quote"]["description"] = "A W3C TextQuoteSelector."
    properties["url"]["pattern"] = url_pattern(services.allowed_hosts())
    properties["url"]["description"] += " Only this newsroom's sites are accepted."
    # Asking to be told needs an address to tell.
    schema["if"] = {"properties": {"notify": {"const": True}}, "required": ["notify"]}
    schema["then"] = {
        "required": ["email"],
        "properties": {"email": {"type": "string", "format": "email", "pattern": EMAIL_PATTERN}},
    }
    # An empty report says nothing: a suggestion or a comment with some text in it.
    schema["anyOf"] = [
        {"required": [name], "properties": {name: {"pattern": NOT_BLANK_PATTERN}}}
        for name in ("suggestion", "comment")
    ]
    return schema, nested


def _schemas() -> dict:
    template = "#/components/schemas/{model}"
    request_schema, schemas = _request_schema(template)
    schemas["ReportRequest"] = request_schema
    schemas["ReportCreated"] = ReportCreated.model_json_schema(ref_template=template)
    schemas["Error"] = _error_schema()
    return schemas


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of the public JSON API."""
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "string"},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{current_app.config['NEWSROOM_NAME']} reader API",
            "version": "1.0.0",
            "description": "Readers report mistakes in articles; editors triage them.",
        },
        "servers": [{"url": current_app.config["PUBLIC_BASE_URL"].rstrip("/")}],
        "paths": {
            "/api/v1/corrections": {
                "post": {
                    "operationId": "createReport",
                    "summary": "Report a mistake in a passage of an article",
                    "description": "The report joins the open correction for the same passage of "
                    "the same article, or opens a new one. Rate limited per client address.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ReportRequest"}
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "The report was taken.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ReportCreated"}
                                }
                            },
                        },
                        "400": _error("The body is not valid JSON."),
                        "413": _error("The body is larger than 16 KB."),
                        "415": _error("The body is not application/json."),
                        "422": _error(
                            "A field is missing or not valid; `fields` says which and why."
                        ),
                        "429": _error("Too many reports from this address.", retry_after),
                    },
                }
            }
        },
        "components": {"schemas": _schemas()},
    }
