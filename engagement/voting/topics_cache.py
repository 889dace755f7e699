"""`/topics` for signed-in co-creators from a per-process cache, with the reader's own overlay.

What a signed-in reader's page shows beyond the shared page is small: whether they may vote in
each open round, which topics they voted for, how many votes they have left, and the CSRF token
of its forms. The page is rendered once per TOPICS_CACHE_SECONDS and process for each such
ballot state (the same key for every reader whose ballot is the same), with a placeholder where
the token goes; each request then costs the patron check, two light queries (their votes and
their eligibility per open round) and the token put in. The reader's own ballot is always
current; the shared counts lag by at most TOPICS_CACHE_SECONDS, as for anonymous readers.
"""

from __future__ import annotations

import time

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.i18n import current_language
from engagement.voting.eligibility import eligible
from engagement.voting.models import Round, Vote

PLACEHOLDER = "__topics-cache-csrf-token__"
MAX_PAGES = 2000  # ballot states kept per process; the cache starts afresh beyond

_R, _V = Round.__table__, Vote.__table__
_NOW = bindparam("now", type_=_R.c.opens_at.type)
_OPEN_ROUNDS = select(_R.c.id).where(
    _R.c.opens_at <= _NOW, _R.c.closes_at > _NOW, _R.c.closed_early_at.is_(None)
)
_BALLOT = select(_R.c.id, eligible(_R.c.id, _NOW, bindparam("patron_id")).label("may_vote")).where(
    _R.c.id.in_(bindparam("round_ids", expanding=True))
)
_VOTED = select(_V.c.round_id, _V.c.topic_id).where(
    _V.c.patron_id == bindparam("patron_id"),
    _V.c.round_id.in_(bindparam("round_ids", expanding=True)),
)


def _cache() -> dict:
    return current_app.extensions.setdefault("voting_topics_reader_cache", {})


def _open_round_ids(now_mono: float, now) -> tuple[int, ...]:
    # Shared by every reader: which rounds are open, refreshed with the pages.
    cache = _cache()
    cached = cache.get("open-rounds")
    if cached is None or cached[0] <= now_mono:
        ids = tuple(db.session.connection().execute(_OPEN_ROUNDS, {"now": now}).scalars())
        cached = (now_mono + current_app.config["TOPICS_CACHE_SECONDS"], ids)
        cache["open-rounds"] = cached
    return cached[1]


def ballot_key(patron_id: int, sort: str) -> tuple:
    """What makes this reader's page differ from another's: per open round, whether they may
    vote and what they voted for."""
    now_mono, now = time.monotonic(), utcnow()
    round_ids = _open_round_ids(now_mono, now)
    if not round_ids:
        return (sort,)
    conn = db.session.connection()
    params = {"patron_id": patron_id, "round_ids": list(round_ids), "now": now}
    voted: dict[int, list[int]] = {}
    for round_id, topic_id in conn.execute(_VOTED, params):
        voted.setdefault(round_id, []).append(topic_id)
    may = dict(conn.execute(_BALLOT, params).all())
    return (
        sort,
        *((rid, bool(may.get(rid)), tuple(sorted(voted.get(rid, ())))) for rid in round_ids),
    )


def may_use() -> bool:
    """The reader's page may come from the cache: on, no flashed message, no editor session."""
    return (
        current_app.config["TOPICS_CACHE_SECONDS"] > 0
        and "_flashes" not in session
        and "_user_id" not in session
    )


def page(key: tuple, render) -> str:
    """The page for this ballot state and language, with this reader's CSRF token; `render()`
    on a miss."""
    cache, now_mono = _cache(), time.monotonic()
    key = (current_language(), *key)
    cached = cache.get(key)
    if cached is None or cached[0] <= now_mono:
        if len(cache) > MAX_PAGES:
            cache.clear()
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        real = g.pop(field, None)
        setattr(g, field, PLACEHOLDER)  # Flask-WTF hands out what `g` holds
        try:
            html, status = render()
        finally:
            g.pop(field, None)
            if real is not None:
                setattr(g, field, real)
        if status != 200 or "_flashes" in session:
            return html.replace(PLACEHOLDER, generate_csrf()), status
        cached = (now_mono + current_app.config["TOPICS_CACHE_SECONDS"], html)
        cache[key] = cached
    return cached[1].replace(PLACEHOLDER, generate_csrf()), 200
