"""Autocomplete on a Whoosh index: the entity names and words that start with a prefix.

:meth:`searchlib.Index.suggest` offers

* canonical entity names (people, organisations, places, other names), tags and sources, any
  word of which starts with the prefix (``lav`` offers "Sergey Lavrov"), counted from the
  doc-values of the facet fields (deleted articles left out);
* indexed words of titles and bodies that start with it (``alep`` offers "aleppo"), counted by
  the index's document frequency.

Matching ignores case and accents. Everything is ranked by the number of articles, most first.
The names table is built once per index generation and shared by threads.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

import numpy as np

from ...model import Suggestion, SuggestionKind
from . import schema as sf
from .docvalues import DocValues

#: Words examined for one prefix (the first ones in index order).
WORD_SCAN = 20_000

_FACET_KIND: dict[str, SuggestionKind] = {
    field: cast(SuggestionKind, name) for name, (_, field) in sf.FACET_FIELDS.items()
}


class NameTable:
    """Every facet value with its article count, searchable by the start of any of its words."""

    def __init__(self, counts: Counter[tuple[SuggestionKind, str]]) -> None:
        self.entries: list[tuple[SuggestionKind, str, int]] = [
            (kind, value, n) for (kind, value), n in counts.items() if n > 0
        ]
        keyed: list[tuple[str, int]] = []
        for i, (_, value, _) in enumerate(self.entries):
            words = [m.group() for m in sf.WORD.finditer(sf.fold(value))]
            for start in range(len(words)):
                keyed.append((" ".join(words[start:]), i))
        keyed.sort()
        self.keys = [k for k, _ in keyed]
        self.ids = [i for _, i in keyed]

    @classmethod
    def build(cls, leaves: Iterable[Any], docvalues: DocValues) -> NameTable:
        """Count the facet values of every segment (``leaves``: segment readers)."""
        counts: Counter[tuple[SuggestionKind, str]] = Counter()
        for reader in leaves:
            table = docvalues.for_reader(reader)
            live = docvalues.live(reader)
            for field, facet in table.facets.items():
                if not facet.vocab:
                    continue
                vals = facet.vals[live[facet.docs]] if live is not None else facet.vals
                per_value = np.bincount(vals, minlength=len(facet.vocab))
                kind = _FACET_KIND[field]
                for ordinal in np.flatnonzero(per_value).tolist():
                    counts[(kind, facet.vocab[ordinal])] += int(per_value[ordinal])
        return cls(counts)

    def lookup(self, folded: str) -> list[tuple[SuggestionKind, str, int]]:
        """The entries with a word sequence that starts with ``folded``."""
        start = bisect.bisect_left(self.keys, folded)
        found: dict[int, None] = {}
        for key, i in zip(self.keys[start:], self.ids[start:], strict=True):
            if not key.startswith(folded):
                break
            found[i] = None
        return [self.entries[i] for i in found]

    def counts(self, kind: str) -> Counter[str]:
        """Every value of one kind (a facet name) with its number of articles."""
        return Counter({value: n for k, value, n in self.entries if k == kind})


def words(reader: Any, folded: str) -> list[tuple[str, int]]:
    """Indexed words (the spelling field: titles and bodies) starting with ``folded``."""
    if " " in folded or not folded:
        return []
    return [
        (text.decode("utf-8") if isinstance(text, bytes) else str(text), int(info.doc_frequency()))
        for text, info in itertools.islice(reader.iter_prefix(sf.SPELL, folded), WORD_SCAN)
    ]


def words_for(reader: Any, folded: str, names: list[Suggestion]) -> list[Suggestion]:
    """Indexed words starting with ``folded``, leaving out the words of suggested ``names``
    ("aleppo" beside "Aleppo", "lavrov" beside "Sergey Lavrov")."""
    named = {m.group() for s in names for m in sf.WORD.finditer(sf.fold(s.text))}
    return [Suggestion(w, "word", n) for w, n in words(reader, folded) if w not in named]


__all__ = ["NameTable", "words", "words_for"]
