"""Run a parsed query: rank, count facets and the date histogram, highlight, suggest.

Facet counts and the histogram never walk stored documents and never run a query per bucket.
Each index segment gets a *doc-values* table, built once from the facet fields' postings and
kept until the segment disappears (segments are immutable), so counting is one pass over the
matching documents. Only the hits on the page being shown are loaded and highlighted.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import itertools
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from whoosh import collectors, sorting
from whoosh import query as wq
from whoosh.searching import Searcher

from . import dedup, highlight, ranking, scoring
from . import schema as sf
from .docvalues import NO_DAY, DocValues, IntArray, SegmentValues, count_values
from .errors import QueryError
from .model import (
    DateBucket,
    FacetValue,
    Hit,
    Interval,
    SearchResults,
)
from .query import DateBounds, Filters, ParsedQuery, filter_query, parse_query, split_dates
from .ranking import Match, Ranking
from .scoring import FloatArray

SortOrder = Literal["relevance", "date"]

#: Facet values returned per facet unless asked otherwise.
DEFAULT_FACET_LIMIT = 10
#: The largest page size accepted.
MAX_LIMIT = 1000
#: The deepest result accepted (page * limit).
MAX_DEPTH = 100_000
#: A wildcard, fuzzy term or range may stand for at most this many indexed words.
MAX_EXPANSION = 1000
#: Seconds a search may take before it returns what it has, flagged as partial.
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class SearchOptions:
    """Every option of a search, validated (see :meth:`searchlib.Index.search`)."""

    limit: int = 10
    page: int = 1
    sort: SortOrder = "relevance"
    facets: tuple[str, ...] = ()
    facet_limit: int = DEFAULT_FACET_LIMIT
    histogram: bool = True
    interval: Interval | Literal["auto"] = "month"
    fragments: int = highlight.DEFAULT_FRAGMENTS
    fragment_chars: int = highlight.DEFAULT_FRAGMENT_CHARS
    relax: bool = True
    suggest: bool = True
    timeout: float = DEFAULT_TIMEOUT
    match: Match = "all"
    recency: float | None = None
    collapse: bool = False

    def validate(self) -> None:
        """Raise :class:`QueryError` for an option outside its range."""
        if self.match not in ("all", "any"):
            raise QueryError(f"match must be 'all' or 'any', not {self.match!r}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}")
        if self.page < 1:
            raise QueryError(f"page must be 1 or more, not {self.page}")
        if self.page * self.limit > MAX_DEPTH:
            raise QueryError(f"page {self.page} is too deep (results stop at {MAX_DEPTH})")
        if self.sort not in ("relevance", "date"):
            raise QueryError(f"sort must be 'relevance' or 'date', not {self.sort!r}")
        unknown = [f for f in self.facets if f not in sf.FACET_FIELDS]
        if unknown:
            raise QueryError(f"unknown facet {unknown[0]!r} (facets: {', '.join(sf.FACET_FIELDS)})")
        if self.interval not in ("year", "month", "day", "auto"):
            raise QueryError(f"interval must be year, month, day or auto, not {self.interval!r}")
        if self.facet_limit < 1:
            raise QueryError("facet_limit must be 1 or more")
        if self.fragments < 0 or self.fragment_chars < 20:
            raise QueryError("fragments must be >= 0 and fragment_chars >= 20")
        if not self.timeout > 0:
            raise QueryError(f"timeout must be more than 0 seconds, not {self.timeout}")


def leaves(searcher: Searcher) -> list[tuple[Searcher, int]]:
    """(segment searcher, document-number offset) for every segment."""
    return list(searcher.leaf_searchers())


class Budget:
    """A search's time budget; :meth:`spent` turns true, and stays true, once it runs out."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.perf_counter() + seconds
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


Matched = list[tuple[Searcher, int, SegmentValues, IntArray]]
"""Per segment with matches: (segment searcher, docnum offset, doc-values, local docnums)."""

_CHUNK = 4096


def _matched(
    searcher: Searcher,
    q: wq.Query,
    budget: Budget,
    docvalues: DocValues,
    dates: DateBounds,
) -> Matched:
    """The documents that match ``q`` and fall within ``dates``, per segment, as time allows."""
    first = dates.first.toordinal() if dates.first else None
    last = dates.last.toordinal() if dates.last else None
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
        if not dates.is_open() and len(docs):
            docs = docs[table.in_date_range(first, last)[docs]]
        if len(docs):
            out.append((sub, offset, table, docs))
        if budget.exceeded:
            break
    return out


def _total(matched: Matched) -> int:
    return sum(len(docs) for *_, docs in matched)


def _docset(matched: Matched) -> set[int]:
    """The global document numbers of the matches, as Whoosh's ``filter=`` takes them."""
    out: set[int] = set()
    for _, offset, _, docs in matched:
        out.update((docs + offset).tolist())
    return out


def check_expansion(q: wq.Query, searcher: Searcher) -> None:
    """Refuse a wildcard, fuzzy term or range that stands for more than MAX_EXPANSION words."""
    reader = searcher.reader()
    for leaf in q.leaves():
        if isinstance(leaf, wq.MultiTerm):
            count = sum(1 for _ in itertools.islice(leaf._btexts(reader), MAX_EXPANSION + 1))
            if count > MAX_EXPANSION:
                raise QueryError(
                    f"{leaf} matches more than {MAX_EXPANSION:,} different words; "
                    f"make it more specific"
                )


def _pick_interval(days: Counter[int], requested: str) -> Interval:
    if requested != "auto":
        return requested  # type: ignore[return-value]
    if not days:
        return "month"
    span = max(days) - min(days)
    return "day" if span <= 62 else "month" if span <= 366 * 12 else "year"


def _bucket_key(day: dt.date, interval: Interval) -> str:
    iso = day.isoformat()
    return iso[:4] if interval == "year" else iso[:7] if interval == "month" else iso


def _bucket_bounds(key: str, interval: Interval) -> tuple[dt.date, dt.date]:
    if interval == "year":
        return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)
    if interval == "month":
        y, m = int(key[:4]), int(key[5:7])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    d = dt.date.fromisoformat(key)
    return d, d


def histogram(days: Counter[int], interval: Interval) -> tuple[DateBucket, ...]:
    """Buckets from the first to the last matching day, empty buckets included.

    ``days`` counts matching articles by day number (``date.toordinal()``).
    """
    if not days:
        return ()
    counts: Counter[str] = Counter()
    for day, n in days.items():
        counts[_bucket_key(dt.date.fromordinal(day), interval)] += n
    first, _ = _bucket_bounds(min(counts), interval)
    _, last = _bucket_bounds(max(counts), interval)
    out = []
    cursor = first
    while cursor <= last:
        key = _bucket_key(cursor, interval)
        start, end = _bucket_bounds(key, interval)
        out.append(DateBucket(key=key, start=start, end=end, count=counts.get(key, 0)))
        cursor = end + dt.timedelta(days=1)
    return tuple(out)


def resolve_filters(searcher: Searcher, filters: Filters) -> dict[str, list[str]]:
    """Map each filter value to the facet term it names, ignoring case."""
    out: dict[str, list[str]] = {}
    for name, value in filters.facet_values():
        field = sf.FACET_FIELDS[name][1]
        term = value.strip()
        if searcher.doc_frequency(field, term) == 0:
            lowered = term.casefold()
            term = next((t for t in _field_terms(searcher, field) if t.casefold() == lowered), term)
        out.setdefault(field, []).append(term)
    return out


def _field_terms(searcher: Searcher, field: str) -> Iterable[str]:
    reader = searcher.reader()
    if field not in reader.indexed_field_names():
        return ()
    return (t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field))


class Highlighter:
    """Builds the highlighted title and fragments of a hit."""

    def __init__(self, body_terms: Collection[str], title_terms: Collection[str]) -> None:
        analyzer = sf.text_analyzer()

        def analyze(word: str) -> str | None:
            return next((t.text for t in analyzer(word)), None)

        self.body = highlight.TermMatcher(body_terms, analyze, word=sf.WORD, fold=sf.fold)
        self.title = highlight.TermMatcher(title_terms, analyze, word=sf.WORD, fold=sf.fold)

    @classmethod
    def for_query(cls, q: wq.Query, searcher: Searcher) -> Highlighter:
        """The terms of ``q`` that occur in the index (wildcards and fuzzy terms expanded).

        Terms under ``NOT`` are left out. (Whoosh's own ``Query.existing_terms`` is not used: in
        whoosh3 3.54 it keeps only the first field it sees, so body terms went missing.)
        """
        terms: dict[str, set[str]] = {sf.BODY: set(), sf.TITLE: set()}
        reader = searcher.reader()
        for leaf in _positive_leaves(q):
            for field, text in leaf.expanded_terms(reader):
                if field in terms:
                    word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
                    if (field, word) in reader:
                        terms[field].add(word)
        return cls(terms[sf.BODY], terms[sf.TITLE])


def _positive_leaves(q: wq.Query) -> Iterable[wq.Query]:
    if isinstance(q, wq.Not):
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _positive_leaves(child)


def hit(
    rank: int,
    score: float,
    stored: Mapping[str, Any],
    hl: Highlighter,
    options: SearchOptions,
    duplicates: tuple[str, ...] = (),
) -> Hit:
    """A :class:`Hit` from a document's stored fields, highlighted by ``hl``."""
    entities = stored.get(sf.ENTITIES) or ()
    date = stored.get(sf.DATE)
    title = stored.get(sf.TITLE, "")
    body = stored.get(sf.BODY, "")
    return Hit(
        rank=rank,
        id=stored[sf.ID],
        score=round(float(score), 6),
        title=title,
        date=date.date() if isinstance(date, dt.datetime) else None,
        source=stored.get(sf.SOURCE),
        url=stored.get(sf.URL),
        tags=tuple(stored.get(sf.TAGS) or ()),
        people=tuple(e[1] for e in entities if e[0] == "person"),
        orgs=tuple(e[1] for e in entities if e[0] == "org"),
        locations=tuple(e[1] for e in entities if e[0] == "location"),
        title_fragment=highlight.whole(title, hl.title),
        fragments=highlight.fragments(
            body,
            hl.body,
            max_fragments=options.fragments,
            max_chars=options.fragment_chars,
        )
        if options.fragments
        else (),
        duplicates=duplicates,
    )


def _sortedby(sort: SortOrder) -> Any:
    if sort == "date":
        return sorting.MultiFacet(
            [sorting.FieldFacet(sf.DATE_SORT, reverse=True), sorting.ScoreFacet()]
        )
    return None


def _score(key: Any) -> float:
    """The relevance score in a result's sort key (a ScoreFacet key is the negated score)."""
    if isinstance(key, tuple):
        return -float(key[-1]) if key else 0.0
    return float(key or 0.0)


RankFilter: TypeAlias = "wq.Query | set[int] | None"
"""What the ranking pass is restricted to: a filter query, or the global docnums of the matches."""


def _collect(
    searcher: Searcher,
    q: wq.Query,
    mask: RankFilter,
    limit: int | None,
    sort: SortOrder,
    budget: Budget,
) -> list[tuple[float, int]]:
    """(score, global docnum) of the top ``limit`` matches, in order, within the budget."""
    inner = searcher.collector(limit=limit, sortedby=_sortedby(sort), filter=mask)
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
    return [(_score(results.score(i)), results.docnum(i)) for i in range(results.scored_length())]


def _whoosh_scores(
    searcher: Searcher, q: wq.Query, matched: Matched, mask: RankFilter, budget: Budget
) -> list[FloatArray]:
    """Whoosh's scores of ``matched`` under ``q``, aligned with each segment's documents.

    A document the time budget left unscored gets 0.
    """
    scored = _collect(searcher, q, mask, None, "relevance", budget)
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
    matched: Matched, clauses: list[wq.Query], vector: VectorPath | None
) -> IntArray:
    """How many of ``clauses`` each matched document matches, in ``matched`` order."""
    parts: list[IntArray] = []
    by_offset = vector.coverage(clauses) if vector is not None else None
    for sub, offset, _, docs in matched:
        if by_offset is not None:
            parts.append(by_offset[offset][docs])
            continue
        counts = np.zeros(sub.reader().doc_count_all(), dtype=np.int32)
        for clause in clauses:
            counts[np.fromiter(clause.docs(sub), dtype=np.int32)] += 1
        parts.append(counts[docs])
    return np.concatenate(parts) if parts else np.zeros(0, np.int32)


def _proximity_pairs(parsed: ParsedQuery) -> list[tuple[str, str]]:
    analyzer = sf.text_analyzer()
    terms = [t.text for word in parsed.words for t in analyzer(word.text)]
    return ranking.adjacent_pairs(terms)


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
    parsed: ParsedQuery,
    matched: Matched,
    scores: list[FloatArray],
    options: SearchOptions,
    model: Ranking,
    sort: SortOrder,
    coverage: IntArray | None,
    clauses: int,
    docvalues: DocValues,
) -> list[tuple[float, int, list[int]]]:
    """The best ``page * limit`` matches as (score, global docnum, copies' docnums), best first.

    The copies are empty unless ``options.collapse``: then each result stands for its group of
    near-duplicates among the matches examined (see :func:`collapse`).

    ``coverage`` (partial matches) puts articles with more of the query's ``clauses`` first;
    with ``match="any"`` it scales the scores instead (coordination).
    """
    if not matched:
        return []
    depth = options.page * options.limit
    docnums = np.concatenate([docs.astype(np.int64) + offset for _, offset, _, docs in matched])
    all_scores = np.concatenate(scores) if scores else np.zeros(len(docnums))
    days = np.concatenate([table.days[docs] for _, _, table, docs in matched])
    first_key = coverage
    if coverage is not None and options.match == "any":
        all_scores = ranking.coordination(all_scores, coverage, clauses, model.coordination)
        first_key = None
    if options.recency is not None and sort == "relevance":
        # age counts back from the newest match: the latest coverage of the subject
        origin = int(days.max(initial=NO_DAY))
        all_scores = ranking.recency_boost(all_scores, days, origin, options.recency)
    positions = ranking.order(
        all_scores, docnums, days=days if sort == "date" else None, coverage=first_key
    )
    pairs = _proximity_pairs(parsed) if model.proximity and sort == "relevance" else []
    if pairs:
        top = positions[: max(depth, ranking.PROXIMITY_DEPTH)]
        near = _near(searcher, pairs, docnums[top].tolist())
        all_scores = all_scores.copy()
        all_scores[top] *= 1.0 + model.proximity * near
        reordered = ranking.order(
            all_scores[top],
            docnums[top],
            coverage=first_key[top] if first_key is not None else None,
        )
        positions = np.concatenate([top[reordered], positions[len(top) :]])
    if options.collapse:
        groups = collapse(searcher, docnums, days, positions, depth)
    else:
        groups = [(int(p), []) for p in positions[:depth]]
    return [
        (float(all_scores[p]), int(docnums[p]), [int(docnums[c]) for c in copies])
        for p, copies in groups
    ]


#: A collapsing search examines at least this many of the best matches for copies...
COLLAPSE_WINDOW = 200
#: ... or this many times the results asked for, whichever is more.
COLLAPSE_FACTOR = 4


#: Copies of one story are published within this many days of each other (recurring
#: template stories, such as a weekly report with new figures, are not copies).
COPY_WINDOW_DAYS = 3


def collapse(
    searcher: Searcher,
    docnums: npt.NDArray[np.int64],
    days: IntArray,
    positions: npt.NDArray[np.intp],
    depth: int,
) -> list[tuple[int, list[int]]]:
    """Walk the ranked matches, keeping the first of each group of near-duplicates.

    Returns up to ``depth`` (position, positions of its copies). A match is a copy of the first
    kept result it is a near-duplicate of (:func:`searchlib.dedup.is_duplicate`, on the MinHash
    signatures stored in the index) dated within :data:`COPY_WINDOW_DAYS` of it (or both
    undated). At least ``max(COLLAPSE_WINDOW, COLLAPSE_FACTOR * depth)``
    matches are examined, and more while fewer than ``depth`` results have been kept, so a
    copy ranked far below its original may be listed on its own.
    """
    offsets = [offset for _, offset in leaves(searcher)]
    readers = [sub.reader() for sub, _ in leaves(searcher)]
    columns: dict[int, Any] = {}
    need = dedup.THRESHOLD * dedup.NUM_PERM
    kept: list[tuple[int, list[int]]] = []
    kept_sigs = np.zeros((0, dedup.NUM_PERM), dtype=np.uint32)
    kept_days = np.zeros(0, dtype=np.int64)
    window = max(COLLAPSE_WINDOW, COLLAPSE_FACTOR * depth)
    for n, position in enumerate(positions.tolist()):
        if n >= window and len(kept) >= depth:
            break
        docnum = int(docnums[position])
        seg = bisect.bisect_right(offsets, docnum) - 1
        if seg not in columns:
            columns[seg] = readers[seg].column_reader(sf.DUP_SIG)
        sig = dedup.from_bytes(columns[seg][docnum - offsets[seg]])
        day = int(days[position])
        if not dedup.is_empty(sig) and len(kept):
            near = (
                (kept_days == NO_DAY)
                if day == NO_DAY
                else ((kept_days != NO_DAY) & (np.abs(kept_days - day) <= COPY_WINDOW_DAYS))
            )
            same = near & (np.count_nonzero(kept_sigs == sig, axis=1) >= need)
            if same.any():
                kept[int(np.argmax(same))][1].append(position)
                continue
        kept.append((position, []))
        kept_sigs = np.vstack([kept_sigs, sig[None, :]])
        kept_days = np.append(kept_days, day)
    return kept[:depth]


#: A word this rare is checked for a likelier spelling when the query matched badly.
RARE_WORD_DOCS = 3
#: ... and a correction must be this many times more common than the word itself.
CORRECTION_ADVANTAGE = 20


def suggest(
    searcher: Searcher,
    parsed: ParsedQuery,
    parser: Any,
    has_results: Callable[[wq.Query], bool],
    *,
    weak: bool,
) -> str | None:
    """A corrected query string when some word looks misspelt, if the correction finds results.

    A word is checked when it is not in the index at all, or, when the query matched badly
    (``weak``: no hits, or only partial ones), when it is very rare (typos get indexed too:
    Reuters has "govenment"). It is replaced by the nearest indexed word (fewest edits, then
    most frequent) that is much more common than itself. The suggestion is offered only if the
    corrected query matches something.
    """
    from whoosh.support.levenshtein import damerau_levenshtein

    analyzer = sf.plain_analyzer()
    text = parsed.text
    changed = False
    for word in reversed(parsed.words):
        tokens = [t.text for t in analyzer(word.text)]
        if len(tokens) != 1 or len(tokens[0]) < 3:
            continue
        term = tokens[0]
        df = searcher.doc_frequency(sf.SPELL, term)
        if df > 0 and not (weak and df <= RARE_WORD_DOCS):
            continue
        maxdist = 1 if len(term) <= 4 else 2
        candidates = [
            (damerau_levenshtein(term, c), -cdf, c)
            for c in searcher.reader().terms_within(sf.SPELL, term, maxdist, prefix=1)
            if c != term
            and (cdf := searcher.doc_frequency(sf.SPELL, c)) >= CORRECTION_ADVANTAGE * df
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
    return text if has_results(parse_query(parser, text).query) else None


class VectorPath:
    """Matching and ranking with :mod:`searchlib.scoring`, segment by segment."""

    def __init__(
        self,
        searcher: Searcher,
        docvalues: DocValues,
        postings: scoring.PostingsCache,
        mask: wq.Query | None,
        dates: DateBounds,
        budget: Budget,
    ) -> None:
        self.searcher = searcher
        self.docvalues = docvalues
        self.postings = postings
        self.mask = mask
        self.first = dates.first.toordinal() if dates.first else None
        self.last = dates.last.toordinal() if dates.last else None
        self.dated = not dates.is_open()
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
        for sub, offset, scorer in self.scorers:
            if self.budget.spent():
                break
            docs, doc_scores = scorer.evaluate(node)
            table = self.docvalues.for_reader(sub.reader())
            if len(docs) and self.mask is not None:
                keep = np.isin(docs, scorer.docs_of(self.mask), assume_unique=True)
                docs, doc_scores = docs[keep], doc_scores[keep]
            if len(docs) and self.dated:
                keep = table.in_date_range(self.first, self.last)[docs]
                docs, doc_scores = docs[keep], doc_scores[keep]
            if len(docs):
                matched.append((sub, offset, table, docs))
                scores.append(doc_scores)
        return matched, scores

    def coverage(self, clauses: list[wq.Query]) -> dict[int, IntArray]:
        """For each segment offset, how many of ``clauses`` each document matches (relaxed)."""
        out: dict[int, IntArray] = {}
        for sub, offset, scorer in self.scorers:
            counts = np.zeros(sub.reader().doc_count_all(), dtype=np.int32)
            for clause in clauses:
                node = scoring.plan(clause)
                counts[scorer.docs_of(node if node is not None else clause)] += 1
            out[offset] = counts
        return out


def execute(
    searcher: Searcher,
    parser: Any,
    parsed: ParsedQuery,
    filters: Filters,
    options: SearchOptions,
    docvalues: DocValues,
    postings: scoring.PostingsCache | None = None,
    model: Ranking | None = None,
) -> SearchResults:
    """Run ``parsed`` with ``filters`` on ``searcher`` and assemble the :class:`SearchResults`.

    With a ``postings`` cache, plain-word queries run on the vectorised scorer
    (:mod:`searchlib.scoring`); without one, or for other queries, on Whoosh's matchers.
    """
    started = time.perf_counter()
    options.validate()
    model = model or Ranking()
    budget = Budget(options.timeout)
    check_expansion(parsed.query, searcher)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise QueryError(f"date_from {filters.date_from} is after date_to {filters.date_to}")
    mask = filter_query(resolve_filters(searcher, filters))
    q, dates = split_dates(parsed.query)
    dates = dates.narrow(filters.date_from, filters.date_to)
    sort: SortOrder = "date" if parsed.match_all else options.sort
    depth = options.page * options.limit

    def matching(query: wq.Query) -> Matched:
        return _matched(
            searcher, wq.And([query, mask]) if mask is not None else query, budget, docvalues, dates
        )

    vector = (
        VectorPath(searcher, docvalues, postings, mask, dates, budget)
        if postings is not None and scoring.supported(searcher)
        else None
    )

    def run(query: wq.Query) -> tuple[Matched, list[FloatArray] | None]:
        node = scoring.plan(query) if vector is not None else None
        if vector is not None and node is not None:
            return vector.run(node)
        return matching(query), None

    clauses = parsed.clauses()
    anyword = False
    if options.match == "any":
        question = parsed.without_words(ranking.QUESTION_WORDS)
        ored = question.relaxed()
        anyword = ored is not None
        q, _ = split_dates(ored if ored is not None else question.query)
        clauses = question.clauses()
    matched, scores = run(q)
    total = _total(matched)
    relaxed = False
    if total == 0 and options.relax and options.match == "all" and not budget.exceeded:
        # Nothing has every word: likely a question. Leave out its function words and take
        # the articles with any of the others, those with more of them first.
        question = parsed.without_words(ranking.QUESTION_WORDS)
        relaxed_q = question.relaxed()
        if relaxed_q is None and question is not parsed:
            relaxed_q = question.query
        if relaxed_q is not None:
            relaxed_q, _ = split_dates(relaxed_q)
            matched, scores = run(relaxed_q)
            total = _total(matched)
            relaxed = total > 0
            if relaxed:
                q = relaxed_q
                clauses = question.clauses()
    if scores is None and total:
        if parsed.match_all:
            scores = [np.ones(len(docs)) for *_, docs in matched]
        else:
            # Score exactly the matches: a date filter is applied as their docnums.
            rank_filter: RankFilter = mask if dates.is_open() else _docset(matched)
            scores = _whoosh_scores(searcher, q, matched, rank_filter, budget)
    coverage = _coverage(matched, clauses, vector) if relaxed or anyword else None
    ranked = _rank(
        searcher,
        parsed,
        matched,
        scores or [],
        options,
        model,
        sort,
        coverage,
        len(clauses),
        docvalues,
    )

    counters, days = count_values(
        ((table, docs) for _, _, table, docs in matched),
        options.facets,
        want_days=options.histogram,
    )
    facets = {
        name: tuple(
            FacetValue(value, n)
            for value, n in sorted(counters[name].items(), key=lambda vn: (-vn[1], vn[0]))[
                : options.facet_limit
            ]
        )
        for name in options.facets
    }
    interval = _pick_interval(days, options.interval)

    hl = Highlighter.for_query(q, searcher)
    first = (options.page - 1) * options.limit
    hits = tuple(
        hit(
            first + i + 1,
            score,
            searcher.stored_fields(doc),
            hl,
            options,
            tuple(searcher.stored_fields(c)[sf.ID] for c in copies),
        )
        for i, (score, doc, copies) in enumerate(ranked[first:depth])
    )
    suggestion = (
        suggest(
            searcher,
            parsed,
            parser,
            lambda corrected: _total(matching(split_dates(corrected)[0])) > 0,
            weak=relaxed or total == 0,
        )
        if options.suggest and parsed.words and not budget.spent()
        else None
    )
    return SearchResults(
        query=parsed.text,
        total=total,
        hits=hits,
        page=options.page,
        limit=options.limit,
        sort=sort,
        facets=facets,
        histogram=histogram(days, interval) if options.histogram else (),
        interval=interval,
        relaxed=relaxed,
        suggestion=suggestion,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        partial=budget.exceeded,
        collapsed=options.collapse,
    )


__all__ = [
    "DEFAULT_FACET_LIMIT",
    "MAX_LIMIT",
    "DocValues",
    "Highlighter",
    "SearchOptions",
    "SortOrder",
    "execute",
    "histogram",
    "resolve_filters",
    "suggest",
]
