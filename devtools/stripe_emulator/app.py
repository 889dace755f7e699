"""Flask app of the emulator: Stripe-style request parsing, auth, idempotency and errors."""

import functools
import hashlib
import json
import re

from flask import Flask, Response, current_app, request

from .store import StripeError, expand, new_id

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_FREE_FORM = {"metadata"}


def parse_params(pairs):
    """Decode Stripe's form encoding (a[b][0][c]=v, expand[]=x) into nested dicts and lists."""
    root = {}
    for key, value in pairs:
        m = _KEY_RE.match(key)
        if not m:
            raise StripeError(f"Invalid parameter name: {key}", param=key)
        parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        node = root
        for i, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if i == len(parts) - 1:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    # Stripe sends "metadata=" to clear; a later nested key wins.
                    child = node[part] = {}
                node = child
    return _listify(root, None)


def _listify(node, name):
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, k) for k, v in node.items()}
    if name not in _FREE_FORM and converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def emu():
    """Return the running Emulator from the Flask app config."""
    return current_app.config["EMULATOR"]


def _json(body, status=200, headers=None):
    resp = Response(json.dumps(body, indent=2) + "\n", status=status, mimetype="application/json")
    resp.headers["Request-Id"] = new_id("req_", 14)
    resp.headers["Stripe-Version"] = "2026-10-28.endive"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _api_key():
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username
    return None


def _check_auth():
    key = _api_key()
    if not key:
        raise StripeError(
            "You did not provide an API key. You need to provide your API key in "
            "the Authorization header, using Bearer auth (e.g. 'Authorization: "
            "Bearer YOUR_SECRET_KEY').",
            status=401,
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        shown = key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else "****"
        raise StripeError(
            f"Invalid API Key provided: {shown}",
            status=401,
            code="api_key_expired" if "expired" in key else None,
        )
    return key


def expand_list(params):
    """Return the expand parameter as a list."""
    value = params.get("expand") or []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def api_route(bp, rule, methods=("GET",)):
    """Register a /v1 handler(params, req, **url_args) -> obj | (status, obj) with auth."""

    def decorator(fn):
        @functools.wraps(fn)
        def view(**kwargs):
            store = emu().store
            pairs = list((request.args if request.method == "GET" else request.form).items(True))
            with store.lock:
                key = _check_auth()
                idem = request.headers.get("Idempotency-Key")
                cache_key = (key, idem)
                fingerprint = hashlib.sha256(
                    repr((request.method, request.path, sorted(pairs))).encode()
                ).hexdigest()
                if idem and request.method in ("POST", "DELETE"):
                    cached = store.idempotency.get(cache_key)
                    if cached:
                        if cached[0] != fingerprint:
                            raise StripeError(
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with. Try using a key other "
                                f"than '{idem}' if you meant to execute a different request.",
                                type_="idempotency_error",
                            )
                        return _json(cached[2], cached[1], {"Idempotent-Replayed": "true"})
                params = parse_params(pairs)
                req_info = {"id": new_id("req_", 14), "idempotency_key": idem}
                try:
                    result = fn(params, req_info, **kwargs)
                except StripeError as exc:
                    result = (exc.status, exc.body())
                status, body = result if isinstance(result, tuple) else (200, result)
                if status == 200:
                    body = expand(store, body, expand_list(params))
                if idem and request.method in ("POST", "DELETE") and status < 500:
                    store.idempotency[cache_key] = (fingerprint, status, body)
                return _json(body, status)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=list(methods))
        return fn

    return decorator


def create_app(emulator):
    """Build the Flask app serving the API, hosted pages and test controls."""
    from . import api_billing, api_core, controls, pages

    app = Flask(__name__)
    app.config["EMULATOR"] = emulator
    app.register_blueprint(api_core.bp)
    app.register_blueprint(api_billing.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(controls.bp)

    @app.errorhandler(StripeError)
    def stripe_error(exc):
        return _json(exc.body(), exc.status)

    @app.errorhandler(Exception)
    def internal_error(exc):
        if hasattr(exc, "code") and hasattr(exc, "get_response"):
            return exc  # werkzeug HTTP errors (404, 405) keep their own handlers
        current_app.logger.exception("emulator error")
        body = {"error": {"type": "api_error", "message": f"Emulator error: {exc!r}"}}
        return _json(body, 500)

    @app.errorhandler(404)
    def unknown_route(_exc):
        msg = f"Unrecognized request URL ({request.method}: {request.path})."
        return _json({"error": {"type": "invalid_request_error", "message": msg}}, 404)

    @app.errorhandler(405)
    def bad_method(_exc):
        msg = f"Unrecognized request URL ({request.method}: {request.path})."
        return _json({"error": {"type": "invalid_request_error", "message": msg}}, 404)

    return app
