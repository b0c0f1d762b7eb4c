"""Spelling corrections ("did you mean") and autocompletion: the policy, engine-free.

A backend lists the words it has indexed and how common they are
(:meth:`~searchlib.backend.Reader.word_frequency`, :meth:`~searchlib.backend.Reader.near_words`)
and completes names (:meth:`~searchlib.backend.Reader.suggest`); this module decides what to
offer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import text as tx
from .backend import Reader
from .errors import QueryError
from .model import Suggestion
from .query import ParsedQuery

#: A word this rare is checked for a likelier spelling when the query matched badly.
RARE_WORD_DOCS = 3
#: ... and a correction must be this many times more common than the word itself.
CORRECTION_ADVANTAGE = 20
#: The most suggestions one autocompletion returns.
MAX_SUGGESTIONS = 100
#: The longest prefix accepted, in characters.
MAX_PREFIX_CHARS = 200

_KIND_ORDER = {"person": 0, "org": 1, "location": 2, "misc": 3, "tag": 4, "source": 5, "word": 6}


def edit_distance(a: str, b: str) -> int:
    """The Damerau-Levenshtein distance (insertions, deletions, substitutions, swaps)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def did_you_mean(
    reader: Reader, parsed: ParsedQuery, has_results: Callable[[str], bool], *, weak: bool
) -> str | None:
    """A corrected query string when some word looks misspelt, if the correction finds results.

    A word is checked when it is not in the index at all, or, when the query matched badly
    (``weak``: no hits, or only partial ones), when it is very rare (typos get indexed too:
    Reuters has "govenment"). It is replaced by the nearest indexed word (fewest edits, then
    most frequent) that is much more common than itself. The suggestion is offered only if the
    corrected query matches something.
    """
    text = parsed.text
    changed = False
    for word in reversed(parsed.words):
        found = [t.text for t in tx.plain_terms(word.text)]
        if len(found) != 1 or len(found[0]) < 3:
            continue
        term = found[0]
        df = reader.word_frequency(term)
        if df > 0 and not (weak and df <= RARE_WORD_DOCS):
            continue
        maxdist = 1 if len(term) <= 4 else 2
        candidates = [
            (edit_distance(term, c), -cdf, c)
            for c, cdf in reader.near_words(term, maxdist)
            if cdf >= CORRECTION_ADVANTAGE * df
        ]
        if not candidates:
            continue
        best = min(candidates)[2]
        if word.text[:1].isupper():
            best = best[:1].upper() + best[1:]
        text = text[: word.start] + best + text[word.end :]
        changed = True
    if not changed:
        return None
    return text if has_results(text) else None


def check_prefix(prefix: str, limit: int) -> str:
    """The folded, space-normalised prefix; :class:`QueryError` if it is blank or too long."""
    if len(prefix) > MAX_PREFIX_CHARS:
        raise QueryError(
            f"prefix is too long ({len(prefix)} characters; the limit is {MAX_PREFIX_CHARS})"
        )
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise QueryError(f"limit must be between 1 and {MAX_SUGGESTIONS}, not {limit}")
    folded = " ".join(m.group() for m in tx.WORD.finditer(tx.fold(prefix)))
    if not folded:
        raise QueryError(f"nothing to complete in {prefix!r}: type the start of a word")
    if prefix[-1:].isspace():
        folded += " "  # "sergey " completes the next word, not "sergeyev"
    return folded


def rank_suggestions(found: Sequence[Suggestion], limit: int) -> tuple[Suggestion, ...]:
    """Most articles first; then people, organisations, places, ..., words; then by text."""
    ordered = sorted(found, key=lambda s: (-s.count, _KIND_ORDER[s.kind], s.text))
    return tuple(ordered[:limit])


__all__ = [
    "MAX_PREFIX_CHARS",
    "MAX_SUGGESTIONS",
    "check_prefix",
    "did_you_mean",
    "edit_distance",
    "rank_suggestions",
]
