"""Corrections: a flagged passage of one article (`Correction`) and each reader's `Report` of it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.accounts.models import Editor
from engagement.corrections.passages import Excerpt, excerpt, readable
from engagement.database import UTCDateTime, utcnow
from engagement.errors import Conflict, InvalidInput
from engagement.extensions import db

# The whole lifecycle; triage (issue 5) moves a correction between these.
STATUSES = ("new", "in_review", "corrected", "clarified", "no_action", "spam", "duplicate")
OPEN_STATUSES = ("new", "in_review")
_OPEN_SQL = "status IN ('new', 'in_review')"
# Triage (issue 5): the moves an editor may make, and which states the public log shows.
PUBLIC_STATUSES = ("corrected", "clarified")
_PUBLIC_SQL = "status IN ('corrected', 'clarified')"
CLOSED_STATUSES = ("corrected", "clarified", "no_action", "spam", "duplicate")
TRANSITIONS = {
    # One-step triage: a new correction may be decided at once; review is optional.
    "new": ("in_review", "corrected", "clarified", "no_action", "spam"),
    "in_review": ("corrected", "clarified", "no_action", "spam"),
    **{closed: ("in_review",) for closed in CLOSED_STATUSES},  # reopen
}

# A state as a word inside a sentence ("A correction that is no action cannot become spam.").
STATE_WORDS = {
    "new": _l("new"),
    "in_review": _l("in review"),
    "corrected": _l("corrected"),
    "clarified": _l("clarified"),
    "no_action": _l("no action"),
    "spam": _l("spam"),
    "duplicate": _l("duplicate"),
}

QUOTE_CONTEXT_MAX = 64  # characters of prefix and suffix kept around the passage
QUOTE_EXACT_MAX = 1000


class Correction(db.Model):
    """One passage of one article that readers flagged: the unit editors triage."""

    __tablename__ = "corrections"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'in_review', 'corrected', 'clarified', 'no_action', 'spam', "
            "'duplicate')",
            name="status_known",
        ),
        CheckConstraint("report_count >= 0", name="report_count_not_negative"),
        # Keyset pagination for the triage lists, with and without a status filter.
        Index("ix_corrections_last_reported", "last_reported_at", "id"),
        Index("ix_corrections_report_count", "report_count", "id"),
        Index("ix_corrections_status_last_reported", "status", "last_reported_at", "id"),
        Index("ix_corrections_status_report_count", "status", "report_count", "id"),
        # Grouping looks up open corrections of one article with the same normalised quote.
        Index("ix_corrections_article_quote", "article_url", "quote_key"),
        # At most one open correction per article and anchored passage: parallel identical
        # reports collide here and the loser joins the winner.
        Index(
            "uq_corrections_open_anchor",
            "article_url",
            "anchor_key",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        # Triage's "oldest unhandled" sort and the public log, in keyset order.
        Index(
            "ix_corrections_open_first_reported",
            "first_reported_at",
            "id",
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index(
            "ix_corrections_public_resolved",
            "resolved_at",
            "id",
            sqlite_where=text(_PUBLIC_SQL),
            postgresql_where=text(_PUBLIC_SQL),
        ),
        # The dashboard's weekly figures: corrections reported and closed in a window.
        Index("ix_corrections_created_at", "created_at"),
        Index("ix_corrections_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_url: Mapped[str] = mapped_column(String(2048))  # canonical
    article_host: Mapped[str] = mapped_column(String(255), index=True)
    article_title: Mapped[str] = mapped_column(String(300), default="")
    # The W3C TextQuoteSelector as the first report sent it (docs/widget.md).
    quote_exact: Mapped[str] = mapped_column(Text)
    quote_prefix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
    quote_suffix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
    # False for rows stored before quotes were kept as sent: their whitespace was collapsed and
    # their context trimmed, so no exact matcher finds them by prefix and suffix.
    quote_as_sent: Mapped[bool] = mapped_column(default=True, server_default=false())
    # sha256 of the normalised exact text: the grouping key.
    quote_key: Mapped[str] = mapped_column(String(64))
    # sha256 of the normalised prefix, exact and suffix: one occurrence of the passage.
    anchor_key: Mapped[str] = mapped_column(String(64))
    position_start: Mapped[int | None] = mapped_column(Integer)
    position_end: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="new")
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    first_reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Triage (issue 5).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("editors.id", ondelete="SET NULL"), index=True
    )
    public_note: Mapped[str] = mapped_column(Text, default="")  # what was wrong, what is right
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("corrections.id", ondelete="SET NULL"), index=True
    )

    reports: Mapped[list[Report]] = relationship(
        back_populates="correction", order_by="Report.id", passive_deletes=True
    )
    assignee: Mapped[Editor | None] = relationship()
    events: Mapped[list[CorrectionEvent]] = relationship(
        back_populates="correction", order_by="CorrectionEvent.id", passive_deletes=True
    )

    @property
    def quote_text(self) -> str:
        """The passage on one line, for reading."""
        return readable(self.quote_exact)

    @property
    def excerpt(self) -> Excerpt:
        """The passage with its context, for reading."""
        return excerpt(
            self.quote_exact,
            self.quote_prefix,
            self.quote_suffix,
            cut_at=QUOTE_CONTEXT_MAX,
            as_sent=self.quote_as_sent,
        )

    @property
    def is_open(self) -> bool:
        """Open corrections still wait for an editor's decision and gather new reports."""
        return self.status in OPEN_STATUSES

    @property
    def next_statuses(self) -> tuple[str, ...]:
        """The states an editor may move this correction to (duplicate only by merging)."""
        return TRANSITIONS[self.status]

    def move_to(
        self, status: str, editor_id: int | None, note: str = "", public_note: str | None = None
    ) -> CorrectionEvent:
        """Change state if the move is allowed, and record who did it; refuse otherwise.

        `corrected` and `clarified` need a public note (what was wrong, what is right).
        """
        if status not in STATUSES or status == "duplicate":
            raise InvalidInput(gettext("Choose one of the offered states."), field="status")
        if status not in TRANSITIONS[self.status]:
            raise Conflict(
                gettext(
                    "A correction that is %(current)s cannot become %(wanted)s.",
                    current=STATE_WORDS[self.status],
                    wanted=STATE_WORDS[status],
                ),
                field="status",
            )
        if public_note is not None:
            self.public_note = public_note.strip()
        if status in PUBLIC_STATUSES and not self.public_note:
            raise InvalidInput(
                gettext("Write the public note: what was wrong and what is right."),
                field="public_note",
            )
        if status == "in_review":
            self.duplicate_of_id = None
        return self._record(status, editor_id, note)

    def mark_duplicate_of(
        self, target: Correction, editor_id: int | None, note: str = ""
    ) -> CorrectionEvent:
        """Close this open correction as a duplicate of `target`."""
        if not self.is_open:
            raise Conflict(
                gettext("Only a new or in-review correction can be merged."), field="target"
            )
        if target.id == self.id or target.status == "duplicate":
            raise InvalidInput(
                gettext("Merge into another correction that is not itself a duplicate."),
                field="target",
            )
        self.duplicate_of_id = target.id
        return self._record("duplicate", editor_id, note)

    def _record(self, status: str, editor_id: int | None, note: str) -> CorrectionEvent:
        event = CorrectionEvent(
            correction=self,
            editor_id=editor_id,
            from_status=self.status,
            to_status=status,
            note=note.strip(),
            created_at=utcnow(),
        )
        self.status = status
        self.resolved_at = event.created_at if status in CLOSED_STATUSES else None
        return event


class Report(db.Model):
    """One reader's submission about a passage; many reports group into one correction."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_correction_created", "correction_id", "created_at"),
        Index("ix_reports_ip_hash_created", "ip_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id", ondelete="CASCADE"))
    quote_exact: Mapped[str] = mapped_column(Text)
    quote_prefix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
    quote_suffix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
    position_start: Mapped[int | None] = mapped_column(Integer)
    position_end: Mapped[int | None] = mapped_column(Integer)
    page_url: Mapped[str] = mapped_column(String(2048))  # as sent (canonical link when present)
    title: Mapped[str] = mapped_column(String(300), default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    notify: Mapped[bool] = mapped_column(default=False)  # the reader wants to hear of the fix
    lang: Mapped[str] = mapped_column(String(16), default="")
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    ip_hash: Mapped[str] = mapped_column(String(64), default="")  # salted; never the address
    source: Mapped[str] = mapped_column(String(16), default="widget")  # widget | api | form
    is_spam: Mapped[bool] = mapped_column(default=False)
    patron_id: Mapped[int | None] = mapped_column(
        ForeignKey("patrons.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    correction: Mapped[Correction] = relationship(back_populates="reports")

    @property
    def quote_text(self) -> str:
        """The reported passage on one line, for reading."""
        return readable(self.quote_exact)


class CorrectionEvent(db.Model):
    """One change of a correction's state: who (an editor), when, from, to, and why."""

    __tablename__ = "correction_events"
    __table_args__ = (Index("ix_correction_events_correction", "correction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    correction: Mapped[Correction] = relationship(back_populates="events")
    editor: Mapped[Editor | None] = relationship()


class CorrectionNote(db.Model):
    """An editors-only note on a correction."""

    __tablename__ = "correction_notes"
    __table_args__ = (Index("ix_correction_notes_correction", "correction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[Editor | None] = relationship()
