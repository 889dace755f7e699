"""Patreon's members export: `flask patreon import` and the upload on /newsroom/patreon, on a
sample file written for the project (a BOM, quoted commas, an empty line, columns in another
order and one Patreon never wrote), and the files refused whole."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engagement.accounts.models import Patron
from tests.conftest import csrf_token_from
from tests.patreon.conftest import PatreonMember, PatreonTier, membership_of, stored

SAMPLE = Path(__file__).parent / "data" / "members.csv"


def _write(tmp_path, data: bytes, name="members.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _import(runner, path):
    return runner.invoke(args=["patreon", "import", path])


def test_the_sample_export_makes_active_patrons_and_records_lapsed_ones(app, runner):
    result = _import(runner, str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert "5 row(s): 2 created, 0 updated, 2 lapsed, 0 unchanged, 1 skipped." in result.output
    assert "Skipped line 7: no email address" in result.output
    assert "Columns not used: Favourite Section" in result.output
    assert "Members" in result.stderr  # the progress bar's label

    pat = membership_of(app, "pat@example.org")
    assert (pat.status, pat.amount, pat.currency, pat.interval) == ("active", 800, "eur", "month")
    assert pat.access_until == datetime(2026, 12, 8, 8, 12, 33, tzinfo=UTC)  # next charge + 7
    assert pat.started_at == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert membership_of(app, "ada@example.org").status == "active"  # the email's case ignored
    grace = membership_of(app, "grace@example.org")  # former: ends when what was paid runs out
    assert (grace.status, grace.ended_at) == ("canceled", datetime(2026, 11, 1, tzinfo=UTC))
    alan = membership_of(app, "alan@example.org")  # declined: as a card failing at Stripe
    assert (alan.status, alan.access_until) == ("past_due", datetime(2026, 11, 8, tzinfo=UTC))
    names = {p.email: p.name for p in stored(app, Patron)}
    assert names["pat@example.org"] == "Reon, Pat"
    titles = sorted(t.title for t in stored(app, PatreonTier))
    assert titles == ["Co-creator", "Supporter, basic"]
    assert all(t.needs_decision for t in stored(app, PatreonTier))


def test_importing_the_same_file_again_changes_nothing_and_a_newer_file_updates(
    app, runner, tmp_path
):
    assert _import(runner, str(SAMPLE)).exit_code == 0
    before = [(m.state, m.updated_at) for m in stored(app, PatreonMember)]
    again = _import(runner, str(SAMPLE))
    assert "0 created, 0 updated, 0 lapsed, 4 unchanged, 1 skipped." in again.output
    assert [(m.state, m.updated_at) for m in stored(app, PatreonMember)] == before

    newer = SAMPLE.read_bytes().replace(
        b"2026-08-01,2026-11-01,Paid,2026-12-01", b"2026-08-01,2026-12-01,Paid,2027-01-01"
    )
    result = _import(runner, _write(tmp_path, newer))
    assert "0 created, 1 updated, 0 lapsed, 3 unchanged, 1 skipped." in result.output
    assert membership_of(app, "ada@example.org").access_until == datetime(2027, 1, 8, tzinfo=UTC)

    older = SAMPLE.read_bytes()  # the first file again: Ada's row is older than what is known
    result = _import(runner, _write(tmp_path, older, "old.csv"))
    assert "older than what is already known" in result.output
    assert membership_of(app, "ada@example.org").access_until == datetime(2027, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            SAMPLE.read_text(encoding="utf-8-sig")
            .replace("Reon, Pat", "Reón, Pat")
            .encode("cp1252"),
            "not UTF-8 text (line 2). It looks like Windows-1252",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "This is not a CSV file"),
        (SAMPLE.read_bytes().replace(b",User ID,", b",Member,"), "the column User ID is missing"),
        (
            SAMPLE.read_bytes() + b'Late Row,late@example.org,,Active patron,"bad"quote\r\n',
            "This is not a valid CSV file (line 8",
        ),
        (b"", "The file is empty."),
    ],
    ids=["windows-1252", "spreadsheet", "no-user-id", "broken-quote", "empty"],
)
def test_a_file_that_cannot_be_read_is_refused_whole(app, runner, tmp_path, data, message):
    result = _import(runner, _write(tmp_path, data))
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    assert stored(app, Patron) == [] and stored(app, PatreonMember) == []


def test_a_file_over_20_mb_is_refused(app, runner, tmp_path):
    header, _rest = SAMPLE.read_bytes().split(b"\r\n", 1)
    row = b"Filler,filler@example.org,,Former patron,No,1,1,monthly,,,,,,,1,EUR,\r\n"
    data = header + b"\r\n" + row * (20 * 1024 * 1024 // len(row) + 1)
    assert len(data) > 20 * 1024 * 1024
    result = _import(runner, _write(tmp_path, data))
    assert result.exit_code == 1
    assert "larger than 20 MB" in result.output and "Nothing was imported." in result.output
    assert stored(app, Patron) == []


def _upload(client, data: bytes, name="members.csv"):
    token = csrf_token_from(client.get("/newsroom/patreon").get_data(as_text=True))
    return client.post(
        "/newsroom/patreon/import",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
    )


def test_the_upload_shows_a_summary_with_the_skipped_rows(app, client, auth):
    auth.login("admin")
    response = _upload(client, SAMPLE.read_bytes())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Imported members.csv" in page
    assert "<dt>Created</dt><dd>2</dd>" in page and "<dt>Lapsed</dt><dd>2</dd>" in page
    assert "Line 7: no email address" in page
    index = client.get("/newsroom/patreon").get_data(as_text=True)
    assert "Supporter, basic" in index and "needs a decision" in index


def test_a_refused_upload_says_why_beside_the_field_and_changes_nothing(app, client, auth):
    auth.login("admin")
    data = SAMPLE.read_text(encoding="utf-8-sig").replace("Reon", "Reón").encode("cp1252")
    response = _upload(client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "Windows-1252" in page
    assert stored(app, Patron) == []


def test_an_upload_over_20_mb_is_refused_beside_the_field(app, client, auth):
    auth.login("admin")
    response = _upload(client, b"a,b\r\n" * (21 * 1024 * 1024 // 5))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert 'id="file-error"' in page and "larger than 20 MB" in page
    assert stored(app, Patron) == []
