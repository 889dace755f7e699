"""Signed-in /topics from the shared page with each reader's ballot laid over (topics_cache):
the page a reader gets from the cache is the page rendered for them alone, in English and in
Ukrainian, in every ballot state; one shared render serves readers whose ballots differ."""

from __future__ import annotations

import re

import pytest

from engagement.extensions import db
from engagement.voting.models import Topic
from tests.voting.conftest import csrf, sign_in

LANGUAGES = {"en": {"Accept-Language": "en"}, "uk": {"Accept-Language": "uk"}}


@pytest.fixture
def app_config(app_config):
    app_config["TOPICS_CACHE_SECONDS"] = 60
    return app_config


def _flat(html: str) -> str:
    # Whitespace aside; a CSRF token is signed with the second it was made in.
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value="T"', html)
    return re.sub(r"\s+", " ", html).strip()


def _both_ways(app, client, headers) -> tuple[str, str]:
    """The reader's page from the cache, then rendered for them alone (cache off)."""
    cached = client.get("/topics", headers=headers)
    app.config["TOPICS_CACHE_SECONDS"] = 0
    try:
        fresh = client.get("/topics", headers=headers)
    finally:
        app.config["TOPICS_CACHE_SECONDS"] = 60
    assert cached.status_code == fresh.status_code == 200
    return cached.get_data(as_text=True), fresh.get_data(as_text=True)


def _vote(client, topic_id: int, headers, action: str = "vote") -> None:
    answer = client.post(
        f"/topics/{topic_id}/{action}", data={"csrf_token": csrf(client)}, headers=headers
    )
    assert answer.status_code == 303
    client.get("/topics", headers=headers)  # shows (and takes) the flashed answer


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_cached_page_is_the_readers_own_page_in_every_ballot_state(app, voting, language):
    headers = LANGUAGES[language]
    _open, open_topics = voting.round(topics=("Housing", "Schools", "Transport"), budget=2)
    _named, named_topics = voting.round(topics=("Parks", "Libraries"), tiers=("Gold",))
    readers = {
        "no votes yet": voting.patron("ada@example.org"),
        "one vote": voting.patron("bob@example.org"),
        "no votes left": voting.patron("cy@example.org"),
        "no membership": voting.patron("dee@example.org", tier=None),
        "gold": voting.patron("eve@example.org", tier="Gold"),
        "voted, then membership ended": voting.patron("fay@example.org"),
    }
    clients = {name: app.test_client() for name in readers}
    for name, patron_id in readers.items():
        sign_in(clients[name], patron_id)
    _vote(clients["one vote"], open_topics[1], headers)
    _vote(clients["no votes left"], open_topics[0], headers)
    _vote(clients["no votes left"], open_topics[2], headers)
    _vote(clients["gold"], named_topics[1], headers)
    _vote(clients["voted, then membership ended"], open_topics[2], headers)
    voting.cancel(readers["voted, then membership ended"])
    # One shared render after the votes (its counts are then current) serves every reader.
    app.extensions.pop("voting_topics_reader_cache", None)
    for name, client in clients.items():
        cached, fresh = _both_ways(app, client, headers)
        assert "<!--ov" not in cached and "__ov-" not in cached, name
        assert _flat(cached) == _flat(fresh), name


def _topic_item(page: str, topic_id: int) -> str:
    return re.search(rf'<li class="topic[^"]*" id="topic-{topic_id}">.*?</li>', page, re.S)[0]


def test_a_readers_ballot_is_right_after_each_vote_with_the_cache_on(app, client, voting):
    uk = LANGUAGES["uk"]
    round_id, topic_ids = voting.round(topics=("Housing", "Schools"), budget=2)
    sign_in(client, voting.patron("ada@example.org"))
    other = app.test_client()
    sign_in(other, voting.patron("bob@example.org"))
    assert "Залишилось голосів у цьому раунді: 2 з 2." in other.get("/topics", headers=uk).text

    _vote(client, topic_ids[0], uk)
    page = client.get("/topics", headers=uk).get_data(as_text=True)
    assert "Залишилось голосів у цьому раунді: 1 з 2." in page
    voted = _topic_item(page, topic_ids[0])
    assert 'class="topic voted"' in voted and "Ви проголосували за цю тему" in voted
    assert "data-voted-badge>" in voted  # the badge is shown (not hidden)
    assert f'action="/topics/{topic_ids[0]}/unvote"' in voted
    assert "data-voted-badge hidden" in _topic_item(page, topic_ids[1])
    assert 'data-remaining="1"' in page

    _vote(client, topic_ids[1], uk)
    page = client.get("/topics", headers=uk).get_data(as_text=True)
    assert "Залишилось голосів у цьому раунді: 0 з 2." in page
    assert f'id="no-votes-{round_id}">' in page  # "you have used all your votes" shown
    assert f'action="/topics/{topic_ids[1]}/unvote"' in page

    _vote(client, topic_ids[0], uk, "unvote")
    page = client.get("/topics", headers=uk).get_data(as_text=True)
    assert "Залишилось голосів у цьому раунді: 1 з 2." in page
    assert f'action="/topics/{topic_ids[0]}/vote"' in page
    assert " disabled>" not in page
    # The other reader's page, from the same shared render, still shows their own ballot.
    theirs = other.get("/topics", headers=uk).get_data(as_text=True)
    assert "Залишилось голосів у цьому раунді: 2 з 2." in theirs
    assert "data-voted-badge>" not in theirs


def test_a_reader_with_no_votes_left_gets_disabled_buttons_from_the_shared_page(
    app, client, voting
):
    _round_id, topic_ids = voting.round(topics=("Housing", "Schools", "Transport"), budget=1)
    sign_in(client, voting.patron("ada@example.org"))
    _vote(client, topic_ids[2], {})
    page = client.get("/topics").get_data(as_text=True)
    assert "You have 0 of 1 vote left in this round." in page
    for topic_id in topic_ids[:2]:
        assert " disabled>Vote</button>" in _topic_item(page, topic_id)
    assert "Take back my vote" in _topic_item(page, topic_ids[2])


def test_one_shared_render_serves_readers_with_different_ballots(app, voting):
    round_id, topic_ids = voting.round(topics=("Housing", "Schools"))
    ada, bob = app.test_client(), app.test_client()
    sign_in(ada, voting.patron("ada@example.org"))
    sign_in(bob, voting.patron("bob@example.org"))
    _vote(ada, topic_ids[0], {})
    assert "You have 2 of 3 votes left" in ada.get("/topics").text
    with app.app_context():
        db.session.get(Topic, topic_ids[1]).title = "Rents"
        db.session.commit()
    page = bob.get("/topics").get_data(as_text=True)  # a different ballot, the same render
    assert "Schools" in page and "Rents" not in page
    assert "You have 3 of 3 votes left" in page


@pytest.mark.parametrize("known_rounds", [False, True])
def test_an_old_sessions_cookie_gets_the_signed_out_page(app, client, voting, known_rounds):
    from engagement.accounts.models import Patron

    voting.round(topics=("Housing", "Schools"))
    ada_id = voting.patron("ada@example.org")
    if known_rounds:  # another reader's page has filled the cache: ballot and check in one
        bob = app.test_client()
        sign_in(bob, voting.patron("bob@example.org"))
        assert "You have 3 of 3 votes left" in bob.get("/topics").text
    sign_in(client, ada_id)
    with app.app_context():
        db.session.get(Patron, ada_id).session_version += 1  # signed out everywhere
        db.session.commit()
    page = client.get("/topics").get_data(as_text=True)
    assert "Become a co-creator to vote" in page
    assert "votes left" not in page and "data-vote-form" not in page
