"""Who is signed in: editors through Flask-Login, patrons through a separate session key."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user, login_required

from engagement.accounts.models import Editor, Patron
from engagement.extensions import db, login_manager

PATRON_SESSION_KEY = "patron_id"

# Newsroom pages anyone may open (the sign-in page itself).
PUBLIC_NEWSROOM_ENDPOINTS = {"accounts.newsroom_login"}


def init_app(app: Flask) -> None:
    """Configure Flask-Login and guard every /newsroom/ page."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.newsroom_login"
    login_manager.login_message = "Please sign in to open the newsroom."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(_guard_newsroom)


@login_manager.user_loader
def _load_editor(user_id: str) -> Editor | None:
    kind, _, raw_id = user_id.partition(":")
    if kind != "editor" or not raw_id.isdigit():
        return None
    editor = db.session.get(Editor, int(raw_id))
    return editor if editor and editor.active else None


def _guard_newsroom():
    # Defence in depth: a newsroom view that forgot its decorator is still closed.
    if not request.path.startswith("/newsroom/") or request.endpoint in PUBLIC_NEWSROOM_ENDPOINTS:
        return None
    if request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def editor_required(view):
    """Only signed-in editors (and admins) may open the view."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Only admins may open the view; an editor gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True  # read by the tests that walk the URL map
    return wrapped


def current_editor() -> Editor | None:
    """The signed-in editor, or None."""
    return current_user if current_user.is_authenticated else None


def current_patron() -> Patron | None:
    """The signed-in patron (a session separate from editors'), or None."""
    if "current_patron" not in g:
        patron_id = session.get(PATRON_SESSION_KEY)
        patron = db.session.get(Patron, patron_id) if isinstance(patron_id, int) else None
        g.current_patron = patron if patron and patron.erased_at is None else None
    return g.current_patron


def sign_in_patron(patron: Patron) -> None:
    """Start a patron session (called after a magic link is used)."""
    session[PATRON_SESSION_KEY] = patron.id
    session.permanent = True
    g.current_patron = patron


def sign_out_patron() -> None:
    """End the patron session, leaving any editor session alone."""
    session.pop(PATRON_SESSION_KEY, None)
    g.pop("current_patron", None)


def patron_required(view):
    """Only a signed-in patron may open the view; others go to the magic-link page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_patron() is None:
            return redirect(url_for("accounts.patron_login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped
