"""Editor accounts: creation and password checks. Functions flush, never commit."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from engagement.accounts.models import ROLES, Editor, normalise_email
from engagement.database import utcnow
from engagement.errors import Conflict, InvalidInput
from engagement.extensions import db


@cache
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made on first use, not at import: scrypt takes 32 MB for a moment, and every
    app process (each gunicorn worker, `flask worker`) would otherwise peak that much higher."""
    return generate_password_hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 10


def create_editor(
    email: str, password: str, role: str = "editor", display_name: str = ""
) -> Editor:
    """Add an editor; refuse a taken email, an unknown role or a short password."""
    email = normalise_email(email)
    if "@" not in email:
        raise InvalidInput("Enter a valid email address.", field="email")
    if role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.", field="password"
        )
    if find_editor(email):
        raise Conflict("An editor with this email already exists.", field="email")
    editor = Editor(email=email, role=role, display_name=display_name or email.split("@")[0])
    editor.set_password(password)
    db.session.add(editor)
    db.session.flush()
    return editor


def find_editor(email: str) -> Editor | None:
    """The editor with this email, whatever its case."""
    return db.session.scalar(select(Editor).where(Editor.email == normalise_email(email)))


def authenticate_editor(email: str, password: str) -> Editor | None:
    """The active editor these credentials belong to, or None (never saying which part failed)."""
    editor = find_editor(email)
    if editor is None or not editor.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not editor.check_password(password):
        return None
    editor.last_sign_in_at = utcnow()
    return editor
