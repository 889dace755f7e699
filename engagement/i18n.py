"""Languages: which one a request is served in, and the catalogs behind `_()` (Flask-Babel).

The language of a request is, in this order: a saved choice (a signed-in patron's or editor's,
from the functions features register with `register_language_source`), the `lang` query
parameter (the widget's `data-lang` arrives this way; remembered in the session so the pages
it links to keep it), the language remembered in the session, the browser's Accept-Language,
then DEFAULT_LANGUAGE. Only the codes in LANGUAGES are served, plus the pseudo-locale `en_XA`
(every string bracketed and accented, docs/translating.md) when PSEUDO_LOCALE is on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from babel import Locale
from flask import Blueprint, Flask, current_app, has_request_context, request, session
from flask.sansio.app import App
from flask_babel import Babel, Domain, force_locale, get_locale

PSEUDO = "en_XA"
SESSION_KEY = "lang"
QUERY_PARAMETER = "lang"
CATALOGS = Path(__file__).resolve().parent / "translations"

LanguageSource = Callable[[], str | None]

# The pseudo-locale's letters: every ASCII letter has an accented stand-in, so a pseudo-localised
# text has no ASCII letter left (tests/i18n looks for those).
ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Left as they are: %-placeholders, {}-placeholders, HTML tags and entities.
KEEP = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]|\{[^{}]*\}|<[^>]*>|&#?\w+;")


def accent(text: str) -> str:
    """`text` with its letters accented, placeholders and markup untouched."""
    parts, last = [], 0
    for match in KEEP.finditer(text):
        parts.append(text[last : match.start()].translate(ACCENTS))
        parts.append(match.group())
        last = match.end()
    parts.append(text[last:].translate(ACCENTS))
    return "".join(parts)


def pseudo(text: str) -> str:
    """A message as the pseudo-locale shows it: accented and bracketed, "[Ŝûþþöŕţ %(n)s]"."""
    return f"[{accent(text)}]"


class PseudoLocale(Locale):
    """`en_XA`: English's formats under a name of its own (CLDR has no data for it; Babel
    keeps the data of the identifier the locale was made with, "en")."""

    def __init__(self) -> None:
        super().__init__("en")
        self.territory = "XA"


@functools.cache
def locale_for(code: str) -> Locale:
    """The Babel locale for a language code ("uk", "en", "en_XA"): parsed once per process
    (a Locale is not changed by its users; Babel parses the code anew on every call)."""
    return PseudoLocale() if code == PSEUDO else Locale.parse(code)


def is_pseudo(locale: Locale | str | None = None) -> bool:
    """True when `locale` (by default the current request's) is the pseudo-locale."""
    chosen = get_locale() if locale is None else locale
    return str(chosen) == PSEUDO


@dataclass
class Languages:
    """One app's language settings, the saved-choice sources and its catalogs' domain."""

    codes: list[str]
    default: str
    sources: list[LanguageSource] = field(default_factory=list)
    domain: Domain = field(default_factory=Domain)

    def match(self, value: str | None) -> str | None:
        """The served code `value` names ("uk", "UK", "en-XA"), or None."""
        wanted = (value or "").strip().replace("-", "_").lower()
        return next((code for code in self.codes if code.lower() == wanted), None)

    def match_tag(self, tag: str | None) -> str | None:
        """The served code for a language tag, by its language when the region is not served
        ("uk-UA" gives "uk"), or None."""
        primary = (tag or "").strip().replace("-", "_").split("_")[0]
        return self.match(tag) or self.match(primary)

    def closest(self, tag: str | None) -> str:
        """`match_tag`, or the default language."""
        return self.match_tag(tag) or self.default


def languages_of(app: App) -> Languages:
    """The app's language settings (set by `init_app`)."""
    return app.extensions["i18n"]


def languages() -> Languages:
    """The current app's language settings."""
    return languages_of(current_app)


def register_language_source(owner: Blueprint | Flask, source: LanguageSource) -> None:
    """Ask `source()` first for a request's language: the saved choice of whoever is signed in
    (None when there is none). On a blueprint it lands when the blueprint registers."""
    if isinstance(owner, Blueprint):
        owner.record_once(lambda state: languages_of(state.app).sources.append(source))
    else:
        languages_of(owner).sources.append(source)


def select_language() -> str:
    """The code of the language this request is served in (the order in the module's doc);
    DEFAULT_LANGUAGE outside a request (the worker and commands choose per mail)."""
    served = languages()
    if not has_request_context():
        return served.default
    for source in served.sources:
        code = served.match(source())
        if code:
            return code
    code = served.match_tag(request.args.get(QUERY_PARAMETER)) or served.match(
        session.get(SESSION_KEY)
    )
    if code:
        return code
    spoken = [code for code in served.codes if code != PSEUDO]
    return request.accept_languages.best_match(spoken) or served.default


def select_locale() -> Locale:
    """Flask-Babel's locale selector: `select_language` as a Babel locale."""
    return locale_for(select_language())


def remember_query_language() -> None:
    """Keep a valid `lang` query parameter in the session, so the next pages keep it."""
    code = languages().match_tag(request.args.get(QUERY_PARAMETER))
    if code and session.get(SESSION_KEY) != code:
        session[SESSION_KEY] = code


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """Render in `code` inside the block (a mail in its recipient's language); a code that is
    not served, or None, gives DEFAULT_LANGUAGE. Yields the code used."""
    chosen = languages().closest(code)
    with force_locale(locale_for(chosen)):
        yield chosen


def language_name(code: str) -> str:
    """A language's name in itself, as a switch offers it: "English", "Українська"."""
    if code == PSEUDO:
        return pseudo("Pseudo-locale")
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def this_page(**extra: str) -> str:
    """This page's local path with its own query parameters (and `extra`), where the language
    switch leads back to. A value naming another site or a scheme is left out (a `next` someone
    planted is not echoed into every page), as the sign-in's `next` check refuses it."""
    args = {
        name: [value for value in values if not _elsewhere(value)]
        for name, values in request.args.to_dict(flat=False).items()
    }
    # The path as a browser will read it: quoted (a backslash becomes %5C, not a second
    # slash) and with one leading slash (never `//host`).
    path = "/" + quote(request.path, safe=PATH_SAFE).lstrip("/")
    query = urlencode({**args, **extra}, doseq=True)
    return f"{path}?{query}" if query else path


def language_choices() -> list[dict]:
    """The language switch's entries: each served language named in itself, the current one
    marked, with a link to this page in it (the pseudo-locale only while it is current)."""
    current = current_language()
    choices = []
    for code in languages().codes:
        if code == PSEUDO and current != PSEUDO:
            continue
        choices.append(
            {
                "code": code,
                "name": language_name(code),
                "lang": code.replace("_", "-"),
                "current": code == current,
                "href": this_page(**{QUERY_PARAMETER: code}),
            }
        )
    return choices


SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")
PATH_SAFE = "/:@!$&'()*+,;=~"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _elsewhere(value: str) -> bool:
    """True for a value that names another site or a scheme (https:, javascript:, //host), or
    that a browser may read as one (a backslash, a control character)."""
    return (
        bool(SCHEME.match(value))
        or value.lstrip().startswith("//")
        or "\\" in value
        or bool(CONTROL.search(value))
    )


def current_language() -> str:
    """The code of the language being served ("en", "uk", "en_XA")."""
    return str(get_locale() or languages().default)


def html_lang() -> str:
    """The current language as HTML's lang attribute wants it, e.g. "en-XA"."""
    return current_language().replace("_", "-")


class AppBabel(Babel):
    """Flask-Babel with each app's catalogs cached apart (the tests build many apps)."""

    @property
    def domain_instance(self):  # type: ignore[override]
        return languages().domain


def init_app(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel to `app`: catalogs, the locale and time-zone selectors, Jinja's i18n."""
    codes = list(app.config["LANGUAGES"])
    if app.config["PSEUDO_LOCALE"] and PSEUDO not in codes:
        codes.append(PSEUDO)
    app.extensions["i18n"] = Languages(codes=codes, default=app.config["DEFAULT_LANGUAGE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(CATALOGS))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["NEWSROOM_TIMEZONE"]
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=lambda: current_app.config["NEWSROOM_TIMEZONE"],
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: one line per msgid
    app.before_request(remember_query_language)
    app.add_template_global(current_language, "current_language")
    app.add_template_global(html_lang, "html_lang")
    app.add_template_global(language_choices, "language_choices")
    app.add_template_global(this_page, "this_page")
