"""How reports find their correction: normalised quotes, canonical URLs and passage matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from engagement.corrections.models import QUOTE_CONTEXT_MAX

# Python's idea of whitespace plus the BOM, so the API's JSON Schema patterns can say the same.
WHITESPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WHITESPACE = re.compile(f"[{WHITESPACE_CHARS}]+")
_TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_text(value: str | None) -> str:
    """Unicode NFC, every run of whitespace as one space, no space at either end."""
    if not value:
        return ""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def normalise_prefix(value: str | None) -> str:
    """The last characters (up to 64) before the passage, normalised."""
    return normalise_text(normalise_text(value)[-QUOTE_CONTEXT_MAX:])


def normalise_suffix(value: str | None) -> str:
    """The first characters (up to 64) after the passage, normalised."""
    return normalise_text(normalise_text(value)[:QUOTE_CONTEXT_MAX])


def comparable(
    exact: str, prefix: str = "", suffix: str = "", start: int | None = None, end: int | None = None
) -> Passage:
    """A stored or received passage as grouping compares it: whitespace normalised.

    Quotes are stored as sent (W3C); reports stored before that were already normalised, and
    normalising them again changes nothing, so old and new compare alike.
    """
    return Passage(
        normalise_text(exact), normalise_prefix(prefix), normalise_suffix(suffix), start, end
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def quote_key(exact: str) -> str:
    """The grouping key of a normalised passage."""
    return _digest(exact)


def anchor_key(prefix: str, exact: str, suffix: str) -> str:
    """The key of one occurrence of a passage (with its context)."""
    return _digest(prefix, exact, suffix)


def canonical_url(url: str) -> str:
    """The article's URL as grouping sees it: lower-case host, no default port, no fragment,
    no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING_PARAMS.match(k)
        ]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def url_host(url: str) -> str:
    """The lower-case host name of a URL ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower()


@dataclass(frozen=True)
class Passage:
    """A normalised quote with its context and position in the article's text."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None

    @property
    def has_position(self) -> bool:
        """True when both ends of the position are known."""
        return self.start is not None and self.end is not None

    def overlaps(self, other: Passage) -> bool:
        """True when both positions are known and the ranges share at least one character."""
        if not (self.has_position and other.has_position):
            return False
        return self.start < other.end and other.start < self.end

    def context_matches(self, other: Passage) -> bool:
        """True when prefixes and suffixes agree where both are known (one may be shorter)."""
        prefixes = self.prefix.endswith(other.prefix) or other.prefix.endswith(self.prefix)
        suffixes = self.suffix.startswith(other.suffix) or other.suffix.startswith(self.suffix)
        return prefixes and suffixes

    def same_passage(self, other: Passage) -> bool:
        """Same normalised quote, with overlapping position or matching context."""
        return self.exact == other.exact and (self.overlaps(other) or self.context_matches(other))


def _word_tail(text: str, cut: bool) -> str:
    # A cut-off prefix may start mid-word; a text fragment must start on a word boundary.
    if cut and " " in text:
        text = text.split(" ", 1)[1]
    return text


def _word_head(text: str, cut: bool) -> str:
    if cut and " " in text:
        text = text.rsplit(" ", 1)[0]
    return text


def _fragment_part(text: str) -> str:
    # quote() leaves '-' alone, but in a text directive it separates prefix and suffix.
    return quote(text, safe="").replace("-", "%2D")


def text_fragment_url(article_url: str, passage: Passage) -> str:
    """The article's URL with a text fragment (`#:~:text=prefix-,exact,-suffix`) for the passage."""
    passage = comparable(passage.exact, passage.prefix, passage.suffix)
    prefix = _word_tail(passage.prefix, len(passage.prefix) >= QUOTE_CONTEXT_MAX - 1)
    suffix = _word_head(passage.suffix, len(passage.suffix) >= QUOTE_CONTEXT_MAX - 1)
    directive = _fragment_part(passage.exact)
    if prefix:
        directive = f"{_fragment_part(prefix)}-,{directive}"
    if suffix:
        directive = f"{directive},-{_fragment_part(suffix)}"
    return f"{article_url.split('#', 1)[0]}#:~:text={directive}"
