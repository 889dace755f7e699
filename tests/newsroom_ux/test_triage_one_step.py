"""One-step triage without a browser: every decision from `new`, the readers' wordings as
word-level diffs with their counts, one note box with a public/internal switch, the next open
correction after a decision, and the bulk action that has no default and asks first."""

from __future__ import annotations

from html import unescape

import pytest

from engagement.corrections.models import Correction
from engagement.corrections.wording import Piece, word_diff
from engagement.extensions import db
from tests.corrections.triage_data import make_corrections, report


@pytest.fixture
def editor(auth):
    auth.login("editor")


def _status(app, correction_id: int) -> tuple[str, str]:
    with app.app_context():
        correction = db.session.get(Correction, correction_id)
        return correction.status, correction.public_note


def _page(client, url: str) -> str:
    return unescape(client.get(url).get_data(as_text=True))


def test_a_word_diff_marks_what_the_reader_removed_and_added():
    assert word_diff("opened six months later", "opened five months later") == [
        Piece("same", "opened "),
        Piece("removed", "six"),
        Piece("added", "five"),
        Piece("same", " months later"),
    ]
    assert word_diff("a budget of 4.2 million", "a budget of 4.2 million") == [
        Piece("same", "a budget of 4.2 million")
    ]


def test_the_page_shows_each_distinct_wording_once_with_how_many_readers_sent_it(
    app, client, editor
):
    cid, _ = report(app, suggestion="five months later")
    report(app, suggestion="Five  months later")  # case and spacing aside, the same wording
    report(app, suggestion="four months later")
    report(app, suggestion="")
    page = _page(client, f"/newsroom/corrections/{cid}")
    assert "Suggestion 1 · 2 readers" in page and "Suggestion 2 · 1 reader<" in page
    # The readers' words are marked not to be translated (the labels around them are).
    assert '<del><span class="visually-hidden">[removed: </span><span translate="no">six' in page
    assert '<ins><span class="visually-hidden">[added: </span><span translate="no">five' in page


def test_use_this_wording_drafts_the_public_note_without_javascript(app, client, editor):
    cid, _ = report(app, suggestion="five months later")
    page = _page(client, f"/newsroom/corrections/{cid}?wording=1")
    assert "We wrote “six months later”. It should read “five months later”.</textarea>" in page
    assert '<input checked id="note_kind-0" name="note_kind" type="radio" value="public">' in page
    assert "</textarea>" in _page(client, f"/newsroom/corrections/{cid}?wording=99")


@pytest.mark.parametrize("status", ["corrected", "clarified", "no_action", "spam"])
def test_a_new_correction_is_decided_in_one_step(app, forms, editor, status):
    first, second = make_corrections(app, [{}, {}])
    response = forms.post(
        f"/newsroom/corrections/{second}/status",
        {"status": status, "note": "It opened in March.", "note_kind": "public"},
        page=f"/newsroom/corrections/{second}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/newsroom/corrections/{first}")
    assert _status(app, second) == (status, "It opened in March.")


def test_an_internal_note_stays_in_the_history_and_the_public_note_is_kept(app, forms, editor):
    (cid,) = make_corrections(app, [{}])
    response = forms.post(
        f"/newsroom/corrections/{cid}/status",
        {"status": "corrected", "note": "Checked the minutes", "note_kind": "internal"},
        page=f"/newsroom/corrections/{cid}",
    )
    assert response.status_code == 422
    assert "Write the public note: what was wrong and what is right." in response.get_data(
        as_text=True
    )
    forms.post(
        f"/newsroom/corrections/{cid}/status",
        {"status": "no_action", "note": "Checked the minutes", "note_kind": "internal"},
        page=f"/newsroom/corrections/{cid}",
    )
    assert _status(app, cid) == ("no_action", "")
    assert "<td>Checked the minutes</td>" in _page(forms.client, f"/newsroom/corrections/{cid}")


def test_after_the_last_open_one_the_list_says_none_is_left(app, forms, editor):
    (cid,) = make_corrections(app, [{}])
    response = forms.post(
        f"/newsroom/corrections/{cid}/status",
        {"status": "spam"},
        page=f"/newsroom/corrections/{cid}",
        follow_redirects=True,
    )
    assert "is now spam. No open correction is left." in response.get_data(as_text=True)


def test_start_review_stays_on_the_correction(app, forms, editor):
    (cid,) = make_corrections(app, [{}])
    response = forms.post(
        f"/newsroom/corrections/{cid}/status",
        {"status": "in_review"},
        page=f"/newsroom/corrections/{cid}",
    )
    assert response.headers["Location"].endswith(f"/newsroom/corrections/{cid}")


def test_duplicate_of_asks_first_then_merges(app, forms, editor):
    target, source = make_corrections(app, [{}, {}])
    response = forms.post(
        f"/newsroom/corrections/{source}/status",
        {"status": "duplicate", "duplicate_of": str(target)},
        page=f"/newsroom/corrections/{source}",
    )
    assert response.status_code == 302
    confirm = _page(forms.client, response.headers["Location"])
    assert f"Merge #{source} into #{target}?" in confirm
    assert f"1 report of #{source} moves to #{target}" in confirm
    assert _status(app, source)[0] == "new"
    forms.post(
        f"/newsroom/corrections/{source}/merge",
        {"target": str(target)},
        page=response.headers["Location"],
    )
    assert _status(app, source)[0] == "duplicate"
    missing = forms.post(
        f"/newsroom/corrections/{target}/status",
        {"status": "duplicate"},
        page=f"/newsroom/corrections/{target}",
    )
    assert missing.status_code == 422
    assert (
        'id="duplicate_of-error">Give the number of the correction this one repeats.'
        in missing.get_data(as_text=True)
    )


def test_merging_asks_for_a_real_other_correction(app, client, editor):
    (cid,) = make_corrections(app, [{}])
    for target in (str(cid), "9999", "abc"):
        response = client.get(f"/newsroom/corrections/{cid}/merge?target={target}")
        assert response.status_code == 422
        assert 'id="target-error"' in response.get_data(as_text=True)


def test_the_bulk_action_has_no_default_and_asks_first_naming_the_count(app, client, forms, editor):
    ids = [
        report(app, exact="six months", email="a@example.net", notify=True)[0],
        report(app, exact="a budget", email="b@example.net", notify=True)[0],
        report(app, exact="the mayor")[0],
    ]
    page = _page(client, "/newsroom/corrections")
    assert '<option selected value="">Choose an action…</option>' in page
    query = "&".join(f"ids={i}" for i in ids)
    none = client.get(f"/newsroom/corrections/bulk?{query}&action=")
    assert none.status_code == 302
    asked = _page(client, f"/newsroom/corrections/bulk?{query}&action=no_action")
    assert "Close with no action: 3 corrections?" in asked
    assert "2 readers who asked to be told will get a mail." in asked
    assert {_status(app, i)[0] for i in ids} == {"new"}
    forms.post(
        "/newsroom/corrections/bulk",
        {"ids": [str(i) for i in ids], "action": "no_action", "confirmed": "yes"},
        page="/newsroom/corrections",
    )
    assert {_status(app, i)[0] for i in ids} == {"no_action"}


def test_a_keyboard_action_from_the_list_returns_to_the_list(app, forms, editor, auth):
    (cid,) = make_corrections(app, [{}])
    response = forms.post(
        f"/newsroom/corrections/{cid}/assign",
        {"assignee": "me", "back": "list"},
        page="/newsroom/corrections",
    )
    assert response.headers["Location"].endswith("/newsroom/corrections")
    with app.app_context():
        assert db.session.get(Correction, cid).assignee.email == "editor@example.org"
    response = forms.post(
        f"/newsroom/corrections/{cid}/status",
        {"status": "spam", "back": "list"},
        page="/newsroom/corrections",
    )
    assert response.headers["Location"].endswith("/newsroom/corrections")


def test_the_keyboard_script_is_a_small_file_of_ours_on_both_triage_pages(app, client, editor):
    (cid,) = make_corrections(app, [{}])
    for url in ("/newsroom/corrections", f"/newsroom/corrections/{cid}"):
        assert '<script src="/static/triage_keys.js" defer></script>' in _page(client, url)
    script = client.get("/static/triage_keys.js").get_data(as_text=True)
    assert "typing(event.target)" in script and len(script) < 12_000
