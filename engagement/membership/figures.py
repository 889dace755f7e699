"""Membership figures for the dashboard: patrons by tier, monthly recurring revenue, new and
lapsed patrons, and patrons over the last twelve months (an SVG drawn here, on the server)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership.checkout import money
from engagement.membership.grants import add_months
from engagement.membership.models import Membership

NEVER_PAID = ("incomplete", "incomplete_expired")
CHART_WIDTH, CHART_HEIGHT = 360, 160
CHART_TOP, CHART_BOTTOM, CHART_LEFT = 16, 24, 28


def member_at(membership: Membership, at: datetime) -> bool:
    """True when the membership made its patron a patron at `at` (as far as the mirror knows)."""
    if membership.status in NEVER_PAID or membership.started_at is None:
        return False
    if membership.started_at > at:
        return False
    if membership.ended_at is not None and membership.ended_at <= at:
        return False
    if membership.revoked_at is not None and membership.revoked_at <= at:
        return False
    return membership.access_until is None or membership.access_until >= at


def patrons_at(memberships: list[Membership], at: datetime) -> set[int]:
    """The ids of the patrons who were patrons at `at`."""
    return {m.patron_id for m in memberships if member_at(m, at)}


@dataclass(frozen=True)
class Bar:
    """One month of the chart, with its geometry."""

    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


def _bars(points: list[tuple[str, int]]) -> list[Bar]:
    top = max([count for _, count in points] + [1])
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = (CHART_WIDTH - CHART_LEFT) / len(points)
    bars = []
    for index, (label, count) in enumerate(points):
        height = plot_height * count / top
        bars.append(Bar(label, count, round(CHART_LEFT + index * slot + slot * 0.15, 1),
                        round(CHART_TOP + plot_height - height, 1), round(slot * 0.7, 1),
                        round(height, 1)))
    return bars


def monthly_revenue(memberships: list[Membership], now: datetime) -> dict[str, int]:
    """Monthly recurring revenue per currency in minor units (yearly / 12; grants count 0)."""
    totals: dict[str, float] = defaultdict(float)
    for m in memberships:
        if m.source != "stripe" or not m.amount or not m.grants_access(now):
            continue
        totals[(m.currency or "eur").lower()] += m.amount / (12 if m.interval == "year" else 1)
    return {currency: int(round(total)) for currency, total in sorted(totals.items())}


def membership_figures(now: datetime | None = None) -> dict:
    """Everything the patrons panel shows."""
    now = now or utcnow()
    memberships = list(db.session.scalars(select(Membership)))
    current = [m for m in memberships if member_at(m, now)]
    by_tier = Counter()
    seen: set[int] = set()
    for m in sorted(current, key=lambda m: m.source != "stripe"):  # a paid tier wins a grant
        if m.patron_id in seen:
            continue
        seen.add(m.patron_id)
        by_tier[m.tier.name if m.tier else "Own amount"] += 1
    now_ids = {m.patron_id for m in current}
    month_ago = patrons_at(memberships, now - timedelta(days=30))
    points = []
    for back in range(11, -1, -1):
        at = add_months(now, -back)
        points.append((at.strftime("%b %Y"), len(patrons_at(memberships, at))))
    revenue = monthly_revenue(memberships, now)
    return {
        "active": len(now_ids),
        "by_tier": sorted(by_tier.items(), key=lambda item: (-item[1], item[0])),
        "revenue": [(currency.upper(), money(amount, currency))
                    for currency, amount in revenue.items()],
        "new": len(now_ids - month_ago),
        "lapsed": len(month_ago - now_ids),
        "bars": _bars(points),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "left": CHART_LEFT,
                  "baseline": CHART_HEIGHT - CHART_BOTTOM,
                  "top": max([count for _, count in points] + [0])},
    }
