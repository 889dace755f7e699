"""Domain errors, and the one place that turns any error into an HTML page or a JSON body."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the newsroom refused an action; `field` names the input at fault, if any."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, message)


class InvalidInput(DomainError):
    """The input breaks a rule (422)."""


class NotAllowed(DomainError):
    """The person may not do this (403)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """The thing asked for does not exist (404)."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action clashes with the current state (409)."""

    status = 409
    code = "conflict"


def apply_domain_error(
    form,
    error: DomainError,
    *,
    ignore: tuple[str, ...] = (),
    form_level: bool = False,
    field_names: Mapping[str, str] | None = None,
) -> bool:
    """Put each field's reason, as a sentence, beside that field of the form; True when any
    field got one.

    `field_names` maps the error's names to the form's where they differ (an API's `quote.exact`
    is the form's `quote`). With `form_level`, the reasons no field of the form shows go to the
    form's own errors, and so does the message of an error that names no field; names in
    `ignore` are shown nowhere."""
    placed = False
    for name, reason in error.fields.items():
        if name in ignore:
            continue
        target = (field_names or {}).get(name, name)
        if target in form:
            form[target].errors = [*(form[target].errors or []), _sentence(reason)]
            placed = True
        elif form_level:
            _add_form_error(form, _sentence(reason))
    if not error.fields and form_level:
        _add_form_error(form, _sentence(error.message))
    return placed


def _sentence(reason: str) -> str:
    """ "must not be blank" -> "Must not be blank." (a reason made for JSON reads as a sentence)."""
    reason = reason.strip()
    if not reason:
        return reason
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith((".", "!", "?")) else ".")


def _add_form_error(form, message: str) -> None:
    if message not in form.form_errors:
        form.form_errors.append(message)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    """True when the request is for the JSON API (or explicitly prefers JSON)."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str, fields: dict | None = None, headers=None):
    """Render an error as JSON for the API and as a page everywhere else (a message or reason
    given lazily is translated here)."""
    code = HTTP_CODES.get(status, "error")
    message = str(message)
    fields = {name: str(reason) for name, reason in (fields or {}).items()}
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        response = jsonify(body)
    else:
        response = make_response(
            render_template(
                "errors/error.html", status=status, message=message, fields=fields or {}
            )
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that method."),
    413: _l("What was sent is too large."),
    415: _l("The content type is not supported here."),
    422: _l("Some of what was sent is not valid."),
    429: _l("Too many requests; please wait a moment and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
}


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and HTTP errors to responses in one place."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return error_response(error.status, error.message, error.fields)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        return error_response(
            400,
            _(
                "The form expired or was not sent from this site. "
                "Please go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        headers = {}
        if status == 429:
            # Flask-Limiter sets the exact Retry-After itself; this is the floor when it cannot.
            reset_at = getattr(getattr(error, "limit", None), "reset_at", None)
            seconds = int(reset_at - time.time()) if reset_at else 60
            headers["Retry-After"] = str(max(seconds, 1))
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        message = MESSAGES.get(status) or error.description or _("Error")
        if (
            status in (400, 422)
            and error.description
            and "browser (or proxy)" not in str(error.description)
        ):
            message = error.description
        return error_response(status, message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, MESSAGES[500])
