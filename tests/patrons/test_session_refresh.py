"""A patron's session lasts 31 days from their latest visit, but an unchanged session's cookie
is signed and sent again only once it is SESSION_REFRESH_AFTER (an hour) old, not on every
response (issue 17: re-signing it was a sixth of a signed-in /topics)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from .conftest import make_patron

SIGNED_IN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session_cookie(response) -> str | None:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookies[-1] if cookies else None


def test_an_unchanged_session_is_signed_again_hourly_and_expires_31_days_after_the_last_visit(
    app, client, patron_session
):
    make_patron(app, "pat@example.org")
    with time_machine.travel(SIGNED_IN_AT, tick=False) as clock:
        patron_session.sign_in("pat@example.org")
        assert client.get("/account").status_code == 200
        again = client.get("/account")
        assert again.status_code == 200 and _session_cookie(again) is None

        clock.shift(timedelta(minutes=59))
        assert _session_cookie(client.get("/account")) is None
        clock.shift(timedelta(minutes=2))  # the cookie is over an hour old: sent again
        refreshed = _session_cookie(client.get("/account"))
        assert refreshed is not None and "Expires=Thu, 02 Apr 2026 10:01:00 GMT" in refreshed
        assert _session_cookie(client.get("/account")) is None

        # Visits keep the session going past 31 days from the sign-in...
        clock.move_to(SIGNED_IN_AT + timedelta(days=20))
        assert client.get("/account").status_code == 200
        clock.move_to(SIGNED_IN_AT + timedelta(days=40))
        assert client.get("/account").status_code == 200
        # ...and 31 days without one end it.
        clock.move_to(SIGNED_IN_AT + timedelta(days=72))
        assert client.get("/account").status_code in (302, 303)


def test_a_changed_session_is_sent_at_once(app, client, patron_session):
    make_patron(app, "pat@example.org")
    patron_session.sign_in("pat@example.org")
    client.get("/account")
    # Choosing a language is saved in the session: the cookie goes back with the answer.
    changed = client.get("/account?lang=uk")
    assert changed.status_code == 200 and _session_cookie(changed) is not None
