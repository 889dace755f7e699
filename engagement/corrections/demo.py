"""Demo data for `flask demo seed`: readers' reports of the demo article over the last weeks,
and corrections in every state (corrected and clarified with public notes, in review, no action,
spam, a duplicate, new ones waiting). Times are relative to the seeding."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from engagement.accounts.models import Editor
from engagement.corrections import grouping, triage
from engagement.corrections.models import Correction, CorrectionEvent, Report
from engagement.corrections.schemas import ReportIn
from engagement.corrections.services import Sender, submit_report
from engagement.database import utcnow
from engagement.extensions import db

TITLE = "Riverside bridge opens six months late"
# (days ago, exact, prefix, suffix, suggestion, comment, reader's email or "")
REPORTS = (
    (
        26,
        "six months later",
        "opened to walkers on Saturday morning, ",
        " than the council had promised",
        "five months later",
        "The opening was planned for October.",
        "olha.moroz@example.org",
    ),
    (
        25,
        "six months later",
        "walkers on Saturday morning, ",
        " than the council",
        "",
        "I think it was five.",
        "",
    ),
    (
        24,
        "Saturday morning",
        "opened to walkers on ",
        ", six months later",
        "five months later",
        "It was five months late, not six.",
        "",
    ),
    (
        21,
        "5.1 million",
        "The final bill, published on Friday, came to ",
        ", which the deputy",
        "",
        "Does this include VAT? The council's page says 4.25 million before tax.",
        "jonas.becker@example.org",
    ),
    (
        18,
        "Sadova Street",
        "who runs the bakery on ",
        ".",
        "Sadova Lane",
        "The bakery is on Sadova Lane.",
        "",
    ),
    (
        15,
        "Petro Levchenko",
        "Its chair, ",
        ", said the town",
        "",
        "Cheap watches and bags at our online shop!",
        "",
    ),
    (
        9,
        "a budget of 4.2 million hryvnias",
        "The council approved ",
        " for the timber and steel crossing in 2023.",
        "a budget of 4.4 million hryvnias",
        "The council minutes of 12 May 2023 say 4.4 million.",
        "lena.vogel@example.org",
    ),
    (
        4,
        "two kilometres",
        "who until now walked ",
        " to the road bridge",
        "three kilometres",
        "From the eastern bank it is nearer three.",
        "",
    ),
    (
        1,
        "early summer",
        "publish an audit of the project in ",
        ". Its chair",
        "June",
        "The agenda says the audit is due in June.",
        "",
    ),
)
# What the editors decided, by passage: (status, editors' note, public note).
DECISIONS = {
    "six months later": (
        "corrected",
        "Checked the council's press releases.",
        "We wrote that the bridge opened six months later than promised; it "
        "opened five months late, in March rather than October.",
    ),
    "5.1 million": (
        "clarified",
        "",
        "The final bill of 5.1 million hryvnias includes VAT; before tax it came to 4.25 million.",
    ),
    "Sadova Street": (
        "no_action",
        "The bakery's sign and the town map both say Sadova Street.",
        None,
    ),
    "Petro Levchenko": ("spam", "", None),
    "a budget of 4.2 million hryvnias": ("in_review", "Asked the council for the minutes.", None),
}


def _article_url() -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return grouping.canonical_url(f"{base}/demo/article")


def _submit(article_url: str, row: tuple, now: datetime) -> Report:
    days, exact, prefix, suffix, suggestion, comment, email = row
    data = ReportIn.model_validate(
        {
            "url": article_url,
            "title": TITLE,
            "lang": "en",
            "suggestion": suggestion,
            "comment": comment,
            "quote": {"exact": exact, "prefix": prefix, "suffix": suffix},
            **({"email": email, "notify": True} if email else {}),
        }
    )
    report = submit_report(data, Sender(user_agent="flask demo seed", source="widget"))
    at = now - timedelta(days=days, hours=3)
    report.created_at = at
    correction = report.correction
    if correction.report_count == 1:
        correction.first_reported_at = at
    correction.last_reported_at = at
    return report


def _decide(corrections: dict[str, Correction], editor: Editor, now: datetime) -> None:
    duplicate = corrections.pop("Saturday morning")
    triage.merge_into(duplicate, corrections["six months later"].id, editor)
    for exact, (status, note, public_note) in DECISIONS.items():
        correction = corrections[exact]
        triage.assign(correction, editor.id)
        if status != "in_review":
            triage.change_status(correction, "in_review", editor)
        triage.change_status(correction, status, editor, note=note, public_note=public_note)
    # The decisions were taken a day or two after the first report, not all at the seeding.
    for correction in [duplicate, *corrections.values()]:
        when = min(correction.first_reported_at + timedelta(days=2), now)
        for event in db.session.scalars(
            select(CorrectionEvent).where(CorrectionEvent.correction_id == correction.id)
        ):
            event.created_at = when
        if correction.resolved_at is not None:
            correction.resolved_at = when


def seed_corrections(now: datetime | None = None) -> list[str]:
    """The demo article's reports and what the editors made of them (once)."""
    now = now or utcnow()
    article_url = _article_url()
    summary = (
        f"Demo corrections: {len(REPORTS)} reports of {TITLE!r}, a correction in every "
        "state, at /corrections and /newsroom/corrections"
    )
    editor = db.session.scalar(select(Editor).where(Editor.role == "admin").order_by(Editor.id))
    if editor is None or db.session.scalar(
        select(Correction.id).where(Correction.article_url == article_url)
    ):
        return [summary]
    corrections: dict[str, Correction] = {}
    for row in REPORTS:
        report = _submit(article_url, row, now)
        corrections.setdefault(row[1], report.correction)
    db.session.flush()
    _decide(corrections, editor, now)
    db.session.flush()
    return [summary]
