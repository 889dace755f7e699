"""People the service knows: editors (staff) and patrons (readers who pay or gave)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db

ROLES = ("editor", "admin")


def normalise_email(email: str) -> str:
    """Emails compare regardless of case and surrounding spaces."""
    return email.strip().lower()


class Editor(UserMixin, db.Model):
    """A member of staff who signs in with a password."""

    __tablename__ = "editors"
    __table_args__ = (CheckConstraint("role IN ('editor', 'admin')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="editor")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session of this editor; raising it (sign-out, "sign out everywhere")
    # ends every session, copies of the cookie included.
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # The newsroom's language for this editor and their mails (engagement.i18n); None: not chosen.
    language: Mapped[str | None] = mapped_column(String(16))

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        """Admins also manage tiers, editors and settings."""
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        # Flask-Login keeps this in the session; the version in it dies with a sign-out.
        return f"editor:{self.id}:{self.session_version}"

    @property
    def name(self) -> str:
        """What the newsroom calls this editor."""
        return self.display_name or self.email


class Patron(db.Model):
    """A person known by email who pays or gave; Stripe knows them as a customer."""

    __tablename__ = "patrons"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the patron asked for their personal data to be removed; the row stays for accounts.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept in the patron's session; raising it (sign-out, "sign out everywhere") ends every one.
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # The language chosen on /account, for pages and mails (engagement.i18n); None: not chosen.
    language: Mapped[str | None] = mapped_column(String(16))

    @property
    def display(self) -> str:
        """How editors see this patron in lists."""
        return self.name or self.email or f"patron #{self.id}"
