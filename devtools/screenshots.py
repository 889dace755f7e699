"""`make screenshots`: PNGs of every page in PAGES at a desktop and a phone size, in every
language the service offers, so a person can see the product without running it: the default
language's (English) under docs/screenshots/, each other's under docs/screenshots/<lang>/
(docs/screenshots/uk/home-phone.png).

The app runs in this process on a throwaway SQLite file filled by `flask demo seed`, served over
loopback; Debian's chromium (never a downloaded browser) takes the pictures through Playwright.
Each picture is the top of the page at the viewport's size (not the whole scroll), which keeps
the committed files small. The browser asks for the language (its Accept-Language), as a
reader's would; the demo's people have no saved language, so every page follows it.

To add a page, add a `Page` to PAGES: its file name, its path, and who is signed in to see it
("patron": the demo co-creator; "editor": the demo admin). `python -m devtools.screenshots home`
takes only the pages named; `--lang uk` only that language (`make screenshots PAGES="--lang uk
home"`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
DEMO_PATRON = "reader@example.org"  # engagement/voting/demo.py: a co-creator who voted
DEMO_SESSION = "cs_demo_screenshots"


@dataclass(frozen=True)
class Page:
    """One page to photograph: `name` becomes `<name>-desktop.png` and `<name>-phone.png`."""

    name: str
    path: str
    who: str | None = None  # None, "patron" or "editor"


PAGES = [
    # Readers' pages (issue 15).
    Page("home", "/"),
    Page("support", "/support"),
    Page("support-yearly", "/support?interval=year"),
    Page("support-thanks", f"/support/thanks?session_id={DEMO_SESSION}"),
    Page("topics", "/topics"),
    Page("topics-co-creator", "/topics", who="patron"),
    Page("corrections", "/corrections"),
    Page("report-form", "/corrections/report"),
    Page("sign-in", "/account/login?next=%2Ftopics"),
    Page("account", "/account", who="patron"),
    Page("not-found", "/no-such-page"),
    # Newsroom pages (issue 16), signed in as the demo admin; ids are the demo data's first.
    Page("newsroom-dashboard", "/newsroom/", who="editor"),
    Page("newsroom-corrections", "/newsroom/corrections", who="editor"),
    Page("newsroom-correction", "/newsroom/corrections/1", who="editor"),
    Page("newsroom-rounds", "/newsroom/rounds", who="editor"),
    Page("newsroom-round", "/newsroom/rounds/2", who="editor"),  # the demo's open round
    Page("newsroom-round-close", "/newsroom/rounds/2/close", who="editor"),
    Page("newsroom-suggestions", "/newsroom/suggestions", who="editor"),
    Page("newsroom-patrons", "/newsroom/patrons", who="editor"),
    Page("newsroom-grant", "/newsroom/patrons/grant", who="editor"),
    Page("newsroom-tiers", "/newsroom/tiers", who="editor"),
    Page("newsroom-webhooks", "/newsroom/webhooks", who="editor"),
    Page("newsroom-outbox", "/newsroom/outbox", who="editor"),
    Page("newsroom-notifications", "/newsroom/settings/notifications", who="editor"),
]


def build_app(folder: Path, **settings):
    """The app on a new SQLite file in `folder`, with the demo data and a paid checkout;
    `settings` add to the app's (tests/i18n builds it in the pseudo-locale)."""
    from engagement import create_app
    from engagement.extensions import db

    app = create_app(
        {
            "ENGAGEMENT_ENV": "test",
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'screenshots.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "TOPICS_CACHE_SECONDS": 0,
            "STRIPE_SECRET_KEY": None,
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    if result.exit_code != 0:
        raise SystemExit(f"flask demo seed failed:\n{result.output}")
    with app.app_context():
        _store_a_paid_checkout()
    return app


def _store_a_paid_checkout() -> None:
    """A processed checkout event, so /support/thanks shows its welcome."""
    import json

    from engagement.extensions import db
    from engagement.membership.models import StripeEvent

    checkout = {
        "id": DEMO_SESSION,
        "object": "checkout.session",
        "amount_total": 300,
        "currency": "eur",
        "metadata": {
            "engagement_kind": "membership",
            "engagement_tier": "coffee",
            "engagement_interval": "month",
        },
    }
    payload = {
        "id": "evt_demo_screenshots",
        "type": "checkout.session.completed",
        "data": {"object": checkout},
    }
    db.session.add(
        StripeEvent(
            stripe_id=payload["id"],
            type=payload["type"],
            object_id=DEMO_SESSION,
            outcome="processed",
            payload=json.dumps(payload),
        )
    )
    db.session.commit()


def _sign_in_link(app) -> str:
    """A fresh sign-in link for the demo co-creator, as the worker would mail it."""
    from sqlalchemy import select

    from engagement.accounts.magic_links import LINK_LIFETIME, MagicLink, hash_token
    from engagement.accounts.models import Patron
    from engagement.database import utcnow
    from engagement.extensions import db

    token = secrets.token_urlsafe(32)
    with app.app_context():
        patron = db.session.scalar(select(Patron).where(Patron.email == DEMO_PATRON))
        db.session.add(
            MagicLink(
                patron=patron,
                token_hash=hash_token(token),
                expires_at=utcnow() + LINK_LIFETIME + timedelta(minutes=1),
            )
        )
        db.session.commit()
    return f"/account/login/{token}"


def _sign_in(page, base: str, who: str, app) -> None:
    if who == "patron":
        page.goto(base + _sign_in_link(app))
        page.wait_for_url(base + "/account")
    elif who == "editor":
        from engagement.demo.cli import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD

        page.goto(base + "/newsroom/login")  # in any language: the fields by their names
        page.locator("input[name=email]").fill(DEMO_ADMIN_EMAIL)
        page.locator("input[name=password]").fill(DEMO_ADMIN_PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(base + "/newsroom/")


def folder_for(app, language: str, out: Path = OUT) -> Path:
    """Where a language's pictures go: `out` for the default language, `out/<lang>` else."""
    return out if language == app.config["DEFAULT_LANGUAGE"] else out / language


def take(pages: list[Page], out: Path = OUT, languages: list[str] | None = None) -> list[Path]:
    """Photograph `pages` at every size in `languages` (by default every one the app offers)
    under `out`; returns the files written."""
    from playwright.sync_api import sync_playwright

    written = []
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        offered = list(app.config["LANGUAGES"])
        unknown = set(languages or ()) - set(offered)
        if unknown:
            raise SystemExit(f"not offered (LANGUAGES): {', '.join(sorted(unknown))}")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = base
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                )
                for language in languages or offered:
                    target = folder_for(app, language, out)
                    target.mkdir(parents=True, exist_ok=True)
                    for size, viewport in SIZES.items():
                        written += _take_at(
                            browser, app, base, pages, size, viewport, target, language
                        )
                browser.close()
        finally:
            server.shutdown()
    return written


def _take_at(browser, app, base, pages, size, viewport, out, language) -> list[Path]:
    written = []
    for who in dict.fromkeys(page.who for page in pages):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale=language.replace("_", "-"),
        )
        tab = context.new_page()
        _sign_in(tab, base, who, app)
        for page in (p for p in pages if p.who == who):
            tab.goto(base + page.path)
            tab.wait_for_load_state("networkidle")
            path = out / f"{page.name}-{size}.png"
            tab.screenshot(path=str(path))
            written.append(path)
        context.close()
    return written


def main(argv: list[str]) -> int:
    """Take the pages named in argv (all of them by default), in the languages named with
    `--lang` (all of them by default), and list the files."""
    parser = argparse.ArgumentParser(prog="python -m devtools.screenshots")
    parser.add_argument("pages", nargs="*", help="page names from PAGES (default: all)")
    parser.add_argument(
        "--lang",
        action="append",
        dest="languages",
        help="a language code from LANGUAGES (default: all); repeatable",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium", file=sys.stderr)
        return 1
    unknown = set(args.pages) - {page.name for page in PAGES}
    if unknown:
        print(f"unknown page(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    chosen = [page for page in PAGES if not args.pages or page.name in args.pages]
    for path in take(chosen, languages=args.languages):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
