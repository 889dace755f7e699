"""Co-creator voting: casting votes, and the topics page with a million votes.

- `vote`: POST /topics/<id>/vote as signed-in co-creators (the browser's form post: session
  cookie and CSRF token of each patron), each request a (patron, topic) pair not voted yet, in
  an open round with a budget large enough that every vote is accepted. The answer is a 303
  either way, so the votes stored afterwards are counted against the requests sent.
- `topics`: GET /topics with 1,000,000 votes in the open round, as an anonymous reader and as
  a signed-in co-creator.

Data comes from `bench.datagen_votes` (COPY on PostgreSQL, Core inserts in chunks on SQLite).
Session cookies are made with the app's own session serializer and Flask-WTF's token, in a
request context of the app, as a sign-in through a magic link would leave them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, table, text

from bench import datagen_votes
from bench.scenarios import Context, Row, errors_note, scenario, write_requests

CACHE_SECONDS = 2


def _generate(ctx: Context, **sizes) -> dict:
    engine = create_engine(ctx.database_url)
    try:
        with engine.begin() as conn:
            made = datagen_votes.create_round_with_votes(conn, **sizes)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        return made
    finally:
        engine.dispose()


def _count_votes(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(table("votes")))
    finally:
        engine.dispose()


def patron_sessions(patron_ids: list[int]) -> dict:
    """In the app: for each patron, the session cookie of a signed-in patron and the CSRF token
    its pages would carry. Returns {"cookie_name", "sessions": {id: [cookie, token]}}."""
    from flask import current_app, session
    from flask_wtf.csrf import generate_csrf

    from engagement.accounts.auth import PATRON_SESSION_KEY

    app = current_app._get_current_object()
    serializer = app.session_interface.get_signing_serializer(app)
    made = {}
    for patron_id in patron_ids:
        # A fresh app context each time: Flask-WTF keeps the token of the request in `g`.
        with app.app_context(), app.test_request_context("/topics"):
            session[PATRON_SESSION_KEY] = patron_id
            session.permanent = True
            token = generate_csrf()
            made[patron_id] = [serializer.dumps(dict(session)), token]
    return {"cookie_name": app.config["SESSION_COOKIE_NAME"], "sessions": made}


def _cookies(ctx: Context, patron_ids: list[int]) -> tuple[str, dict[int, list[str]]]:
    made = ctx.in_app("bench.scenarios_voting:patron_sessions", patron_ids)
    return made["cookie_name"], {int(k): v for k, v in made["sessions"].items()}


@scenario(
    "vote",
    "POST /topics/<id>/vote as signed-in co-creators (session cookie and CSRF token), every "
    "vote a new (patron, topic) pair: as a form post (no JavaScript: redirect and flashed "
    "answer) and as the page's script sends it (Accept: application/json)",
)
def vote(ctx: Context) -> list[Row]:
    """Casting votes, without and with the page's script."""
    topics = 21
    wanted = ctx.expected_requests(800)
    patrons = -(-wanted // (topics - 1))
    # Two sets of co-creators, one per way of voting: no pair is sent twice.
    # One vote each (budget 1), then a budget that lets every patron vote for every topic.
    made = _generate(ctx, votes=2 * patrons, topics=topics, budget=1)
    engine = create_engine(ctx.database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE rounds SET vote_budget = :b WHERE id = :r"),
            {"b": topics + 5, "r": made["round_id"]},
        )
        voted = {
            (p, t)
            for p, t in conn.execute(
                text("SELECT patron_id, topic_id FROM votes WHERE round_id = :r"),
                {"r": made["round_id"]},
            )
        }
    engine.dispose()
    first = made["co_creator_id"]
    patron_ids = list(range(first, first + made["patrons"]))
    cookie_name, sessions = _cookies(ctx, patron_ids)
    ways = {
        "form": ({"Content-Type": "application/x-www-form-urlencoded"}, patron_ids[0::2]),
        "json": (
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            patron_ids[1::2],
        ),
    }
    files = {}
    for way, (headers, voters) in ways.items():
        requests = []
        for topic_id in made["topic_ids"]:  # topic-major: neighbours are other patrons
            for patron_id in voters:
                if (patron_id, topic_id) in voted:
                    continue
                cookie, token = sessions[patron_id]
                requests.append(
                    (
                        "POST",
                        f"/topics/{topic_id}/vote",
                        {**headers, "Cookie": f"{cookie_name}={cookie}"},
                        urlencode({"csrf_token": token}),
                    )
                )
        files[way] = write_requests(ctx.workdir / f"vote-{way}.req", requests)
    ctx.start_app()
    rows = []
    for way, title in (
        ("form", "POST /topics/<id>/vote"),
        ("json", "POST /topics/<id>/vote (the page's script: JSON answer)"),
    ):
        before = _count_votes(ctx.database_url)
        measured = ctx.measure(files[way])
        stored = _count_votes(ctx.database_url) - before
        sent = measured.requests + measured.warmup_requests
        note = f"{stored:,} votes stored for {sent:,} requests (warm-up included)"
        rows.append(
            Row(
                title,
                measured,
                ctx.baseline_insert,
                "bare insert",
                note=errors_note(measured, note),
            ).check_ratio(0.75)
        )
    return rows


@scenario(
    "topics",
    "GET /topics with 1,000,000 votes in the open round: anonymous and as "
    "signed-in co-creators, each without and with TOPICS_CACHE_SECONDS=2",
)
def topics(ctx: Context) -> list[Row]:
    """The topics page on a large round."""
    made = _generate(ctx, votes=ctx.scale(1_000_000, minimum=10_000), topics=20, budget=3)
    patron_ids = list(range(made["co_creator_id"], made["co_creator_id"] + 200))
    cookie_name, sessions = _cookies(ctx, patron_ids)
    signed_in = write_requests(
        ctx.workdir / "topics.req",
        [("GET", "/topics", {"Cookie": f"{cookie_name}={sessions[p][0]}"}, "") for p in patron_ids],
    )
    size = f"{made['votes']:,} votes by {made['patrons']:,} co-creators"
    app = ctx.start_app(TOPICS_CACHE_SECONDS="0")
    anonymous = ctx.measure(path="/topics")
    member = ctx.measure(signed_in)
    rss, private = app.worker_rss_mb(), app.worker_private_mb()
    app.stop()
    ctx.start_app(TOPICS_CACHE_SECONDS=str(CACHE_SECONDS))
    cached = ctx.measure(path="/topics")
    member_cached = ctx.measure(signed_in)
    return [
        Row(
            "GET /topics (anonymous, no cache)",
            anonymous,
            ctx.baseline_get,
            "bare GET",
            note=errors_note(anonymous, size, "TOPICS_CACHE_SECONDS=0 (turned off)"),
            rss_mb=rss,
            private_mb=private,
        ).check_ratio(0.4),
        Row(
            f"GET /topics (anonymous, TOPICS_CACHE_SECONDS={CACHE_SECONDS})",
            cached,
            ctx.baseline_get,
            "bare GET",
            note=errors_note(
                cached, size, f"each worker renders the page once per {CACHE_SECONDS} s"
            ),
        ).check_ratio(0.4),
        Row(
            "GET /topics (signed-in co-creator, no cache)",
            member,
            ctx.baseline_get,
            "bare GET",
            note=errors_note(member, size, "TOPICS_CACHE_SECONDS=0 (turned off)"),
            rss_mb=rss,
            private_mb=private,
        ),
        # The default setting: one shared page per worker and language, each reader's ballot
        # and token laid over it.
        Row(
            f"GET /topics (signed-in co-creator, TOPICS_CACHE_SECONDS={CACHE_SECONDS})",
            member_cached,
            ctx.baseline_get,
            "bare GET",
            note=errors_note(
                member_cached,
                size,
                "200 co-creators; one shared page per worker, "
                "each reader's ballot and token laid over it",
            ),
        ).check_ratio(0.4),
    ]
