"""Which language a page or a mail comes in (docs/translating.md): a saved choice, then `lang`
(kept in the session), then Accept-Language, then DEFAULT_LANGUAGE; and the formats that follow
it (money, dates, numbers, Ukrainian plurals)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engagement import i18n
from engagement.accounts.models import Editor, Patron
from engagement.extensions import db
from engagement.formatting import age, money, number
from engagement.notifications.models import Email
from engagement.notifications.outbox import enqueue
from engagement.readers.formatting import newsroom_date, newsroom_datetime, price
from tests.conftest import Forms
from tests.i18n.conftest import sign_in_patron

COUNTS = (1, 2, 5, 11, 21, 22, 25)


def _lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def test_accept_language_then_the_default(client):
    assert _lang(client.get("/")) == "en"
    assert _lang(client.get("/", headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})) == "uk"
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE, fr"})) == "en"


def test_the_default_language_is_a_setting(app_config):
    from engagement import create_app

    app = create_app({**app_config, "DEFAULT_LANGUAGE": "uk"})
    assert _lang(app.test_client().get("/corrections")) == "uk"


def test_the_lang_parameter_wins_over_the_browser_and_stays_for_the_next_pages(client):
    ukrainian = {"Accept-Language": "uk"}
    assert _lang(client.get("/?lang=en", headers=ukrainian)) == "en"
    assert _lang(client.get("/topics", headers=ukrainian)) == "en"  # kept in the session
    assert _lang(client.get("/corrections?lang=de")) == "en"  # not served: ignored
    assert _lang(client.get("/corrections?lang=uk-UA")) == "uk"  # the widget's data-lang
    assert _lang(client.get("/support")) == "uk"
    assert _lang(client.get("/support?lang=EN")) == "en"


def test_the_pseudo_locale_is_offered_only_when_switched_on(app_config):
    from engagement import create_app

    on = create_app({**app_config, "PSEUDO_LOCALE": True}).test_client()
    off = create_app({**app_config, "PSEUDO_LOCALE": False}).test_client()
    assert _lang(on.get("/?lang=en_XA")) == "en-XA"
    assert _lang(off.get("/?lang=en_XA")) == "en"


def test_a_patrons_saved_choice_wins_and_survives_the_sign_in(app, client):
    client.get("/?lang=en")
    sign_in_patron(app, client, "olena@example.org", language="uk")
    assert _lang(client.get("/topics?lang=en", headers={"Accept-Language": "en"})) == "uk"


def test_the_language_picked_before_signing_in_stays_after_it(app, client):
    assert _lang(client.get("/?lang=uk")) == "uk"
    sign_in_patron(app, client, "taras@example.org")
    assert _lang(client.get("/account")) == "uk"


def test_the_switch_links_to_the_same_page_in_each_language(client):
    html = client.get("/corrections?page=2", headers={"Accept-Language": "uk"}).get_data(
        as_text=True
    )
    assert 'href="/corrections?page=2&amp;lang=en" hreflang="en" lang="en"' in html
    assert '<strong lang="uk" aria-current="true">Українська</strong>' in html


def test_the_switch_carries_only_a_local_path_with_the_pages_own_parameters(app, client, auth):
    planted = "/topics?sort=new&next=javascript:alert(1)&back=%2F%2Fevil.example%2F"
    html = client.get(planted).get_data(as_text=True)
    assert 'href="/topics?sort=new&amp;lang=uk" hreflang="uk"' in html
    assert "javascript" not in html and "evil" not in html
    # A backslash in the path would read as `//evil.example` in a browser: it stays quoted.
    html = client.get("/\\evil.example/").get_data(as_text=True)
    assert 'href="/%5Cevil.example/?lang=uk"' in html and 'href="/\\' not in html

    sign_in_patron(app, client, "ostap@example.org")
    html = client.get(planted).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/topics?sort=new">' in html
    assert "javascript" not in html and "evil" not in html
    auth.login("editor")
    html = client.get("/newsroom/?next=https://evil.example/").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/newsroom/">' in html


def test_a_signed_in_patron_saves_a_language_from_the_switch_and_the_account(app, client):
    patron_id = sign_in_patron(app, client, "mykola@example.org")
    response = Forms(client).post(
        "/account/language", {"language": "uk", "next": "/topics"}, page="/account"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/topics"
    with app.app_context():
        assert db.session.get(Patron, patron_id).language == "uk"
    assert _lang(client.get("/topics?lang=en")) == "uk"
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'<option (lang="uk" )?selected (lang="uk" )?value="uk">Українська<', account)

    Forms(client).post("/account/language", {"language": "", "next": "/"}, page="/account")
    with app.app_context():
        assert db.session.get(Patron, patron_id).language is None
    assert _lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


def test_an_unknown_language_or_a_foreign_next_changes_nothing(app, client):
    patron_id = sign_in_patron(app, client, "iryna@example.org", language="en")
    response = Forms(client).post(
        "/account/language", {"language": "xx", "next": "https://evil.example/"}, page="/account"
    )
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    with app.app_context():
        assert db.session.get(Patron, patron_id).language == "en"


def test_an_editor_keeps_the_newsroom_in_their_language(app, client, auth):
    auth.login("editor")
    assert _lang(client.get("/newsroom/", headers={"Accept-Language": "en"})) == "en"
    response = Forms(client).post(
        "/newsroom/language", {"language": "uk", "next": "/newsroom/"}, page="/newsroom/"
    )
    assert response.status_code == 303
    assert _lang(client.get("/newsroom/?lang=en", headers={"Accept-Language": "en"})) == "uk"
    with app.app_context():
        editor = db.session.scalar(select(Editor).where(Editor.email == "editor@example.org"))
        assert editor.language == "uk"


def test_only_a_signed_in_editor_saves_a_newsroom_language(client):
    response = Forms(client).post("/newsroom/language", {"language": "uk"}, page="/account/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/newsroom/login")


def _queued(app, **enqueue_args) -> Email:
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        email = enqueue(
            "magic_link", patron=None, token=None, minutes=30, next_path=None, **enqueue_args
        )
        db.session.commit()
        return db.session.scalar(select(Email).where(Email.id == email.id))


def test_a_mail_is_written_in_its_recipients_language(app):
    with app.app_context():
        db.session.add(Patron(email="uk@example.org", language="uk"))
        db.session.add(Patron(email="plain@example.org"))
        db.session.commit()
    saved = _queued(app, to="uk@example.org", dedupe_key="a")
    reporter = _queued(app, to="reporter@example.org", dedupe_key="b", language="uk-UA")
    unknown = _queued(app, to="someone@example.org", dedupe_key="c", language="de")
    plain = _queued(app, to="plain@example.org", dedupe_key="d")
    languages = (saved.language, reporter.language, unknown.language, plain.language)
    assert languages == ("uk", "uk", "en", "en")
    assert '<html lang="uk">' in saved.html_body and '<html lang="en">' in unknown.html_body


def test_an_editors_mail_follows_the_editors_language(app, auth):
    auth.create("editor", "redakcia@example.org")
    with app.app_context():
        editor = db.session.scalar(select(Editor).where(Editor.email == "redakcia@example.org"))
        editor.language = "uk"
        db.session.commit()
    assert _queued(app, to="redakcia@example.org", dedupe_key="e").language == "uk"


@pytest.fixture
def in_language(app):
    """`with in_language("uk"):` runs the block in a request served in that language."""

    contexts = []

    def enter(code):
        if contexts:
            contexts.pop().pop()
        context = app.test_request_context(f"/?lang={code}")
        context.push()
        contexts.append(context)
        assert i18n.current_language() == code

    yield enter
    for context in contexts:
        context.pop()


def test_money_numbers_and_dates_follow_the_language(in_language):
    moment = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    in_language("en")
    assert [money(300), money(350), money(100000), money(500, "chf")] == [
        "€3",
        "€3.50",
        "€1,000",
        "5 CHF",
    ]
    assert price(300, "eur", "month") == "€3 a month" and number(12345) == "12,345"
    assert newsroom_date(moment) == "5 December 2026"
    assert newsroom_datetime(moment) == "5 December 2026, 17:00 (UTC)"
    in_language("uk")
    assert [money(300), money(350), money(100000)] == ["3\xa0€", "3,50\xa0€", "1\xa0000\xa0€"]
    assert price(300, "eur", "year") == "3\xa0€ на рік" and number(12345) == "12\xa0345"
    assert newsroom_date(moment) == "5 грудня 2026"
    assert newsroom_datetime(moment) == "5 грудня 2026, 17:00 (UTC)"


def test_dates_are_on_the_newsrooms_clock(app_config):
    from engagement import create_app

    app = create_app({**app_config, "NEWSROOM_TIMEZONE": "Europe/Kyiv"})
    with app.test_request_context("/?lang=uk"):
        assert newsroom_datetime(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == (
            "1 січня 2027, 01:00 (Europe/Kyiv)"
        )


def test_the_pseudo_locale_accents_the_month_too(in_language):
    in_language("en_XA")
    assert newsroom_date(datetime(2026, 12, 5, tzinfo=UTC)) == "5 Ðéçéɱƀéŕ 2026"


def test_ukrainian_plurals_of_days_hours_and_minutes(in_language):
    in_language("uk")
    days = [age(timedelta(days=n)) for n in COUNTS]
    assert days == ["1 день", "2 дні", "5 днів", "11 днів", "21 день", "22 дні", "25 днів"]
    hours = [age(timedelta(hours=n)) for n in (1, 2, 5, 11, 21, 22)]
    assert hours == ["1 година", "2 години", "5 годин", "11 годин", "21 година", "22 години"]
    minutes = [age(timedelta(minutes=n)) for n in COUNTS]
    assert minutes == [
        "1 хвилина",
        "2 хвилини",
        "5 хвилин",
        "11 хвилин",
        "21 хвилина",
        "22 хвилини",
        "25 хвилин",
    ]
    assert age(timedelta(seconds=30)) == "менше хвилини"


def test_english_plurals_stay_as_they_were(in_language):
    in_language("en")
    assert [age(timedelta(days=n)) for n in (1, 2, 21)] == ["1 day", "2 days", "21 days"]
    assert age(timedelta(seconds=5)) == "less than a minute"
