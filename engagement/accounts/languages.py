"""The language a signed-in patron or editor chose: asked first for every request
(`engagement.i18n.register_language_source`), saved from the language switch and /account.

A patron's choice serves the readers' pages and their mails; an editor's, the newsroom and
theirs. Visitors who are not signed in switch with `?lang=` links instead (kept in the session).
"""

from __future__ import annotations

from flask import redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from engagement import i18n
from engagement.accounts import account
from engagement.accounts.auth import current_patron, current_patron_language, patron_required
from engagement.accounts.blueprints import newsroom, public
from engagement.accounts.views import safe_next
from engagement.extensions import db

NEWSROOM_PREFIX = "/newsroom"


def _in_newsroom() -> bool:
    return request.path == NEWSROOM_PREFIX or request.path.startswith(NEWSROOM_PREFIX + "/")


def patron_language() -> str | None:
    """The signed-in patron's saved language, on the readers' pages."""
    if _in_newsroom():
        return None
    return current_patron_language()  # with the session check: one light query, no object


def editor_language() -> str | None:
    """The signed-in editor's saved language, in the newsroom."""
    if not _in_newsroom() or not current_user.is_authenticated:
        return None
    return current_user.language


i18n.register_language_source(public, patron_language)
i18n.register_language_source(newsroom, editor_language)


class LanguageForm(FlaskForm):
    """Pick a language; empty leaves it to the browser's."""

    language = SelectField(_l("Language"), choices=[], validate_choice=True)
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in itself, marked with its own lang so it is read right.
        self.language.choices = [("", _l("The browser's language"), {})] + [
            (code, i18n.language_name(code), {"lang": code.replace("_", "-")})
            for code in i18n.languages().codes
        ]


def _save(owner) -> str:
    """Keep the posted language in the session and on `owner`; where to go next."""
    form = LanguageForm()
    if form.validate_on_submit():
        code = form.language.data or None
        owner.language = code
        db.session.commit()
        if code:
            session[i18n.SESSION_KEY] = code
        else:
            session.pop(i18n.SESSION_KEY, None)
    return form.next.data


@public.post("/account/language")
@patron_required
def patron_language_save():
    """Save the signed-in patron's language (pages and mails), then back to the page."""
    return redirect(safe_next(_save(current_patron()), url_for("accounts.patron_account")), 303)


@newsroom.post("/language")
def editor_language_save():
    """Save the editor's newsroom language (pages and mails), then back to the page."""
    return redirect(safe_next(_save(current_user), url_for("newsroom.home")), 303)


def save_endpoint() -> str | None:
    """Where the language switch saves a choice: the signed-in patron's or editor's view; None
    for a visitor (the switch is made of ?lang= links then)."""
    if _in_newsroom():
        return "accounts_newsroom.editor_language_save" if current_user.is_authenticated else None
    return "accounts.patron_language_save" if current_patron() is not None else None


public.app_context_processor(lambda: {"language_save_endpoint": save_endpoint})


def _page_context(patron) -> dict:
    return {"language_form": LanguageForm(language=patron.language or "", formdata=None)}


account.register_page_context(public, _page_context)
account.register_section(public, "language", "accounts/_account_language.html", order=90)
