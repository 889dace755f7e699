"""The public corrections log, its Atom feed, and the link that stops correction mails."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engagement.chrome import register_reader_nav
from engagement.corrections import listing, triage
from engagement.corrections.blueprints import public
from engagement.corrections.triage_forms import StopMailsForm
from engagement.errors import InvalidInput
from engagement.extensions import db, limiter

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
_FEED_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # "updated" of a feed with no entries yet


def public_rate_limit() -> str:
    """The per-IP limit on the public log, the feed and the stop-mails link."""
    return current_app.config["CORRECTIONS_PUBLIC_RATE_LIMIT"]


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


register_reader_nav(public, "corrections", _l("Corrections"), "corrections.public_log", order=30)
register_reader_nav(
    public,
    "corrections_feed",
    _l("Corrections feed (Atom)"),
    "corrections.public_feed",
    order=95,
    footer_only=True,
)


@public.get("/corrections")
@limiter.limit(public_rate_limit)
def public_log():
    """Corrections and clarifications the newsroom made, newest first, by article if asked."""
    article = request.args.get("article", "")[:2048]
    try:
        page = listing.public_page(
            article, request.args.get("after", ""), request.args.get("before", "")
        )
    except InvalidInput as error:
        return render_template(
            "corrections/public/log.html", page=listing.Page(), article=article, error=error.message
        ), 400
    return render_template("corrections/public/log.html", page=page, article=article, error=None)


def _entry_html(correction) -> str:
    return render_template("corrections/public/entry.html", correction=correction)


def _text(parent, tag: str, value: str, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    element.text = value
    return element


def _when(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_feed(entries: list) -> bytes:
    """The log as an Atom 1.0 document (ElementTree escapes every text it writes)."""
    ElementTree.register_namespace("", ATOM_NS)
    base = _base_url()
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", f"{base}/corrections/feed.atom")
    _text(
        feed, "title", _("Corrections · %(newsroom)s", newsroom=current_app.config["NEWSROOM_NAME"])
    )
    _text(feed, "subtitle", _("Mistakes readers reported and the newsroom corrected or clarified."))
    updated = max((c.resolved_at for c in entries), default=_FEED_EPOCH)
    _text(feed, "updated", _when(updated))
    _text(
        feed,
        "link",
        None,
        rel="self",
        type="application/atom+xml",
        href=f"{base}/corrections/feed.atom",
    )
    _text(feed, "link", None, rel="alternate", type="text/html", href=f"{base}/corrections")
    author = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", current_app.config["NEWSROOM_NAME"])
    for correction in entries:
        entry = ElementTree.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(entry, "id", f"{base}/corrections#correction-{correction.id}")
        title = correction.article_title or correction.article_url
        _text(
            entry,
            "title",
            _("Correction: %(title)s", title=title)
            if correction.status == "corrected"
            else _("Clarification: %(title)s", title=title),
        )
        _text(entry, "updated", _when(correction.resolved_at))
        _text(entry, "link", None, rel="alternate", type="text/html", href=correction.article_url)
        _text(entry, "content", _entry_html(correction), type="html")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


@public.get("/corrections/feed.atom")
@limiter.limit(public_rate_limit)
def public_feed():
    """The public log as an Atom feed: the latest corrections and clarifications."""
    body = build_feed(listing.latest_public(FEED_SIZE))
    return Response(body, mimetype="application/atom+xml")


@public.route("/corrections/stop-mails/<token>", methods=["GET", "POST"])
@limiter.limit(public_rate_limit)
def stop_mails(token: str):
    """A reader confirms (by a button, never by merely opening the link) to stop our mails."""
    email = triage.email_from_stop_token(token)
    form = StopMailsForm()
    if form.validate_on_submit():
        triage.stop_mails(email)
        db.session.commit()
        flash(
            _("Done: we will not write to you about your correction reports any more."), "success"
        )
        return redirect(url_for(".stop_mails", token=token, done=1))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "corrections/public/stop_mails.html",
        form=form,
        email=email,
        done=request.args.get("done") == "1",
    ), status
