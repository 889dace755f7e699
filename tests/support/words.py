"""A page's words in one language, from the app's own catalogs: a browser test finds the button
`words("Vote")` and runs unchanged in English and in Ukrainian.

`Words(app, "uk")("Vote")` is "Голосувати"; `.plural(...)` is `ngettext`; `.text(...)` reads a
message that holds markup as the page shows it (tags dropped); `.before(...)` is a message's
start, up to a value the test does not know; `.money(3000)` is "€30" or "30 €".
A message the catalog does not translate fails at once, not as an element the page lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import get_translations, gettext, ngettext

from engagement import formatting, i18n

TAG = re.compile(r"<[^>]+>")


class Words:
    """The messages of one language, as `app` renders them."""

    def __init__(self, app, code: str):
        self.app = app
        self.code = code

    def __repr__(self) -> str:
        return f"Words({self.code!r})"

    def _in_language(self, render: Callable[[], str], key: object) -> str:
        with self.app.test_request_context("/"), i18n.language(self.code) as chosen:
            assert chosen == self.code, f"{self.code} is not served (LANGUAGES)"
            if self.code != self.app.config["DEFAULT_LANGUAGE"]:
                catalog = getattr(get_translations(), "_catalog", {})
                assert key in catalog, f"no {self.code} translation of {key!r}"
            return render()

    def __call__(self, msgid: str, **values) -> str:
        """`msgid` translated, its `%(name)s` placeholders filled from `values`."""
        return self._in_language(lambda: gettext(msgid, **values), msgid)

    def plural(self, singular: str, plural: str, num: int, **values) -> str:
        """The form of the message for `num` (Ukrainian has three)."""
        return self._in_language(lambda: ngettext(singular, plural, num, **values), (singular, 0))

    def text(self, msgid: str, **values) -> str:
        """A message holding markup, as the page reads: the tags left out."""
        return TAG.sub("", self(msgid, **values))

    def before(self, msgid: str, name: str, **values) -> str:
        """The message's text up to its placeholder `name`, `%(name)s` or the widget's
        `{name}` (a date or a key the test does not know): `words.before("Closes %(when)s",
        "when")` is "Closes "."""
        cut = "\0"
        text = self(msgid, **{**values, name: cut})
        marker = next((m for m in (cut, "{" + name + "}") if m in text), None)
        assert marker, f"no placeholder {name} in {text!r}"
        return text.split(marker)[0]

    def money(self, amount: int, currency: str = "eur") -> str:
        """An amount in minor units as the page writes it in this language."""
        with self.app.test_request_context("/"), i18n.language(self.code):
            return formatting.money(amount, currency)
