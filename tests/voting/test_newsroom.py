"""Editors curate rounds: create and edit them, add and order topics, handle suggestions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engagement.accounts.models import Editor
from engagement.database import utcnow
from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem
from engagement.notifications.worker import Worker
from engagement.voting.models import Round, Topic
from tests.voting.conftest import csrf, sign_in

ROUND = {
    "title": "Spring round",
    "description": "What next?",
    "opens_at": "2026-03-01T09:00",
    "closes_at": "2026-03-15T18:00",
    "vote_budget": "3",
    "results_visibility": "sealed",
    "allow_suggestions": "y",
}


def test_an_editor_creates_a_round_for_some_tiers(app, auth, forms, voting):
    champion = voting.tier("Champion")
    auth.login("editor")
    page = forms.client.get("/newsroom/rounds/new").get_data(as_text=True)
    assert '<label for="title">Title</label>' in page
    assert f'<label for="tier-{champion}">Champion</label>' in page
    response = forms.post("/newsroom/rounds/new", {**ROUND, "tier_ids": str(champion)})
    assert response.status_code == 303
    with app.app_context():
        round_ = db.session.scalar(select(Round))
        assert (round_.title, round_.vote_budget, round_.results_visibility) == (
            "Spring round",
            3,
            "sealed",
        )
        assert round_.opens_at.isoformat() == "2026-03-01T09:00:00+00:00"
        assert [t.name for t in round_.eligible_tiers] == ["Champion"]


def test_round_errors_appear_beside_their_fields(app, auth, forms):
    auth.login("editor")
    response = forms.post("/newsroom/rounds/new", {**ROUND, "title": "", "vote_budget": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<p class="error" id="title-error">Give the round a title.</p>' in page
    assert '<p class="error" id="vote_budget-error">Give each co-creator between 1 and 100' in page
    response = forms.post("/newsroom/rounds/new", {**ROUND, "closes_at": "2026-02-01T09:00"})
    assert response.status_code == 422
    assert 'id="closes_at-error">The round must close after it opens.' in response.get_data(
        as_text=True
    )
    response = forms.post("/newsroom/rounds/new", {**ROUND, "opens_at": "next tuesday"})
    assert response.status_code == 422
    assert 'id="opens_at-error">' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Round)) is None


def test_an_open_round_keeps_its_opening_and_cannot_lower_the_budget(app, auth, forms, voting):
    round_id, _topics = voting.round(budget=3)
    auth.login("editor")
    page = f"/newsroom/rounds/{round_id}/edit"
    form = forms.client.get(page).get_data(as_text=True)
    assert 'value="What should we cover next?"' in form
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        from engagement.voting.forms import TIME_FORMAT, to_local

        opens = to_local(round_.opens_at).strftime(TIME_FORMAT)
    response = forms.post(
        page, {**ROUND, "opens_at": opens, "closes_at": "2099-01-01T00:00", "vote_budget": "2"}
    )
    assert response.status_code == 422
    assert "The budget cannot be lowered once the round has opened." in response.get_data(
        as_text=True
    )
    response = forms.post(
        page, {**ROUND, "opens_at": opens, "closes_at": "2099-01-01T00:00", "vote_budget": "5"}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Round, round_id).vote_budget == 5


def test_topics_are_added_edited_and_reordered(app, auth, forms, voting):
    round_id, topics = voting.round(topics=("A", "B"))
    auth.login("editor")
    page = f"/newsroom/rounds/{round_id}"
    response = forms.post(f"{page}/topics", {"title": "", "description": ""}, page=page)
    assert response.status_code == 422
    assert 'id="title-error">Give the topic a title.' in response.get_data(as_text=True)
    forms.post(f"{page}/topics", {"title": "C <b>bold</b>", "description": "Why"}, page=page)
    forms.post(f"/newsroom/topics/{topics[1]}/move", {"direction": "up"}, page=page)
    forms.post(f"/newsroom/topics/{topics[0]}/edit", {"title": "A, renamed", "description": ""})
    html = forms.client.get(page).get_data(as_text=True)
    assert (
        html.index(">B</h3>")
        < html.index(">A, renamed</h3>")
        < html.index(">C &lt;b&gt;bold&lt;/b&gt;</h3>")
    )
    public = app.test_client().get("/topics").get_data(as_text=True)
    assert public.index(">B</h3>") < public.index(">A, renamed</h3>")


def test_a_co_creator_suggests_and_the_editors_hear_of_it(app, client, voting, auth):
    editor_id = auth.create("editor")
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    response = client.post(
        "/topics/suggest",
        data={
            "csrf_token": token,
            "round_id": str(round_id),
            "title": "Night buses",
            "description": "They stopped running.",
        },
        follow_redirects=True,
    )
    assert "your suggestion is with the editors" in response.get_data(as_text=True)
    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.title == "Night buses"))
        assert (topic.state, topic.suggested_by_id) == ("suggested", patron)
        item = db.session.scalar(select(DigestItem).where(DigestItem.editor_id == editor_id))
        assert item.kind == "suggestion" and "Night buses" in item.summary
    assert "Night buses" not in client.get("/topics").get_data(as_text=True)


def test_each_editor_reads_the_suggestion_in_their_own_language_in_the_digest(
    app, client, voting, auth, smtp_sink
):
    ann = auth.create("editor", "ann@example.org")
    auth.create("editor", "bob@example.org")  # chose no language: the default, English
    with app.app_context():
        db.session.get(Editor, ann).language = "uk"
        db.session.commit()
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    sign_in(client, patron)
    client.get("/topics?lang=uk")  # the reader suggests from the Ukrainian page
    client.post(
        "/topics/suggest",
        data={"csrf_token": csrf(client), "round_id": str(round_id), "title": "Night buses"},
    )
    # The digest hour (8 on the newsroom's clock in the tests) of the next day.
    tomorrow = (utcnow() + timedelta(days=1)).replace(hour=9, minute=0)
    with app.app_context():
        assert Worker(app, clock=lambda: tomorrow).drain().sent == 2
    digests = {str(m["To"]): m.get_body(("plain",)).get_content() for m in smtp_sink.wait_for(2)}
    assert (
        "- Запропоновано тему для раунду «What should we cover next?»: Night buses"
        in digests["ann@example.org"]
    )
    assert (
        "- Topic suggested for “What should we cover next?”: Night buses"
        in digests["bob@example.org"]
    )


def test_an_editor_who_wants_suggestions_at_once_gets_a_mail(app, client, voting, auth):
    editor_id = auth.create("editor")
    with app.app_context():
        from engagement.accounts.models import Editor
        from engagement.notifications.preferences import set_mode

        set_mode(db.session.get(Editor, editor_id), "suggestion", "instant")
        db.session.commit()
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    sign_in(client, patron)
    client.post(
        "/topics/suggest",
        data={
            "csrf_token": csrf(client),
            "round_id": str(round_id),
            "title": "<img src=x onerror=alert(1)>",
        },
    )
    with app.app_context():
        mail = db.session.scalar(select(Email).where(Email.kind == "topic_suggested"))
        assert mail.recipients == "editor@example.org"
        assert "<img src=x" not in mail.html_body and "&lt;img src=x" in mail.html_body


def test_a_suggestion_without_a_title_shows_the_error_beside_the_field(client, voting):
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round()
    sign_in(client, patron)
    response = client.post(
        "/topics/suggest",
        data={"csrf_token": csrf(client), "round_id": str(round_id), "title": "  "},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="suggest-{round_id}-title-error">Say what the topic is.' in page


def test_suggestions_are_refused_where_the_round_takes_none(app, client, voting):
    patron = voting.patron("ada@example.org")
    round_id, _topics = voting.round(suggestions=False)
    sign_in(client, patron)
    page = client.get("/topics").get_data(as_text=True)
    assert "Suggest a topic" not in page
    response = client.post(
        "/topics/suggest",
        data={"csrf_token": csrf(client), "round_id": str(round_id), "title": "Anything"},
    )
    assert response.status_code == 403


def test_suggestions_need_a_co_creator(app, client, voting):
    patron = voting.patron("reader@example.org", tier=None)
    round_id, _topics = voting.round()
    sign_in(client, patron)
    response = client.post(
        "/topics/suggest",
        data={
            "csrf_token": csrf(client, "/newsroom/login"),
            "round_id": str(round_id),
            "title": "Anything",
        },
    )
    assert response.status_code == 403


def _suggest(app, patron_id, round_id, title):
    from engagement.accounts.models import Patron
    from engagement.voting import services

    with app.app_context():
        topic = services.suggest_topic(db.session.get(Patron, patron_id), round_id, title, "")
        db.session.commit()
        return topic.id


def test_editors_publish_decline_and_merge_suggestions(app, auth, forms, voting):
    patron = voting.patron("ada@example.org")
    round_id, topics = voting.round()
    first = _suggest(app, patron, round_id, "Night buses")
    second = _suggest(app, patron, round_id, "Parks")
    third = _suggest(app, patron, round_id, "Housing again")
    auth.login("editor")
    page = forms.client.get("/newsroom/suggestions").get_data(as_text=True)
    assert "Night buses" in page and f'<label for="decline-{first}-reason">Public reason' in page
    forms.post(
        f"/newsroom/suggestions/{first}/publish",
        {"round_id": str(round_id)},
        page="/newsroom/suggestions",
    )
    response = forms.post(
        f"/newsroom/topics/{second}/decline", {"reason": ""}, page="/newsroom/suggestions"
    )
    assert response.status_code == 422
    assert f'id="decline-{second}-reason-error">Give readers a reason' in response.get_data(
        as_text=True
    )
    forms.post(
        f"/newsroom/topics/{second}/decline",
        {"reason": "Out of our area."},
        page="/newsroom/suggestions",
    )
    forms.post(
        f"/newsroom/topics/{third}/merge",
        {"target_id": str(topics[0])},
        page="/newsroom/suggestions",
    )
    with app.app_context():
        states = {
            t.id: (t.state, t.public_reason, t.merged_into_id)
            for t in db.session.scalars(select(Topic))
        }
    assert states[first][0] == "open"
    assert states[second][:2] == ("declined", "Out of our area.")
    assert states[third] == ("merged", "", topics[0])
    assert "Night buses" in app.test_client().get("/topics").get_data(as_text=True)
    assert "No suggestions are waiting." in forms.client.get("/newsroom/suggestions").get_data(
        as_text=True
    )


def test_newsroom_voting_pages_are_closed_to_readers(app, voting):
    round_id, topics = voting.round()
    client = app.test_client()
    for url in (
        "/newsroom/rounds",
        "/newsroom/rounds/new",
        f"/newsroom/rounds/{round_id}",
        "/newsroom/suggestions",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/newsroom/login" in response.headers["Location"]


def test_demo_seed_adds_an_open_round_and_a_co_creator_once(app, runner):
    from engagement.accounts.models import Patron
    from engagement.voting import eligibility

    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    assert "Demo co-creator: reader@example.org" in result.output
    with app.app_context():
        rounds = db.session.scalars(
            select(Round).where(Round.title == "What should we cover next?")
        ).all()
        assert len(rounds) == 1 and rounds[0].is_open() and rounds[0].vote_budget == 3
        assert len([t for t in rounds[0].topics if t.state == "open"]) == 5
        reader = db.session.scalar(select(Patron).where(Patron.email == "reader@example.org"))
        assert eligibility.may_vote(reader, rounds[0])


def test_votes_today_counts_from_midnight_on_the_newsrooms_clock(app, voting):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from engagement.voting.curation import panel_figures
    from engagement.voting.models import Vote

    kyiv = ZoneInfo("Europe/Kyiv")
    app.config["NEWSROOM_TIMEZONE"] = "Europe/Kyiv"
    round_id, topics = voting.round()
    ada, bob = voting.patron("ada@example.org"), voting.patron("bob@example.org")
    late = datetime(2026, 12, 1, 23, 30, tzinfo=kyiv)  # 21:30 UTC, the day before
    early = datetime(2026, 12, 2, 0, 30, tzinfo=kyiv)  # 22:30 UTC, still the 1st in UTC
    with app.app_context():
        db.session.add_all(
            [
                Vote(patron_id=ada, topic_id=topics[0], round_id=round_id, created_at=late),
                Vote(patron_id=bob, topic_id=topics[0], round_id=round_id, created_at=early),
            ]
        )
        db.session.commit()
        one_am = datetime(2026, 12, 2, 1, 0, tzinfo=kyiv)  # 23:00 UTC on the 1st
        assert panel_figures(one_am)["votes_today"] == 1
        app.config["NEWSROOM_TIMEZONE"] = "UTC"  # the same moment, a newsroom on UTC
        assert panel_figures(one_am)["votes_today"] == 2
        assert panel_figures(datetime(2026, 12, 2, 0, 5, tzinfo=UTC))["votes_today"] == 0
