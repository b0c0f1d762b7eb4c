"""The ranking model chosen in issue 14, as a self-contained reference (``MODEL.md`` is its spec).

This module is the oracle that searchlib's scores are checked against, in the manner of bm25s'
``tests/comparison``: it shares no ranking code with searchlib or Whoosh. It needs numpy and
an analyser (a function from text to index terms; by default searchlib's own
``schema.text_analyzer()``, since the model is defined over the terms the index holds).
Everything else is written out here: the query-word pattern, the function words, Whoosh's
one-byte field-length encoding, BM25F, the match rule and RM3 feedback.

In short (details in :class:`Model` and ``MODEL.md``):

* one score per query term over title and body together (BM25F): the field term frequencies
  are normalised by their own field length (``b_title``, ``b_body``), the title's weighted by
  ``title_weight`` (which includes the index's x2), added, saturated once with ``k1``, and
  multiplied by the Robertson-Spärck Jones idf of the number of documents with the term in
  either field (floored at 1e-6);
* the query's function words (``what``, ``does``, ``about``...) are left out unless nothing
  else would be left;
* ``match="auto"`` (the default) requires every word of a query of up to 3 words and any
  word of a longer one; ``"all"`` every word; ``"any"`` any word; a search that requires every
  word and finds nothing falls back to any word (``relaxed``); a search that does not require
  every word puts the documents that have them all first;
* a document that has only some of the query's words has its score multiplied by
  ``(share of the words it has) ** coordination`` (0.25: a gentle preference for more words);
* a search that does not require every word is re-ranked by RM3 feedback: the best
  ``feedback_docs`` documents give ``feedback_terms`` more terms, mixed with the query's
  own, and the mixed query re-scores the same matches.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Analyze = Callable[[str], list[str]]
Match = Literal["auto", "all", "any"]

#: How query text is split into words (Whoosh's default tokenizer, as the index splits text).
QUERY_WORD = re.compile(r"\w+(?:\.?\w+)*")

#: Function words left out of a query when other words remain: searchlib's
#: ``ranking.QUESTION_WORDS`` as of issue 14, written out (a test checks they agree).
FUNCTION_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves must may might shall
    """.split()  # noqa: SIM905 (the list reads as text)
)

#: The smallest idf: a term in half the documents or more still separates the documents that
#: have nothing else, but adds almost nothing (as SQLite FTS5's ``bm25()`` does).
IDF_FLOOR = 1e-6

#: Whoosh's one-byte field lengths: byte ``i`` decodes to ``round((1.033 ** i - 1) * 27)``;
#: a length is stored as the smallest of these at or above it (106,374 at most).
LENGTH_GRID: tuple[int, ...] = tuple(round((1.033**i - 1) * 27) for i in range(256))


def stored_length(length: int) -> int:
    """A field length as Whoosh stores it (one byte) and reads it back."""
    return LENGTH_GRID[min(bisect.bisect_left(LENGTH_GRID, length), 255)]


def searchlib_analyzer() -> Analyze:
    """searchlib's title and body analyser (``schema.text_analyzer()``) as a text -> terms
    function."""
    from searchlib.backends.whoosh.schema import text_analyzer

    analyzer = text_analyzer()

    def analyze(text: str) -> list[str]:
        return [t.text for t in analyzer(text)]

    return analyze


@dataclass(frozen=True, kw_only=True)
class Model:
    """The parameters of the model; the defaults are the ones chosen in issue 14.

    ``title_weight`` multiplies a title occurrence relative to a body one, and includes the
    index's title boost (searchlib stores title term frequencies x2: a library that reads
    those weights multiplies them by ``title_weight / 2``).
    """

    k1: float = 2.5
    b_title: float = 0.9
    b_body: float = 0.9
    title_weight: float = 4.0
    auto_all_upto: int = 3
    coordination: float = 0.25
    feedback_docs: int = 3
    feedback_terms: int = 20
    feedback_query_weight: float = 0.5


class Query(NamedTuple):
    """A query's terms: ``terms`` (content words, analysed, distinct, in order) and
    ``all_terms`` (function words included)."""

    terms: tuple[str, ...]
    all_terms: tuple[str, ...]


class Result(NamedTuple):
    """A ranking: documents (positions in the collection), their scores, how many of the
    query's terms each has, and how the search went."""

    docs: list[int]
    scores: list[float]
    matched: list[int]
    total: int
    required: int
    relaxed: bool
    expansion: dict[str, float]


class Posting(NamedTuple):
    """A term's documents (ascending) and raw term frequencies in title and body."""

    docs: IntArray
    tf_title: FloatArray
    tf_body: FloatArray


class ReferenceIndex:
    """Documents' titles and bodies as the model sees them: terms, postings, field lengths."""

    def __init__(
        self, docs: Iterable[tuple[str, str]], analyze: Analyze | None = None
    ) -> None:
        """``docs``: (title, body) pairs, in index order."""
        self.analyze = analyze or searchlib_analyzer()
        self.title_terms: list[list[str]] = []
        self.body_terms: list[list[str]] = []
        lists: dict[str, tuple[list[int], list[float], list[float]]] = {}
        for i, (title, body) in enumerate(docs):
            tt, bt = self.analyze(title), self.analyze(body)
            self.title_terms.append(tt)
            self.body_terms.append(bt)
            ct, cb = Counter(tt), Counter(bt)
            for term in sorted(ct.keys() | cb.keys()):
                ids, ft, fb = lists.setdefault(term, ([], [], []))
                ids.append(i)
                ft.append(float(ct[term]))
                fb.append(float(cb[term]))
        self.n = len(self.title_terms)
        self.postings = {
            t: Posting(np.asarray(ids, np.int64), np.asarray(ft), np.asarray(fb))
            for t, (ids, ft, fb) in lists.items()
        }
        exact_t = [len(t) for t in self.title_terms]
        exact_b = [len(b) for b in self.body_terms]
        self.avg_title = (sum(exact_t) / self.n if self.n else 0.0) or 1.0
        self.avg_body = (sum(exact_b) / self.n if self.n else 0.0) or 1.0
        self.len_title = np.asarray([stored_length(x) for x in exact_t], dtype=np.float64)
        self.len_body = np.asarray([stored_length(x) for x in exact_b], dtype=np.float64)
        self._function_terms: frozenset[str] | None = None

    # -- the pieces of the model -----------------------------------------------------------

    def function_terms(self) -> frozenset[str]:
        """The index terms of the function words (``its`` is ``it``, ``has`` is ``ha``...):
        never expansion terms."""
        if self._function_terms is None:
            self._function_terms = frozenset(
                t for w in FUNCTION_WORDS for t in self.analyze(w)
            )
        return self._function_terms

    def df(self, term: str) -> int:
        """Documents with ``term`` in title or body."""
        p = self.postings.get(term)
        return 0 if p is None else len(p.docs)

    def raw_idf(self, term: str) -> float:
        """Robertson-Spärck Jones: ``ln((N - df + 0.5) / (df + 0.5))``."""
        df = self.df(term)
        return math.log((self.n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """The idf the model uses: :meth:`raw_idf` floored at :data:`IDF_FLOOR`."""
        return max(IDF_FLOOR, self.raw_idf(term))

    def term_scores(self, term: str, m: Model) -> tuple[IntArray, FloatArray]:
        """BM25F of ``term`` for each document that has it: ``idf * tf * (k1 + 1) / (tf + k1)``
        with ``tf = title_weight * tf_title / B_title + tf_body / B_body`` and
        ``B_f = 1 - b_f + b_f * stored length_f / average length_f``."""
        p = self.postings.get(term)
        if p is None:
            return np.zeros(0, np.int64), np.zeros(0)
        bt = 1.0 - m.b_title + m.b_title * self.len_title[p.docs] / self.avg_title
        bb = 1.0 - m.b_body + m.b_body * self.len_body[p.docs] / self.avg_body
        tf = m.title_weight * p.tf_title / bt + p.tf_body / bb
        return p.docs, self.idf(term) * tf * (m.k1 + 1.0) / (tf + m.k1)

    def query(self, text: str) -> Query:
        """The terms of a plain-words query (function words out unless nothing else is left)."""
        words = [w.lower() for w in QUERY_WORD.findall(text)]
        everything = tuple(dict.fromkeys(t for w in words for t in self.analyze(w)))
        content = tuple(
            dict.fromkeys(t for w in words if w not in FUNCTION_WORDS for t in self.analyze(w))
        )
        return Query(content or everything, everything)

    def weighted_scores(
        self, weights: dict[str, float], m: Model
    ) -> tuple[FloatArray, IntArray]:
        """(sum of weight * BM25F over the terms, for every document; how many of the terms
        each document has)."""
        scores = np.zeros(self.n)
        matched = np.zeros(self.n, dtype=np.int64)
        for term, w in weights.items():
            docs, s = self.term_scores(term, m)
            scores[docs] += w * s
            matched[docs] += 1
        return scores, matched

    def expansion(
        self, docs: Sequence[int], scores: Sequence[float], m: Model
    ) -> dict[str, float]:
        """RM3's relevance model from feedback documents: ``P(w|R) = sum_D (s_D / sum s) *
        tf(w, D) / |D|`` over title and body terms; candidates are terms in fewer than half the
        documents (raw idf > 0), not all digits and not a function word's term; the
        ``feedback_terms`` most likely (ties: alphabetical), scaled to sum 1."""
        total = sum(scores)
        if total <= 0:
            return {}
        rel: Counter[str] = Counter()
        for d, s in zip(docs, scores, strict=True):
            terms = self.title_terms[d] + self.body_terms[d]
            if not terms:
                continue
            for t, f in Counter(terms).items():
                rel[t] += (s / total) * f / len(terms)
        ranked = sorted(rel.items(), key=lambda tv: (-tv[1], tv[0]))
        skip = self.function_terms()
        best = [
            (t, v)
            for t, v in ranked
            if not t.isdigit() and t not in skip and self.raw_idf(t) > 0
        ]
        best = best[: m.feedback_terms]
        norm = sum(v for _, v in best)
        return {t: v / norm for t, v in best} if norm > 0 else {}

    # -- a search ----------------------------------------------------------------------------

    def search(
        self,
        text: str,
        model: Model | None = None,
        *,
        match: Match = "auto",
        relax: bool = True,
        depth: int = 100,
    ) -> Result:
        """Rank the documents for a plain-words query: see the module docstring and MODEL.md."""
        m = model or Model()
        q = self.query(text)
        n = len(q.terms)
        if n == 0:
            return Result([], [], [], 0, 0, False, {})
        base = dict.fromkeys(q.terms, 1.0)
        scores, matched = self.weighted_scores(base, m)
        if match == "any":
            required = 1
        elif match == "all" or n <= m.auto_all_upto:
            required = n
        else:
            required = 1
        members = np.flatnonzero(matched >= required)
        relaxed = False
        if not len(members) and required > 1 and relax:
            required, relaxed = 1, True
            members = np.flatnonzero(matched >= 1)
        coord = np.ones(self.n)
        if n > 1 and m.coordination:
            coord = (matched / n) ** m.coordination
        final = scores * coord
        # when not every word is required, the documents that have them all come first
        complete = (matched[members] >= n) if required < n else np.zeros(len(members), bool)
        order = members[np.lexsort([members, -final[members], ~complete])]
        expansion: dict[str, float] = {}
        if required < n and len(order):
            first = order[: m.feedback_docs].tolist()
            expansion = self.expansion(first, [float(final[d]) for d in first], m)
        if expansion:
            a = m.feedback_query_weight
            weights = {t: a / n for t in q.terms}
            for t, v in expansion.items():
                weights[t] = weights.get(t, 0.0) + (1.0 - a) * v
            scores, _ = self.weighted_scores(weights, m)
            final = scores * coord
            order = members[np.lexsort([members, -final[members], ~complete])]
        top = order[:depth]
        return Result(
            docs=top.tolist(),
            scores=final[top].tolist(),
            matched=matched[top].tolist(),
            total=len(members),
            required=required,
            relaxed=relaxed,
            expansion=expansion,
        )
