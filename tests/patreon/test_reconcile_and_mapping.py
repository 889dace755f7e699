"""`flask patreon reconcile` against the stand-in's API v2 members list, the tier mapping page,
and the settings the bridge refuses."""

from __future__ import annotations

import pytest

from engagement import create_app
from engagement.config import ConfigError
from engagement.patreon import client as patreon_client
from tests.patreon.conftest import (
    CO_CREATOR_TIER,
    SUPPORTER_TIER,
    PatreonMember,
    PatreonTier,
    control,
    membership_of,
    our_tier,
    stored,
)


def _reconcile(runner):
    return runner.invoke(args=["patreon", "reconcile"])


def test_reconcile_without_a_token_says_what_it_needs(app_config, tmp_path):
    app = create_app({**app_config, "PATREON_ACCESS_TOKEN": None})
    result = app.test_cli_runner().invoke(args=["patreon", "reconcile"])
    assert result.exit_code == 1
    assert "needs PATREON_ACCESS_TOKEN" in result.output and "PATREON_CAMPAIGN_ID" in result.output


def test_reconcile_pages_through_the_members_and_mends_what_webhooks_missed(
    app, runner, standin, monkeypatch
):
    monkeypatch.setattr(patreon_client, "PAGE_SIZE", 2)  # three members: two pages
    for email, tier in (
        ("ann@example.org", CO_CREATOR_TIER),
        ("bob@example.org", SUPPORTER_TIER),
        ("cy@example.org", CO_CREATOR_TIER),
    ):
        control(
            standin,
            "members",
            {"email": email, "patron_status": "active_patron", "tier_id": tier, "charge": True},
        )
    assert standin.campaign.deliveries[0]["status"] is None  # no webhook reached the app

    first = _reconcile(runner)
    assert first.exit_code == 0, first.output
    assert first.output.count(": created, active") == 3
    assert "3 change(s)." in first.output
    assert "Members (3)" in first.stderr
    assert membership_of(app, "bob@example.org").status == "active"

    assert "No change." in _reconcile(runner).output

    control(standin, "members", {"email": "bob@example.org", "patron_status": "former_patron"})
    third = _reconcile(runner)
    assert "state active -> former" in third.output and "status active -> canceled" in third.output
    assert membership_of(app, "bob@example.org").status == "canceled"


def test_reconcile_says_when_the_token_is_refused(app_config):
    app = create_app({**app_config, "PATREON_ACCESS_TOKEN": "wrong-token"})
    result = app.test_cli_runner().invoke(args=["patreon", "reconcile"])
    assert result.exit_code == 1 and "Patreon refused the access token (401)" in result.output


def test_the_mapping_page_lists_tiers_needing_a_decision_and_saves_choices(
    app, client, auth, forms, standin, runner
):
    coffee = our_tier(app)
    control(
        standin,
        "members",
        {
            "email": "ann@example.org",
            "patron_status": "active_patron",
            "tier_id": CO_CREATOR_TIER,
            "charge": True,
        },
    )
    control(
        standin,
        "members",
        {
            "email": "bob@example.org",
            "patron_status": "active_patron",
            "tier_id": SUPPORTER_TIER,
            "charge": True,
        },
    )
    assert _reconcile(runner).exit_code == 0
    auth.login("admin")
    page = client.get("/newsroom/patreon").get_data(as_text=True)
    assert page.count("needs a decision") == 2
    tiers = {t.patreon_tier_id: t.id for t in stored(app, PatreonTier)}

    bad = forms.post(
        "/newsroom/patreon/mapping",
        {f"tier-{tiers[CO_CREATOR_TIER]}": "99999"},
        page="/newsroom/patreon",
    )
    assert bad.status_code == 422
    assert f'id="tier-{tiers[CO_CREATOR_TIER]}-error"' in bad.get_data(as_text=True)

    response = forms.post(
        "/newsroom/patreon/mapping",
        {f"tier-{tiers[CO_CREATOR_TIER]}": str(coffee), f"tier-{tiers[SUPPORTER_TIER]}": "none"},
        page="/newsroom/patreon",
        follow_redirects=True,
    )
    assert "Saved the mapping (2 tiers changed)." in response.get_data(as_text=True)
    assert "needs a decision" not in response.get_data(as_text=True)
    assert membership_of(app, "ann@example.org").tier.name == "Coffee"
    assert membership_of(app, "bob@example.org").tier is None
    assert {m.reported_by for m in stored(app, PatreonMember)} == {"api"}


def test_the_stand_in_base_is_refused_in_production(app_config):
    with pytest.raises(ConfigError, match="PATREON_API_BASE"):
        create_app({**app_config, "ENGAGEMENT_ENV": "production"})
