"""A vote checks the patron's session in its own first statement: an old cookie votes nothing."""

from __future__ import annotations

from sqlalchemy import func, select, update

from engagement.accounts.models import Patron
from engagement.database import utcnow
from engagement.extensions import db
from engagement.voting.models import Vote
from tests.voting.conftest import csrf, sign_in


def _stored_votes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Vote))


def _bump(app, patron_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(update(Patron).where(Patron.id == patron_id).values(**values))
        db.session.commit()


def test_a_cookie_from_before_sign_out_everywhere_casts_no_vote(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    _bump(app, patron, session_version=Patron.session_version + 1)
    page = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": token})
    assert page.status_code == 303
    assert page.headers["Location"].startswith("/account/login")
    as_json = client.post(
        f"/topics/{topics[0]}/vote",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 403
    assert _stored_votes(app) == 0


def test_an_erased_patrons_cookie_casts_no_vote(app, client, voting):
    patron = voting.patron("ada@example.org")
    _round, topics = voting.round()
    sign_in(client, patron)
    token = csrf(client)
    _bump(app, patron, erased_at=utcnow())
    page = client.post(f"/topics/{topics[0]}/vote", data={"csrf_token": token})
    assert page.status_code == 303
    assert page.headers["Location"].startswith("/account/login")
    assert _stored_votes(app) == 0


def test_an_old_cookie_on_an_unknown_topic_is_sent_to_sign_in_not_told_404(app, client, voting):
    patron = voting.patron("ada@example.org")
    voting.round()
    sign_in(client, patron)
    token = csrf(client)
    _bump(app, patron, session_version=Patron.session_version + 1)
    page = client.post("/topics/999999/vote", data={"csrf_token": token})
    assert page.status_code == 303
    assert page.headers["Location"].startswith("/account/login")


def test_a_current_cookie_on_an_unknown_topic_is_told_404(client, voting):
    patron = voting.patron("ada@example.org")
    voting.round()
    sign_in(client, patron)
    response = client.post("/topics/999999/vote", data={"csrf_token": csrf(client)})
    assert response.status_code == 404
