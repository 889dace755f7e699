"""Demo tiers for `flask demo seed`: three offers that all make the patron a co-creator."""

from __future__ import annotations

from sqlalchemy import select

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.models import Tier
from engagement.membership.stripe_gateway import GatewayError, gateway

DEMO_TIERS = [
    ("Coffee", "For the cost of a cup of coffee a month, become a co-creator: vote on the "
               "topics we cover next.", 300, 3000),
    ("Supporter", "Keep our reporting free for everyone, and vote on what we cover.", 800, 8000),
    ("Champion", "Fund a reporter's day each month; vote, and hear first what we plan.",
     2000, 20000),
]


def seed_tiers() -> list[str]:
    """Create the demo tiers (once) and sync them to Stripe when it can be reached."""
    lines = []
    for position, (name, description, monthly, yearly) in enumerate(DEMO_TIERS):
        slug = tier_service.slugify(name)
        if db.session.scalar(select(Tier.id).where(Tier.slug == slug)) is None:
            tier_service.save_tier(None, name=name, description=description,
                                   monthly_amount=monthly, yearly_amount=yearly, currency="eur",
                                   grants_voting=True, position=position, active=True)
    gw = gateway()
    if not gw.configured:
        lines.append("Demo tiers: Coffee, Supporter, Champion (not synced: no STRIPE_SECRET_KEY)")
        return lines
    try:
        with db.session.begin_nested():
            tier_service.sync_all(gw)
        lines.append("Demo tiers: Coffee, Supporter, Champion (synced to Stripe)")
    except GatewayError as exc:
        lines.append("Demo tiers: Coffee, Supporter, Champion (not synced yet: Stripe is not "
                     f"reachable ({exc.message}); the first checkout of a tier syncs it)")
    return lines
