"""Votes and suggestions are rate limited per signed-in patron."""

from __future__ import annotations

import pytest

from tests.voting.conftest import csrf, sign_in
from tests.voting.test_votes import _vote, _votes


@pytest.fixture
def app_config(app_config):
    """A low vote limit, so the rate limit can be seen in a few requests."""
    return {**app_config, "VOTING_RATE_LIMIT": "4 per minute"}


def test_votes_are_rate_limited_per_patron(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round(topics=("A", "B", "C"))
    sign_in(client, patron)
    token = csrf(client)
    for action in ("vote", "unvote", "vote", "unvote"):
        assert _vote(client, topics[0], action, token=token).status_code == 303
    response = _vote(client, topics[1], token=token)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert _votes(app, patron) == []
