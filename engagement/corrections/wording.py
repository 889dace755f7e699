"""Readers' suggested wordings of a passage: each distinct one with how many readers sent it,
and a word-level diff against the passage as it stands (current → suggested)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from engagement.corrections.models import Correction

_TOKENS = re.compile(r"\s+|[\w'’-]+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    """A run of the diff: kept as is, removed from the passage, or added by the reader."""

    kind: str  # same | removed | added
    text: str


@dataclass(frozen=True)
class Suggestion:
    """One distinct wording, how many readers sent it, and its diff against the passage."""

    number: int  # 1 for the most sent: what `?wording=` names
    text: str
    readers: int
    pieces: list[Piece]


def word_diff(current: str, suggested: str) -> list[Piece]:
    """The word-level differences from `current` to `suggested` (spaces kept as they are)."""
    old, new = _TOKENS.findall(current), _TOKENS.findall(suggested)
    pieces: list[Piece] = []
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(Piece("removed", "".join(old[a1:a2])))
        if b2 > b1:
            pieces.append(Piece("added", "".join(new[b1:b2])))
    return pieces


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def suggestions_of(correction: Correction) -> list[Suggestion]:
    """The distinct suggested wordings (spacing and case aside), the most sent first."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for report in correction.reports:  # one correction's reports, already loaded for its page
        text = " ".join((report.suggestion or "").split())
        if not text or report.is_spam:
            continue
        counts[_key(text)] += 1
        first_seen.setdefault(_key(text), text)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], first_seen[item[0]]))
    passage = " ".join(correction.quote_exact.split())
    return [
        Suggestion(n, first_seen[key], readers, word_diff(passage, first_seen[key]))
        for n, (key, readers) in enumerate(ordered, start=1)
    ]


def chosen(suggestions: list[Suggestion], raw: str | None) -> Suggestion | None:
    """The suggestion `?wording=N` names, if any (anything else names none)."""
    if not raw or not raw.isdigit() or len(raw) > 4:
        return None
    number = int(raw)
    return next((s for s in suggestions if s.number == number), None)
