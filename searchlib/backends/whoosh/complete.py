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
from collections.abc import Iterable, Sequence
from itertools import repeat
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


class SegmentNames:
    """One segment's facet values with their live article counts, searchable by the start of
    any of their words. Made once per segment and number of live documents (segments never
    change; only deletions do)."""

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
    def build(cls, reader: Any, docvalues: DocValues) -> SegmentNames:
        """Count the live facet values of one segment reader; the index of their words comes
        from the segment's tables file when it has one (:mod:`.tables`), else it is made."""
        counts: Counter[tuple[SuggestionKind, str]] = Counter()
        table = docvalues.for_reader(reader)
        live = docvalues.live(reader)
        files = docvalues.names(reader)
        every: list[tuple[SuggestionKind, str, int]] = []
        for field, facet in table.facets.items():
            if not facet.vocab:
                continue
            vals = facet.vals[live[facet.docs]] if live is not None else facet.vals
            per_value = np.bincount(vals, minlength=len(facet.vocab))
            kind = _FACET_KIND[field]
            if files is not None:
                every.extend(zip(repeat(kind), facet.vocab, per_value.tolist(), strict=False))
                continue
            for ordinal in np.flatnonzero(per_value).tolist():
                counts[(kind, facet.vocab[ordinal])] += int(per_value[ordinal])
        if files is None:
            return cls(counts)
        # the file's index numbers every value of every facet, in this order
        made = cls.__new__(cls)
        made.entries = every
        made.keys = files.name_keys()
        made.ids = files.name_ids.tolist()
        return made

    def lookup(self, folded: str) -> Iterable[tuple[SuggestionKind, str, int]]:
        """The entries (with live articles) with a word sequence that starts with
        ``folded``."""
        start = bisect.bisect_left(self.keys, folded)
        found: dict[int, None] = {}
        for key, i in zip(self.keys[start:], self.ids[start:], strict=True):
            if not key.startswith(folded):
                break
            found[i] = None
        entries = self.entries
        return (entries[i] for i in found if entries[i][2] > 0)


class NameTable:
    """Every facet value of an index with its article count: the segments' tables together."""

    def __init__(self, parts: Sequence[SegmentNames]) -> None:
        self.parts = list(parts)
        self._counts: dict[str, Counter[str]] = {}

    def lookup(self, folded: str) -> list[tuple[SuggestionKind, str, int]]:
        """The values with a word sequence that starts with ``folded``, counts summed over the
        segments."""
        merged: Counter[tuple[SuggestionKind, str]] = Counter()
        for part in self.parts:
            for kind, value, n in part.lookup(folded):
                merged[(kind, value)] += n
        return [(kind, value, n) for (kind, value), n in merged.items()]

    def counts(self, kind: str) -> Counter[str]:
        """Every value of one kind (a facet name) with its number of articles (made once)."""
        found = self._counts.get(kind)
        if found is None:
            found = Counter()
            for part in self.parts:
                for k, value, n in part.entries:
                    if k == kind and n > 0:
                        found[value] += n
            self._counts[kind] = found
        return found


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


__all__ = ["NameTable", "SegmentNames", "words", "words_for"]
