"""`GET /healthz`: is the service up and does its database answer."""

from flask import Blueprint, jsonify

from engagement.database import ping
from engagement.extensions import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when the database answers, 503 when it does not."""
    if ping():
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unreachable"), 503
