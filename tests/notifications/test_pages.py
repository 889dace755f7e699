"""Editors choose their notifications; admins watch the outbox and retry what failed."""

import re

from sqlalchemy import select, update

from engagement.extensions import db
from engagement.notifications.models import Email
from engagement.notifications.preferences import NotificationPreference
from tests.notifications.conftest import queue_mails

SETTINGS = "/newsroom/settings/notifications"


def _checked(html: str) -> dict[str, str]:
    """The radio buttons a page shows as chosen: {name: value}."""
    return dict(re.findall(r'<input checked id="[\w-]+" name="(\w+)"[^>]*value="(\w+)"', html))


def _status(app, email_id):
    with app.app_context():
        return db.session.get(Email, email_id).status


def test_a_new_editor_sees_the_defaults_checked(client, auth):
    auth.login("editor")
    html = client.get(SETTINGS).get_data(as_text=True)
    assert "<legend>New correction reported</legend>" in html
    assert _checked(html) == {"correction": "instant", "patron": "digest", "suggestion": "digest"}
    assert '<label for="patron-2">Off</label>' in html


def test_an_editor_saves_their_own_settings_with_a_flash(app, client, auth, forms):
    auth.login("editor")
    response = forms.post(
        SETTINGS,
        {"correction": "digest", "patron": "off", "suggestion": "instant"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your notification settings are saved." in html
    assert _checked(html) == {"correction": "digest", "patron": "off", "suggestion": "instant"}
    with app.app_context():
        prefs = {p.kind: p.mode for p in db.session.scalars(select(NotificationPreference))}
    assert prefs == {"correction": "digest", "patron": "off", "suggestion": "instant"}


def test_an_unknown_mode_is_refused_beside_the_field(client, auth, forms):
    auth.login("editor")
    response = forms.post(
        SETTINGS, {"correction": "hourly", "patron": "off", "suggestion": "instant"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="correction-error"' in html and "Not a valid choice" in html


def test_settings_without_a_csrf_token_are_refused(app, client, auth):
    auth.login("editor")
    response = client.post(
        SETTINGS, data={"correction": "off", "patron": "off", "suggestion": "off"}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(NotificationPreference)).all() == []


def test_the_outbox_lists_failed_and_dead_mails_with_their_error(app, client, auth):
    ids = queue_mails(app, 3, title="Subject <{n}>")
    with app.app_context():
        db.session.execute(
            update(Email)
            .where(Email.id == ids[0])
            .values(status="failed", attempts=2, last_error="451 <busy>")
        )
        db.session.execute(
            update(Email)
            .where(Email.id == ids[1])
            .values(status="dead", attempts=8, last_error="550 mailbox unavailable")
        )
        db.session.commit()
    auth.login("admin")
    html = client.get("/newsroom/outbox").get_data(as_text=True)
    assert "Subject &lt;0&gt;" in html and "451 &lt;busy&gt;" in html
    assert "550 mailbox unavailable" in html
    assert html.count(">Retry now</button>") == 2  # failed and dead, not queued
    assert "<dt>Queued</dt><dd>1</dd>" in html and "<dt>Dead</dt><dd>1</dd>" in html


def test_retry_now_requeues_a_dead_mail_and_the_worker_sends_it(
    app, client, auth, forms, worker, smtp_sink
):
    [email_id] = queue_mails(app, 1)
    with app.app_context():
        db.session.execute(update(Email).values(status="dead", attempts=8, last_error="550"))
        db.session.commit()
    auth.login("admin")
    response = forms.post(
        f"/newsroom/outbox/{email_id}/retry", page="/newsroom/outbox", follow_redirects=True
    )
    assert response.status_code == 200
    assert f"Mail #{email_id} is queued again" in response.get_data(as_text=True)
    with app.app_context():
        email = db.session.get(Email, email_id)
        assert (email.status, email.attempts) == ("queued", 0)
        assert worker.drain().sent == 1
    assert len(smtp_sink.wait_for(1)) == 1


def test_retrying_a_mail_that_was_sent_is_a_conflict(app, client, auth, forms):
    [email_id] = queue_mails(app, 1)
    with app.app_context():
        db.session.execute(update(Email).values(status="sent"))
        db.session.commit()
    auth.login("admin")
    response = forms.post(f"/newsroom/outbox/{email_id}/retry", page="/newsroom/outbox")
    assert response.status_code == 409
    assert _status(app, email_id) == "sent"


def test_retry_without_a_csrf_token_is_refused(app, client, auth):
    [email_id] = queue_mails(app, 1)
    with app.app_context():
        db.session.execute(update(Email).values(status="dead"))
        db.session.commit()
    auth.login("admin")
    assert client.post(f"/newsroom/outbox/{email_id}/retry").status_code == 400
    assert _status(app, email_id) == "dead"


def test_editors_may_not_open_the_outbox_or_retry(app, client, auth, forms):
    [email_id] = queue_mails(app, 1)
    auth.login("editor")
    assert client.get("/newsroom/outbox").status_code == 403
    assert client.get(f"/newsroom/outbox/{email_id}").status_code == 403
    token = forms.token(SETTINGS)
    response = client.post(f"/newsroom/outbox/{email_id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    nav = client.get(SETTINGS).get_data(as_text=True)
    assert "My notifications" in nav and ">Outbox<" not in nav


def test_a_mails_text_is_readable_and_escaped(app, client, auth, worker, smtp_sink):
    [email_id] = queue_mails(app, 1, title="<script>alert(1)</script>")
    with app.app_context():
        worker.drain()
    auth.login("admin")
    response = client.get(f"/newsroom/outbox/{email_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hello Editor 0," in html and "Message number 0." in html
    assert client.get("/newsroom/outbox/999").status_code == 404


def test_the_dashboard_shows_admins_the_outbox_counts(app, client, auth):
    queue_mails(app, 2)
    auth.login("admin")
    html = client.get("/newsroom/").get_data(as_text=True)
    assert 'id="panel-outbox"' in html and "<dt>Queued</dt><dd>2</dd>" in html
    auth.logout()
    auth.login("editor")
    assert 'id="panel-outbox"' not in client.get("/newsroom/").get_data(as_text=True)
