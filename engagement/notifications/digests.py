"""Daily digests: at DIGEST_HOUR on the newsroom's clock, each editor's waiting news in one mail."""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import groupby

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engagement.accounts.models import Editor
from engagement.extensions import db
from engagement.formatting import newsroom_time
from engagement.notifications.models import Email
from engagement.notifications.outbox import enqueue
from engagement.notifications.preferences import KINDS, DigestItem, modes_for

log = logging.getLogger(__name__)


def digest_key(editor_id: int, local_date) -> str:
    """One digest per editor per newsroom day."""
    return f"digest:{editor_id}:{local_date.isoformat()}"


def run_digests(now: datetime) -> int:
    """Queue today's digests if the digest hour has come; return how many were queued.

    Each editor's digest and the marking of its items happen in one transaction, committed
    here; a second worker doing the same at the same moment loses on the dedupe key and
    rolls back, so nobody gets two digests for one day.
    """
    today = newsroom_time(now)
    if today.hour < current_app.config["DIGEST_HOUR"]:
        return 0
    editor_ids = db.session.scalars(
        select(DigestItem.editor_id).where(DigestItem.digested_at.is_(None)).distinct()
    ).all()
    queued = 0
    for editor_id in editor_ids:
        try:
            queued += build_digest(editor_id, now, today)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another worker queued this digest first
    return queued


def build_digest(editor_id: int, now: datetime, today: datetime) -> int:
    """Queue one editor's digest for `today` (flushes, never commits); 1 if a mail was queued."""
    key = digest_key(editor_id, today.date())
    if db.session.scalar(select(Email.id).where(Email.dedupe_key == key)) is not None:
        return 0  # today's digest went out already; later news waits for tomorrow's
    editor = db.session.get(Editor, editor_id)
    items = db.session.scalars(
        select(DigestItem)
        .where(
            DigestItem.editor_id == editor_id,
            DigestItem.digested_at.is_(None),
            DigestItem.created_at <= now,
        )
        .order_by(DigestItem.kind, DigestItem.created_at, DigestItem.id)
    ).all()
    wanted = _wanted(editor, items)
    for item in items:
        item.digested_at = now
    if not wanted:
        db.session.flush()
        return 0
    sections = [
        {
            "kind": kind,
            "label": KINDS.get(kind, kind),
            "items": [{"summary": item.summary, "url": _absolute(item.url)} for item in group],
        }
        for kind, group in groupby(wanted, key=lambda item: item.kind)
    ]
    enqueue(
        "digest", editor.email, key, editor=editor, sections=sections, count=len(wanted), date=today
    )
    db.session.flush()
    return 1


def _wanted(editor: Editor | None, items: list[DigestItem]) -> list[DigestItem]:
    """Items the editor still wants: none for a deactivated editor or a kind switched off."""
    if editor is None or not editor.active:
        return []
    modes = modes_for(editor)
    return [item for item in items if modes.get(item.kind, "digest") != "off"]


def _absolute(url: str) -> str:
    """Links in mail must be absolute; anything but http(s) or a site path is dropped."""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url
    return ""
