"""Per-segment doc-values: every document's facet values and day, as numpy arrays.

Facet counts, the date histogram and date filters must not walk stored documents or run a
query per bucket. A Whoosh segment never changes once written, so each segment gets one
:class:`SegmentValues` table, built on first use from the facet fields' postings and kept
until the segment disappears (a merge or an optimize). Counting the facets of a search is then
a ``bincount`` over the (document, value) pairs of the matching documents.

"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ...ranking import NO_DAY, IntArray
from . import schema as sf
from . import tables as st

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class FacetTable:
    """One facet field of one segment: the (document, value) pairs, sorted by document.

    ``vocab[i]`` is the value with ordinal ``i``; ``docs[k]`` has value ``vals[k]``.
    """

    vocab: tuple[str, ...]
    docs: IntArray
    vals: IntArray

    def count(self, matched: npt.NDArray[np.bool_]) -> IntArray:
        """How many matching documents carry each value (indexed by ordinal)."""
        if not self.vocab:
            return np.zeros(0, dtype=np.int32)
        picked = self.vals[matched[self.docs]]
        return np.bincount(picked, minlength=len(self.vocab)).astype(np.int32)

    def lookup(self) -> dict[str, int]:
        """Value -> ordinal."""
        return {v: i for i, v in enumerate(self.vocab)}


def _terms(reader: Any, field: str) -> list[str]:
    if field not in reader.indexed_field_names():
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field)]


def _postings(reader: Any, field: str, term: str) -> IntArray:
    return np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int32)


class SegmentValues:
    """The doc-values of one immutable segment (local document numbers): read from the
    segment's tables file when it has one (:mod:`.tables`), else built from its postings
    (:meth:`built`)."""

    def __init__(self, reader: Any) -> None:
        tables = st.load_for(reader)
        if tables is None:
            self._build(reader)
            return
        self.size = tables.size
        self.facets: dict[str, FacetTable] = {
            field: FacetTable(vocab, docs, vals)
            for field, (vocab, docs, vals) in tables.facets.items()
        }
        self.days = tables.days

    @classmethod
    def built(cls, reader: Any) -> SegmentValues:
        """The doc-values built from the segment's postings, whatever files it has."""
        self = cls.__new__(cls)
        self._build(reader)
        return self

    def _build(self, reader: Any) -> None:
        self.size = int(reader.doc_count_all())
        self.facets = {}
        for _, field in sf.FACET_FIELDS.values():
            vocab = _terms(reader, field)
            docs_parts = [_postings(reader, field, term) for term in vocab]
            vals_parts = [np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs_parts)]
            docs = np.concatenate(docs_parts) if docs_parts else np.zeros(0, np.int32)
            vals = np.concatenate(vals_parts) if vals_parts else np.zeros(0, np.int32)
            order = np.argsort(docs, kind="stable")
            self.facets[field] = FacetTable(tuple(vocab), docs[order], vals[order])
        days = np.full(self.size, NO_DAY, dtype=np.int32)
        for term in _terms(reader, sf.DAY):
            days[_postings(reader, sf.DAY, term)] = _day_number(term)
        self.days = days

    def mask(self, docs: IntArray) -> npt.NDArray[np.bool_]:
        """A boolean array over the segment's documents, true for ``docs``."""
        out = np.zeros(self.size, dtype=np.bool_)
        out[docs] = True
        return out

    def in_date_range(self, first: int | None, last: int | None) -> npt.NDArray[np.bool_]:
        """True for documents dated within the day numbers ``first``..``last`` (inclusive)."""
        days = self.days
        keep: npt.NDArray[np.bool_] = days != NO_DAY
        if first is not None:
            keep &= days >= first
        if last is not None:
            keep &= days <= last
        return keep


def _day_number(iso: str) -> int:
    """``YYYY-MM-DD`` as its proleptic ordinal (1 = 0001-01-01), which is never NO_DAY."""
    import datetime as dt

    return dt.date.fromisoformat(iso).toordinal()


def field_lengths(reader: Any) -> dict[str, npt.NDArray[np.float64]]:
    """Each document's title and body length, quantised as BM25F sees them."""
    size = reader.doc_count_all()
    return {
        field: np.fromiter(
            (reader.doc_field_length(d, field, 1) or 0 for d in range(size)),
            dtype=np.float64,
            count=size,
        )
        for field in sf.DEFAULT_FIELDS
    }


def segment_key(reader: Any) -> str:
    """The id of a segment reader's segment (stable while the segment exists)."""
    segment = reader.segment()
    return str(segment.segment_id()) if segment is not None else str(id(reader))


def built_once(
    cache: dict[K, V],
    key: K,
    lock: threading.Lock,
    building: threading.Lock,
    build: Callable[[], V],
) -> V:
    """``cache[key]``, made by ``build()`` the first time it is asked for. Builds run under
    ``building``, so that concurrent searches on a cold index wait for one build instead of
    each building the same table (which, under load, took them all past their time budget);
    ``lock`` guards the cache itself."""
    with lock:
        found = cache.get(key)
    if found is None:
        with building:
            with lock:
                found = cache.get(key)
            if found is None:
                found = build()
                with lock:
                    cache[key] = found
    return found


class DocValues:
    """Doc-values tables for the segments of an index, built lazily, shared by threads.

    Besides the facet and day tables, it keeps each segment's field lengths (for vectorised
    BM25F) and, per number of live documents, which documents are not deleted. The tables are
    mapped from each segment's tables file (:mod:`.tables`) when it has one, and built from the
    segment's postings otherwise (always, with ``files=False``).
    """

    def __init__(self, *, files: bool = True) -> None:
        self._use_files = files
        self._files: dict[str, st.SegmentTables | None] = {}
        self._lock = threading.Lock()
        # Tables are built under this lock, so that concurrent searches on a cold index wait
        # for one build instead of each building the same table (which, under load, took
        # them all past their time budget).
        self._build = threading.Lock()
        self._segments: dict[str, SegmentValues] = {}
        self._lengths: dict[str, dict[str, npt.NDArray[np.float64]]] = {}
        self._live: dict[tuple[str, int], npt.NDArray[np.bool_]] = {}

    def for_reader(self, reader: Any) -> SegmentValues:
        """The table of one segment reader (built on first use)."""

        def build() -> SegmentValues:
            return SegmentValues(reader) if self._use_files else SegmentValues.built(reader)

        return built_once(self._segments, segment_key(reader), self._lock, self._build, build)

    def _tables_file(self, reader: Any, key: str) -> st.SegmentTables | None:
        """The segment's tables file, mapped (None without one); called under ``_build``."""
        if key in self._files:
            return self._files[key]
        found = st.load_for(reader) if self._use_files else None
        with self._lock:
            self._files[key] = found
        return found

    def names(self, reader: Any) -> st.SegmentTables | None:
        """The segment's tables file (for its index of facet values' words), or None."""
        key = segment_key(reader)
        with self._build:
            return self._tables_file(reader, key)

    def lengths(self, reader: Any) -> dict[str, npt.NDArray[np.float64]]:
        """The segment's quantised title and body lengths (built on first use)."""
        key = segment_key(reader)

        def build() -> dict[str, npt.NDArray[np.float64]]:
            tables = self._tables_file(reader, key)
            return tables.lengths if tables is not None else field_lengths(reader)

        return built_once(self._lengths, key, self._lock, self._build, build)

    def live(self, reader: Any) -> npt.NDArray[np.bool_] | None:
        """True for the segment's documents that are not deleted; None when none is deleted."""
        if not reader.has_deletions():
            return None
        key = (segment_key(reader), int(reader.doc_count()))
        with self._lock:
            found = self._live.get(key)
        if found is None:
            found = np.zeros(reader.doc_count_all(), dtype=np.bool_)
            found[np.fromiter(reader.all_doc_ids(), dtype=np.int32)] = True
            with self._lock:
                for stale in [k for k in self._live if k[0] == key[0]]:
                    del self._live[stale]  # an older count of the same segment's deletions
                self._live[key] = found
        return found

    def retain(self, segment_ids: Collection[str]) -> None:
        """Forget the tables of segments that no longer exist."""
        with self._lock:
            for key in [k for k in self._segments if k not in segment_ids]:
                del self._segments[key]
            for key in [k for k in self._lengths if k not in segment_ids]:
                del self._lengths[key]
            for key in [k for k in self._files if k not in segment_ids]:
                del self._files[key]
            for live_key in [k for k in self._live if k[0] not in segment_ids]:
                del self._live[live_key]


def count_values(
    segments: Iterable[tuple[SegmentValues, IntArray]],
    facets: Sequence[str],
    *,
    want_days: bool,
) -> tuple[dict[str, Counter[str]], Counter[int]]:
    """Count each facet's values and the days of the matching documents.

    ``segments`` pairs each segment's table with its matching local document numbers.
    Returns the facet counters (by facet name) and a counter of day numbers.
    """
    counters: dict[str, Counter[str]] = {name: Counter() for name in facets}
    days: Counter[int] = Counter()
    for table, docs in segments:
        if not len(docs):
            continue
        matched = table.mask(docs)
        for name in facets:
            facet = table.facets[sf.FACET_FIELDS[name][1]]
            counts = facet.count(matched)
            counter = counters[name]
            vocab = facet.vocab
            for ordinal in np.flatnonzero(counts).tolist():
                counter[vocab[ordinal]] += int(counts[ordinal])
        if want_days:
            found = table.days[docs]
            day_numbers, day_counts = np.unique(found[found != NO_DAY], return_counts=True)
            days.update(dict(zip(day_numbers.tolist(), day_counts.tolist(), strict=True)))
    return counters, days


__all__ = [
    "NO_DAY",
    "DocValues",
    "FacetTable",
    "SegmentValues",
    "count_values",
    "field_lengths",
    "segment_key",
]
