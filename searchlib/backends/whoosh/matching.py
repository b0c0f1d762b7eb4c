"""Match, count and rank one :class:`~searchlib.backend.MatchRequest` on a Whoosh searcher.

Facet counts and the date histogram never walk stored documents and never run a query per
bucket: each segment has a doc-values table (:mod:`.docvalues`), so counting is one pass over the
matching documents. Every query is matched and scored by the vectorised scorer (:mod:`.scoring`)
with searchlib's ranking model; phrases are found by Whoosh's matchers inside it. An index opened
with ``vectorized=False`` matches the whole query with Whoosh's matchers instead, and scores the
same articles with the same model (on postings read for that search only).

Ranking (:func:`run`): the scores times the coordination factor of the request's clauses; with
``coverage="all-first"`` the articles that match every clause first; with ``feedback``, RM3
pseudo-relevance feedback from the best first-pass articles (their stored title and body,
analysed again) re-scores the same matches; then recency, proximity and the order, from the
engine-free :mod:`searchlib.ranking`.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from whoosh import query as wq
from whoosh.searching import Searcher

from ... import ranking
from ... import text as tx
from ...backend import Candidate, MatchRequest, MatchSet
from ...model import FacetName
from ...query import Every
from ...ranking import NO_DAY, QUESTION_WORDS, IntArray, Ranking
from . import schema as sf
from . import scoring
from .compile import proximity_terms, to_plan, to_whoosh
from .docvalues import DocValues, SegmentValues, count_values, segment_key
from .scoring import FloatArray

#: Bytes of postings and of term scores that a search on an index opened with
#: ``vectorized=False`` may keep while it runs (each.)
PRIVATE_CACHE_BYTES = 16 * 1024 * 1024


class Budget:
    """A search's time budget; :meth:`spent` turns true, and stays true, once it runs out."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.exceeded = False

    def spent(self) -> bool:
        """True once the deadline has passed."""
        if not self.exceeded and time.perf_counter() > self.deadline:
            self.exceeded = True
        return self.exceeded


Matched: TypeAlias = list[tuple[Searcher, int, SegmentValues, IntArray]]
"""Per segment with matches: (segment searcher, docnum offset, doc-values, local docnums)."""

_CHUNK = 4096


def leaves(searcher: Searcher) -> list[tuple[Searcher, int]]:
    """(segment searcher, document-number offset) for every segment."""
    return list(searcher.leaf_searchers())


class Filters:
    """The facet filters of a request, resolved against the index's terms (ignoring case)."""

    def __init__(self, searcher: Searcher, request: MatchRequest) -> None:
        self.unknown: list[tuple[FacetName, str]] = []
        include = [self._term(searcher, f, v, True) for f, v in request.include]
        exclude = [self._term(searcher, f, v, False) for f, v in request.exclude]
        self.include: wq.Query | None = _all_of([q for q in include if q is not None])
        self.exclude: wq.Query | None = _any_of([q for q in exclude if q is not None])
        self.nothing = bool(self.unknown)
        first, last = request.date_from, request.date_to
        self.first = first.toordinal() if first else None
        self.last = last.toordinal() if last else None
        self.dated = first is not None or last is not None

    def _term(
        self, searcher: Searcher, facet: FacetName, value: str, required: bool
    ) -> wq.Query | None:
        field = sf.FACET_FIELDS[facet][1]
        term = resolve_value(searcher, field, value)
        if term is None:
            if required:
                self.unknown.append((facet, value))
            return None
        return wq.Term(field, term)

    def query(self, q: wq.Query) -> wq.Query:
        """``q`` restricted by the facet filters (not the dates)."""
        parts = [q]
        if self.include is not None:
            parts.append(self.include)
        if self.exclude is not None:
            parts.append(wq.Not(self.exclude))
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def mask(self) -> wq.Query | None:
        """The facet filters alone, as a query (None when there are none)."""
        if self.include is None and self.exclude is None:
            return None
        return self.query(wq.Every())


def _all_of(parts: list[wq.Query]) -> wq.Query | None:
    return None if not parts else parts[0] if len(parts) == 1 else wq.And(parts)


def _any_of(parts: list[wq.Query]) -> wq.Query | None:
    return None if not parts else parts[0] if len(parts) == 1 else wq.Or(parts)


def resolve_value(searcher: Searcher, field: str, value: str) -> str | None:
    """The facet term a filter value names (exact, else ignoring case), or None."""
    term = " ".join(value.replace(sf.VALUE_SEPARATOR, " ").split())
    if searcher.doc_frequency(field, term) > 0:
        return term
    lowered = term.casefold()
    return next((t for t in field_terms(searcher, field) if t.casefold() == lowered), None)


def field_terms(searcher: Searcher, field: str) -> list[str]:
    """Every term of a field."""
    reader = searcher.reader()
    if field not in reader.indexed_field_names():
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field)]


class VectorPath:
    """Matching and scoring with :mod:`.scoring`, segment by segment, for one search."""

    def __init__(
        self,
        searcher: Searcher,
        docvalues: DocValues,
        postings: scoring.PostingsCache,
        filters: Filters | None,
        budget: Budget,
        ranking: Ranking | None = None,
    ) -> None:
        self.searcher = searcher
        self.docvalues = docvalues
        self.filters = filters
        self.budget = budget
        segments = []
        for sub, offset in leaves(searcher):
            reader = sub.reader()
            segments.append(
                scoring.Segment(
                    sub,
                    offset,
                    segment_key(reader),
                    int(reader.doc_count_all()),
                    docvalues.live(reader),
                    docvalues.lengths(reader),
                )
            )
        self.stats = scoring.Statistics(searcher, segments, postings, ranking or Ranking())
        self.scorers = [scoring.SegmentScorer(self.stats, i) for i in range(len(segments))]
        self._by_offset = {s.offset: i for i, s in enumerate(segments)}

    def run(self, node: scoring.Node) -> tuple[Matched, list[FloatArray]]:
        """The matches of ``node`` within the filters, and their scores, per segment."""
        matched: Matched = []
        scores: list[FloatArray] = []
        f = self.filters
        for scorer in self.scorers:
            if self.budget.spent():
                break
            segment = scorer.segment
            docs, doc_scores = scorer.evaluate(node)
            table = self.docvalues.for_reader(segment.searcher.reader())
            if f is not None and len(docs) and f.include is not None:
                keep = np.isin(docs, scorer.docs_of(f.include), assume_unique=True)
                docs, doc_scores = docs[keep], doc_scores[keep]
            if f is not None and len(docs) and f.exclude is not None:
                keep = ~np.isin(docs, scorer.docs_of(f.exclude), assume_unique=True)
                docs, doc_scores = docs[keep], doc_scores[keep]
            if f is not None and len(docs) and f.dated:
                keep = table.in_date_range(f.first, f.last)[docs]
                docs, doc_scores = docs[keep], doc_scores[keep]
            if len(docs):
                matched.append((segment.searcher, segment.offset, table, docs))
                scores.append(doc_scores)
        return matched, scores

    def score(self, node: scoring.Node, matched: Matched) -> list[FloatArray]:
        """The scores of ``node`` for documents matched elsewhere (0 where it has none)."""
        out: list[FloatArray] = []
        for _, offset, _, docs in matched:
            known, known_scores = self.scorers[self._by_offset[offset]].evaluate(node)
            scores = np.zeros(len(docs), dtype=np.float64)
            if len(known):
                at = np.minimum(np.searchsorted(known, docs), len(known) - 1)
                found = known[at] == docs
                scores[found] = known_scores[at[found]]
            out.append(scores)
        return out

    def coverage(self, clauses: Sequence[scoring.Node], matched: Matched) -> IntArray:
        """How many of ``clauses`` each matched document matches, in ``matched`` order."""
        parts: list[IntArray] = []
        for _, offset, _, docs in matched:
            scorer = self.scorers[self._by_offset[offset]]
            counts = np.zeros(scorer.segment.size, dtype=np.int32)
            for clause in clauses:
                counts[scorer.docs_of(clause)] += 1
            parts.append(counts[docs])
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def words(self, weights: dict[str, float], matched: Matched) -> FloatArray:
        """``sum(weight * BM25F score of the word)`` over ``weights``, for each matched
        document (a word searched in the title and the body), in ``matched`` order."""
        parts: list[FloatArray] = []
        for _, offset, _, docs in matched:
            i = self._by_offset[offset]
            total = np.zeros(self.stats.segments[i].size, dtype=np.float64)
            for text, weight in weights.items():
                ids, scores = self.stats.word(text)[i]
                total[ids] += weight * scores
            parts.append(total[docs])
        return np.concatenate(parts) if parts else np.zeros(0, np.float64)


def _matched(
    searcher: Searcher, q: wq.Query, budget: Budget, docvalues: DocValues, filters: Filters
) -> Matched:
    """The documents that match ``q`` (filters included) within the dates, as time allows."""
    out: Matched = []
    for sub, offset in leaves(searcher):
        table = docvalues.for_reader(sub.reader())
        chunks: list[IntArray] = []
        found = iter(q.docs(sub))
        while not budget.spent():
            chunk = np.fromiter(itertools.islice(found, _CHUNK), dtype=np.int32)
            if len(chunk):
                chunks.append(chunk)
            if len(chunk) < _CHUNK:
                break
        docs = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
        if filters.dated and len(docs):
            docs = docs[table.in_date_range(filters.first, filters.last)[docs]]
        if len(docs):
            out.append((sub, offset, table, docs))
        if budget.exceeded:
            break
    return out


def _every(searcher: Searcher, docvalues: DocValues, filters: Filters, budget: Budget) -> Matched:
    """Every live document within the filters: the empty query, without a query."""
    if filters.mask() is not None:
        return _matched(searcher, filters.query(wq.Every()), budget, docvalues, filters)
    out: Matched = []
    for sub, offset in leaves(searcher):
        reader = sub.reader()
        table = docvalues.for_reader(reader)
        live = docvalues.live(reader)
        docs = (
            np.flatnonzero(live).astype(np.int32)
            if live is not None
            else np.arange(reader.doc_count_all(), dtype=np.int32)
        )
        if filters.dated and len(docs):
            docs = docs[table.in_date_range(filters.first, filters.last)[docs]]
        if len(docs):
            out.append((sub, offset, table, docs))
    return out


def _total(matched: Matched) -> int:
    return sum(len(docs) for *_, docs in matched)


def _near(searcher: Searcher, pairs: list[tuple[str, str]], docnums: list[int]) -> FloatArray:
    """For each document, the fraction of ``pairs`` it holds side by side (title or body)."""
    found = np.zeros(len(docnums), dtype=np.float64)
    wanted = sorted(range(len(docnums)), key=docnums.__getitem__)
    for pair in pairs:
        phrase = wq.Or([wq.Phrase(field, list(pair)) for field in sf.DEFAULT_FIELDS])
        for sub, offset in leaves(searcher):
            size = sub.reader().doc_count_all()
            local = [(docnums[i] - offset, i) for i in wanted if 0 <= docnums[i] - offset < size]
            if not local:
                continue
            m = phrase.matcher(sub, sub.boolean_context())
            for doc, i in local:
                if not m.is_active():
                    break
                if m.id() < doc:
                    m.skip_to(doc)
                if m.is_active() and m.id() == doc:
                    found[i] += 1
    return found / max(len(pairs), 1)


def _feedback(
    path: VectorPath,
    request: MatchRequest,
    matched: Matched,
    raw: FloatArray,
    first: FloatArray,
    complete: npt.NDArray[np.bool_] | None,
    docnums: npt.NDArray[np.int64],
) -> FloatArray | None:
    """RM3: the first pass's best documents give expansion terms, mixed with the query's own
    (``raw``: the first pass's scores before coordination, ``first``: after). Returns the mixed
    query's scores before coordination, or None when there is nothing to add."""
    model = request.ranking
    best = ranking.top(first, docnums, model.feedback_docs, first=complete)
    if not len(best):
        return None
    documents = []
    for docnum in docnums[best].tolist():
        stored = path.searcher.stored_fields(int(docnum))
        terms = [
            term
            for text in (stored.get(sf.TITLE) or "", stored.get(sf.BODY) or "")
            for word in tx.tokens(text)
            if (term := tx.analyse(word)) is not None
        ]
        documents.append(terms)
    rel = ranking.relevance_model(documents, [float(first[i]) for i in best])
    function_terms = {t for w in QUESTION_WORDS if (t := tx.analyse(w)) is not None}

    def accept(term: str) -> bool:
        return not term.isdigit() and term not in function_terms and path.stats.rare(term)

    chosen = ranking.expansion(rel, accept, model.feedback_terms)
    if not chosen:
        return None
    a = model.feedback_query_weight
    added = path.words({t: (1.0 - a) * v for t, v in chosen.items()}, matched)
    mixed: FloatArray = (a / len(request.clauses)) * raw + added
    return mixed


def _rank(
    searcher: Searcher,
    path: VectorPath | None,
    request: MatchRequest,
    matched: Matched,
    scores: list[FloatArray],
    coverage: IntArray | None,
    budget: Budget,
) -> tuple[Candidate, ...]:
    """The best ``request.depth`` matches, best first."""
    if not matched:
        return ()
    model = request.ranking
    docnums = np.concatenate([docs.astype(np.int64) + offset for _, offset, _, docs in matched])
    raw = np.concatenate(scores) if scores else np.zeros(len(docnums))
    days = np.concatenate([table.days[docs] for _, _, table, docs in matched])
    clauses = len(request.clauses)
    first_key: IntArray | None = None
    complete: npt.NDArray[np.bool_] | None = None
    factor = coverage is not None and request.coverage in ("factor", "all-first")
    if coverage is not None and request.coverage == "all-first" and clauses:
        complete = coverage >= clauses
    elif coverage is not None and request.coverage == "first":
        first_key = coverage
    all_scores = raw
    if factor:
        assert coverage is not None
        all_scores = ranking.coordination(raw, coverage, clauses, model.coordination)
    by_date = request.sort == "date"
    if (
        request.feedback
        and model.feedback
        and path is not None
        and request.scored
        and not by_date
        and factor
        and clauses > 1
        and not budget.spent()
    ):
        mixed = _feedback(path, request, matched, raw, all_scores, complete, docnums)
        if mixed is not None:
            assert coverage is not None
            all_scores = ranking.coordination(mixed, coverage, clauses, model.coordination)
    if request.recency is not None and request.sort == "relevance":
        # age counts back from the newest match: the latest coverage of the subject
        origin = int(days.max(initial=NO_DAY))
        all_scores = ranking.recency_boost(all_scores, days, origin, request.recency)
    pairs = (
        ranking.adjacent_pairs(proximity_terms(request.tree))
        if model.proximity and not by_date
        else []
    )
    wanted = max(request.depth, ranking.PROXIMITY_DEPTH) if pairs else request.depth
    if by_date:
        positions = ranking.order(all_scores, docnums, days=days)[:wanted]
    elif first_key is not None:
        positions = ranking.order(all_scores, docnums, coverage=first_key)[:wanted]
    else:
        positions = ranking.top(all_scores, docnums, wanted, first=complete)
    if pairs:
        near = _near(searcher, pairs, docnums[positions].tolist())
        all_scores = all_scores.copy()
        all_scores[positions] *= 1.0 + model.proximity * near
        reordered = ranking.order(
            all_scores[positions],
            docnums[positions],
            coverage=first_key[positions] if first_key is not None else None,
            first=complete[positions] if complete is not None else None,
        )
        positions = positions[reordered]
    best = positions[: request.depth]
    return tuple(
        Candidate(int(d), round(float(s), 6), int(day))
        for d, s, day in zip(
            docnums[best].tolist(), all_scores[best].tolist(), days[best].tolist(), strict=True
        )
    )


def run(
    searcher: Searcher,
    request: MatchRequest,
    docvalues: DocValues,
    postings: scoring.PostingsCache | None,
) -> MatchSet:
    """Match, count and rank ``request`` on ``searcher`` (one committed generation)."""
    budget = Budget(request.deadline)
    filters = Filters(searcher, request)
    if filters.nothing:
        empty: dict[str, Counter[str]] = {f: Counter() for f in request.facets}
        return MatchSet(0, (), empty, Counter(), unknown=tuple(filters.unknown))
    matched, scores, coverage, path = _match(
        searcher, request, docvalues, postings, filters, budget
    )
    counters, days = count_values(
        ((table, docs) for _, _, table, docs in matched),
        request.facets,
        want_days=request.histogram,
    )
    ranked = (
        _rank(searcher, path, request, matched, scores, coverage, budget) if request.depth else ()
    )
    return MatchSet(
        total=_total(matched),
        ranked=ranked,
        facets=counters,
        days=days,
        partial=budget.exceeded,
    )


def _match(
    searcher: Searcher,
    request: MatchRequest,
    docvalues: DocValues,
    postings: scoring.PostingsCache | None,
    filters: Filters,
    budget: Budget,
) -> tuple[Matched, list[FloatArray], IntArray | None, VectorPath | None]:
    """The matches, their scores, their coverage of the request's clauses, and the scorer."""
    if isinstance(request.tree, Every):
        matched = _every(searcher, docvalues, filters, budget)
        return matched, [np.ones(len(docs)) for *_, docs in matched], None, None
    cache = postings or scoring.PostingsCache(PRIVATE_CACHE_BYTES, PRIVATE_CACHE_BYTES)
    path = VectorPath(searcher, docvalues, cache, filters, budget, request.ranking)
    plan = to_plan(request.tree)
    scores: list[FloatArray]
    if postings is not None:
        matched, scores = path.run(plan)
    else:
        # vectorized=False: Whoosh's matchers find the articles, the model scores them
        q = to_whoosh(request.tree)
        matched = _matched(searcher, filters.query(q), budget, docvalues, filters)
        if request.scored:
            scores = path.score(plan, matched)
        else:
            scores = [np.ones(len(docs)) for *_, docs in matched]
    coverage = (
        path.coverage([to_plan(c) for c in request.clauses], matched)
        if request.coverage != "none" and request.clauses and matched
        else None
    )
    return matched, scores, coverage, path


def count(
    searcher: Searcher,
    request: MatchRequest,
    docvalues: DocValues,
    postings: scoring.PostingsCache | None,
) -> int:
    """How many documents match ``request``."""
    budget = Budget(request.deadline)
    filters = Filters(searcher, request)
    if filters.nothing:
        return 0
    matched, *_ = _match(searcher, request, docvalues, postings, filters, budget)
    return _total(matched)


__all__ = [
    "Budget",
    "Filters",
    "VectorPath",
    "count",
    "field_terms",
    "resolve_value",
    "run",
]
