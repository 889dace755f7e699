"""The readers' home of the service (`/`) and its favicon."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from engagement.accounts.auth import current_patron
from engagement.chrome import register_reader_home, register_reader_nav
from engagement.corrections import listing
from engagement.membership.tiers import ordered_tiers
from engagement.readers.blueprints import public
from engagement.voting import services as voting

TOP_TOPICS = 3
LATEST_CORRECTIONS = 3


def _open_round() -> tuple | None:
    """The open round closing soonest and its leading topics (by votes only when counts are
    public; a sealed round keeps the editors' order)."""
    rounds = voting.open_rounds(with_tiers=False)
    if not rounds:
        return None
    round_ = rounds[0]
    topics = voting.sort_topics(
        voting.open_topics(round_), "votes" if round_.results_visible() else "editors"
    )
    return round_, topics[:TOP_TOPICS], len(topics)


register_reader_home(public, "readers.home")
register_reader_nav(public, "home", _l("Home"), "readers.home", order=0, footer_only=True)


@public.get("/")
def home():
    """What supporting gives, the open round's top topics, the latest corrections."""
    tiers = ordered_tiers(active_only=True)
    return render_template(
        "readers/home.html",
        tiers=tiers,
        open_round=_open_round(),
        corrections=listing.latest_public(LATEST_CORRECTIONS),
        patron=current_patron(),
    )


@public.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a link to one (feeds, JSON)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
