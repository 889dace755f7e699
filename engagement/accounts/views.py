"""Editors' sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from engagement.accounts import editors
from engagement.accounts.auth import end_editor_sessions, sign_in_editor
from engagement.accounts.blueprints import newsroom
from engagement.accounts.forms import EditorLoginForm
from engagement.blueprints import open_to_all
from engagement.extensions import db, limiter

WRONG_CREDENTIALS = _l("That email and password do not match an editor account.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_key() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a path on this site, never to another host.

    Refused too: control characters (CR LF would split the Location header) and backslashes
    (browsers read `/\\evil.example` as `//evil.example`)."""
    if not target or len(target) > 2000:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@newsroom.route("/login", methods=["GET", "POST"])
@open_to_all
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    """Sign an editor in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("newsroom.home"))
    form = EditorLoginForm()
    error = None
    if form.validate_on_submit():
        editor = editors.authenticate_editor(form.email.data, form.password.data)
        if editor is not None:
            db.session.commit()
            sign_in_editor(editor)  # a new session: nothing planted before survives
            return redirect(safe_next(request.args.get("next"), url_for("newsroom.home")))
        error = str(WRONG_CREDENTIALS)
    return render_template("accounts/newsroom/login.html", form=form, error=error)


@newsroom.post("/logout")
def logout():
    """Sign the editor out: every copy of the session cookie stops working (a cookie cannot be
    taken back alone, so the editor's other sessions end too)."""
    _end_sessions()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts_newsroom.login"))


@newsroom.post("/logout-everywhere")
def logout_everywhere():
    """Sign the editor out in every browser (a lost laptop, a shared computer)."""
    _end_sessions()
    flash(_("You are signed out everywhere: every browser must sign in again."), "info")
    return redirect(url_for("accounts_newsroom.login"))


def _end_sessions() -> None:
    if current_user.is_authenticated:
        end_editor_sessions(current_user)
        db.session.commit()
    logout_user()
