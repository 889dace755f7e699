"""Editors' choices per kind of news: at once, in the daily digest, or not at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from engagement import i18n
from engagement.accounts.models import Editor
from engagement.database import UTCDateTime, utcnow
from engagement.errors import InvalidInput
from engagement.extensions import db

KINDS = {
    "correction": _l("New correction reported"),
    "patron": _l("New or lapsed patron"),
    "suggestion": _l("New topic suggestion"),
}
MODES = {"instant": _l("At once"), "digest": _l("Daily digest"), "off": _l("Off")}
DEFAULT_MODES = {"correction": "instant", "patron": "digest", "suggestion": "digest"}


class NotificationPreference(db.Model):
    """How one editor wants to hear about one kind of news."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("editor_id", "kind"),
        CheckConstraint("mode IN ('instant', 'digest', 'off')", name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("editors.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))


class DigestItem(db.Model):
    """A piece of news waiting for an editor's next digest."""

    __tablename__ = "digest_items"
    __table_args__ = (UniqueConstraint("editor_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("editors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def modes_for(editor: Editor) -> dict[str, str]:
    """The editor's mode for every kind, defaults filled in."""
    stored = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.editor_id == editor.id)
    )
    modes = dict(DEFAULT_MODES)
    modes.update({pref.kind: pref.mode for pref in stored})
    return modes


def set_mode(editor: Editor, kind: str, mode: str) -> None:
    """Store the editor's choice for one kind."""
    if kind not in KINDS or mode not in MODES:
        raise InvalidInput(gettext("Unknown notification kind or mode."), field=kind)
    pref = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.editor_id == editor.id, NotificationPreference.kind == kind
        )
    )
    if pref is None:
        db.session.add(NotificationPreference(editor_id=editor.id, kind=kind, mode=mode))
    else:
        pref.mode = mode
    db.session.flush()


_LISTENING: dict[str, object] = {}  # one statement per kind, built once


def _listening(kind: str):
    if kind not in _LISTENING:
        mode = func.coalesce(NotificationPreference.mode, DEFAULT_MODES[kind])
        _LISTENING[kind] = (
            select(Editor.id)
            .outerjoin(
                NotificationPreference,
                (NotificationPreference.editor_id == Editor.id)
                & (NotificationPreference.kind == kind),
            )
            .where(Editor.active.is_(True), mode != "off")
            .limit(1)
        )
    return _LISTENING[kind]


def listening(kind: str):
    """SQL: some active editor hears of `kind` (an EXISTS to put in a statement of one's own)."""
    return _listening(kind).exists()


def anyone_listens(kind: str, conn: Connection | None = None) -> bool:
    """True when some active editor hears of `kind` (at once or in the digest): one query, on
    `conn` or else the ORM session's connection."""
    return (conn or db.session.connection()).execute(_listening(kind)).first() is not None


def editors_by_mode(kind: str) -> dict[str, list[Editor]]:
    """Active editors grouped by the mode they chose for `kind`."""
    editors = db.session.scalars(select(Editor).where(Editor.active.is_(True))).all()
    prefs = {
        pref.editor_id: pref.mode
        for pref in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.kind == kind)
        )
    }
    grouped: dict[str, list[Editor]] = {mode: [] for mode in MODES}
    for editor in editors:
        grouped[prefs.get(editor.id, DEFAULT_MODES[kind])].append(editor)
    return grouped


def dispatch(
    kind: str,
    template: str,
    dedupe_key: str,
    *,
    summary: str | Callable[[], str] = "",
    url: str = "",
    instant: bool = True,
    **context,
):
    """Queue a mail for at-once editors and a digest item for the others.

    With `instant=False` (e.g. a further report of a known correction) everyone who does not
    have the kind switched off gets it in the digest only. A callable `summary` writes the
    digest line for each editor in that editor's language (the line is stored as written).
    """
    from engagement.notifications.outbox import enqueue, recipient_language

    grouped = editors_by_mode(kind)
    queued = []
    digest_editors = list(grouped["digest"])
    if instant:
        for editor in grouped["instant"]:
            email = enqueue(
                template, editor.email, f"{dedupe_key}:editor:{editor.id}", editor=editor, **context
            )
            if email is not None:
                queued.append(email)
    else:
        digest_editors += grouped["instant"]
    for editor in digest_editors:
        exists = db.session.scalar(
            select(DigestItem.id).where(
                DigestItem.editor_id == editor.id, DigestItem.dedupe_key == dedupe_key
            )
        )
        if exists is None:
            text = summary
            if callable(summary):
                with i18n.language(recipient_language(editor.email)):
                    text = summary()
            db.session.add(
                DigestItem(
                    editor_id=editor.id, kind=kind, dedupe_key=dedupe_key, summary=text, url=url
                )
            )
    db.session.flush()
    return queued
