"""The embeddable widget (`GET /widget.js`, `GET /widget.css`) and the demo article hosting it."""

from __future__ import annotations

import hashlib
import os

from flask import Response, abort, current_app, render_template, request, send_file

from engagement.corrections import widget_messages
from engagement.corrections.blueprints import public
from engagement.extensions import limiter
from engagement.urls import public_url

STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
CACHE_SECONDS = 3600  # every article page loads the script; a fixed URL, so not "immutable"


def _serve(filename: str, mimetype: str):
    response = send_file(
        os.path.join(STATIC_DIR, filename),
        mimetype=mimetype,
        etag=True,
        conditional=True,
        max_age=CACHE_SECONDS,
    )
    response.cache_control.public = True
    # Outlets' pages on other origins load these files.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@public.get("/widget.js")
@limiter.exempt
def widget_script():
    """The widget's script (naming its catalogs' version), with an ETag and caching headers."""
    script = widget_messages.catalogs().script
    response = Response(script, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(script).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@public.get("/widget.css")
@limiter.exempt
def widget_stylesheet():
    """The widget's stylesheet, which the script links into the page."""
    return _serve("widget.css", "text/css")


@public.get("/demo/article")
def demo_article():
    """A sample article with the widget embedded (development and tests only)."""
    if current_app.config["ENGAGEMENT_ENV"] not in ("development", "test"):
        abort(404)
    return render_template(
        "demo/article.html",
        canonical_url=public_url("corrections.demo_article"),
        widget_src=public_url("corrections.widget_script"),
    )
