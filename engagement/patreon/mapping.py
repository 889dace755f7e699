"""Which of our tiers each Patreon tier counts as (or "no voting"), decided by an admin.

A Patreon tier is known by its id (webhooks, the API) and by its title (the CSV export has only
the title); whichever comes first makes the row, the other fills it in later.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, true, update

from engagement.database import utcnow
from engagement.errors import InvalidInput
from engagement.extensions import db
from engagement.membership.models import Membership, Tier
from engagement.patreon.models import PatreonMember, PatreonTier

NO_VOTING = "none"


def find_or_add_tier(
    patreon_id: str | None, title: str | None, amount_cents: int | None = None
) -> PatreonTier:
    """The stored Patreon tier with this id (else this title), added when new; flushes."""
    title = (title or "").strip()[:200]
    tier = None
    if patreon_id:
        tier = db.session.scalar(
            select(PatreonTier).where(PatreonTier.patreon_tier_id == patreon_id)
        )
    if tier is None and title:
        tier = db.session.scalar(
            select(PatreonTier)
            .where(
                PatreonTier.title == title,
                PatreonTier.patreon_tier_id.is_(None) if patreon_id else true(),
            )
            .order_by(PatreonTier.id)
        )
    if tier is None:
        tier = PatreonTier(patreon_tier_id=patreon_id or None, title=title)
        db.session.add(tier)
    if patreon_id and not tier.patreon_tier_id:
        tier.patreon_tier_id = patreon_id
    if title and tier.title != title:
        tier.title = title
    if amount_cents is not None:
        tier.amount_cents = amount_cents
    db.session.flush()
    return tier


def patreon_tiers() -> list[PatreonTier]:
    """Every Patreon tier seen, those needing a decision first, then by amount and title."""
    rows = db.session.scalars(select(PatreonTier).order_by(PatreonTier.id)).all()
    return sorted(rows, key=lambda t: (not t.needs_decision, t.amount_cents or 0, t.title))


def needing_decision() -> int:
    """How many Patreon tiers no admin has mapped yet."""
    return sum(1 for tier in patreon_tiers() if tier.needs_decision)


def map_tier(patreon_tier: PatreonTier, choice: str) -> None:
    """Map the Patreon tier to our tier `choice` (its id) or to "no voting"; every membership
    of its members follows at once. Flushes."""
    if choice == NO_VOTING:
        tier_id = None
    else:
        try:
            tier_id = int(choice)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("Choose one of our tiers or “No voting”."), field=f"tier-{patreon_tier.id}"
            ) from None
        if db.session.get(Tier, tier_id) is None:
            raise InvalidInput(_("That tier does not exist."), field=f"tier-{patreon_tier.id}")
    patreon_tier.tier_id = tier_id
    patreon_tier.decided_at = utcnow()
    memberships = select(PatreonMember.membership_id).where(
        PatreonMember.patreon_tier_id == patreon_tier.id, PatreonMember.membership_id.is_not(None)
    )
    db.session.execute(
        update(Membership)
        .where(Membership.id.in_(memberships))
        .values(tier_id=tier_id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    db.session.expire_all()
