"""Queue mails: render the template pair and add the row; the caller's commit makes it real."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from engagement import i18n
from engagement.extensions import db
from engagement.notifications.models import Email

_HEADER_BREAK = re.compile(r"[\r\n]")


def _render_block(template_name: str, block: str, context: dict) -> str:
    env = current_app.jinja_env
    template = env.get_template(template_name)
    full_context = template.new_context(_with_defaults(context))
    return "".join(template.blocks[block](full_context))


def _with_defaults(context: dict) -> dict:
    config = current_app.config
    merged = {
        "newsroom_name": config["NEWSROOM_NAME"],
        "base_url": config["PUBLIC_BASE_URL"].rstrip("/"),
    }
    merged.update(context)
    return merged


def render_email(template: str, language: str | None = None, **context) -> tuple[str, str, str]:
    """Render `email/<template>.txt` (subject and text) and `.html` in `language` (a served
    code; DEFAULT_LANGUAGE otherwise): (subject, text, html)."""
    with i18n.language(language):
        subject = " ".join(_render_block(f"email/{template}.txt", "subject", context).split())
        text = _render_block(f"email/{template}.txt", "body", context).strip() + "\n"
        html = current_app.jinja_env.get_template(f"email/{template}.html").render(
            _with_defaults(context)
        )
    return subject, text, html


def recipient_language(address: str) -> str:
    """The language its editor or patron chose for `address`, else DEFAULT_LANGUAGE."""
    from engagement.accounts.models import Editor, Patron

    served = i18n.languages()
    for model in (Editor, Patron):
        saved = db.session.scalar(select(model.language).where(model.email == address))
        chosen = served.match(saved)
        if chosen:
            return chosen
    return served.default


def enqueue(
    template: str, to: str | list[str], dedupe_key: str, *, language: str | None = None, **context
) -> Email | None:
    """Queue one mail unless one with this dedupe key exists; never commits, never sends.

    It is written in `language` when the caller knows the recipient's (a report's, the page a
    sign-in link was asked from; a tag such as "uk-UA" is fine), else in the language the
    recipient's editor or patron account chose (`recipient_language`)."""
    recipients = [to] if isinstance(to, str) else list(to)
    for address in recipients:
        if _HEADER_BREAK.search(address) or "," in address:
            raise ValueError(f"refusing a recipient with a line break or comma: {address!r}")
    existing = db.session.scalar(select(Email.id).where(Email.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    written_in: str | None
    if language is not None:
        written_in = i18n.languages().closest(language)
    else:
        written_in = recipient_language(recipients[0]) if recipients else None
    subject, text, html = render_email(template, written_in, **context)
    email = Email(
        kind=template,
        language=written_in or "",
        dedupe_key=dedupe_key,
        recipients=",".join(recipients),
        subject=subject,
        text_body=text,
        html_body=html,
    )
    db.session.add(email)
    return email


def notify_editors(kind: str, template: str, dedupe_key: str, **context) -> list[Email]:
    """Tell each editor who wants `kind` at once; the others get it in their digest.

    `kind` is one of the notification kinds in notifications.preferences
    ("correction", "patron", "suggestion").
    """
    from engagement.notifications import preferences

    return preferences.dispatch(kind, template, dedupe_key, **context)
