"""Helpers for the triage and public-log tests: reports through the intake's own service, and
corrections made directly when a test needs exact times and counts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from engagement.corrections.models import Correction, Report
from engagement.corrections.schemas import ReportIn
from engagement.corrections.services import Sender, submit_report
from engagement.extensions import db

ARTICLE = "https://news.example.org/2026/bridge"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def report(app, exact: str = "six months later", url: str = ARTICLE, **fields) -> tuple[int, int]:
    """Send a reader's report the way the API does; (correction id, report id)."""
    body = {
        "url": url,
        "title": "Riverside bridge opens six months late",
        "quote": {
            "exact": exact,
            "prefix": fields.pop("prefix", "opened on Saturday, "),
            "suffix": fields.pop("suffix", " than promised"),
        },
        "lang": "en",
        "comment": "The council said otherwise.",
        **fields,
    }
    with app.app_context():
        taken = submit_report(ReportIn.model_validate(body), Sender(source="api"))
        db.session.commit()
        return taken.correction_id, taken.id


def make_corrections(app, specs: list[dict]) -> list[int]:
    """Insert corrections with chosen fields (times, counts, status), one report each."""
    ids = []
    with app.app_context():
        for n, spec in enumerate(specs):
            spec = dict(spec)
            suggestion = spec.pop("suggestion", "")
            comment = spec.pop("comment", "")
            exact = spec.pop("quote_exact", f"passage number {n}")
            first = spec.pop("first_reported_at", T0 + timedelta(minutes=n))
            key = hashlib.sha256(f"{exact}-{n}".encode()).hexdigest()
            correction = Correction(
                article_url=spec.pop("article_url", ARTICLE),
                article_host=spec.pop("article_host", "news.example.org"),
                article_title=spec.pop("article_title", "Riverside bridge"),
                quote_exact=exact,
                quote_key=key,
                anchor_key=key,
                status=spec.pop("status", "new"),
                report_count=spec.pop("report_count", 1),
                first_reported_at=first,
                last_reported_at=spec.pop("last_reported_at", first),
                created_at=first,
                **spec,
            )
            db.session.add(correction)
            db.session.add(
                Report(
                    correction=correction,
                    quote_exact=exact,
                    page_url=correction.article_url,
                    suggestion=suggestion,
                    comment=comment,
                    created_at=first,
                )
            )
            db.session.flush()
            ids.append(correction.id)
        db.session.commit()
    return ids
