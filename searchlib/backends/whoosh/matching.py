"""Match, count and rank one :class:`~searchlib.backend.MatchRequest` on a Whoosh searcher.

Facet counts and the date histogram never walk stored documents and never run a query per
bucket: each segment has a doc-values table (:mod:`.docvalues`), so counting is one pass over the
matching documents. Plain-word queries are matched and scored by the vectorised scorer
(:mod:`.scoring`); other shapes (phrases, entity fields, boosts, date ranges inside OR...) by
Whoosh's matchers, with the same BM25F scores. The final order (coordination, recency, proximity,
date order) comes from the engine-free :mod:`searchlib.ranking`.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
from whoosh import collectors
from whoosh import query as wq
from whoosh.searching import Searcher

from ... import ranking
from ...backend import Candidate, MatchRequest, MatchSet
from ...model import FacetName
from ...query import Node
from ...ranking import NO_DAY, IntArray
from . import schema as sf
from . import scoring
from .compile import proximity_terms, to_plan, to_whoosh
from .docvalues import DocValues, SegmentValues, count_values
from .scoring import FloatArray


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


class _BudgetCollector(collectors.WrappingCollector):  # type: ignore[misc]
    """Stops collecting (raising Whoosh's ``TimeLimit``) when the budget runs out.

    Unlike Whoosh's ``TimeLimitCollector`` it starts no timer thread: it looks at the clock
    every 1,024 matches.
    """

    def __init__(self, child: Any, budget: Budget) -> None:
        super().__init__(child)
        self.budget = budget

    def collect_matches(self) -> None:
        child = self.child
        for i, sub_docnum in enumerate(child.matches()):
            if not i & 1023 and self.budget.spent():
                raise collectors.TimeLimit
            child.collect(sub_docnum)


Matched: TypeAlias = list[tuple[Searcher, int, SegmentValues, IntArray]]
"""Per segment with matches: (segment searcher, docnum offset, doc-values, local docnums)."""

RankFilter: TypeAlias = "wq.Query | set[int] | None"
"""What the ranking pass is restricted to: a filter query, or the global docnums of matches."""

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
    """Matching and ranking with :mod:`.scoring`, segment by segment."""

    def __init__(
        self,
        searcher: Searcher,
        docvalues: DocValues,
        postings: scoring.PostingsCache,
        filters: Filters | None,
        budget: Budget,
    ) -> None:
        self.searcher = searcher
        self.docvalues = docvalues
        self.postings = postings
        self.filters = filters
        self.budget = budget
        self.scorers = [(sub, offset, self._scorer(sub)) for sub, offset in leaves(searcher)]

    def _scorer(self, sub: Searcher) -> scoring.SegmentScorer:
        reader = sub.reader()
        segment = reader.segment()
        key = segment.segment_id() if segment is not None else str(id(reader))
        return scoring.SegmentScorer(
            self.searcher,
            sub,
            key,
            self.postings,
            self.docvalues.lengths(reader),
            self.docvalues.live(reader),
        )

    def run(self, node: scoring.Node) -> tuple[Matched, list[FloatArray]]:
        """The matches of ``node`` within the filters, and their scores, per segment."""
        matched: Matched = []
        scores: list[FloatArray] = []
        f = self.filters
        for sub, offset, scorer in self.scorers:
            if self.budget.spent():
                break
            docs, doc_scores = scorer.evaluate(node)
            table = self.docvalues.for_reader(sub.reader())
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
                matched.append((sub, offset, table, docs))
                scores.append(doc_scores)
        return matched, scores

    def coverage(self, clauses: Sequence[scoring.Node | wq.Query]) -> dict[int, IntArray]:
        """For each segment offset, how many of ``clauses`` each document matches."""
        out: dict[int, IntArray] = {}
        for sub, offset, scorer in self.scorers:
            counts = np.zeros(sub.reader().doc_count_all(), dtype=np.int32)
            for clause in clauses:
                counts[scorer.docs_of(clause)] += 1
            out[offset] = counts
        return out


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


def _docset(matched: Matched) -> set[int]:
    """The global document numbers of the matches, as Whoosh's ``filter=`` takes them."""
    out: set[int] = set()
    for _, offset, _, docs in matched:
        out.update((docs + offset).tolist())
    return out


def _collect(
    searcher: Searcher, q: wq.Query, mask: RankFilter, budget: Budget
) -> list[tuple[float, int]]:
    """(score, global docnum) of every match of ``q`` within ``mask``, within the budget."""
    inner = searcher.collector(limit=None, filter=mask)
    # whoosh3 3.54's matcher replacement (a pruning step) can drop the best document:
    # "quarter first" on Reuters-21578 with limit=30 loses the top hit. Rank without it.
    scored = inner
    while isinstance(scored, collectors.WrappingCollector):
        scored = scored.child
    if isinstance(scored, collectors.ScoredCollector):
        scored.replace = 0
    collector = _BudgetCollector(inner, budget)
    with contextlib.suppress(collectors.TimeLimit):
        searcher.search_with_collector(q, collector)
    results = collector.results()
    return [(float(results.score(i)), results.docnum(i)) for i in range(results.scored_length())]


def _whoosh_scores(
    searcher: Searcher, q: wq.Query, matched: Matched, mask: RankFilter, budget: Budget
) -> list[FloatArray]:
    """Whoosh's scores of ``matched`` under ``q``, aligned with each segment's documents.

    A document the time budget left unscored gets 0.
    """
    scored = _collect(searcher, q, mask, budget)
    if scored:
        pairs = np.asarray(sorted((d, s) for s, d in scored), dtype=np.float64)
        known, known_scores = pairs[:, 0].astype(np.int64), pairs[:, 1]
    else:
        known, known_scores = np.zeros(0, np.int64), np.zeros(0, np.float64)
    out: list[FloatArray] = []
    for _, offset, _, docs in matched:
        wanted = docs.astype(np.int64) + offset
        at = np.minimum(np.searchsorted(known, wanted), max(len(known) - 1, 0))
        found = known[at] == wanted if len(known) else np.zeros(len(wanted), np.bool_)
        out.append(np.where(found, known_scores[at] if len(known) else 0.0, 0.0))
    return out


def _coverage(
    matched: Matched,
    clauses: Sequence[Node],
    vector: VectorPath | None,
    title_weight: float,
) -> IntArray:
    """How many of ``clauses`` each matched document matches, in ``matched`` order."""
    parts: list[IntArray] = []
    compiled = [to_whoosh(c, title_weight=title_weight) for c in clauses]
    if vector is not None:
        plans = [to_plan(c, title_weight=title_weight) for c in clauses]
        by_offset = vector.coverage(
            [p if p is not None else q for p, q in zip(plans, compiled, strict=True)]
        )
        return np.concatenate([by_offset[offset][docs] for _, offset, _, docs in matched])
    for sub, _, _, docs in matched:
        counts = np.zeros(sub.reader().doc_count_all(), dtype=np.int32)
        for clause in compiled:
            counts[np.fromiter(clause.docs(sub), dtype=np.int32)] += 1
        parts.append(counts[docs])
    return np.concatenate(parts) if parts else np.zeros(0, np.int32)


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


def _rank(
    searcher: Searcher,
    request: MatchRequest,
    matched: Matched,
    scores: list[FloatArray],
    coverage: IntArray | None,
) -> tuple[Candidate, ...]:
    """The best ``request.depth`` matches, best first."""
    if not matched:
        return ()
    model = request.ranking
    docnums = np.concatenate([docs.astype(np.int64) + offset for _, offset, _, docs in matched])
    all_scores = np.concatenate(scores) if scores else np.zeros(len(docnums))
    days = np.concatenate([table.days[docs] for _, _, table, docs in matched])
    first_key: IntArray | None = None
    if coverage is not None:
        if request.coverage == "factor":
            all_scores = ranking.coordination(
                all_scores, coverage, len(request.clauses), model.coordination
            )
        elif request.coverage == "first":
            first_key = coverage
    if request.recency is not None and request.sort == "relevance":
        # age counts back from the newest match: the latest coverage of the subject
        origin = int(days.max(initial=NO_DAY))
        all_scores = ranking.recency_boost(all_scores, days, origin, request.recency)
    by_date = request.sort == "date"
    positions = ranking.order(
        all_scores, docnums, days=days if by_date else None, coverage=first_key
    )
    pairs = (
        ranking.adjacent_pairs(proximity_terms(request.tree))
        if model.proximity and not by_date
        else []
    )
    if pairs:
        top = positions[: max(request.depth, ranking.PROXIMITY_DEPTH)]
        near = _near(searcher, pairs, docnums[top].tolist())
        all_scores = all_scores.copy()
        all_scores[top] *= 1.0 + model.proximity * near
        reordered = ranking.order(
            all_scores[top],
            docnums[top],
            coverage=first_key[top] if first_key is not None else None,
        )
        positions = np.concatenate([top[reordered], positions[len(top) :]])
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
    matched, scores = _match(searcher, request, docvalues, postings, filters, budget)
    counters, days = count_values(
        ((table, docs) for _, _, table, docs in matched),
        request.facets,
        want_days=request.histogram,
    )
    return MatchSet(
        total=_total(matched),
        ranked=_rank(searcher, request, matched, scores[0], scores[1]) if request.depth else (),
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
) -> tuple[Matched, tuple[list[FloatArray], IntArray | None]]:
    """The matches, and (their scores, their coverage of the request's clauses)."""
    from ...query import Every

    tw = request.ranking.title_weight
    vector = (
        VectorPath(searcher, docvalues, postings, filters, budget)
        if postings is not None and scoring.supported(searcher)
        else None
    )
    if isinstance(request.tree, Every):
        matched = _every(searcher, docvalues, filters, budget)
        return matched, ([np.ones(len(docs)) for *_, docs in matched], None)
    plan = to_plan(request.tree, title_weight=tw) if vector is not None else None
    scores: list[FloatArray]
    if vector is not None and plan is not None:
        matched, scores = vector.run(plan)
    else:
        q = to_whoosh(request.tree, title_weight=tw)
        matched = _matched(searcher, filters.query(q), budget, docvalues, filters)
        if not request.scored:
            scores = [np.ones(len(docs)) for *_, docs in matched]
        elif matched:
            # Score exactly the matches: a date filter is applied as their docnums.
            rank_filter: RankFilter = filters.mask() if not filters.dated else _docset(matched)
            scores = _whoosh_scores(searcher, q, matched, rank_filter, budget)
        else:
            scores = []
    coverage = (
        _coverage(matched, request.clauses, vector, tw)
        if request.coverage != "none" and request.clauses and matched
        else None
    )
    return matched, (scores, coverage)


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
    matched, _ = _match(searcher, request, docvalues, postings, filters, budget)
    return _total(matched)


__all__ = ["Budget", "Filters", "VectorPath", "count", "field_terms", "resolve_value", "run"]
