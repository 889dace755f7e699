"""Taking a reader's report: find or open its correction, keep the report, tell the editors."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy.engine import Connection

from engagement.corrections import filing, grouping
from engagement.corrections.filing import Filed
from engagement.corrections.grouping import Passage
from engagement.corrections.models import Correction, Report
from engagement.corrections.passages import shortened
from engagement.corrections.schemas import HOST_NOT_ALLOWED, ReportIn
from engagement.database import utcnow
from engagement.errors import InvalidInput
from engagement.extensions import db
from engagement.notifications import notify_editors

SOURCES = ("widget", "api", "form")


@dataclass(frozen=True)
class Taken:
    """A report as the API answers it: its id, its correction's id and state, and whether the
    correction is new."""

    report_id: int
    correction_id: int
    status: str
    is_new: bool


@dataclass(frozen=True)
class Sender:
    """Who sent a report, as far as the request tells: never the bare IP address."""

    ip: str = ""
    user_agent: str = ""
    source: str = "api"
    patron_id: int | None = None


def hash_ip(ip: str) -> str:
    """A salted hash of the client's IP (salt from SECRET_KEY): shows repeats, no more."""
    if not ip:
        return ""
    key = ("report-ip:" + current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, ip.encode("utf-8"), hashlib.sha256).hexdigest()


def allowed_hosts() -> frozenset[str]:
    """Hosts whose articles may be reported: the widget's origins and the service itself
    (worked out once per app and settings)."""
    config = current_app.config
    settings = (tuple(config.get("WIDGET_ALLOWED_ORIGINS") or ()), config["PUBLIC_BASE_URL"])
    cached = current_app.extensions.get("corrections_allowed_hosts")
    if cached is None or cached[0] != settings:
        hosts = frozenset(grouping.url_host(origin) for origin in (*settings[0], settings[1]))
        cached = (settings, hosts - {""})
        current_app.extensions["corrections_allowed_hosts"] = cached
    return cached[1]


def passage_of(data: ReportIn) -> Passage:
    """The passage a report points at, as grouping compares it (normalised)."""
    position = data.position
    return grouping.comparable(
        data.quote.exact,
        data.quote.prefix,
        data.quote.suffix,
        position.start if position else None,
        position.end if position else None,
    )


def _stored_passage(correction: Correction) -> Passage:
    return grouping.comparable(
        correction.quote_exact,
        correction.quote_prefix,
        correction.quote_suffix,
        correction.position_start,
        correction.position_end,
    )


def _matching(passage: Passage, candidates: list) -> int | None:
    for row in candidates:
        stored = grouping.comparable(
            row.quote_exact,
            row.quote_prefix,
            row.quote_suffix,
            row.position_start,
            row.position_end,
        )
        if passage.same_passage(stored):
            return row.id
    return None


def find_open_correction_id(article_url: str, passage: Passage) -> int | None:
    """The open correction of this article for the same passage, the most reported first."""
    return _matching(
        passage,
        filing.candidates(db.session.connection(), article_url, grouping.quote_key(passage.exact)),
    )


def find_open_correction(article_url: str, passage: Passage) -> Correction | None:
    """The open correction for the same passage as an object (see find_open_correction_id)."""
    found = find_open_correction_id(article_url, passage)
    return db.session.get(Correction, found) if found is not None else None


def _correction_values(
    article_url: str, data: ReportIn, passage: Passage, status: str, now
) -> dict:
    quote = data.quote  # stored as sent; `passage` is the normalised form for the keys
    return {
        "article_url": article_url,
        "article_host": grouping.url_host(article_url),
        "article_title": data.title,
        "quote_exact": quote.exact,
        "quote_prefix": quote.prefix,
        "quote_suffix": quote.suffix,
        "quote_as_sent": True,
        "quote_key": grouping.quote_key(passage.exact),
        "anchor_key": grouping.anchor_key(passage.prefix, passage.exact, passage.suffix),
        "position_start": passage.start,
        "position_end": passage.end,
        "status": status,
        # This report is counted in the INSERT: no UPDATE after it.
        "report_count": 1,
        "first_reported_at": now,
        "last_reported_at": now,
        "created_at": now,
        "public_note": "",
    }


def _file(
    conn: Connection,
    article_url: str,
    data: ReportIn,
    passage: Passage,
    candidates: list,
    now,
    report: dict,
) -> tuple[Filed, int]:
    """Count the report in the matching open correction, or a new one; with the report's
    INSERT (one statement on PostgreSQL). (Where it went, the report's id.)"""
    found = _matching(passage, candidates)
    done = (
        filing.join_and_report(conn, found, data.title, now, report) if found is not None else None
    )
    return done or filing.open_and_report(
        conn, _correction_values(article_url, data, passage, "new", now), report
    )


def _report_values(data: ReportIn, passage: Passage, sender: Sender, spam: bool, now) -> dict:
    """The report's columns but its correction (filing adds that)."""
    return {
        "quote_exact": data.quote.exact,
        "quote_prefix": data.quote.prefix,
        "quote_suffix": data.quote.suffix,
        "position_start": passage.start,
        "position_end": passage.end,
        "page_url": data.url,
        "title": data.title,
        "suggestion": data.suggestion.strip(),
        "comment": data.comment.strip(),
        "email": data.email,
        "notify": data.notify,
        "lang": data.lang,
        "user_agent": sender.user_agent[:512],
        "ip_hash": hash_ip(sender.ip),
        "source": sender.source if sender.source in SOURCES else "api",
        "is_spam": spam,
        "patron_id": sender.patron_id,
        "created_at": now,
    }


def take_report(data: ReportIn, sender: Sender, conn: Connection | None = None) -> Taken | None:
    """Keep a reader's report in the open correction for its passage (or a new one); no commit.

    Three statements (the open corrections with the same quote and whether any editor
    listens, the INSERT or UPDATE of the correction, the report's INSERT), in SQLAlchemy Core,
    on `conn` or else the ORM session's connection. A filled honeypot (`website`) is kept as
    spam in a correction of its own and tells no one. Editors are told through the ORM
    session, in its transaction: on a connection of the caller's, when some editor listens,
    nothing is written and the answer is None (the caller takes the report again without one).
    """
    own_connection = conn is not None
    conn = conn or db.session.connection()
    if grouping.url_host(data.url) not in allowed_hosts():
        raise InvalidInput(
            gettext("Some of what was sent is not valid."), fields={"url": str(HOST_NOT_ALLOWED)}
        )
    article_url = grouping.canonical_url(data.url)
    passage = passage_of(data)
    spam = bool(data.website.strip())
    now = utcnow()
    report = _report_values(data, passage, sender, spam, now)
    if spam:  # a filled honeypot: a correction of its own, closed as spam
        listening = False
        filed, report_id = filing.open_and_report(
            conn, _correction_values(article_url, data, passage, "spam", now), report
        )
    else:
        listening, candidates = filing.lookup(conn, article_url, grouping.quote_key(passage.exact))
        if listening and own_connection:
            return None
        filed, report_id = _file(conn, article_url, data, passage, candidates, now, report)
    taken = Taken(report_id, filed.id, "new" if spam else filed.status, filed.created)
    if listening:
        alert_editors(_loaded(Correction, filed.id), _loaded(Report, report_id), filed.created)
    return taken


def _loaded(model, row_id: int):
    # Written with Core: an object of it already in the session would show the old values.
    return db.session.get(model, row_id, populate_existing=True)


def submit_report(data: ReportIn, sender: Sender) -> Report:
    """`take_report`, returning the stored report as an object (for callers that change it)."""
    taken = take_report(data, sender)
    assert taken is not None  # in the ORM session, a report is always taken
    report = _loaded(Report, taken.report_id)
    _loaded(Correction, taken.correction_id)
    return report


def triage_url(correction: Correction) -> str:
    """The editors' page for the correction (built from PUBLIC_BASE_URL; triage owns the route)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/newsroom/corrections/{correction.id}"


def alert_editors(correction: Correction, report: Report, is_new: bool) -> None:
    """A new correction mails the at-once editors; a further report goes into the digest only."""
    where = correction.article_title or correction.article_url
    url = triage_url(correction)
    context = {
        "correction": correction,
        "report": report,
        "triage_url": url,
        "fragment_url": grouping.text_fragment_url(
            correction.article_url, _stored_passage(correction)
        ),
    }
    excerpt = shortened(correction.quote_exact)
    count = correction.report_count
    if is_new:
        notify_editors(
            "correction",
            "correction_new",
            dedupe_key=f"correction:{correction.id}:new",
            summary=lambda: gettext(
                "New correction: “%(excerpt)s” in %(where)s", excerpt=excerpt, where=where
            ),
            url=url,
            **context,
        )
    else:
        notify_editors(
            "correction",
            "correction_new",
            dedupe_key=f"correction:{correction.id}:report:{report.id}",
            summary=lambda: gettext(
                "Another report (%(count)s) of “%(excerpt)s” in %(where)s",
                count=count,
                excerpt=excerpt,
                where=where,
            ),
            url=url,
            instant=False,
            **context,
        )
