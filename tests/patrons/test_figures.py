"""Membership figures on the dashboard: by tier, MRR by currency, new and lapsed, the chart."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from engagement.database import utcnow
from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.figures import membership_figures
from engagement.membership.models import Membership

from .conftest import make_patron


def _setup(app):
    now = utcnow()
    days = timedelta(days=1)
    with app.app_context():
        gold = tier_service.save_tier(
            None,
            name="Gold",
            description="",
            monthly_amount=1000,
            yearly_amount=12000,
            currency="eur",
            grants_voting=True,
            position=0,
            active=True,
        )
        silver = tier_service.save_tier(
            None,
            name="Silver",
            description="",
            monthly_amount=500,
            yearly_amount=None,
            currency="usd",
            grants_voting=False,
            position=1,
            active=True,
        )
        db.session.flush()
        gold_id, silver_id = gold.id, silver.id
        db.session.commit()
    rows = [
        # (email, tier, source, status, interval, amount, currency, started, access, ended)
        ("a@x.org", gold_id, "stripe", "active", "month", 1000, "eur", 60, 10, None),
        ("b@x.org", gold_id, "stripe", "active", "year", 12000, "eur", 10, 355, None),
        ("c@x.org", silver_id, "stripe", "active", "month", 500, "usd", 100, 20, None),
        ("d@x.org", gold_id, "grant", "active", None, None, None, 5, None, None),
        ("e@x.org", gold_id, "stripe", "canceled", "month", 1000, "eur", 200, -10, -10),
        ("f@x.org", gold_id, "stripe", "incomplete", "month", 1000, "eur", 3, None, None),
    ]
    for email, tier_id, source, status, interval, amount, currency, started, access, ended in rows:
        patron_id = make_patron(app, email, "")
        with app.app_context():
            db.session.add(
                Membership(
                    patron_id=patron_id,
                    tier_id=tier_id,
                    source=source,
                    status=status,
                    interval=interval,
                    amount=amount,
                    currency=currency,
                    started_at=now - started * days,
                    access_until=now + access * days if access is not None else None,
                    ended_at=now + ended * days if ended is not None else None,
                )
            )
            db.session.commit()


def test_figures_count_patrons_revenue_new_and_lapsed(app):
    _setup(app)
    with app.app_context():
        figures = membership_figures()
    assert figures["active"] == 4
    assert figures["by_tier"] == [("Gold", 3), ("Silver", 1)]
    assert figures["revenue"] == [("EUR", "€20"), ("USD", "$5")]  # 10 + 120/12; grants count 0
    assert (figures["new"], figures["lapsed"]) == (2, 1)
    counts = [bar.count for bar in figures["bars"]]
    assert len(counts) == 12 and counts[-1] == 4
    assert counts[-2] == 3  # a month ago: a, c and e (b and d had not started)
    assert counts[-4] == 2  # three months ago: c and e
    assert counts[:5] == [0] * 5  # e started about 200 days ago


def test_the_dashboard_shows_the_figures_and_an_accessible_chart(app, auth, client):
    _setup(app)
    auth.login("editor")
    html = client.get("/newsroom/").get_data(as_text=True)
    assert 'id="panel-patrons"' in html
    assert re.search(r'<dd id="figure-active">4</dd>', html)
    # The currency's code is marked as not to be translated.
    assert (
        'Monthly recurring revenue (<span translate="no">EUR</span>)</dt><dd class="figure-mrr">€20'
    ) in unescape(html)
    assert '<dd id="figure-new">2</dd>' in html and '<dd id="figure-lapsed">1</dd>' in html
    svg = re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and '<title id="chart-title">' in svg and "<desc" in svg
    assert svg.count("<rect") == 12
    table = re.search(r'<table class="chart-data">.*?</table>', html, re.S).group(0)
    assert table.count("<tr>") == 13 and "<td>4</td>" in table
    assert "<script" not in svg and "style=" not in svg
