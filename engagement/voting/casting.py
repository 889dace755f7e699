"""Casting and taking back a vote in a few statements built once (SQLAlchemy Core).

A vote: one SELECT reads the topic, its round and whether the patron may vote there now (the
eligibility rule in SQL, `eligibility.eligible`); one `INSERT ... ON CONFLICT DO UPDATE ...
WHERE used < budget RETURNING used` makes or spends the patron's ballot (no row back: the
budget is spent); one `INSERT ... ON CONFLICT DO NOTHING RETURNING` adds the vote (no row back:
already voted, and the ballot's unit is given back); one UPDATE raises the topic's counter and
returns it. On PostgreSQL the ballot's row stays locked until the transaction ends, so two
votes of one patron queue up and the budget holds; the unique (patron, topic) constraint
settles a double vote. Withdrawing takes the same locks in the same order (ballot, vote).

On PostgreSQL a signed-in patron's vote is all of that in one statement (`VOTE_IN_ONE_STATEMENT`,
data-modifying CTEs, each step written only when the one before it did): one round trip instead
of four; so is taking a vote back (`WITHDRAW_IN_ONE_STATEMENT`). SQLite has no data-modifying
CTE and runs the four.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext, lazy_ngettext
from sqlalchemy import and_, bindparam, delete, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from engagement.accounts.models import Patron
from engagement.errors import Conflict, NotAllowed, NotFound
from engagement.voting.eligibility import eligible
from engagement.voting.models import Ballot, Round, Topic, Vote

_B, _V, _T, _R = Ballot.__table__, Vote.__table__, Topic.__table__, Round.__table__
_P = Patron.__table__
_NOW = bindparam("now", type_=_R.c.opens_at.type)
_PATRON = bindparam("the_patron")

TOPIC_AND_ROUND = (
    select(
        _T.c.id,
        _T.c.round_id,
        _T.c.state,
        _R.c.opens_at,
        _R.c.closes_at,
        _R.c.closed_early_at,
        _R.c.vote_budget,
        _R.c.results_visibility,
        eligible(_T.c.round_id, _NOW, _PATRON).label("may_vote"),
    )
    .join(_R, _R.c.id == _T.c.round_id)
    .where(_T.c.id == bindparam("the_topic"))
)
# The patron's session is current (the version the cookie carries, data not erased): what
# `auth.current_patron_id` checks, asked in the vote's first statement instead of one of its own.
_SESSION_CURRENT = (
    exists()
    .where(
        _P.c.id == _PATRON,
        _P.c.session_version == bindparam("the_version"),
        _P.c.erased_at.is_(None),
    )
    .correlate_except(_P)
)
# With the session check, the patron's saved language (what the answer is written in).
TOPIC_ROUND_AND_SESSION = TOPIC_AND_ROUND.add_columns(
    _SESSION_CURRENT.label("session_current"),
    select(_P.c.language).where(_P.c.id == _PATRON).scalar_subquery().label("patron_language"),
)
SESSION_CURRENT = select(_SESSION_CURRENT.label("session_current"))
# The one statements below run on their own (autocommit, see `database.writing`): whether the
# patron's vote on the topic is already there, so that a vote cast twice or one taken back that
# is not there writes nothing. Only two racing requests get past it and undo their write.
_TOPIC_ROUND_SESSION_AND_VOTE = TOPIC_ROUND_AND_SESSION.add_columns(
    exists()
    .where(_V.c.patron_id == _PATRON, _V.c.topic_id == bindparam("the_topic"))
    .label("has_vote")
)
TAKE_AGAIN = (
    update(_B)
    .where(_B.c.round_id == bindparam("the_round"), _B.c.patron_id == _PATRON)
    .values(used=_B.c.used + 1)
)
GIVE_BACK = (
    update(_B)
    .where(_B.c.round_id == bindparam("the_round"), _B.c.patron_id == _PATRON, _B.c.used > 0)
    .values(used=_B.c.used - 1)
    .returning(_B.c.used)
)
REMOVE_VOTE = (
    delete(_V)
    .where(_V.c.patron_id == _PATRON, _V.c.topic_id == bindparam("the_topic"))
    .returning(_V.c.id)
)
COUNT_UP = (
    update(_T)
    .where(_T.c.id == bindparam("the_topic"))
    .values(vote_count=_T.c.vote_count + 1)
    .returning(_T.c.vote_count)
)
COUNT_DOWN = (
    update(_T)
    .where(_T.c.id == bindparam("the_topic"))
    .values(vote_count=_T.c.vote_count - 1)
    .returning(_T.c.vote_count)
)
_BY_DIALECT: dict[str, tuple] = {}


def _upserts(dialect: str) -> tuple:
    # (spend a unit of the ballot, made on first use; add the vote unless it exists)
    if dialect not in _BY_DIALECT:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        spend = insert(_B).values(round_id=bindparam("the_round"), patron_id=_PATRON, used=1)
        spend = spend.on_conflict_do_update(
            index_elements=["round_id", "patron_id"],
            set_={"used": _B.c.used + 1},
            where=_B.c.used < bindparam("budget"),
        ).returning(_B.c.used)
        add = insert(_V).values(
            patron_id=_PATRON,
            topic_id=bindparam("the_topic"),
            round_id=bindparam("the_round"),
            created_at=_NOW,
        )
        add = add.on_conflict_do_nothing(index_elements=["patron_id", "topic_id"]).returning(
            _V.c.id
        )
        _BY_DIALECT[dialect] = (spend, add)
    return _BY_DIALECT[dialect]


def _vote_in_one_statement():
    """PostgreSQL: the whole vote in one statement of data-modifying CTEs, for a signed-in
    patron. `t` is the first statement's SELECT (topic, round, eligibility, session, language);
    the ballot is spent, the vote added and the topic counted only when `t` says the vote may
    be cast (the same rule `_open_topic` checks in Python on the row it returns) and the vote
    is not there yet, each step only when the one before it wrote. The row tells what happened:
    no row (no such topic), `has_vote` (already voted: nothing written), `used` NULL (refused,
    or the budget is spent), `vote_id` NULL (a parallel request added the same vote first)."""
    t = _TOPIC_ROUND_SESSION_AND_VOTE.cte("t")
    ok = _open_now(t, t.c.round_id, t.c.vote_budget, also=and_(t.c.may_vote, ~t.c.has_vote))
    spend = (
        pg_insert(_B)
        .from_select(["round_id", "patron_id", "used"], select(ok.c.round_id, _PATRON, literal(1)))
        .on_conflict_do_update(
            index_elements=["round_id", "patron_id"],
            set_={"used": _B.c.used + 1},
            where=_B.c.used < select(ok.c.vote_budget).scalar_subquery(),
        )
        .returning(_B.c.used)
        .cte("spend")
    )
    add = (
        pg_insert(_V)
        .from_select(
            ["patron_id", "topic_id", "round_id", "created_at"],
            select(_PATRON, bindparam("the_topic"), ok.c.round_id, _NOW).where(
                exists(select(spend.c.used))
            ),
        )
        .on_conflict_do_nothing(index_elements=["patron_id", "topic_id"])
        .returning(_V.c.id)
        .cte("added")
    )
    return _counted_with(t, spend, add, +1)


def _open_now(t, *columns, also=None):
    """CTE "ok": `columns` of `t` when its session is current and the topic open for votes now
    (and `also` holds)."""
    return (
        select(*columns)
        .where(
            t.c.session_current,
            *([] if also is None else [also]),
            t.c.state == "open",
            t.c.opens_at <= _NOW,
            func.coalesce(t.c.closed_early_at, t.c.closes_at) > _NOW,
        )
        .cte("ok")
    )


def _counted_with(t, ballot, vote, step: int):
    """The topic counted by `step` when `vote` wrote, and the statement's one row: `t`, the
    ballot's `used`, the vote's id and the topic's new count (NULL where nothing was written)."""
    counted = (
        update(_T)
        .where(_T.c.id == bindparam("the_topic"), exists(select(vote.c.id)))
        .values(vote_count=_T.c.vote_count + step)
        .returning(_T.c.vote_count)
        .cte("counted")
    )
    return select(
        t,
        select(ballot.c.used).scalar_subquery().label("used"),
        select(vote.c.id).scalar_subquery().label("vote_id"),
        select(counted.c.vote_count).scalar_subquery().label("new_count"),
    )


VOTE_IN_ONE_STATEMENT = _vote_in_one_statement()


def _withdraw_in_one_statement():
    """PostgreSQL: taking a vote back in one statement, for a signed-in patron. `t` as in
    `_vote_in_one_statement`; while the round is open, the ballot's unit is given back (the
    ballot's row first: the lock order of a vote), the vote removed only when it was, and the
    topic counted down only when the vote was removed, all only when `t` found their vote. The
    row tells: no row (no such topic), `used` NULL (no vote of theirs, or nothing to give back),
    `vote_id` NULL (no vote of theirs on the topic, or a parallel request removed it first)."""
    t = _TOPIC_ROUND_SESSION_AND_VOTE.cte("t")
    ok = _open_now(t, t.c.round_id, also=t.c.has_vote)
    given = (
        update(_B)
        .where(
            _B.c.round_id == select(ok.c.round_id).scalar_subquery(),
            _B.c.patron_id == _PATRON,
            _B.c.used > 0,
        )
        .values(used=_B.c.used - 1)
        .returning(_B.c.used)
        .cte("given")
    )
    removed = (
        delete(_V)
        .where(
            _V.c.patron_id == _PATRON,
            _V.c.topic_id == bindparam("the_topic"),
            exists(select(given.c.used)),
        )
        .returning(_V.c.id)
        .cte("removed")
    )
    return _counted_with(t, given, removed, -1)


WITHDRAW_IN_ONE_STATEMENT = _withdraw_in_one_statement()


@dataclass(frozen=True)
class Counted:
    """What a vote or its withdrawal left: votes left in the round, the budget, and the
    topic's count (None while the round's counts are sealed)."""

    topic_id: int
    remaining: int
    budget: int
    vote_count: int | None
    language: str | None = None  # the voter's saved language, read with the session check


# The errors' messages are lazy: they are put in words once the vote's connection is given back,
# since choosing the reader's language may ask the database for the signed-in patron's.


class SessionOver(Exception):
    """The patron's session is no longer current (signed out everywhere, or erased)."""


def _open_topic(
    conn: Connection,
    topic_id: int,
    patron_id: int,
    now: datetime,
    session_version: int | None = None,
):
    params = {"the_topic": topic_id, "the_patron": patron_id, "now": now}
    if session_version is None:
        row = conn.execute(TOPIC_AND_ROUND, params).first()
    else:
        params["the_version"] = session_version
        row = conn.execute(TOPIC_ROUND_AND_SESSION, params).first()
        current = (
            row.session_current
            if row is not None
            else conn.execute(SESSION_CURRENT, params).scalar()
        )
        if not current:
            raise SessionOver()
    if row is None:
        raise NotFound(lazy_gettext("There is no such topic."))
    _check_open(row, now)
    return row


def _check_open(row, now: datetime) -> None:
    """Refuse a vote on a topic that is not open for votes now (`row`: the topic and round)."""
    if row.round_id is None or row.state == "suggested":
        raise NotFound(lazy_gettext("There is no such topic."))
    if now >= (row.closed_early_at or row.closes_at):
        raise Conflict(lazy_gettext("Voting in this round has closed."))
    if now < row.opens_at:
        raise Conflict(lazy_gettext("Voting in this round has not opened yet."))
    if row.state != "open":
        raise Conflict(lazy_gettext("This topic is no longer open for votes."))


def _not_eligible() -> NotAllowed:
    return NotAllowed(
        lazy_gettext("Only co-creators whose membership lets them vote in this round can vote.")
    )


def _budget_spent(budget: int) -> Conflict:
    return Conflict(
        lazy_ngettext(
            "You have used all %(num)s of your votes in this round. "
            "Take one back to vote for another topic.",
            "You have used all %(num)s of your votes in this round. "
            "Take one back to vote for another topic.",
            budget,
        )
    )


def _counted(row, used: int, count: int) -> Counted:
    return Counted(
        row.id,
        row.vote_budget - used,
        row.vote_budget,
        count if row.results_visibility == "live" else None,
        row._mapping.get("patron_language"),
    )


def cast(
    conn: Connection,
    patron_id: int,
    topic_id: int,
    now: datetime,
    session_version: int | None = None,
) -> Counted:
    """Spend one of the round's votes on the topic; flush-free (Core), never commits.

    With `session_version` (the signed-in patron's, from the cookie), SessionOver when it is no
    longer theirs, checked in the first statement."""
    if session_version is not None and conn.dialect.name == "postgresql":
        return _cast_in_one_statement(conn, patron_id, topic_id, now, session_version)
    row = _open_topic(conn, topic_id, patron_id, now, session_version)
    if not row.may_vote:
        raise _not_eligible()
    spend, add = _upserts(conn.dialect.name)
    ids = {"the_round": row.round_id, "the_patron": patron_id, "the_topic": topic_id}
    used = conn.execute(spend, {**ids, "budget": row.vote_budget}).scalar()
    if used is None:
        raise _budget_spent(row.vote_budget)
    if conn.execute(add, {**ids, "now": now}).scalar() is None:
        conn.execute(GIVE_BACK, ids)  # the refused vote costs nothing
        raise _voted_already()
    return _counted(row, used, conn.execute(COUNT_UP, {"the_topic": topic_id}).scalar_one())


def _cast_in_one_statement(
    conn: Connection, patron_id: int, topic_id: int, now: datetime, session_version: int
) -> Counted:
    """`cast` on PostgreSQL for a signed-in patron: one round trip when the vote counts."""
    row = _in_one_statement(conn, VOTE_IN_ONE_STATEMENT, patron_id, topic_id, now, session_version)
    if not row.may_vote:
        raise _not_eligible()
    if row.has_vote:
        raise _voted_already()
    if row.used is None:
        raise _budget_spent(row.vote_budget)
    if row.vote_id is None:  # a parallel request added the same vote first
        ids = {"the_round": row.round_id, "the_patron": patron_id}
        conn.execute(GIVE_BACK, ids)  # the refused vote costs nothing
        raise _voted_already()
    return _counted(row, row.used, row.new_count)


def _in_one_statement(
    conn: Connection,
    statement,
    patron_id: int,
    topic_id: int,
    now: datetime,
    session_version: int,
):
    """Run a vote's or withdrawal's one statement; its row, once the session, the topic and
    the round's dates are checked (the refusals `_open_topic` gives)."""
    params = {
        "the_topic": topic_id,
        "the_patron": patron_id,
        "now": now,
        "the_version": session_version,
    }
    row = conn.execute(statement, params).first()
    if row is None:  # no such topic (or no round): is the session still theirs, though?
        if not conn.execute(SESSION_CURRENT, params).scalar():
            raise SessionOver()
        raise NotFound(lazy_gettext("There is no such topic."))
    if not row.session_current:
        raise SessionOver()
    _check_open(row, now)
    return row


def _voted_already() -> Conflict:
    return Conflict(lazy_gettext("You have already voted for this topic."))


def _not_voted() -> Conflict:
    return Conflict(lazy_gettext("You have not voted for this topic."))


def withdraw(
    conn: Connection,
    patron_id: int,
    topic_id: int,
    now: datetime,
    session_version: int | None = None,
) -> Counted:
    """Take back a vote while the round is open; never commits (SessionOver as for `cast`).
    On PostgreSQL, for a signed-in patron, one statement (`WITHDRAW_IN_ONE_STATEMENT`)."""
    if session_version is not None and conn.dialect.name == "postgresql":
        row = _in_one_statement(
            conn, WITHDRAW_IN_ONE_STATEMENT, patron_id, topic_id, now, session_version
        )
        if row.vote_id is None:
            if row.used is not None:  # nothing was taken back: the ballot as it was
                conn.execute(TAKE_AGAIN, {"the_round": row.round_id, "the_patron": patron_id})
            raise _not_voted()
        return _counted(row, row.used, row.new_count)
    row = _open_topic(conn, topic_id, patron_id, now, session_version)
    ids = {"the_round": row.round_id, "the_patron": patron_id, "the_topic": topic_id}
    # The ballot first, as in `cast`: one lock order, so a vote and a withdrawal racing on the
    # same topic queue up instead of deadlocking.
    used = conn.execute(GIVE_BACK, ids).scalar()
    removed = conn.execute(REMOVE_VOTE, ids).scalar() if used is not None else None
    if removed is None:
        if used is not None:
            conn.execute(TAKE_AGAIN, ids)  # nothing was taken back: the ballot as it was
        raise _not_voted()
    return _counted(row, used, conn.execute(COUNT_DOWN, {"the_topic": topic_id}).scalar_one())
