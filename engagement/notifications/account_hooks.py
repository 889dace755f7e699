"""What the outbox holds about a patron, and erasing it.

Mails to the patron lose their address and content, and an unsent one is parked for good.
Mails to editors about the patron (a new patron, a new correction, the digests) and waiting
digest items keep their news with the patron's email and name replaced by "[erased]".
Both are found by the patron's email in any case and by their name (a whole-table search: an
erasure is rare, and it must not miss a row).
"""

from __future__ import annotations

from sqlalchemy import or_, select

from engagement.accounts import account
from engagement.accounts.erasure import ERASED, Traces
from engagement.accounts.models import Patron, normalise_email
from engagement.extensions import db
from engagement.notifications.blueprints import public
from engagement.notifications.models import Email
from engagement.notifications.preferences import DigestItem

TEXT_COLUMNS = ("subject", "text_body", "html_body", "last_error")
PARKED_REASON = "the recipient erased their data"


def _traces(patron: Patron) -> Traces:
    return Traces.of(patron.email, patron.name)


def _is_to(mail: Email, email: str | None) -> bool:
    return bool(email) and normalise_email(email) in {
        normalise_email(address) for address in mail.recipient_list
    }


def _mails_to_or_about(traces: Traces) -> list[Email]:
    columns = (Email.recipients, *(getattr(Email, name) for name in TEXT_COLUMNS))
    return list(
        db.session.scalars(
            select(Email)
            .where(or_(*(traces.matched_by(column) for column in columns)))
            .order_by(Email.id)
        )
    )


def _blank_mail_to(mail: Email, email: str) -> None:
    others = [a for a in mail.recipient_list if normalise_email(a) != normalise_email(email)]
    if others:
        mail.recipients = ",".join(others)
        return
    if mail.status != "sent":
        mail.status = "dead"
        mail.last_error = PARKED_REASON
    mail.recipients = ERASED
    mail.language = ""  # the language they chose, as told by the mail's
    mail.subject = ERASED
    mail.text_body = ""
    mail.html_body = ""


def _scrub_mail(mail: Email, traces: Traces) -> None:
    for name in TEXT_COLUMNS:
        value = getattr(mail, name)
        if traces.found_in(value):
            setattr(mail, name, traces.scrub(value))


def erase_mails(patron: Patron) -> None:
    """Park and blank mails to the patron; scrub them from editors' mails and digest items."""
    traces = _traces(patron)
    if not traces:
        return
    for mail in _mails_to_or_about(traces):
        if _is_to(mail, patron.email):
            _blank_mail_to(mail, patron.email)
        _scrub_mail(mail, traces)
    for item in db.session.scalars(select(DigestItem).where(traces.matched_by(DigestItem.summary))):
        item.summary = traces.scrub(item.summary)
    db.session.flush()


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def mails_data(patron: Patron) -> list[dict]:
    """Mails to the patron and editors' mails about them, as erasure would change them."""
    traces = _traces(patron)
    if not traces:
        return []
    return [
        {
            "to_you": _is_to(mail, patron.email),
            "kind": mail.kind,
            "subject": mail.subject,
            "text": mail.text_body,
            "status": mail.status,
            "created_at": _iso(mail.created_at),
            "sent_at": _iso(mail.sent_at),
        }
        for mail in _mails_to_or_about(traces)
        if _concerns(mail, patron, traces)
    ]


def _concerns(mail: Email, patron: Patron, traces: Traces) -> bool:
    return _is_to(mail, patron.email) or any(
        traces.found_in(getattr(mail, name)) for name in TEXT_COLUMNS
    )


def digest_items_data(patron: Patron) -> list[dict]:
    """News about the patron waiting for (or sent in) editors' daily digests."""
    traces = _traces(patron)
    if not traces:
        return []
    items = db.session.scalars(
        select(DigestItem).where(traces.matched_by(DigestItem.summary)).order_by(DigestItem.id)
    )
    return [
        {"kind": item.kind, "summary": item.summary, "created_at": _iso(item.created_at)}
        for item in items
        if traces.found_in(item.summary)
    ]


account.register_eraser(public, erase_mails)
account.register_data_section(public, "mails", mails_data)
account.register_data_section(public, "digest_items", digest_items_data)
