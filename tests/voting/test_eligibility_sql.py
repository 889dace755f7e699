"""The eligibility rule in SQL judges each round by its own tiers, not by other rounds'."""

from __future__ import annotations

from tests.voting.conftest import csrf, sign_in


def test_a_round_open_to_every_tier_takes_votes_while_another_round_names_tiers(
    app, client, voting
):
    voting.tier("Champion")
    patron = voting.patron("ada@example.org", tier="Coffee")
    voting.round(topics=("Elections",), tiers=("Champion",))
    _round, topics = voting.round(topics=("Housing", "Schools"))
    sign_in(client, patron)
    token = csrf(client)
    response = client.post(
        f"/topics/{topics[0]}/vote",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["remaining"] == 2


def test_a_round_naming_a_tier_takes_its_members_while_another_round_names_others(
    app, client, voting
):
    voting.tier("Champion")
    patron = voting.patron("ada@example.org", tier="Coffee")
    voting.round(topics=("Elections",), tiers=("Champion",))
    _round, topics = voting.round(topics=("Housing",), tiers=("Coffee",))
    sign_in(client, patron)
    response = client.post(
        f"/topics/{topics[0]}/vote",
        data={"csrf_token": csrf(client)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
