"""/newsroom/patrons: search, filters, pages, a patron's page, and the CSV (page and command)."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

from engagement.extensions import db
from engagement.membership import tiers as tier_service
from engagement.membership.models import Membership, StripeEvent
from engagement.membership.patrons import PAGE_SIZE, safe_cell

from .conftest import make_patron

ROW_RE = re.compile(
    r"<tr>\s*<td><a href=\"/newsroom/patrons/\d+\">(.*?)</a></td>\s*"
    r"<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>",
    re.S,
)


def _setup(app):
    with app.app_context():
        gold = tier_service.save_tier(
            None,
            name="Gold",
            description="",
            monthly_amount=1000,
            yearly_amount=10000,
            currency="eur",
            grants_voting=True,
            position=0,
            active=True,
        )
        silver = tier_service.save_tier(
            None,
            name="Silver",
            description="",
            monthly_amount=500,
            yearly_amount=None,
            currency="eur",
            grants_voting=False,
            position=1,
            active=True,
        )
        db.session.commit()
        ids = (gold.id, silver.id)
    people = [
        ("ada@example.org", "Ada Lovelace", ids[0], "active"),
        ("bob@example.org", '=HYPERLINK("http://evil")', ids[1], "past_due"),
        ("cy@example.org", "Cy <Twombly>", ids[0], "canceled"),
        ("dee@example.org", "Dee Donor", None, None),
    ]
    with app.app_context():
        for email, name, tier_id, status in people:
            patron_id = make_patron(app, email, name, customer_id=f"cus_{email[:3]}")
            if tier_id:
                db.session.add(
                    Membership(
                        patron_id=patron_id,
                        tier_id=tier_id,
                        status=status,
                        source="stripe",
                        interval="month",
                        amount=1000,
                        currency="eur",
                        stripe_subscription_id=f"sub_{email[:3]}",
                    )
                )
        db.session.commit()
    return ids


def _rows(html):
    return [tuple(unescape(cell) for cell in row) for row in ROW_RE.findall(html)]


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_search_and_filters(app, auth, client):
    gold, silver = _setup(app)
    auth.login("editor")
    everyone = _rows(client.get("/newsroom/patrons").get_data(as_text=True))
    assert [r[0] for r in everyone] == [
        "dee@example.org",
        "cy@example.org",
        "bob@example.org",
        "ada@example.org",
    ]
    by_name = _rows(client.get("/newsroom/patrons?q=lovelace").get_data(as_text=True))
    assert [r[0] for r in by_name] == ["ada@example.org"]
    by_email = _rows(client.get("/newsroom/patrons?q=BOB@").get_data(as_text=True))
    assert [r[0] for r in by_email] == ["bob@example.org"]
    gold_only = _rows(client.get(f"/newsroom/patrons?tier={gold}").get_data(as_text=True))
    assert [r[0] for r in gold_only] == ["cy@example.org", "ada@example.org"]
    overdue = _rows(client.get("/newsroom/patrons?status=past_due").get_data(as_text=True))
    assert overdue == [("bob@example.org", '=HYPERLINK("http://evil")', "Silver", "past due")]
    donors = _rows(client.get("/newsroom/patrons?status=none").get_data(as_text=True))
    assert [r[0] for r in donors] == ["dee@example.org"]
    html = client.get("/newsroom/patrons?q=%25").get_data(as_text=True)
    assert "No patron matches." in html  # % is searched for, not a wildcard
    assert "Cy &lt;Twombly&gt;" in client.get("/newsroom/patrons").get_data(as_text=True)
    assert client.get("/newsroom/patrons?tier=x&status=bogus&page=-1").status_code == 200


def test_the_csv_holds_what_the_page_shows(app, auth, client):
    from engagement.membership.patrons import STATUS_CHOICES, status_label

    gold, _ = _setup(app)
    auth.login("editor")
    with app.test_request_context():  # the page writes a status in words, the CSV its code
        words = {code: status_label(code) for code in STATUS_CHOICES}
    for query in ("", f"?tier={gold}", "?status=past_due", "?q=example.org&status=none"):
        page = _rows(client.get("/newsroom/patrons" + query).get_data(as_text=True))
        html = client.get("/newsroom/patrons" + query).get_data(as_text=True)
        link = unescape(re.search(r'href="(/newsroom/patrons\.csv[^"]*)"', html).group(1))
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = _csv(response.get_data(as_text=True))
        assert [
            (r["email"], r["name"].removeprefix("'"), r["tier"], words[r["status"]]) for r in rows
        ] == page


def test_csv_cells_never_run_as_formulas(app, auth, client):
    _setup(app)
    auth.login("editor")
    rows = _csv(client.get("/newsroom/patrons.csv?q=bob").get_data(as_text=True))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'
    assert [safe_cell(v) for v in ("+1", "-1", "@x", "plain", "")] == [
        "'+1",
        "'-1",
        "'@x",
        "plain",
        "",
    ]


def test_pages_of_patrons(app, auth, client):
    with app.app_context():
        from engagement.accounts.models import Patron

        db.session.add_all(Patron(email=f"p{i:03}@example.org") for i in range(PAGE_SIZE + 3))
        db.session.commit()
    auth.login("editor")
    first = client.get("/newsroom/patrons").get_data(as_text=True)
    assert len(_rows(first)) == PAGE_SIZE and f"{PAGE_SIZE + 3} patrons" in first
    assert 'rel="next"' in first
    second = client.get("/newsroom/patrons?page=2").get_data(as_text=True)
    assert [r[0] for r in _rows(second)] == [
        "p002@example.org",
        "p001@example.org",
        "p000@example.org",
    ]


def test_a_patrons_page_shows_memberships_and_stripe_events(app, auth, client):
    _setup(app)
    with app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id="evt_1",
                type="customer.subscription.updated",
                payload=json.dumps({}),
                customer_id="cus_ada",
                object_id="sub_ada",
                outcome="processed",
            )
        )
        db.session.add(
            StripeEvent(
                stripe_id="evt_2",
                type="invoice.paid",
                payload="{}",
                customer_id="cus_bob",
                outcome="failed",
                error="boom",
            )
        )
        db.session.commit()
        from sqlalchemy import select

        from engagement.accounts.models import Patron

        ada = db.session.scalar(select(Patron.id).where(Patron.email == "ada@example.org"))
    auth.login("editor")
    html = client.get(f"/newsroom/patrons/{ada}").get_data(as_text=True)
    assert "Gold" in html and "sub_ada" in html
    assert "customer.subscription.updated" in html and "evt_1" in html
    assert "evt_2" not in html
    assert client.get("/newsroom/patrons/999999").status_code == 404


def test_patrons_pages_are_for_editors(client):
    assert client.get("/newsroom/patrons").status_code == 302
    assert client.get("/newsroom/patrons.csv").status_code == 302


def test_export_command_writes_the_csv_with_a_progress_bar(app, runner, tmp_path, auth, client):
    gold, _ = _setup(app)
    target = tmp_path / "patrons.csv"
    result = runner.invoke(args=["patrons", "export", str(target), "--tier", str(gold)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 patron(s)" in result.output
    auth.login("editor")
    page_csv = client.get(f"/newsroom/patrons.csv?tier={gold}").get_data(as_text=True)
    assert target.read_bytes().decode("utf-8") == page_csv
    bad = runner.invoke(args=["patrons", "export", str(target), "--status", "nope"])
    assert bad.exit_code != 0 and "--status" in bad.output
