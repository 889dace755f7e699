"""Corrections: a flagged passage of one article (`Correction`) and each reader's `Report` of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db

# The whole lifecycle; triage (issue 5) moves a correction between these.
STATUSES = ("new", "in_review", "corrected", "clarified", "no_action", "spam", "duplicate")
OPEN_STATUSES = ("new", "in_review")
_OPEN_SQL = "status IN ('new', 'in_review')"

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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_url: Mapped[str] = mapped_column(String(2048))  # canonical
    article_host: Mapped[str] = mapped_column(String(255), index=True)
    article_title: Mapped[str] = mapped_column(String(300), default="")
    quote_exact: Mapped[str] = mapped_column(Text)  # whitespace-normalised
    quote_prefix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
    quote_suffix: Mapped[str] = mapped_column(String(QUOTE_CONTEXT_MAX), default="")
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

    reports: Mapped[list[Report]] = relationship(
        back_populates="correction", order_by="Report.id", passive_deletes=True
    )

    @property
    def is_open(self) -> bool:
        """Open corrections still wait for an editor's decision and gather new reports."""
        return self.status in OPEN_STATUSES


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
