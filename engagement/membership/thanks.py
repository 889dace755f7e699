"""Signed in after paying: the browser that started a Checkout is signed in as the patron the
payment made, once, soon after, and only after asking Stripe itself.

The guards, each against one way a thanks URL could sign in the wrong person:
- the Checkout session's id must be one this browser's session stored at POST /support/checkout,
  so a leaked or shared `/support/thanks?session_id=...` signs nobody in elsewhere;
- Stripe (not the URL, not a stored webhook) must say the session is complete and paid, and it
  must have been created at most SIGN_IN_WINDOW before now;
- the patron must have been created by this checkout: anyone can type someone else's address
  at Checkout, so a person who was a patron before signs in with a mailed link instead;
- each Checkout session signs in once (`checkout_sign_ins`, unique by session id), even when the
  cookie from before the sign-in is replayed.
The sign-in itself is `accounts.auth.sign_in_patron`: a new session, as every sign-in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import session
from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from engagement.accounts.auth import sign_in_patron
from engagement.accounts.models import Patron
from engagement.database import UTCDateTime, utcnow
from engagement.extensions import db
from engagement.membership import stripe_sync
from engagement.membership.stripe_gateway import Gateway, GatewayError

CHECKOUTS_KEY = "checkouts"
REMEMBERED = 5
SIGN_IN_WINDOW = timedelta(minutes=30)
CLOCK_SKEW = timedelta(minutes=2)
# A patron created more than this before the Checkout existed before it (Stripe's `created` is
# in whole seconds, and its clock may run a little ahead of ours).
NEW_PATRON_SLACK = timedelta(seconds=5)
PAID = ("paid", "no_payment_required")


class CheckoutSignIn(db.Model):
    """A Checkout session that signed its patron in (each one does so at most once)."""

    __tablename__ = "checkout_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    patron_id: Mapped[int] = mapped_column(ForeignKey("patrons.id", ondelete="CASCADE"), index=True)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def remember_checkout(session_id: str) -> None:
    """Note in this browser's session that it started this Checkout."""
    started = [sid for sid in session.get(CHECKOUTS_KEY, []) if isinstance(sid, str)]
    session[CHECKOUTS_KEY] = [*started, session_id][-REMEMBERED:]


def started_here(session_id: str) -> bool:
    """True when this browser started that Checkout."""
    return session_id in (session.get(CHECKOUTS_KEY) or [])


def verify_checkout(gw: Gateway, session_id: str, now: datetime) -> Patron | None:
    """The patron a paid Checkout made, asking Stripe; None unless every guard holds."""
    try:
        checkout = gw.retrieve_checkout_session(session_id)
    except GatewayError:
        return None
    if checkout.get("status") != "complete" or checkout.get("payment_status") not in PAID:
        return None
    if (checkout.get("metadata") or {}).get("engagement_kind") not in ("membership", "gift"):
        return None
    created = stripe_sync.from_timestamp(checkout.get("created"))
    if created is None or not created - CLOCK_SKEW <= now <= created + SIGN_IN_WINDOW:
        return None
    customer = checkout.get("customer")
    customer = customer.get("id") if isinstance(customer, dict) else customer
    patron = stripe_sync.find_patron(customer_id=customer) if customer else None
    if patron is None or patron.erased_at is not None or not patron.email:
        return None
    if patron.created_at < created - NEW_PATRON_SLACK:
        return None  # a patron from before: the address typed at Checkout proves nothing
    return patron


def claim(session_id: str, patron: Patron, now: datetime) -> bool:
    """Record that this Checkout signs its patron in; False when it already did. Flushes."""
    try:
        with db.session.begin_nested():
            db.session.add(
                CheckoutSignIn(
                    checkout_session_id=session_id, patron_id=patron.id, signed_in_at=now
                )
            )
    except IntegrityError:
        return False
    return True


def sign_in_returning_payer(
    gw: Gateway, session_id: str, now: datetime | None = None
) -> Patron | None:
    """Sign in the patron this browser's Checkout made (see the module's guards); the caller
    commits. None when the browser is left as it was."""
    if not started_here(session_id):
        return None
    now = now or utcnow()
    patron = verify_checkout(gw, session_id, now)
    if patron is None or not claim(session_id, patron, now):
        return None
    patron.last_sign_in_at = now
    sign_in_patron(patron)
    return patron
