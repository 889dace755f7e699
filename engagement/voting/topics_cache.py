"""`/topics` for signed-in co-creators: one shared page per process, each reader's ballot laid over.

What a signed-in reader's page shows beyond what every co-creator sees is small: whether they
may vote in each open round, how many votes they have left there, which topics they voted for,
and the CSRF token of its forms. So the page is rendered once per TOPICS_CACHE_SECONDS, process,
language and sort order in "overlay" mode: each round's head and each topic in every variant a
reader may need (may vote with votes left, with none left, may not vote; voted or not), between
markers, and a placeholder where the token goes. That render is cut once into plain text and
slots; a request then costs one light statement (the session check, the reader's saved language,
their eligibility per round of the page and their votes) and picking a variant per slot. The
reader's own ballot is always current; the shared counts lag by at most TOPICS_CACHE_SECONDS, as
for anonymous readers. The page needs no JavaScript: the forms are in it, as on a page rendered
for the reader alone (tests/voting/test_topics_overlay.py compares the two).
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter, ColumnClause

from engagement.accounts.auth import current_patron_id, remember_patron
from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.i18n import current_language
from engagement.voting.eligibility import eligible
from engagement.voting.models import Round, Vote

PLACEHOLDER = "__topics-cache-csrf-token__"
MAX_PAGES = 64  # (language, sort) pages kept per process; the cache starts afresh beyond

_R, _V, _P = Round.__table__, Vote.__table__, Patron.__table__
_PATRON_ID: BindParameter[int] = bindparam("patron_id")
_LIVE_PATRON = (_P.c.id == _PATRON_ID, _P.c.erased_at.is_(None))


@functools.lru_cache(maxsize=16)
def _ballot_statement(round_ids: tuple[int, ...]):
    """One statement: a row per round of the page (may this reader vote there now? and, on
    each such row, the session check: the patron's session version unless erased, and their
    saved language, as auth.current_patron_id reads them) and a row per vote of theirs in those
    rounds. The page's round ids are written into the SQL (numbers this module read from its
    own page): built and compiled once per set of open rounds, nothing expanded per request."""
    ids: list[ColumnClause[Any]] = [literal_column(str(int(round_id))) for round_id in round_ids]
    return union_all(
        select(
            _R.c.id.label("round_id"),
            cast(null(), Integer).label("topic_id"),
            eligible(_R.c.id, bindparam("now", type_=_R.c.opens_at.type), _PATRON_ID),
            select(_P.c.session_version).where(*_LIVE_PATRON).scalar_subquery(),
            select(_P.c.language).where(*_LIVE_PATRON).scalar_subquery(),
        ).where(_R.c.id.in_(ids)),
        select(
            _V.c.round_id,
            _V.c.topic_id,
            cast(null(), Boolean),
            cast(null(), Integer),
            cast(null(), String),
        ).where(_V.c.patron_id == _PATRON_ID, _V.c.round_id.in_(ids)),
    )


# What the template writes in overlay mode (templates/voting/topics.html).
_MARK = re.compile(
    r"<!--ov-round:(\d+):(\d+)-->|<!--ov:([rt])(\d+):(\w+)-->(.*?)<!--/ov-->", re.DOTALL
)


def remaining_placeholder(round_id: int) -> str:
    """What stands for the number of votes a reader has left in a round, in the shared page."""
    return f"__ov-remaining-{round_id}__"


@dataclass
class Slot:
    """A part of the page that differs between readers: a round's head ("r") or a topic ("t")."""

    kind: str
    ident: int
    round_id: int
    variants: dict[str, str] = field(default_factory=dict)


@dataclass
class SharedPage:
    """The shared page cut into text and slots, and the budget of each of its rounds."""

    expires: float
    parts: list
    budgets: dict[int, int]


def cut(html: str, expires: float = 0.0) -> SharedPage:
    """The overlay-mode page as text and slots (adjacent variants of one slot are one slot)."""
    parts: list = []
    budgets: dict[int, int] = {}
    position, round_id = 0, 0
    for mark in _MARK.finditer(html):
        text = html[position : mark.start()]
        position = mark.end()
        if mark.group(1):
            round_id = int(mark.group(1))
            budgets[round_id] = int(mark.group(2))
            if text:
                parts.append(text)
            continue
        kind, ident, variant, body = mark.group(3), int(mark.group(4)), mark.group(5), mark[6]
        last = parts[-1] if parts else None
        if not text and isinstance(last, Slot) and (last.kind, last.ident) == (kind, ident):
            last.variants[variant] = body
            continue
        if text:
            parts.append(text)
        parts.append(Slot(kind, ident, round_id, {variant: body}))
    parts.append(html[position:])
    return SharedPage(expires, parts, budgets)


Ballot = dict[int, tuple[bool, int, set[int]]]


def ballot(claim: tuple[int, int], budgets: dict[int, int]) -> Ballot | None:
    """Per round (with its budget): may the reader vote now, the votes they have left, their
    votes; None when the session the claim (patron id, session version) names is not current.
    The session check of the request is then done (auth.remember_patron)."""
    params = {"patron_id": claim[0], "now": utcnow()}
    may: dict[int, bool] = {}
    voted: dict[int, set[int]] = {round_id: set() for round_id in budgets}
    current, language = False, None
    # A pooled connection of its own: no ORM session for one read; on PostgreSQL in autocommit
    # mode, without the BEGIN and ROLLBACK round trips around it (SQLite would pay a PRAGMA
    # each way to switch).
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT")
        rows = conn.execute(_ballot_statement(tuple(budgets)), params).all()
    for round_id, topic_id, may_vote, version, saved in rows:
        if topic_id is None:
            may[round_id] = bool(may_vote)
            current, language = version == claim[1], saved
        else:
            voted[round_id].add(topic_id)
    if not current:
        return None
    remember_patron(claim[0], language)
    return {
        round_id: (may.get(round_id, False), max(budget - len(voted[round_id]), 0), voted[round_id])
        for round_id, budget in budgets.items()
    }


def overlay(shared: SharedPage, state: dict[int, tuple[bool, int, set[int]]]) -> str:
    """The shared page with this reader's variant in each slot."""
    out = []
    for part in shared.parts:
        if part.__class__ is str:
            out.append(part)
            continue
        may, remaining, voted = state.get(part.round_id, (False, 0, set()))
        if part.kind == "r":
            if may and remaining:
                body = part.variants["may"]
                out.append(body.replace(remaining_placeholder(part.ident), str(remaining)))
            else:
                out.append(part.variants["may0" if may else "no"])
        elif part.ident in voted:
            out.append(part.variants["voted" if may else "novoted"])
        else:
            out.append(part.variants[("open" if remaining else "spent") if may else "no"])
    return "".join(out)


def may_use() -> bool:
    """The reader's page may come from the cache: on, no flashed message, no editor session."""
    return (
        current_app.config["TOPICS_CACHE_SECONDS"] > 0
        and "_flashes" not in session
        and "_user_id" not in session
    )


def _cache() -> dict:
    return current_app.extensions.setdefault("voting_topics_reader_cache", {})


def _render_shared(cache: dict, key: tuple, render, now_mono: float) -> tuple[SharedPage, int]:
    if len(cache) > MAX_PAGES:
        cache.clear()
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    real = g.pop(field_name, None)
    setattr(g, field_name, PLACEHOLDER)  # Flask-WTF hands out what `g` holds
    try:
        html, status = render()
    finally:
        g.pop(field_name, None)
        if real is not None:
            setattr(g, field_name, real)
    shared = cut(html, now_mono + current_app.config["TOPICS_CACHE_SECONDS"])
    if status == 200 and "_flashes" not in session:
        cache[key] = shared
        # The open rounds and their budgets, whatever the language: the next request checks
        # the session and reads its ballot in one statement before it knows its language.
        cache["rounds"] = (shared.expires, shared.budgets)
    return shared, status


def page(claim: tuple[int, int], sort: str, render) -> tuple[str, int] | None:
    """The page of the reader whose session cookie makes this claim: the shared page of their
    language and sort (`render()` in overlay mode on a miss, answering (html, status)) with their
    ballot and their CSRF token. None when the session is not current (an old or erased
    patron's cookie): the caller serves the page as to anyone signed out."""
    cache, now_mono = _cache(), time.monotonic()
    rounds = cache.get("rounds")
    state: Ballot | None = None
    budgets: dict[int, int] = {}
    if rounds is not None and rounds[0] > now_mono and rounds[1]:
        budgets = rounds[1]
        state = ballot(claim, budgets)
        if state is None:
            return None
    if state is None and current_patron_id() != claim[0]:
        return None
    key = (current_language(), sort)
    shared, status = cache.get(key), 200
    if shared is None or shared.expires <= now_mono:
        shared, status = _render_shared(cache, key, render, now_mono)
    if state is None or budgets != shared.budgets:
        state = ballot(claim, shared.budgets) if shared.budgets else {}
        if state is None:
            return None
    return overlay(shared, state).replace(PLACEHOLDER, generate_csrf()), status
