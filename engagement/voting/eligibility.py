"""Who may vote in a round, now and at its close.

A patron may vote when a membership of theirs grants access at that moment and its tier grants
voting (and is one of the round's tiers, when the round names some). A complimentary grant makes
its patron a co-creator in every round. The same rule is written twice: in Python for one patron
(`may_vote`) and in SQL for every vote of a round at once (`eligible_at_close`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, literal_column, or_, select

from engagement.accounts.models import Patron
from engagement.database import sql_in, utcnow
from engagement.extensions import db
from engagement.membership.models import ACCESS_STATUSES, Membership, Tier
from engagement.voting.models import Round, Vote, round_tiers


def voting_tiers() -> list[Tier]:
    """The tiers on sale whose members are co-creators."""
    return list(
        db.session.scalars(
            select(Tier)
            .where(Tier.grants_voting.is_(True), Tier.active.is_(True))
            .order_by(Tier.position, Tier.id)
        )
    )


def tiers_that_vote(round_: Round) -> list[Tier]:
    """The tiers whose members may vote in this round (none named: every voting tier)."""
    named = [tier for tier in round_.eligible_tiers if tier.grants_voting]
    return named or voting_tiers()


def _memberships(patron: Patron) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.patron_id == patron.id)
            .options(db.joinedload(Membership.tier))
        )
    )


def _membership_counts(membership: Membership, round_: Round | None, at: datetime) -> bool:
    if not membership.grants_access(at) or membership.started_at > at:
        return False
    if membership.is_grant:
        return True
    tier = membership.tier
    if tier is None or not tier.grants_voting:
        return False
    named = round_.eligible_tiers if round_ is not None else []
    return not named or tier in named


def may_vote(
    patron: Patron | None, round_: Round | None = None, at: datetime | None = None
) -> bool:
    """True when the patron is a co-creator for this round at `at` (default: now)."""
    if patron is None:
        return False
    at = at or utcnow()
    return any(_membership_counts(m, round_, at) for m in _memberships(patron))


def is_co_creator(patron: Patron | None, at: datetime | None = None) -> bool:
    """True when the patron may vote in a round open to every voting tier."""
    return may_vote(patron, None, at)


def eligible_at_close(round_: Round):
    """A SQL condition on `Vote`: its patron was a co-creator for the round at its close.

    A paid (Stripe or Patreon) membership that ended after the close still counts: at the
    close it was in force.
    """
    return eligible(round_.id, round_.closed_at, Vote.patron_id)


def eligible(round_id, at, patron_id):
    """SQL: the patron was a co-creator for the round at `at` (`may_vote`'s rule, in SQL).

    Each argument is a value, a bound parameter or a column of the enclosing query. Every
    subquery correlates to the enclosing queries explicitly (a round's own tiers, whatever the
    nesting), and the fixed lists of sources and states are written into the SQL (no list
    parameter to expand on each execution).
    """
    grant = and_(
        Membership.source == literal_column("'grant'"),
        or_(Membership.revoked_at.is_(None), Membership.revoked_at > at),
        or_(Membership.access_until.is_(None), Membership.access_until >= at),
    )
    named = exists().where(round_tiers.c.round_id == round_id).correlate_except(round_tiers)
    tier_ok = or_(
        ~named,
        exists()
        .where(round_tiers.c.round_id == round_id, round_tiers.c.tier_id == Membership.tier_id)
        .correlate_except(round_tiers),
    )
    paid = and_(
        sql_in(Membership.source, ("stripe", "patreon")),
        Membership.access_until >= at,
        or_(sql_in(Membership.status, ACCESS_STATUSES), Membership.ended_at > at),
        exists()
        .where(Tier.id == Membership.tier_id, Tier.grants_voting.is_(True))
        .correlate_except(Tier),
        tier_ok,
    )
    return (
        exists()
        .where(
            Membership.patron_id == patron_id,
            Membership.started_at <= at,
            or_(grant, paid),
        )
        .correlate_except(Membership)
    )
