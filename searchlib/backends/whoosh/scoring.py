"""Vectorised matching and BM25F scoring for the common query shapes.

Most news queries are plain words: ``Aleppo Nusra``, ``oil OR opec``, ``convoy NOT football``.
For those, Whoosh's Python matchers walk every posting of every term one by one. This module
reads each term's postings once, block by block, into numpy arrays (kept in a bounded LRU
cache, since segments never change), then intersects, unites and scores whole arrays at a
time. The scores are Whoosh's BM25F, term by term, with the same statistics (idf and average
field length from the whole index, quantised field lengths, field boosts in the posting
weights), so the ranking is Whoosh's; ``tests/test_scoring.py`` compares the two.

Any other shape (phrases, fields other than title and body, boosted groups, another
weighting) has no plan (:func:`searchlib.backends.whoosh.compile.to_plan` returns ``None``),
and search uses Whoosh's own path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.scoring import BM25F

from ...ranking import IntArray

FloatArray = npt.NDArray[np.float64]

#: Memory for decoded postings, in bytes (8 per document number, 8 per weight).
DEFAULT_CACHE_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class TermNode:
    """A word in one field; its scores are multiplied by ``boost``."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class AndNode:
    """All of ``required``, none of ``excluded``."""

    required: tuple[Node, ...]
    excluded: tuple[Node | wq.Query, ...] = ()


@dataclass(frozen=True)
class OrNode:
    """Any of ``options``; scores add up."""

    options: tuple[Node, ...]


Node = TermNode | AndNode | OrNode


def supported(searcher: Any) -> bool:
    """True when the searcher scores with plain BM25F (the only model reproduced here)."""
    weighting = searcher.weighting
    return type(weighting) is BM25F and not getattr(weighting, "_field_B", None)


class PostingsCache:
    """Decoded postings, (document numbers, weights) per segment, field and word; LRU, bounded."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], tuple[IntArray, FloatArray]] = (
            OrderedDict()
        )
        self._bytes = 0

    def get(
        self, segment_id: str, reader: Any, field: str, text: str
    ) -> tuple[IntArray, FloatArray]:
        """The postings of ``text`` in ``field`` of one segment (deleted documents included)."""
        key = (segment_id, field, text)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = _decode(reader, field, text)
        size = found[0].nbytes + found[1].nbytes
        with self._lock:
            self._entries[key] = found
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, (ids, weights) = self._entries.popitem(last=False)
                self._bytes -= ids.nbytes + weights.nbytes
        return found

    def retain(self, segment_ids: set[str]) -> None:
        """Forget the postings of segments that no longer exist."""
        with self._lock:
            for key in [k for k in self._entries if k[0] not in segment_ids]:
                ids, weights = self._entries.pop(key)
                self._bytes -= ids.nbytes + weights.nbytes


_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


def _decode(reader: Any, field: str, text: str) -> tuple[IntArray, FloatArray]:
    """Read a posting list into arrays: block by block when the codec allows, else one by one."""
    if (field, text) not in reader:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    matcher = reader.postings(field, text)
    leaf = getattr(matcher, "child", matcher)  # unwrap Whoosh's deleted-documents filter
    blocks = _read_blocks(leaf)
    if blocks is not None:
        return blocks
    ids: list[int] = []
    weights: list[float] = []
    leaf = reader.postings(field, text)
    while leaf.is_active():
        ids.append(leaf.id())
        weights.append(leaf.weight())
        leaf.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float64)


def _read_blocks(leaf: Any) -> tuple[IntArray, FloatArray] | None:
    """The arrays of a whoosh3-codec posting list, read a block at a time.

    This reads the codec's block tuples (delta-coded ids, weights) directly, which is what
    makes it fast; it returns None for any other matcher, and the caller walks the postings.
    """
    if type(leaf).__name__ != "W3LeafMatcher" or not hasattr(leaf, "_read_data"):
        return None
    id_parts: list[IntArray] = []
    weight_parts: list[FloatArray] = []
    while leaf.is_active():
        if leaf._data is None:
            leaf._read_data()
        ids, weights = leaf._data[0], leaf._data[1]
        block = np.asarray(ids, dtype=np.int64)
        if not leaf._byteids:
            block = np.cumsum(block)
        id_parts.append(block.astype(np.int32))
        if weights is None:
            weight_parts.append(np.ones(len(block), dtype=np.float64))
        elif isinstance(weights, float):
            weight_parts.append(np.full(len(block), weights, dtype=np.float64))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        leaf._next_block()
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.concatenate(id_parts), np.concatenate(weight_parts)


class SegmentScorer:
    """Evaluates plans on one segment: (sorted local document numbers, their scores)."""

    def __init__(
        self,
        top: Any,
        segment: Any,
        segment_id: str,
        cache: PostingsCache,
        lengths: dict[str, FloatArray],
        live: npt.NDArray[np.bool_] | None,
    ) -> None:
        self.top = top  # the whole-index searcher: idf and average lengths are global
        self.segment = segment
        self.segment_id = segment_id
        self.cache = cache
        self.lengths = lengths
        self.live = live
        weighting = top.weighting
        self.B = float(weighting.B)
        self.K1 = float(weighting.K1)

    def evaluate(self, node: Node) -> tuple[IntArray, FloatArray]:
        """Documents matching ``node`` in this segment, with their scores."""
        if isinstance(node, TermNode):
            return self._term(node)
        if isinstance(node, OrNode):
            return self._union([self.evaluate(o) for o in node.options])
        docs, scores = self.evaluate(node.required[0])
        for other in node.required[1:]:
            if not len(docs):
                break
            more_docs, more_scores = self.evaluate(other)
            docs, left, right = np.intersect1d(
                docs, more_docs, assume_unique=True, return_indices=True
            )
            scores = scores[left] + more_scores[right]
        for excluded in node.excluded:
            if not len(docs):
                break
            gone = self.docs_of(excluded)
            keep = ~np.isin(docs, gone, assume_unique=True)
            # Whoosh scores a NOT clause as 1.0 (its inverse matcher's weight) for every
            # document it lets through; add it so scores, not just ranks, are the same.
            docs, scores = docs[keep], scores[keep] + 1.0
        return docs, scores

    def docs_of(self, node: Node | wq.Query) -> IntArray:
        """Documents matching ``node`` (a plan or any Whoosh query), unscored."""
        if isinstance(node, (TermNode, AndNode, OrNode)):
            return self.evaluate(node)[0]
        return np.fromiter(node.docs(self.segment), dtype=np.int32)

    def _term(self, node: TermNode) -> tuple[IntArray, FloatArray]:
        reader = self.segment.reader()
        ids, weights = self.cache.get(self.segment_id, reader, node.field, node.text)
        if not len(ids):
            return ids, weights
        if self.live is not None:
            keep = self.live[ids]
            ids, weights = ids[keep], weights[keep]
        top = self.top
        idf = top.idf(node.field, node.text)
        if node.field not in self.lengths:
            # a field without lengths (an entity's facet field): carrying the value is what
            # counts, so every document that has it scores idf times the boost
            return ids, np.full(len(ids), idf * node.boost, dtype=np.float64)
        avgfl = top.avg_field_length(node.field) or 1
        fl = self.lengths[node.field][ids]
        B, K1 = self.B, self.K1
        # whoosh.scoring.bm25, term for term, so the floats are the same
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
        if node.boost != 1.0:
            scores = scores * node.boost
        return ids, scores

    def _union(self, parts: list[tuple[IntArray, FloatArray]]) -> tuple[IntArray, FloatArray]:
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        if len(parts) == 1:
            return parts[0]
        # Dense accumulation over the segment: cheaper than merging sorted arrays, and each
        # document's score is 0 + first + second + ..., in the order Whoosh's unions add them.
        size = self.segment.reader().doc_count_all()
        total = np.zeros(size, dtype=np.float64)
        present = np.zeros(size, dtype=np.bool_)
        for docs, scores in parts:
            total[docs] += scores
            present[docs] = True
        docs = np.flatnonzero(present).astype(np.int32)
        return docs, total[docs]


__all__ = [
    "DEFAULT_CACHE_BYTES",
    "AndNode",
    "Node",
    "OrNode",
    "PostingsCache",
    "SegmentScorer",
    "TermNode",
    "supported",
]
