"""The patrons' sign-in mail: queued without a link, written with a fresh link at send time."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from flask import has_request_context

from engagement.accounts import magic_links
from engagement.extensions import db
from engagement.i18n import current_language
from engagement.notifications import enqueue
from engagement.notifications.blueprints import public
from engagement.notifications.outbox import render_email
from engagement.notifications.send_time import Written, register_writer
from engagement.notifications.sending import OutgoingMail


def queue_sign_in_mail(address: str, dedupe_key: str, next_path: str | None) -> None:
    """Queue the sign-in mail for the address (no link in the row), in the language of the page
    it was asked from (nobody is looked up here; at send time the patron's saved choice wins);
    flush, never commit."""
    enqueue(
        "magic_link",
        address,
        dedupe_key,
        language=current_language() if has_request_context() else None,
        patron=None,
        token=None,
        minutes=magic_links.LINK_MINUTES,
        next_path=next_path,
    )


def write_sign_in_mail(mail: OutgoingMail, now: datetime) -> Written | None:
    """At send time: create the link (its hash only is stored) and write it into the mail.

    None (no mail at all) when the address is no patron's, or their data was erased. The
    outbox row keeps the same mail with the link left out.
    """
    if len(mail.recipients) != 1:
        return None
    patron = magic_links.find_patron_by_email(mail.recipients[0])
    if patron is None or not patron.email:
        return None
    token = secrets.token_urlsafe(magic_links.TOKEN_BYTES)
    db.session.add(
        magic_links.MagicLink(
            patron=patron,
            token_hash=magic_links.hash_token(token),
            created_at=now,
            expires_at=now + magic_links.LINK_LIFETIME,
        )
    )
    db.session.flush()
    context = {
        "patron": patron,
        "minutes": magic_links.LINK_MINUTES,
        "next_path": magic_links.next_path_of(mail.dedupe_key),
    }
    language = patron.language or mail.language or None
    subject, text, html = render_email("magic_link", language, token=token, **context)
    _, stored_text, stored_html = render_email("magic_link", language, token=None, **context)
    outgoing = replace(
        mail, recipients=(patron.email,), subject=subject, text_body=text, html_body=html
    )
    return Written(outgoing, stored_text, stored_html)


register_writer(public, "magic_link", write_sign_in_mail)
magic_links.register_link_mailer(public, queue_sign_in_mail)
