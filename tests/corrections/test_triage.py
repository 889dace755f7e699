"""Triage of one correction: states and their history, assignment, notes, merging, bulk actions,
the dashboard panel, and who may open the newsroom's corrections pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engagement.accounts.auth import PATRON_SESSION_KEY
from engagement.accounts.models import Patron
from engagement.corrections.models import Correction, CorrectionEvent, Report
from engagement.errors import Conflict, InvalidInput
from engagement.extensions import db
from tests.corrections.triage_data import make_corrections, report


@pytest.fixture
def editor(auth):
    """A signed-in editor; returns their id."""
    auth.login("editor")
    return auth.create("editor")


def detail_url(correction_id: int) -> str:
    return f"/newsroom/corrections/{correction_id}"


def move(forms, correction_id: int, status: str, **fields):
    return forms.post(
        f"{detail_url(correction_id)}/status",
        {"status": status, **fields},
        page=detail_url(correction_id),
    )


def load(app, correction_id: int) -> Correction:
    with app.app_context():
        correction = db.session.get(Correction, correction_id)
        db.session.expunge(correction)
        return correction


def history(app, correction_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (e.editor.email if e.editor else None, e.from_status, e.to_status, e.note)
            for e in db.session.scalars(
                select(CorrectionEvent)
                .where(CorrectionEvent.correction_id == correction_id)
                .order_by(CorrectionEvent.id)
            )
        ]


# --- states ---------------------------------------------------------------------------------


def test_the_model_allows_the_documented_moves_and_refuses_the_rest(app):
    (cid,) = make_corrections(app, [{}])
    with app.app_context():
        correction = db.session.get(Correction, cid)
        with pytest.raises(InvalidInput):
            correction.move_to("corrected", None)  # one step from new, but never without a note
        correction.move_to("in_review", None)
        with pytest.raises(InvalidInput) as missing_note:
            correction.move_to("clarified", None)
        assert missing_note.value.fields == {
            "public_note": "Write the public note: what was wrong and what is right."
        }
        with pytest.raises(InvalidInput):
            correction.move_to("duplicate", None)  # only by merging
        with pytest.raises(InvalidInput):
            correction.move_to("archived", None)
        correction.move_to("clarified", None, public_note="We meant the new bridge.")
        assert correction.resolved_at is not None
        with pytest.raises(Conflict):
            correction.move_to("spam", None)  # closed: only reopening
        correction.move_to("in_review", None)
        assert correction.status == "in_review" and correction.resolved_at is None


def test_an_editor_reviews_and_corrects_and_the_history_says_who_when_and_what(app, forms, editor):
    cid, _ = report(app)
    assert move(forms, cid, "in_review", note="Checking the minutes").status_code == 302
    response = move(
        forms,
        cid,
        "corrected",
        public_note="We wrote six months; the bridge opened five months late.",
    )
    assert response.status_code == 302
    correction = load(app, cid)
    assert correction.status == "corrected"
    assert correction.public_note == "We wrote six months; the bridge opened five months late."
    assert history(app, cid) == [
        ("editor@example.org", "new", "in_review", "Checking the minutes"),
        ("editor@example.org", "in_review", "corrected", ""),
    ]
    page = forms.client.get(detail_url(cid)).get_data(as_text=True)
    assert "Checking the minutes" in page
    assert page.count("<td>Editor</td>") == 2
    assert ">Reopen</button>" in page


def test_corrected_without_a_public_note_is_refused_beside_the_field(app, forms, editor):
    cid, _ = report(app)
    move(forms, cid, "in_review")
    response = move(forms, cid, "corrected", public_note="   ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="note-error">Write the public note: what was wrong and what is right.' in page
    assert load(app, cid).status == "in_review"


def test_a_move_the_state_does_not_allow_is_refused_with_409(app, forms, editor):
    cid, _ = report(app)
    response = move(forms, cid, "nonsense")
    assert response.status_code == 422
    assert load(app, cid).status == "new" and history(app, cid) == []
    move(forms, cid, "no_action")
    response = move(forms, cid, "spam")
    assert response.status_code == 409
    assert "A correction that is no action cannot become spam." in response.get_data(as_text=True)


def test_reopening_is_refused_while_another_open_correction_holds_the_passage(app, forms, editor):
    first, _ = report(app)
    move(forms, first, "no_action")
    second, _ = report(app)  # the same passage again opens a new correction
    assert second != first
    response = move(forms, first, "in_review")
    assert response.status_code == 409
    assert f"Correction #{second} is open for the same passage" in response.get_data(as_text=True)
    move(forms, second, "spam")
    assert move(forms, first, "in_review").status_code == 302
    assert load(app, first).status == "in_review"


def test_assigning_and_notes(app, auth, forms, editor):
    other = auth.create("editor", "second@example.org")
    cid, _ = report(app)
    response = forms.post(
        f"{detail_url(cid)}/assign", {"assignee": str(other)}, page=detail_url(cid)
    )
    assert response.status_code == 302
    assert load(app, cid).assignee_id == other
    response = forms.post(f"{detail_url(cid)}/assign", {"assignee": "999"}, page=detail_url(cid))
    assert response.status_code == 422
    assert "Choose an editor from the list." in response.get_data(as_text=True)
    assert (
        forms.post(f"{detail_url(cid)}/assign", {"assignee": ""}, page=detail_url(cid)).status_code
        == 302
    )
    assert load(app, cid).assignee_id is None

    response = forms.post(
        f"{detail_url(cid)}/notes", {"body": "Call the council press office"}, page=detail_url(cid)
    )
    assert response.status_code == 302
    response = forms.post(f"{detail_url(cid)}/notes", {"body": ""}, page=detail_url(cid))
    assert response.status_code == 422
    assert 'id="body-error">Write the note first.' in response.get_data(as_text=True)
    page = forms.client.get(detail_url(cid)).get_data(as_text=True)
    assert "Call the council press office" in page


def test_the_page_shows_the_passage_in_context_every_report_and_the_fragment_link(
    app, client, editor
):
    cid, _ = report(
        app,
        suggestion="five months later",
        comment="Planned for October",
        email="reader@example.net",
        notify=True,
    )
    report(app, suggestion="", comment="Also wrong in the headline", lang="uk")
    page = client.get(detail_url(cid)).get_data(as_text=True)
    # The whole context is shown (it is shorter than 64 characters: nothing was cut off).
    assert "opened on Saturday, <mark>six months later</mark> than promised</p>" in page
    assert "five months later" in page and "Planned for October" in page
    assert "Also wrong in the headline" in page
    assert 'language <span translate="no">uk</span>' in page
    assert "reader@example.net (wants to be told)" in page
    assert (
        'href="https://news.example.org/2026/bridge#:~:text=opened%20on%20Saturday%2C-,'
        'six%20months%20later,-than%20promised"'
    ) in page
    assert "Reports (2)" in page


def test_an_unknown_correction_is_404(client, editor):
    assert client.get(detail_url(4242)).status_code == 404


# --- merging --------------------------------------------------------------------------------


def test_merging_moves_the_reports_and_marks_a_duplicate_pointing_at_the_target(app, forms, editor):
    target, _ = report(app, exact="a budget of 4.2 million")
    source, _ = report(app, exact="4.2 million hryvnias")
    report(app, exact="4.2 million hryvnias")
    response = forms.post(
        f"{detail_url(source)}/merge", {"target": str(target)}, page=detail_url(source)
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(detail_url(target))
    merged, kept = load(app, source), load(app, target)
    assert merged.status == "duplicate" and merged.duplicate_of_id == target
    assert merged.report_count == 0 and kept.report_count == 3
    with app.app_context():
        owners = set(db.session.scalars(select(Report.correction_id)))
    assert owners == {target}
    assert history(app, source)[-1][1:3] == ("new", "duplicate")
    assert f"Merged #{source} here (2 reports)." in history(app, target)[-1][3]
    page = forms.client.get(detail_url(source)).get_data(as_text=True)
    assert f'A duplicate of <a href="/newsroom/corrections/{target}">' in page


@pytest.mark.parametrize(
    "target,message,code",
    [
        ("self", "A correction cannot be merged into itself.", 422),
        ("9999", "There is no correction #9999.", 422),
        ("abc", "Not a valid integer value.", 422),
    ],
)
def test_merging_refuses_bad_targets_beside_the_field(app, forms, editor, target, message, code):
    source, _ = report(app)
    value = str(source) if target == "self" else target
    response = forms.post(f"{detail_url(source)}/merge", {"target": value}, page=detail_url(source))
    assert response.status_code == code
    assert message in response.get_data(as_text=True)
    assert load(app, source).status == "new"


def test_a_closed_correction_cannot_be_merged(app, forms, editor):
    target, _ = report(app, exact="one passage")
    source, _ = report(app, exact="another passage")
    move(forms, source, "spam")
    response = forms.post(
        f"{detail_url(source)}/merge", {"target": str(target)}, page=f"{detail_url(target)}"
    )
    assert response.status_code == 409
    assert load(app, source).status == "spam"


# --- bulk actions ---------------------------------------------------------------------------


def bulk(forms, ids, action, assignee=""):
    return forms.post(
        "/newsroom/corrections/bulk",
        {"ids": [str(i) for i in ids], "action": action, "assignee": assignee},
        page="/newsroom/corrections",
    )


def test_bulk_spam_and_no_action_change_what_they_may_and_report_the_rest(app, forms, editor):
    a, b, c = make_corrections(app, [{}, {}, {"status": "corrected", "public_note": "x"}])
    response = bulk(forms, [a, b, c], "spam")
    assert response.status_code == 302
    page = forms.client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        f"Done for 2 corrections. Left as they were (the action does not apply to their "
        f"state): #{c}." in page
    )
    assert [load(app, i).status for i in (a, b, c)] == ["spam", "spam", "corrected"]
    assert history(app, a) == [("editor@example.org", "new", "spam", "Bulk action")]
    (d,) = make_corrections(app, [{"status": "in_review"}])
    bulk(forms, [d], "no_action")
    assert load(app, d).status == "no_action"


def test_bulk_assign(app, auth, forms, editor):
    other = auth.create("editor", "second@example.org")
    ids = make_corrections(app, [{}, {}])
    assert bulk(forms, ids, "assign", str(other)).status_code == 302
    assert {load(app, i).assignee_id for i in ids} == {other}
    response = bulk(forms, ids, "assign", "12345")
    assert response.status_code == 422
    assert "Choose an editor from the list." in response.get_data(as_text=True)


def test_bulk_refuses_nothing_ticked_an_unknown_action_and_a_missing_csrf_token(
    app, client, forms, editor
):
    ids = make_corrections(app, [{}])
    response = bulk(forms, [], "spam")
    assert response.status_code == 422
    assert "Tick at least one correction." in response.get_data(as_text=True)
    response = bulk(forms, ids, "delete")
    assert response.status_code == 422
    response = client.post("/newsroom/corrections/bulk", data={"ids": ids, "action": "spam"})
    assert response.status_code == 400
    assert load(app, ids[0]).status == "new"


# --- dashboard and access -------------------------------------------------------------------


def test_the_dashboard_shows_counts_by_status_and_the_oldest_unhandled_age(app, client, editor):
    make_corrections(
        app, [{"status": "new"}, {"status": "new"}, {"status": "in_review"}, {"status": "spam"}]
    )
    page = client.get("/newsroom/").get_data(as_text=True)
    assert '<h2 id="panel-corrections">Corrections</h2>' in page
    assert "<dt>New</dt><dd>2</dd>" in page and "<dt>In review</dt><dd>1</dd>" in page
    assert "<dt>Spam</dt><dd>1</dd>" in page and "<dt>Corrected</dt><dd>0</dd>" in page
    assert "The oldest unhandled correction has waited <strong>" in page
    assert " days</strong>" in page  # the first one was reported on 1 November 2026
    assert re.search(r'<a href="/newsroom/corrections"\s*>Corrections</a>', page)


TRIAGE_PAGES = [
    ("GET", "/newsroom/corrections"),
    ("GET", "/newsroom/corrections/1"),
    ("POST", "/newsroom/corrections/bulk"),
    ("POST", "/newsroom/corrections/1/status"),
    ("POST", "/newsroom/corrections/1/assign"),
    ("POST", "/newsroom/corrections/1/notes"),
    ("POST", "/newsroom/corrections/1/merge"),
]


@pytest.mark.parametrize("method,url", TRIAGE_PAGES)
def test_anonymous_visitors_and_patrons_are_sent_to_the_login(app, client, method, url):
    make_corrections(app, [{}])
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        patron = Patron(email="patron@example.net")
        db.session.add(patron)
        db.session.commit()
        patron_id = patron.id
    assert client.open(url, method=method).status_code == 302
    with client.session_transaction() as session:
        session[PATRON_SESSION_KEY] = patron_id
    response = client.open(
        url, method=method, data={"status": "spam", "ids": "1", "action": "spam"}
    )
    assert response.status_code == 302
    assert "/newsroom/login" in response.headers["Location"]
    assert load(app, 1).status == "new"
