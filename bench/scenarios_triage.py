"""The corrections lists: the public log and the editors' triage list on large data sets.

- `corrections-log`: GET /corrections (the public log, first page) with 10,000 published
  corrections among the generated ones, against the baseline's GET.
- `triage-pages`: GET /newsroom/corrections page 1 and page 500 (keyset cursor of row 24,950
  of the open corrections, newest first) with 100,000 corrections and 300,000 reports, signed
  in as an editor; page 500 should cost no more than 1.5 × page 1.

Data comes from `bench.datagen_corrections` (SQLAlchemy Core inserts in chunks).
"""

from __future__ import annotations

import requests
from sqlalchemy import create_engine

from bench import datagen_corrections
from bench.scenarios import Context, Row, errors_note, scenario, write_requests

EDITOR_EMAIL = "bench-editor@example.org"
EDITOR_PASSWORD = "bench-editor-password"
PUBLISHED_SHARE = 0.25  # corrected + clarified in datagen_corrections' mix
# Flask-Login's strong session protection ties the editor's session to the client's address
# and User-Agent: wrk sends the User-Agent the session was made for, or it is signed out.
USER_AGENT = "engagement-bench"


def _generate(ctx: Context, corrections: int, reports: int) -> dict[str, int]:
    engine = create_engine(ctx.database_url)
    try:
        return datagen_corrections.generate(engine, corrections, reports)
    finally:
        engine.dispose()


def make_editor(email: str, password: str) -> int:
    """In the app: an editor to sign in as."""
    from engagement.accounts import editors
    from engagement.extensions import db

    editor = editors.create_editor(email, password, role="editor")
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
        select(column, Correction.id)
        .where(listing.OPEN_SQL)
        .order_by(column.desc(), Correction.id.desc())
        .offset(offset)
        .limit(1)
    ).one()
    return listing.Cursor(row[0], row[1]).encode()


def editor_session(editor_id: int, user_agent: str) -> str:
    """In the app: the session cookie header an editor's sign-in from 127.0.0.1 with this
    User-Agent leaves (Flask-Login's session, made with the app's own serializer). Made here
    rather than through the login form, so no gunicorn worker verifies a password (scrypt takes
    32 MB for a moment) and the memory figure is the list's own."""
    from flask import current_app, session
    from flask_login import login_user

    from engagement.accounts.models import Editor
    from engagement.extensions import db

    app = current_app._get_current_object()
    with (
        app.app_context(),
        app.test_request_context(
            "/newsroom/corrections",
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
            headers={"User-Agent": user_agent},
        ),
    ):
        login_user(db.session.get(Editor, editor_id))
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


@scenario(
    "corrections-log",
    "GET /corrections, the public log's first page, with 10,000 "
    "published corrections (40,000 generated)",
)
def corrections_log(ctx: Context) -> Row:
    """The public log."""
    published = ctx.scale(10_000, minimum=100)
    total = int(published / PUBLISHED_SHARE)
    made = _generate(ctx, total, total)
    ctx.start_app()
    measured = ctx.measure(path="/corrections")
    return Row(
        "GET /corrections (10,000 entries)",
        measured,
        ctx.baseline_get,
        "bare GET",
        note=errors_note(measured, f"{made['corrections']:,} corrections generated"),
    )


@scenario(
    "triage-pages",
    "GET /newsroom/corrections page 1 and page 500 (keyset cursor) with "
    "100,000 corrections and 300,000 reports, as a signed-in editor",
)
def triage_pages(ctx: Context) -> list[Row]:
    """Page 1 against page 500 of the editors' list."""
    made = _generate(ctx, ctx.scale(100_000, minimum=2_000), ctx.scale(300_000, minimum=6_000))
    editor_id = ctx.in_app("bench.scenarios_triage:make_editor", EDITOR_EMAIL, EDITOR_PASSWORD)
    cookie = ctx.in_app("bench.scenarios_triage:editor_session", editor_id, USER_AGENT)
    page = 500 if ctx.args.scale >= 0.5 else 10
    cursor = ctx.in_app("bench.scenarios_triage:page_cursor", page)
    app = ctx.start_app()
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    first_path = write_requests(
        ctx.workdir / "triage1.req", [("GET", "/newsroom/corrections", headers, "")]
    )
    deep_path = write_requests(
        ctx.workdir / "triage500.req",
        [("GET", f"/newsroom/corrections?after={cursor}", headers, "")],
    )
    for target in ("/newsroom/corrections", f"/newsroom/corrections?after={cursor}"):
        check = requests.get(app.url + target, headers=headers, timeout=30, allow_redirects=False)
        if check.status_code != 200 or "<table" not in check.text:
            raise RuntimeError(f"{target} answered {check.status_code}, not the list")
    first = ctx.measure(first_path)
    deep = ctx.measure(deep_path)
    sizes = f"{made['corrections']:,} corrections, {made['reports']:,} reports"
    row1 = Row(
        "GET /newsroom/corrections page 1",
        first,
        ctx.baseline_get,
        "bare GET",
        note=errors_note(first, sizes),
    )
    row500 = Row(
        f"GET /newsroom/corrections page {page}",
        deep,
        ctx.baseline_get,
        "bare GET",
        note=errors_note(
            deep,
            f"p50 {deep.p50_ms / first.p50_ms:.2f} × page 1; "
            f"req/s {first.rps / deep.rps:.2f} × fewer"
            if first.p50_ms and deep.rps
            else "",
        ),
    )
    row500.goal = "≤ 1.5 × page 1"
    row500.met = deep.p50_ms <= 1.5 * first.p50_ms and first.rps <= 1.5 * deep.rps
    return [row1, row500]
