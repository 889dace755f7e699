"""The public side of the Patreon bridge: `POST /patreon/webhook`."""

from __future__ import annotations

from flask import current_app, jsonify, request

from engagement.extensions import csrf, limiter
from engagement.patreon import webhooks
from engagement.patreon.blueprints import public


@public.post("/patreon/webhook")
@csrf.exempt
@limiter.exempt
def patreon_webhook():
    """Receive a Patreon delivery: check its signature, store it once, apply it."""
    body = request.get_data(cache=False)
    try:
        webhooks.verify(
            body,
            request.headers.get("X-Patreon-Signature"),
            current_app.config["PATREON_WEBHOOK_SECRET"],
        )
    except webhooks.BadSignature as exc:
        return jsonify(error={"code": "bad_signature", "message": str(exc)}), 400
    status, outcome = webhooks.receive(request.headers.get("X-Patreon-Event", ""), body)
    return jsonify(outcome=outcome), status
