"""The corrections lists: the public log and the editors' triage list on large data sets.

- `corrections-log`: GET /corrections (the public log, first page) with 10,000 published
  corrections among the generated ones, against the baseline's GET.
- `triage-pages`: GET /newsroom/corrections page 1 and page 500 (keyset cursor of row 24,950
  of the open corrections, newest first) with 100,000 corrections and 300,000 reports, signed
  in as an editor; page 500 should cost no more than 1.5 × page 1.

Data comes from `bench.datagen_corrections` (SQLAlchemy Core inserts in chunks).
"""

from __future__ import annotations

import re

import requests
from sqlalchemy import create_engine

from bench import datagen_corrections
from bench.scenarios import Context, Row, errors_note, scenario, write_requests

EDITOR_EMAIL = "bench-editor@example.org"
EDITOR_PASSWORD = "bench-editor-password"
PUBLISHED_SHARE = 0.25  # corrected + clarified in datagen_corrections' mix


def _generate(ctx: Context, corrections: int, reports: int) -> dict[str, int]:
    engine = create_engine(ctx.database_url)
    try:
        return datagen_corrections.generate(engine, corrections, reports)
    finally:
        engine.dispose()


def make_editor(email: str, password: str) -> int:
    """In the app: an editor to sign in as."""
    from engagement.accounts import services
    from engagement.extensions import db

    editor = services.create_editor(email, password, role="editor")
    db.session.commit()
    return editor.id


def page_cursor(page: int) -> str:
    """In the app: the `after` cursor that opens page `page` of the default triage list
    (open corrections, newest report first), as the list's own links would carry it."""
    from sqlalchemy import select

    from engagement.corrections import listing
    from engagement.corrections.models import Correction
    from engagement.extensions import db

    column, _, _ = listing.SORTS["newest"]
    offset = (page - 1) * listing.PAGE_SIZE - 1
    row = db.session.execute(
        select(column, Correction.id).where(listing.OPEN_SQL)
        .order_by(column.desc(), Correction.id.desc()).offset(offset).limit(1)).one()
    return listing.Cursor(row[0], row[1]).encode()


def editor_cookie(base_url: str) -> str:
    """Sign in through the login form once and return the session cookie header."""
    with requests.Session() as session:
        form = session.get(base_url + "/newsroom/login", timeout=30).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        if token is None:
            token = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', form)
        answer = session.post(base_url + "/newsroom/login", timeout=30, allow_redirects=False,
                              data={"csrf_token": token.group(1), "email": EDITOR_EMAIL,
                                    "password": EDITOR_PASSWORD})
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"editor sign-in answered {answer.status_code}")
        return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


@scenario("corrections-log", "GET /corrections, the public log's first page, with 10,000 "
                             "published corrections (40,000 generated)")
def corrections_log(ctx: Context) -> Row:
    """The public log."""
    published = ctx.scale(10_000, minimum=100)
    total = int(published / PUBLISHED_SHARE)
    made = _generate(ctx, total, total)
    ctx.start_app()
    measured = ctx.measure(path="/corrections")
    return Row("GET /corrections (10,000 entries)", measured, ctx.baseline_get, "bare GET",
               note=errors_note(measured, f"{made['corrections']:,} corrections generated"))


@scenario("triage-pages", "GET /newsroom/corrections page 1 and page 500 (keyset cursor) with "
                          "100,000 corrections and 300,000 reports, as a signed-in editor")
def triage_pages(ctx: Context) -> list[Row]:
    """Page 1 against page 500 of the editors' list."""
    made = _generate(ctx, ctx.scale(100_000, minimum=2_000), ctx.scale(300_000, minimum=6_000))
    ctx.in_app("bench.scenarios_triage:make_editor", EDITOR_EMAIL, EDITOR_PASSWORD)
    page = 500 if ctx.args.scale >= 0.5 else 10
    cursor = ctx.in_app("bench.scenarios_triage:page_cursor", page)
    app = ctx.start_app()
    headers = {"Cookie": editor_cookie(app.url)}
    first_path = write_requests(ctx.workdir / "triage1.req",
                                [("GET", "/newsroom/corrections", headers, "")])
    deep_path = write_requests(ctx.workdir / "triage500.req",
                               [("GET", f"/newsroom/corrections?after={cursor}", headers, "")])
    check = requests.get(app.url + f"/newsroom/corrections?after={cursor}", headers=headers,
                         timeout=30, allow_redirects=False)
    if check.status_code != 200:
        raise RuntimeError(f"page {page} answered {check.status_code}")
    first = ctx.measure(first_path)
    deep = ctx.measure(deep_path)
    sizes = f"{made['corrections']:,} corrections, {made['reports']:,} reports"
    row1 = Row("GET /newsroom/corrections page 1", first, ctx.baseline_get, "bare GET",
               note=errors_note(first, sizes))
    row500 = Row(f"GET /newsroom/corrections page {page}", deep, ctx.baseline_get, "bare GET",
                 note=errors_note(deep, f"p50 {deep.p50_ms / first.p50_ms:.2f} × page 1; "
                                        f"req/s {first.rps / deep.rps:.2f} × fewer"
                                  if first.p50_ms and deep.rps else ""))
    row500.goal = "≤ 1.5 × page 1"
    row500.met = (deep.p50_ms <= 1.5 * first.p50_ms and first.rps <= 1.5 * deep.rps)
    return [row1, row500]
