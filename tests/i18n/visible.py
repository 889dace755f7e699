"""What a reader sees of a page or a mail, and which of it is not pseudo-localised.

In the pseudo-locale every translated string is accented (`devtools.translations.pseudo`), so
no ASCII letter is left in it. A visible text with ASCII letters is therefore either data
people typed (titles, report texts, names: `Data`), a URL or an address, or a string nobody
wrapped in `_()` yet: that last kind is what the tests report.

Visible means: text nodes outside <script>, <style>, <code>, <kbd> and <samp>; the attributes
in TEXT_ATTRIBUTES; the value of a button-like <input>. An element marked `translate="no"`,
or with a `lang` other than the page's (the language switch names each language in itself),
is left out with everything inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

HIDDEN_ELEMENTS = {"script", "style", "code", "kbd", "samp"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
TEXT_ATTRIBUTES = (
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "data-label",
    "data-note",
    "data-confirm",
)
BUTTON_INPUTS = {"submit", "button", "reset"}

URL = re.compile(
    r"(?:https?://|mailto:|/)[^\s<>\"']*[^\s<>\"'.,;:!?)]|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
ASCII_RUN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ '’,.:;!?()&/+-]*")
ENUM_LIKE = re.compile(r"^[a-z]+(?:_[a-z]+)*$")
LONG_ENOUGH = 12  # a shorter leftover must be a whole data string, not a piece of one


@dataclass(frozen=True)
class Text:
    """One visible string and where it was: "<h1>", "<button title>", "line 3"."""

    where: str
    text: str


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang: str | None = None
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.found: list[Text] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.page_lang = attributes.get("lang", "").lower()
        lang = attributes.get("lang", "").lower()
        hidden = (
            self._hidden()
            or tag in HIDDEN_ELEMENTS
            or attributes.get("translate") == "no"
            or (tag != "html" and bool(lang) and lang != self.page_lang)
        )
        if not hidden:
            for name in TEXT_ATTRIBUTES:
                if attributes.get(name, "").strip():
                    self.found.append(Text(f"<{tag} {name}>", attributes[name]))
            if tag == "input" and attributes.get("type", "").lower() in BUTTON_INPUTS:
                self.found.append(Text("<input value>", attributes.get("value", "")))
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not self._hidden():
            tag = self.stack[-1][0] if self.stack else "document"
            self.found.append(Text(f"<{tag}>", data))


def visible_html(html: str) -> list[Text]:
    """The visible texts of an HTML page or mail."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.found


def visible_plain(text: str) -> list[Text]:
    """The lines of a plain-text mail."""
    return [
        Text(f"line {number}", line)
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


def squeeze(text: str) -> str:
    """Runs of white space as one space, trimmed."""
    return " ".join(text.split())


class Data:
    """Strings people typed or the newsroom set (titles, texts, names, settings): skipped."""

    def __init__(self, values) -> None:
        strings = {squeeze(str(value)) for value in values if value is not None}
        # Enum-like values ("past_due", "open") are the app's words, not people's.
        self.strings = sorted(
            (s for s in strings if s and not ENUM_LIKE.match(s)), key=len, reverse=True
        )
        self.blob = "\n".join(self.strings)

    def with_more(self, values) -> Data:
        """These strings and `values`."""
        return Data([*self.strings, *values])

    def without_data(self, text: str) -> str:
        """`text` with every data string and URL taken out."""
        rest = URL.sub(" ", squeeze(text))
        for string in self.strings:
            if string in rest:
                rest = rest.replace(string, " ")
        return rest

    def leftover(self, text: str) -> str | None:
        """The part of `text` that is neither pseudo-localised nor data, or None."""
        parts = []
        for run in ASCII_RUN.findall(self.without_data(text)):
            run = run.strip(" ,.:;!?()&/+-'’")
            if not re.search("[A-Za-z]", run):
                continue
            if len(run) >= LONG_ENOUGH and run in self.blob:  # a shortened data string
                continue
            parts.append(run)
        return " … ".join(parts) or None


def unlocalised(texts: list[Text], data: Data) -> list[str]:
    """One line per visible text that is not pseudo-localised: where, the text, what is left."""
    lines = []
    for item in texts:
        left = data.leftover(item.text)
        if left is not None:
            shown = squeeze(item.text)
            shown = shown if len(shown) <= 120 else shown[:117] + "..."
            lines.append(
                f"{item.where}: {shown!r}" + (f"  (left: {left!r})" if left != shown else "")
            )
    return lines
