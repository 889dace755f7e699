"""Who is signed in: editors through Flask-Login, patrons through a separate session key."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature
from sqlalchemy import bindparam, select, update

from engagement import i18n
from engagement.accounts.models import Editor, Patron
from engagement.edge import MAX_ID
from engagement.extensions import db, login_manager

PATRON_SESSION_KEY = "patron_id"
# The patron's session version: a session whose number is not the patron's is over. A session
# without it (made before versions existed) counts as version 0.
PATRON_VERSION_KEY = "patron_sv"
EDITOR_ID_RE = re.compile(r"editor:([0-9]{1,10})(?::([0-9]{1,10}))?", re.ASCII)


def init_app(app: Flask) -> None:
    """Configure Flask-Login (each newsroom blueprint guards its own pages)."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts_newsroom.login"
    login_manager.login_message = _l("Please sign in to open the newsroom.")
    login_manager.localize_callback = str  # flashed translated (a lazy text cannot be stored)
    login_manager.login_message_category = "info"
    # "strong": a session whose address or browser changed is dropped. Flask-Login's own
    # identifier reads X-Forwarded-For, which anyone can send; ours uses the address the app
    # trusts (the socket's, or the proxy's word only with TRUSTED_PROXIES). The session
    # version (below) is what really ends a session.
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier
    app.session_interface = MachineAwareSessions()


# Machines' endpoints: a webhook never reads the session; the JSON API reads it (a signed-in
# patron's report is linked to them) but neither of them ever writes the cookie back.
SESSION_UNREAD_PATHS = ("/stripe/webhook", "/patreon/webhook")
SESSION_UNSAVED_PREFIXES = ("/api/", *SESSION_UNREAD_PATHS)


class SignedSession(SecureCookieSession):
    """Flask's cookie session, knowing when its cookie was last signed (None: a new one)."""

    signed_at: datetime | None = None


class MachineAwareSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the session work machines' requests do not need.

    The signing serializer is built once per set of keys (Flask builds one per request, and
    again to save), and a request without a session cookie gets its empty session without one.
    A permanent session that did not change is signed and sent again only once its cookie is
    `SESSION_REFRESH_AFTER` seconds old (Flask would do it on every response): the expiry still
    slides with the reader's visits, to that precision.
    """

    session_class = SignedSession
    _serializers: dict[tuple, object]

    def __init__(self) -> None:
        self._serializers = {}

    def get_signing_serializer(self, app):
        """Flask's serializer for the app's current keys, made once."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {keys: serializer}  # keys changed: the old one goes
        return serializer

    def open_session(self, app, request):
        """An empty session for webhooks (the cookie is not even read), for requests without
        the cookie and for a cookie that is forged or expired; else the cookie's session."""
        if request.path in SESSION_UNREAD_PATHS:
            return self.session_class()
        value = request.cookies.get(self.get_cookie_name(app))
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        lifetime = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=lifetime, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        """Never on the JSON API and the webhooks; when the session changed; and for a
        permanent session whose cookie is older than SESSION_REFRESH_AFTER."""
        if request.path.startswith(SESSION_UNSAVED_PREFIXES):
            return False
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        age = datetime.now(UTC) - signed_at
        return age.total_seconds() >= app.config["SESSION_REFRESH_AFTER"]


def session_identifier() -> str:
    """What Flask-Login's session protection compares: client address and User-Agent.

    `request.remote_addr` is the socket's peer unless ProxyFix (TRUSTED_PROXIES) set it from a
    proxy's header; a forged X-Forwarded-For alone never changes it."""
    base = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha512(base.encode("utf-8", "replace")).hexdigest()


@login_manager.user_loader
def _load_editor(user_id: str) -> Editor | None:
    # "editor:<id>:<session version>"; a session of a lower version was signed out.
    match = EDITOR_ID_RE.fullmatch(user_id or "")
    if match is None or not 1 <= int(match.group(1)) <= MAX_ID:
        return None
    editor = db.session.get(Editor, int(match.group(1)))
    if editor is None or not editor.active:
        return None
    if editor.session_version != int(match.group(2) or 0):
        return None
    return editor


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


# The patron's session check in one light statement, built once (the hot paths need no object).
_PATRON_CHECK = select(Patron.session_version, Patron.erased_at, Patron.language).where(
    Patron.id == bindparam("patron_id")
)


def current_patron_id() -> int | None:
    """The signed-in patron's id (session version current, data not erased), or None.

    One small query the first time in a request, no object loaded: what the vote and the
    rate limits need."""
    if "current_patron_id" not in g:
        if "current_patron" in g:
            patron = g.current_patron
            g.current_patron_id = patron.id if patron is not None else None
            return g.current_patron_id
        claim = patron_claim()
        row = (
            db.session.connection().execute(_PATRON_CHECK, {"patron_id": claim[0]}).first()
            if claim
            else None
        )
        if (
            claim is not None
            and row is not None
            and row.erased_at is None
            and row.session_version == claim[1]
        ):
            g.current_patron_id, g.current_patron_language = claim[0], row.language
        else:
            g.current_patron_id = g.current_patron_language = None
    return g.current_patron_id


def remember_patron(patron_id: int, language: str | None) -> None:
    """Record for the rest of the request a patron session the caller has just checked in a
    statement of its own (the vote's), with the patron's saved language."""
    g.current_patron_id = patron_id
    g.current_patron_language = language


def current_patron_language() -> str | None:
    """The signed-in patron's saved language (None: not signed in, or not chosen), read with
    the session check of `current_patron_id`: no Patron object for it."""
    patron = g.get("current_patron")
    if patron is not None:
        return patron.language
    if current_patron_id() is None:
        return None
    return g.get("current_patron_language")


def patron_claim() -> tuple[int, int] | None:
    """The patron id and session version this request's (signed) session cookie carries, or
    None; not checked against the database (`current_patron_id` does that, and the vote's own
    statement does it in passing). Good enough to name a rate-limit bucket, never to grant."""
    patron_id = session.get(PATRON_SESSION_KEY)
    if (
        not isinstance(patron_id, int)
        or isinstance(patron_id, bool)
        or not 1 <= patron_id <= MAX_ID
    ):
        return None
    version = session.get(PATRON_VERSION_KEY, 0)
    if not isinstance(version, int) or isinstance(version, bool):
        return None
    return patron_id, version


def current_patron() -> Patron | None:
    """The signed-in patron (a session separate from editors'), or None."""
    if "current_patron" not in g:
        patron_id = current_patron_id()
        g.current_patron = db.session.get(Patron, patron_id) if patron_id is not None else None
    return g.current_patron


def new_session() -> None:
    """At every sign-in: nothing of the session before it survives (a planted one included),
    and the CSRF secret is new, so a token learnt before the sign-in is worthless after it."""
    language = session.get(i18n.SESSION_KEY)  # the language picked before stays
    session.clear()
    if language:
        session[i18n.SESSION_KEY] = language
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    generate_csrf()


def sign_in_editor(editor: Editor) -> None:
    """Start an editor session in a new session (called after the password was checked)."""
    new_session()
    login_user(editor)


def end_editor_sessions(editor: Editor) -> None:
    """Every session of the editor, in every browser, is over; this one is signed out. Flushes."""
    _bump(Editor, editor.id)
    logout_user()


def sign_in_patron(patron: Patron) -> None:
    """Start a patron session in a new session (called after a magic link is used)."""
    new_session()
    session[PATRON_SESSION_KEY] = patron.id
    session[PATRON_VERSION_KEY] = patron.session_version
    session.permanent = True
    g.current_patron = patron
    g.current_patron_id = patron.id


def end_patron_sessions(patron: Patron) -> None:
    """Every session of the patron, in every browser, is over; this one too. Flushes."""
    _bump(Patron, patron.id)
    sign_out_patron()


def sign_out_patron() -> None:
    """End the patron session, leaving any editor session alone."""
    session.pop(PATRON_SESSION_KEY, None)
    session.pop(PATRON_VERSION_KEY, None)
    g.pop("current_patron", None)
    g.pop("current_patron_id", None)


def _bump(model, row_id: int) -> None:
    # One UPDATE, so two sign-outs at once both count.
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(session_version=model.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def patron_required(view):
    """Only a signed-in patron may open the view; others go to the magic-link page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_patron() is None:
            return redirect(url_for("accounts.patron_login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped
