"""Tier services: save a tier, and keep Stripe's products and prices in step with it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from engagement.database import utcnow
from engagement.errors import Conflict, InvalidInput
from engagement.extensions import db
from engagement.membership.models import INTERVALS, Tier
from engagement.membership.stripe_gateway import Gateway

CURRENCIES = ("eur", "usd", "gbp", "chf", "sek", "nok", "dkk", "pln", "czk", "cad", "aud")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
# Products the app creates besides its tiers: a one-time gift and "your own amount" monthly.
GIFT_PRODUCT_ID = "engagement_gift"
CUSTOM_PRODUCT_ID = "engagement_custom"
EXTRA_PRODUCTS = {
    GIFT_PRODUCT_ID: "One-time gift",
    CUSTOM_PRODUCT_ID: "Membership (your own amount)",
}


def slugify(name: str) -> str:
    """A URL-safe slug made from a tier's name."""
    return _SLUG_RE.sub("-", name.strip().lower()).strip("-")[:60] or "tier"


def parse_amount(raw: str | None, field: str, *, required: bool = False) -> int | None:
    """Turn "3", "3.50" or "3,50" (major units) into minor units; blank is None."""
    text = (raw or "").strip().replace(",", ".")
    if not text:
        if required:
            raise InvalidInput(_("Enter an amount."), field=field)
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(_("Enter an amount such as 5 or 5.50."), field=field) from None
    if not value.is_finite():
        raise InvalidInput(_("Enter an amount such as 5 or 5.50."), field=field)
    # Size first: quantize() cannot even represent 1e30 in cents (InvalidOperation).
    if value > Decimal("1000000"):
        raise InvalidInput(_("That amount is too large."), field=field)
    if value <= 0:
        raise InvalidInput(_("The amount must be more than zero."), field=field)
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_("Use at most two decimal places."), field=field)
    return int(value * 100)


def ordered_tiers(active_only: bool = False) -> list[Tier]:
    """Tiers in their display order."""
    query = select(Tier).order_by(Tier.position, Tier.id)
    if active_only:
        query = query.where(Tier.active.is_(True))
    return list(db.session.scalars(query))


def save_tier(
    tier: Tier | None,
    *,
    name: str,
    description: str,
    monthly_amount: int | None,
    yearly_amount: int | None,
    currency: str,
    grants_voting: bool,
    position: int,
    active: bool,
    slug: str | None = None,
) -> Tier:
    """Create or change a tier after checking its fields; flush, never commit."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the tier a name."), field="name")
    if len(name) > 80:
        raise InvalidInput(_("Keep the name under 80 characters."), field="name")
    currency = (currency or "").strip().lower()
    if currency not in CURRENCIES:
        raise InvalidInput(_("Choose a supported currency."), field="currency")
    if monthly_amount is None and yearly_amount is None:
        raise InvalidInput(_("Offer the tier monthly, yearly or both."), field="monthly_amount")
    if tier is None:
        slug = slugify(slug or name)
        if db.session.scalar(select(Tier.id).where(Tier.slug == slug)) is not None:
            raise Conflict(_("A tier with this name already exists."), field="name")
        tier = Tier(slug=slug)
        db.session.add(tier)
    elif tier.currency != currency and tier.stripe_product_id:
        raise InvalidInput(
            _("The currency of a tier on sale cannot change; make a new tier."), field="currency"
        )
    tier.name = name
    tier.description = (description or "").strip()
    if tier.monthly_amount != monthly_amount:
        tier.stripe_monthly_price_id = None
    if tier.yearly_amount != yearly_amount:
        tier.stripe_yearly_price_id = None
    tier.monthly_amount = monthly_amount
    tier.yearly_amount = yearly_amount
    tier.currency = currency
    tier.grants_voting = bool(grants_voting)
    tier.position = int(position)
    tier.active = bool(active)
    db.session.flush()
    return tier


def tier_for_product(product_id: str | None) -> Tier | None:
    """The tier selling this Stripe product, if any."""
    if not product_id:
        return None
    return db.session.scalar(select(Tier).where(Tier.stripe_product_id == product_id))


def our_product_ids() -> set[str]:
    """Every Stripe product the app sells."""
    ids = set(
        db.session.scalars(
            select(Tier.stripe_product_id).where(Tier.stripe_product_id.is_not(None))
        )
    )
    return ids | set(EXTRA_PRODUCTS)


# --- Stripe sync ------------------------------------------------------------------------------


def _product_id(tier: Tier) -> str:
    return tier.stripe_product_id or f"engagement_tier_{tier.slug}"


def ensure_product(gateway: Gateway, product_id: str, params: dict) -> dict:
    """Create the product under a fixed id unless Stripe has it; bring name and flags up to date."""
    existing = gateway.retrieve_product(product_id)
    if existing is None:
        return gateway.create_product(
            {"id": product_id, **params}, idempotency_key=f"engagement-product-{product_id}"
        )
    wanted = {
        key: value
        for key, value in params.items()
        if key != "metadata" and existing.get(key) != value
    }
    if wanted or any(
        existing.get("metadata", {}).get(k) != v for k, v in params.get("metadata", {}).items()
    ):
        return gateway.update_product(product_id, params)
    return existing


def _sync_price(gateway: Gateway, tier: Tier, interval: str, product_id: str) -> str | None:
    key = tier.lookup_key(interval)
    amount = tier.amount_for(interval)
    current = gateway.price_by_lookup_key(key)
    if amount is None:
        if current is not None and current.get("active"):
            gateway.archive_price(current["id"])
        return None
    if (
        current is not None
        and current.get("active")
        and current.get("unit_amount") == amount
        and current.get("currency") == tier.currency
        and current.get("product") == product_id
        and (current.get("recurring") or {}).get("interval") == interval
    ):
        return current["id"]
    created = gateway.create_price(
        {
            "product": product_id,
            "currency": tier.currency,
            "unit_amount": amount,
            "recurring": {"interval": interval},
            "lookup_key": key,
            "transfer_lookup_key": True,
            "nickname": f"{tier.name} ({interval}ly)",
            "metadata": {"engagement_tier": tier.slug, "engagement_interval": interval},
        },
        idempotency_key=(
            f"engagement-price-{key}-{tier.currency}-{amount}-{(current or {}).get('id', 'new')}"
        ),
    )
    if current is not None and current.get("active"):
        gateway.archive_price(current["id"])  # patrons on it keep paying it
    return created["id"]


def sync_tier(gateway: Gateway, tier: Tier) -> Tier:
    """Make Stripe's product and prices match the tier (lookup keys name its current prices).

    A changed amount makes a new price that takes over the lookup key; the old price is archived
    and the patrons on it keep it.
    """
    product_id = _product_id(tier)
    ensure_product(
        gateway,
        product_id,
        {
            "name": tier.name,
            "description": tier.description or tier.name,
            "active": tier.active,
            "metadata": {"engagement_tier": tier.slug},
        },
    )
    tier.stripe_product_id = product_id
    tier.stripe_monthly_price_id = _sync_price(gateway, tier, "month", product_id)
    tier.stripe_yearly_price_id = _sync_price(gateway, tier, "year", product_id)
    tier.synced_at = utcnow()
    db.session.flush()
    return tier


def sync_extra_products(gateway: Gateway) -> None:
    """The gift and "your own amount" products checkouts make prices for."""
    for product_id, name in EXTRA_PRODUCTS.items():
        ensure_product(
            gateway,
            product_id,
            {
                "name": name,
                "description": name,
                "active": True,
                "metadata": {"engagement_product": product_id},
            },
        )


def sync_all(gateway: Gateway) -> list[Tier]:
    """Sync every tier and the extra products; return the tiers."""
    sync_extra_products(gateway)
    tiers = ordered_tiers()
    for tier in tiers:
        sync_tier(gateway, tier)
    return tiers


def interval_offered(tier: Tier, interval: str) -> bool:
    """True when the tier sells that interval."""
    return interval in INTERVALS and tier.amount_for(interval) is not None
