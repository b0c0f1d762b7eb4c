"""Vectorised matching and scoring: searchlib's ranking model on numpy arrays.

Whoosh's Python matchers walk every posting of every term one by one. This module reads each
term's postings once, block by block, into numpy arrays (kept in a bounded LRU cache, since
segments never change), then intersects, unites and scores whole arrays at a time.

The scores are the model of :mod:`searchlib.ranking` (``benchmarks/relevance/MODEL.md``), not
Whoosh's: a word searched in the title and the body (:class:`WordNode`) scores BM25F, its two
term frequencies normalised by their own field's length, the title's weighted, added, then
saturated once, times the Robertson-Spärck Jones idf of the number of live articles that have
it in either field, counted over every segment. The statistics are the whole index's: ``N``
live articles, each field's average length (Whoosh's: the exact total over every article
written, divided by their number), each article's field lengths as Whoosh stores them (one
byte). The index holds title term frequencies times 2 (its field boost), so the stored title
weights are multiplied by ``title_weight / 2``.

Other leaves score with the same term scores: a word in one field (``title:``, ``body:``) is
BM25F over that field alone, with that field's document frequency; a term in a field without
lengths (people, places, tags, sources, ids) scores its idf; a phrase, or a word that splits
into several terms that must share a field ("al-nusra"), scores the sum of its terms' scores
over the articles that match it (Whoosh's matchers find phrases: the index keeps positions,
this module does not read them); a date range or "every article" inside a query scores its
boost (1). Boosts multiply. ``NOT`` clauses only remove articles.

Each term's scores per article are kept once computed (beside the postings, keyed by the
index's statistics and the model's parameters), so a repeated term, an expansion term of
feedback, or a clause counted for coordination is not scored twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from ...ranking import IntArray, Ranking, idf, length_norm, saturate
from . import schema as sf

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Memory for decoded postings, in bytes (4 per document number, 8 per weight).
DEFAULT_CACHE_BYTES = 128 * 1024 * 1024
#: Memory for computed term scores, in bytes (4 per document number, 8 per score).
DEFAULT_SCORE_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class WordNode:
    """A word in the title or the body: BM25F over both fields, times ``boost``."""

    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class TermNode:
    """A term in one field: BM25F over that field alone (title, body), or its idf (a field
    without lengths: names, tags, sources, ids); times ``boost``."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class AndNode:
    """All of ``required``, none of ``excluded``; scores add up, times ``boost``."""

    required: tuple[Node, ...]
    excluded: tuple[Node | wq.Query, ...] = ()
    boost: float = 1.0


@dataclass(frozen=True)
class OrNode:
    """Any of ``options``; scores add up, times ``boost``."""

    options: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True, eq=False)
class MatchNode:
    """The articles ``match`` finds (a plan, or a Whoosh query such as a phrase), scored by
    ``score`` (a plan that matches at least those articles) times ``boost``, or, without
    ``score``, ``boost`` each."""

    match: Node | wq.Query
    score: Node | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class EveryNode:
    """Every live article, ``boost`` each."""

    boost: float = 1.0


Node = WordNode | TermNode | AndNode | OrNode | MatchNode | EveryNode

_PLAN_TYPES = (WordNode, TermNode, AndNode, OrNode, MatchNode, EveryNode)

Arrays = tuple[IntArray, FloatArray]
"""Sorted local document numbers and their scores."""


class _Lru:
    """A thread-safe LRU mapping bounded by the bytes of its values."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, (_, gone) = self._entries.popitem(last=False)
                self._bytes -= gone

    def drop(self, keep: Any) -> None:
        """Forget the entries whose key ``keep(key)`` rejects."""
        with self._lock:
            for key in [k for k in self._entries if not keep(k)]:
                self._bytes -= self._entries.pop(key)[1]

    def __len__(self) -> int:
        return len(self._entries)


class PostingsCache:
    """Decoded postings, (document numbers, weights) per segment, field and word, and computed
    term scores; both LRU, bounded."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        score_bytes: int = DEFAULT_SCORE_CACHE_BYTES,
    ) -> None:
        self.max_bytes = max_bytes
        self._postings = _Lru(max_bytes)
        self.scores = _Lru(score_bytes)

    def get(
        self, segment_id: str, reader: Any, field: str, text: str
    ) -> tuple[IntArray, FloatArray]:
        """The postings of ``text`` in ``field`` of one segment (deleted documents included)."""
        key = (segment_id, field, text)
        found: tuple[IntArray, FloatArray] | None = self._postings.get(key)
        if found is None:
            found = _decode(reader, field, text)
            self._postings.put(key, found, found[0].nbytes + found[1].nbytes)
        return found

    def retain(self, segment_ids: set[str]) -> None:
        """Forget the postings and scores of segments that no longer exist."""
        self._postings.drop(lambda k: k[0] in segment_ids)
        self.scores.drop(lambda k: all(s in segment_ids for s, _ in k[0]))


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


@dataclass(frozen=True)
class Segment:
    """One segment as the scorer sees it."""

    searcher: Any  # the segment's own searcher (Whoosh's matchers run on it)
    offset: int  # its first global document number
    key: str  # its segment id (cache keys)
    size: int  # documents, deleted ones included
    live: BoolArray | None  # True for live documents; None when none is deleted
    lengths: dict[str, FloatArray]  # quantised title and body lengths


class Statistics:
    """The index-wide figures the model scores with, and every term's scores, for one view
    of the index (a searcher) and one :class:`~searchlib.ranking.Ranking`."""

    def __init__(
        self, top: Any, segments: Sequence[Segment], cache: PostingsCache, model: Ranking
    ) -> None:
        self.top = top
        self.segments = list(segments)
        self.cache = cache
        self.model = model
        # score-cache keys start with the view (segments and their live documents: what the
        # statistics depend on) and the model's parameters
        self.view = tuple((s.key, int(s.searcher.reader().doc_count())) for s in self.segments)
        self.key = (self.view, (model.k1, model.b_title, model.b_body, model.title_weight))
        figures: tuple[int, int, dict[str, float]] | None = cache.scores.get(
            (self.view, None, "figures")
        )
        if figures is None:
            n = int(top.doc_count())
            avg = {f: float(top.avg_field_length(f) or 0) or 1.0 for f in sf.DEFAULT_FIELDS}
            figures = (n, int(top.doc_count_all()) - n, avg)
            cache.scores.put((self.view, None, "figures"), figures, 256)
        self.n, self.deleted, self.avg = figures
        self._norms: list[dict[str, FloatArray]] | None = None

    # -- per-segment pieces -----------------------------------------------------------------

    def _postings(self, s: Segment, field: str, text: str) -> tuple[IntArray, FloatArray]:
        ids, weights = self.cache.get(s.key, s.searcher.reader(), field, text)
        if s.live is not None and len(ids):
            keep = s.live[ids]
            ids, weights = ids[keep], weights[keep]
        return ids, weights

    def norms(self, i: int) -> dict[str, FloatArray]:
        """Segment ``i``'s length normalisation per field (``1 - b + b * L / avgL``)."""
        if self._norms is None:
            key = (*self.key, "norms")
            found: list[dict[str, FloatArray]] | None = self.cache.scores.get(key)
            if found is None:
                m = self.model
                found = [
                    {
                        sf.TITLE: length_norm(s.lengths[sf.TITLE], self.avg[sf.TITLE], m.b_title),
                        sf.BODY: length_norm(s.lengths[sf.BODY], self.avg[sf.BODY], m.b_body),
                    }
                    for s in self.segments
                ]
                self.cache.scores.put(key, found, sum(16 * s.size for s in self.segments))
            self._norms = found
        return self._norms[i]

    # -- term scores ------------------------------------------------------------------------

    def word(self, text: str) -> list[Arrays]:
        """Per segment, the live articles with ``text`` in the title or the body, and its
        BM25F scores there."""
        key = (*self.key, "word", text)
        found: list[Arrays] | None = self.cache.scores.get(key)
        if found is not None:
            return found
        m = self.model
        scale = m.title_weight / sf.TITLE_BOOST  # the index holds title frequencies x 2
        parts: list[tuple[IntArray, FloatArray]] = []
        df = 0
        for i, s in enumerate(self.segments):
            t_ids, t_w = self._postings(s, sf.TITLE, text)
            b_ids, b_w = self._postings(s, sf.BODY, text)
            if not len(t_ids) and not len(b_ids):
                parts.append((_EMPTY_IDS, _EMPTY_WEIGHTS))
                continue
            norms = self.norms(i)
            title_tf = scale * t_w / norms[sf.TITLE][t_ids]
            body_tf = b_w / norms[sf.BODY][b_ids]
            if not len(t_ids):
                ids, tf = b_ids, body_tf
            elif not len(b_ids):
                ids, tf = t_ids, title_tf
            else:
                dense = np.zeros(s.size, dtype=np.float64)
                present = np.zeros(s.size, dtype=np.bool_)
                dense[t_ids] = title_tf
                dense[b_ids] += body_tf
                present[t_ids] = True
                present[b_ids] = True
                ids = np.flatnonzero(present).astype(np.int32)
                tf = dense[ids]
            parts.append((ids, tf))
            df += len(ids)
        term_idf = idf(df, self.n)
        out = [(ids, saturate(tf, term_idf, m.k1) if len(ids) else tf) for ids, tf in parts]
        self.cache.scores.put(key, out, sum(ids.nbytes + sc.nbytes for ids, sc in out) + 64)
        return out

    def term(self, field: str, text: str) -> list[Arrays]:
        """Per segment, the live articles with ``text`` in ``field`` and its scores there:
        BM25F over that field alone for the title and the body, the idf elsewhere."""
        key = (*self.key, "term", field, text)
        found: list[Arrays] | None = self.cache.scores.get(key)
        if found is not None:
            return found
        m = self.model
        parts = [self._postings(s, field, text) for s in self.segments]
        term_idf = idf(sum(len(ids) for ids, _ in parts), self.n)
        out: list[Arrays] = []
        for i, (ids, weights) in enumerate(parts):
            if not len(ids):
                out.append((ids, _EMPTY_WEIGHTS))
            elif field == sf.TITLE:
                tf = m.title_weight / sf.TITLE_BOOST * weights / self.norms(i)[sf.TITLE][ids]
                out.append((ids, saturate(tf, term_idf, m.k1)))
            elif field == sf.BODY:
                tf = weights / self.norms(i)[sf.BODY][ids]
                out.append((ids, saturate(tf, term_idf, m.k1)))
            else:
                out.append((ids, np.full(len(ids), term_idf, dtype=np.float64)))
        self.cache.scores.put(key, out, sum(ids.nbytes + sc.nbytes for ids, sc in out) + 64)
        return out

    def word_df(self, text: str) -> int:
        """The number of live articles with ``text`` in the title or the body."""
        return sum(len(ids) for ids, _ in self.word(text))

    def rare(self, text: str) -> bool:
        """True when fewer than half the live articles have ``text`` (title or body): its raw
        idf is positive. Decided from the term dictionary when it can be; remembered."""
        key = (self.view, None, "rare", text)
        found: bool | None = self.cache.scores.get(key)
        if found is None:
            top = self.top
            title = int(top.doc_frequency(sf.TITLE, text))
            body = int(top.doc_frequency(sf.BODY, text))
            if 2 * (title + body) < self.n:  # the dictionary counts deleted articles too
                found = True
            elif 2 * (max(title, body) - self.deleted) >= self.n:
                found = False
            else:
                found = 2 * self.word_df(text) < self.n
            self.cache.scores.put(key, found, 64 + len(text))
        return found


class SegmentScorer:
    """Evaluates plans on one segment: (sorted local document numbers, their scores)."""

    def __init__(self, stats: Statistics, index: int) -> None:
        self.stats = stats
        self.index = index
        self.segment = stats.segments[index]

    def evaluate(self, node: Node) -> Arrays:
        """Documents matching ``node`` in this segment, with their scores."""
        docs, scores = self._evaluate(node)
        boost = getattr(node, "boost", 1.0)
        if boost != 1.0 and not isinstance(node, (MatchNode, EveryNode)):
            scores = scores * boost
        return docs, scores

    def _evaluate(self, node: Node) -> Arrays:
        if isinstance(node, WordNode):
            return self.stats.word(node.text)[self.index]
        if isinstance(node, TermNode):
            return self.stats.term(node.field, node.text)[self.index]
        if isinstance(node, OrNode):
            return self._union([self.evaluate(o) for o in node.options])
        if isinstance(node, AndNode):
            return self._and(node)
        if isinstance(node, EveryNode):
            docs = self._live_docs()
            return docs, np.full(len(docs), node.boost, dtype=np.float64)
        return self._matched(node)

    def _and(self, node: AndNode) -> Arrays:
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
            keep = ~np.isin(docs, self.docs_of(excluded), assume_unique=True)
            docs, scores = docs[keep], scores[keep]
        return docs, scores

    def _matched(self, node: MatchNode) -> Arrays:
        docs = self.docs_of(node.match)
        if node.score is None or not len(docs):
            return docs, np.full(len(docs), node.boost, dtype=np.float64)
        known, known_scores = self.evaluate(node.score)
        scores = np.zeros(len(docs), dtype=np.float64)
        if len(known):
            at = np.minimum(np.searchsorted(known, docs), len(known) - 1)
            found = known[at] == docs
            scores[found] = known_scores[at[found]]
        return docs, scores * node.boost if node.boost != 1.0 else scores

    def _live_docs(self) -> IntArray:
        s = self.segment
        if s.live is None:
            return np.arange(s.size, dtype=np.int32)
        return np.flatnonzero(s.live).astype(np.int32)

    def docs_of(self, node: Node | wq.Query) -> IntArray:
        """Documents matching ``node`` (a plan or any Whoosh query), unscored, live only."""
        if isinstance(node, _PLAN_TYPES):
            return self.evaluate(node)[0]
        docs = np.fromiter(node.docs(self.segment.searcher), dtype=np.int32)
        if self.segment.live is not None and len(docs):
            docs = docs[self.segment.live[docs]]
        return np.unique(docs)

    def _union(self, parts: list[Arrays]) -> Arrays:
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        if len(parts) == 1:
            return parts[0]
        # Dense accumulation over the segment: cheaper than merging sorted arrays, and each
        # document's score is 0 + first + second + ..., in the order of the options.
        size = self.segment.size
        total = np.zeros(size, dtype=np.float64)
        present = np.zeros(size, dtype=np.bool_)
        for docs, scores in parts:
            total[docs] += scores
            present[docs] = True
        docs = np.flatnonzero(present).astype(np.int32)
        return docs, total[docs]


__all__ = [
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_SCORE_CACHE_BYTES",
    "AndNode",
    "EveryNode",
    "MatchNode",
    "Node",
    "OrNode",
    "PostingsCache",
    "Segment",
    "SegmentScorer",
    "Statistics",
    "TermNode",
    "WordNode",
]
