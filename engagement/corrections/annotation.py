"""A correction as a W3C Web Annotation (JSON-LD), for moving it to any annotation tool."""

from __future__ import annotations

from datetime import datetime

from engagement.corrections.models import Correction, Report
from engagement.urls import public_url

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def selectors(correction: Correction) -> list[dict]:
    """The passage's TextQuoteSelector and, when known, its TextPositionSelector."""
    quote = {"type": "TextQuoteSelector", "exact": correction.quote_exact}
    # Older rows kept a trimmed context that no exact matcher finds: they go without it.
    if correction.quote_as_sent:
        if correction.quote_prefix:
            quote["prefix"] = correction.quote_prefix
        if correction.quote_suffix:
            quote["suffix"] = correction.quote_suffix
    found = [quote]
    if correction.position_start is not None and correction.position_end is not None:
        found.append(
            {
                "type": "TextPositionSelector",
                "start": correction.position_start,
                "end": correction.position_end,
            }
        )
    return found


def _body(report: Report, text: str, purpose: str) -> dict:
    body = {
        "type": "TextualBody",
        "value": text,
        "format": "text/plain",
        "purpose": purpose,
        "created": _time(report.created_at),
    }
    if report.lang:
        body["language"] = report.lang
    return body


def bodies(correction: Correction) -> list[dict]:
    """Each reader's suggestion (purpose `editing`) and comment (`commenting`), spam left out."""
    found = []
    for report in correction.reports:
        if report.is_spam:
            continue
        if report.suggestion:
            found.append(_body(report, report.suggestion, "editing"))
        if report.comment:
            found.append(_body(report, report.comment, "commenting"))
    return found


def web_annotation(correction: Correction) -> dict:
    """The correction as one Web Annotation: the article's passage as target, readers' words
    as body. No reader's address or other personal data is in it."""
    return {
        "@context": CONTEXT,
        "id": public_url("corrections_newsroom.triage_annotation", correction_id=correction.id),
        "type": "Annotation",
        "motivation": "editing",
        "created": _time(correction.first_reported_at),
        "modified": _time(correction.last_reported_at),
        "body": bodies(correction),
        "target": {"source": correction.article_url, "selector": selectors(correction)},
    }
