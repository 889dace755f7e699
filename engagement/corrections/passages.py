"""A passage as people read it (editors' pages, mails, the public log): whitespace collapsed and
its context cut at word boundaries. What is stored stays the W3C selector as sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

ELLIPSIS = "…"
_RUNS = re.compile(r"\s+")


def readable(text: str | None) -> str:
    """Every run of whitespace as one space, none at either end."""
    return _RUNS.sub(" ", text or "").strip()


@dataclass(frozen=True)
class Excerpt:
    """The passage with the words around it, ready to show: `before` + `exact` + `after`."""

    before: str
    exact: str
    after: str

    def __str__(self) -> str:
        return f"{self.before}{self.exact}{self.after}"


def _head_cut(text: str) -> str:
    # The context starts mid-word when it was cut: drop that half word.
    if text[:1] == " " or " " not in text:
        return text.lstrip()
    return text.split(" ", 1)[1].lstrip()


def _tail_cut(text: str) -> str:
    if text[-1:] == " " or " " not in text:
        return text.rstrip()
    return text.rsplit(" ", 1)[0].rstrip()


def _before(prefix: str, cut: bool) -> str:
    text = _head_cut(prefix) if cut else prefix.lstrip()
    if not text.strip():
        return ""
    return (ELLIPSIS if cut else "") + text


def _after(suffix: str, cut: bool) -> str:
    text = _tail_cut(suffix) if cut else suffix.rstrip()
    if not text.strip():
        return ""
    return text + (ELLIPSIS if cut else "")


def excerpt(
    exact: str, prefix: str = "", suffix: str = "", *, cut_at: int = 64, as_sent: bool = True
) -> Excerpt:
    """The passage and its context for reading.

    `as_sent`: the context is exactly the text around the passage (so the whitespace that joins
    them is there); older reports stored it trimmed, and get one space on each side instead.
    A context of `cut_at` characters (or one less: a split emoji is dropped) was cut from a
    longer text, so it starts or ends mid-word and gets an ellipsis.
    """
    before, middle, after = (_RUNS.sub(" ", part or "") for part in (prefix, exact, suffix))
    if not as_sent:
        before = before.strip() + " " if before.strip() else ""
        after = " " + after.strip() if after.strip() else ""
    # Spaces selected with the passage belong to its context.
    if middle[:1] == " " and before and before[-1:] != " ":
        before += " "
    if middle[-1:] == " " and after and after[:1] != " ":
        after = " " + after
    before = _before(before, len(prefix or "") >= cut_at - 1)
    after = _after(after, len(suffix or "") >= cut_at - 1)
    return Excerpt(before, middle.strip(), after)


def shortened(text: str | None, limit: int = 80) -> str:
    """Readable text of at most `limit` characters, cut at a word boundary with an ellipsis."""
    text = readable(text)
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head and not text[limit - 1].isspace():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + ELLIPSIS
