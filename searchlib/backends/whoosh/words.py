"""Per-segment word tables: which words (the spelling field's) each document holds.

Significant-terms analysis needs, for the matches of a search, in how many of them each word
occurs. Whoosh keeps no term vectors here, so each immutable segment gets a forward table
built once from the spelling field's postings (every distinct word of the title and body,
lower-cased and folded, unstemmed): for each document, the ordinals of its words, stored as
one flat array with row offsets. Counting the words of a set of matches is then a gather and
a ``bincount``, whatever the number of matches.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt

from ...backend import MatchRequest, WordCounts
from ...ranking import IntArray
from . import schema as sf
from .docvalues import DocValues, built_once, segment_key
from .scoring import PostingsCache, _decode


class SegmentWords:
    """The words of one segment's documents (local document numbers).

    ``vocab[i]`` is the word with ordinal ``i``; document ``d`` holds the ordinals
    ``vals[indptr[d]:indptr[d + 1]]``.
    """

    def __init__(self, reader: Any) -> None:
        size = int(reader.doc_count_all())
        vocab: list[str] = []
        doc_parts: list[IntArray] = []
        for term in reader.lexicon(sf.SPELL) if sf.SPELL in reader.indexed_field_names() else ():
            word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            ids, _ = _decode(reader, sf.SPELL, word)
            if len(ids):
                vocab.append(word)
                doc_parts.append(ids)
        self.vocab = tuple(vocab)
        #: The same words as an array, to pick many at once.
        self.words: npt.NDArray[np.object_] = np.array(vocab, dtype=object)
        if doc_parts:
            docs = np.concatenate(doc_parts)
            vals = np.repeat(
                np.arange(len(doc_parts), dtype=np.int32),
                np.fromiter((len(p) for p in doc_parts), dtype=np.int64, count=len(doc_parts)),
            )
            order = np.argsort(docs, kind="stable")
            self.vals: IntArray = vals[order]
            per_doc = np.bincount(docs, minlength=size)
        else:
            self.vals = np.zeros(0, dtype=np.int32)
            per_doc = np.zeros(size, dtype=np.int64)
        self.size = size
        self.indptr: npt.NDArray[np.int64] = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(per_doc, out=self.indptr[1:])
        #: In how many of the segment's documents each word occurs (deleted ones included:
        #: used only when every document of the segment matches, so none is deleted).
        self.totals: npt.NDArray[np.int64] = np.bincount(self.vals, minlength=len(self.vocab))
        self._ordinals: dict[str, int] | None = None

    def ordinals(self) -> dict[str, int]:
        """Word -> ordinal (made on first use)."""
        if self._ordinals is None:
            self._ordinals = {w: i for i, w in enumerate(self.vocab)}
        return self._ordinals

    def count(self, docs: IntArray) -> npt.NDArray[np.int64]:
        """In how many of ``docs`` (distinct local document numbers) each word occurs, by
        ordinal."""
        if not len(docs) or not self.vocab:
            return np.zeros(len(self.vocab), dtype=np.int64)
        starts = self.indptr[docs]
        lengths = self.indptr[docs + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self.vocab), dtype=np.int64)
        ends = np.cumsum(lengths)
        shift = np.repeat(starts - (ends - lengths), lengths)
        picked = self.vals[shift + np.arange(total, dtype=np.int64)]
        return np.bincount(picked, minlength=len(self.vocab))


class WordTables:
    """Word tables for the segments of an index, built lazily and shared by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._build = threading.Lock()
        self._segments: dict[str, SegmentWords] = {}

    def for_reader(self, reader: Any) -> SegmentWords:
        """The table of one segment reader (built on first use, once)."""

        def build() -> SegmentWords:
            return SegmentWords(reader)

        return built_once(self._segments, segment_key(reader), self._lock, self._build, build)

    def retain(self, segment_ids: Collection[str]) -> None:
        """Forget the tables of segments that no longer exist."""
        with self._lock:
            for key in [k for k in self._segments if k not in segment_ids]:
                del self._segments[key]


def _matched_docs(
    searcher: Any, request: MatchRequest, docvalues: DocValues, postings: PostingsCache | None
) -> dict[str, npt.NDArray[np.int32]]:
    """The matching local document numbers of each segment (by segment key)."""
    from dataclasses import replace

    from .matching import Budget, Filters, _match

    request = replace(request, depth=0, facets=(), histogram=False, scored=False)
    filters = Filters(searcher, request)
    if filters.nothing:
        return {}
    matched, *_ = _match(searcher, request, docvalues, postings, filters, Budget(request.deadline))
    return {segment_key(sub.reader()): docs for sub, _, _, docs in matched}


def word_counts(
    searcher: Any,
    request: MatchRequest,
    background: MatchRequest,
    docvalues: DocValues,
    postings: PostingsCache | None,
    tables: WordTables,
    *,
    min_count: int,
) -> WordCounts:
    """The words of the matches of ``request`` held by at least ``min_count`` of them, with
    their counts there and among the matches of ``background``."""
    fg = _matched_docs(searcher, request, docvalues, postings)
    bg = _matched_docs(searcher, background, docvalues, postings)
    readers = [r for r, _ in searcher.reader().leaf_readers()]
    tables.retain([segment_key(r) for r in readers])
    parts: list[tuple[SegmentWords, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    for reader in readers:
        key = segment_key(reader)
        if key not in fg and key not in bg:
            continue
        table = tables.for_reader(reader)
        counts = table.count(fg[key]) if key in fg else np.zeros(len(table.vocab), np.int64)
        docs = bg.get(key)
        if docs is None:
            bg_counts = np.zeros(len(table.vocab), np.int64)
        elif len(docs) == table.size:
            bg_counts = table.totals
        else:
            bg_counts = table.count(docs)
        parts.append((table, counts, bg_counts))
    total = sum(len(d) for d in fg.values())
    background_total = sum(len(d) for d in bg.values())
    floor = max(min_count, 1)
    if len(parts) == 1:
        table, counts, bg_counts = parts[0]
        keep = np.flatnonzero(counts >= floor)
        return WordCounts(
            total, background_total, table.words[keep].tolist(), counts[keep], bg_counts[keep]
        )
    merged: dict[str, list[int]] = {}
    for table, counts, bg_counts in parts:
        nonzero = np.flatnonzero(counts)
        for word, n, m in zip(
            table.words[nonzero].tolist(),
            counts[nonzero].tolist(),
            bg_counts[nonzero].tolist(),
            strict=True,
        ):
            entry = merged.setdefault(word, [0, 0])
            entry[0] += n
            entry[1] += m
    # a word missing from the foreground of a segment may still be in its background
    for table, counts, bg_counts in parts:
        rest = np.flatnonzero((counts == 0) & (bg_counts > 0))
        for word, m in zip(table.words[rest].tolist(), bg_counts[rest].tolist(), strict=True):
            known = merged.get(word)
            if known is not None:
                known[1] += m
    words = [w for w, (n, _) in merged.items() if n >= floor]
    return WordCounts(
        total,
        background_total,
        words,
        np.fromiter((merged[w][0] for w in words), dtype=np.int64, count=len(words)),
        np.fromiter((merged[w][1] for w in words), dtype=np.int64, count=len(words)),
    )


def match_keys(
    searcher: Any, request: MatchRequest, docvalues: DocValues, postings: PostingsCache | None
) -> npt.NDArray[np.int64]:
    """The global document numbers of every match of ``request``: newest first when its sort is
    ``"date"`` (undated last, ties in index order), else in index order."""
    from dataclasses import replace

    from ...ranking import NO_DAY
    from .matching import Budget, Filters, _match

    request = replace(request, depth=0, facets=(), histogram=False, scored=False)
    filters = Filters(searcher, request)
    if filters.nothing:
        return np.zeros(0, dtype=np.int64)
    matched, *_ = _match(searcher, request, docvalues, postings, filters, Budget(request.deadline))
    if not matched:
        return np.zeros(0, dtype=np.int64)
    keys = np.concatenate([docs.astype(np.int64) + offset for _, offset, _, docs in matched])
    if request.sort != "date":
        return keys
    days = np.concatenate([table.days[docs] for _, _, table, docs in matched]).astype(np.int64)
    days[days == NO_DAY] = -1  # day numbers are positive: undated last
    order = np.argsort(-days, kind="stable")
    return keys[order]


__all__ = ["SegmentWords", "WordTables", "match_keys", "word_counts"]
