"""Run a parsed query: rank, count facets and the date histogram, highlight, suggest.

Facet counts and the histogram never walk stored documents and never run a query per bucket.
Each index segment gets a *doc-values* table, built once from the facet fields' postings and
kept until the segment disappears (segments are immutable), so counting is one pass over the
matching documents. Only the hits on the page being shown are loaded and highlighted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from whoosh import collectors, sorting
from whoosh import query as wq
from whoosh.searching import Searcher

from . import highlight
from . import schema as sf
from .errors import QueryError
from .model import (
    DateBucket,
    FacetValue,
    Hit,
    Interval,
    SearchResults,
)
from .query import Filters, ParsedQuery, filter_query, parse_query

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

    def validate(self) -> None:
        """Raise :class:`QueryError` for an option outside its range."""
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


class _SegmentValues:
    """Per-document facet values of one immutable segment (local document numbers)."""

    __slots__ = ("days", "values")

    def __init__(self, reader: Any) -> None:
        size = reader.doc_count_all()
        self.values: dict[str, list[tuple[str, ...]]] = {}
        for _, field in sf.FACET_FIELDS.values():
            per_doc: list[tuple[str, ...]] = [()] * size
            for term in _terms(reader, field):
                for doc in reader.postings(field, term).all_ids():
                    per_doc[doc] = (*per_doc[doc], term)
            self.values[field] = per_doc
        days: list[str | None] = [None] * size
        for term in _terms(reader, sf.DAY):
            for doc in reader.postings(sf.DAY, term).all_ids():
                days[doc] = term
        self.days = days


def _terms(reader: Any, field: str) -> Iterable[str]:
    if field not in reader.indexed_field_names():
        return ()
    return (t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field))


class DocValues:
    """Doc-values tables for the segments of an index, built lazily, shared by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._segments: dict[str, _SegmentValues] = {}

    def for_reader(self, reader: Any) -> _SegmentValues:
        """The table of one segment reader (built on first use)."""
        key = reader.segment().segment_id() if reader.segment() is not None else str(id(reader))
        with self._lock:
            found = self._segments.get(key)
        if found is None:
            found = _SegmentValues(reader)
            with self._lock:
                self._segments[key] = found
        return found

    def retain(self, segment_ids: Collection[str]) -> None:
        """Forget the tables of segments that no longer exist."""
        with self._lock:
            for key in [k for k in self._segments if k not in segment_ids]:
                del self._segments[key]


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


def _matched(
    searcher: Searcher, q: wq.Query, budget: Budget
) -> list[tuple[Searcher, int, list[int]]]:
    """Per segment, the local numbers of the documents that match ``q`` (as many as time allows)."""
    out = []
    for sub, offset in leaves(searcher):
        docs: list[int] = []
        for i, doc in enumerate(q.docs(sub)):
            if not i & 4095 and budget.spent():
                break
            docs.append(doc)
        if docs:
            out.append((sub, offset, docs))
        if budget.exceeded:
            break
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


def _pick_interval(days: Counter[str], requested: str) -> Interval:
    if requested != "auto":
        return requested  # type: ignore[return-value]
    if not days:
        return "month"
    first, last = dt.date.fromisoformat(min(days)), dt.date.fromisoformat(max(days))
    span = (last - first).days
    return "day" if span <= 62 else "month" if span <= 366 * 12 else "year"


def _bucket_key(day: str, interval: Interval) -> str:
    return day[:4] if interval == "year" else day[:7] if interval == "month" else day


def _bucket_bounds(key: str, interval: Interval) -> tuple[dt.date, dt.date]:
    if interval == "year":
        return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)
    if interval == "month":
        y, m = int(key[:4]), int(key[5:7])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    d = dt.date.fromisoformat(key)
    return d, d


def histogram(days: Counter[str], interval: Interval) -> tuple[DateBucket, ...]:
    """Buckets from the first to the last matching date, empty buckets included."""
    if not days:
        return ()
    counts: Counter[str] = Counter()
    for day, n in days.items():
        counts[_bucket_key(day, interval)] += n
    first, _ = _bucket_bounds(min(counts), interval)
    _, last = _bucket_bounds(max(counts), interval)
    out = []
    cursor = first
    while cursor <= last:
        key = _bucket_key(cursor.isoformat(), interval)
        start, end = _bucket_bounds(key, interval)
        out.append(DateBucket(key=key, start=start, end=end, count=counts.get(key, 0)))
        cursor = end + dt.timedelta(days=1)
    return tuple(out)


def count_facets(
    matched: Sequence[tuple[Searcher, int, list[int]]],
    docvalues: DocValues,
    facets: Sequence[str],
    *,
    want_days: bool,
) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """Count facet values and days over every matched document, one pass per segment."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in facets}
    days: Counter[str] = Counter()
    for sub, _, docs in matched:
        table = docvalues.for_reader(sub.reader())
        for name in facets:
            per_doc = table.values[sf.FACET_FIELDS[name][1]]
            counter = counters[name]
            for doc in docs:
                values = per_doc[doc]
                if values:
                    counter.update(values)
        if want_days:
            day_of = table.days
            days.update(d for d in (day_of[doc] for doc in docs) if d is not None)
    return counters, days


def resolve_filters(searcher: Searcher, filters: Filters) -> dict[str, list[str]]:
    """Map each filter value to the facet term it names, ignoring case."""
    out: dict[str, list[str]] = {}
    for name, value in filters.facet_values():
        field = sf.FACET_FIELDS[name][1]
        term = value.strip()
        if searcher.doc_frequency(field, term) == 0:
            lowered = term.casefold()
            term = next(
                (t for t in _terms(searcher.reader(), field) if t.casefold() == lowered), term
            )
        out.setdefault(field, []).append(term)
    return out


class Highlighter:
    """Builds the highlighted title and fragments of a hit."""

    def __init__(self, body_terms: Collection[str], title_terms: Collection[str]) -> None:
        self.tokenize = highlight.whoosh_tokenizer(sf.text_analyzer())
        self.body_terms = body_terms
        self.title_terms = title_terms

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


def _hit(
    rank: int, score: float, stored: Mapping[str, Any], hl: Highlighter, options: SearchOptions
) -> Hit:
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
        title_fragment=highlight.whole(title, hl.title_terms, hl.tokenize),
        fragments=highlight.fragments(
            body,
            hl.body_terms,
            hl.tokenize,
            max_fragments=options.fragments,
            max_chars=options.fragment_chars,
        )
        if options.fragments
        else (),
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


def _collect(
    searcher: Searcher,
    q: wq.Query,
    mask: wq.Query | None,
    limit: int | None,
    sort: SortOrder,
    budget: Budget,
) -> list[tuple[float, int]]:
    """(score, global docnum) of the top ``limit`` matches, in order, within the budget."""
    collector = _BudgetCollector(
        searcher.collector(limit=limit, sortedby=_sortedby(sort), filter=mask), budget
    )
    with contextlib.suppress(collectors.TimeLimit):
        searcher.search_with_collector(q, collector)
    results = collector.results()
    return [(_score(results.score(i)), results.docnum(i)) for i in range(results.scored_length())]


def _ranked(
    searcher: Searcher,
    q: wq.Query,
    mask: wq.Query | None,
    depth: int,
    sort: SortOrder,
    budget: Budget,
) -> list[tuple[float, int]]:
    return _collect(searcher, q, mask, depth, sort, budget)


def _relaxed_ranked(
    searcher: Searcher,
    parsed: ParsedQuery,
    relaxed: wq.Query,
    mask: wq.Query | None,
    depth: int,
    sort: SortOrder,
    budget: Budget,
) -> list[tuple[float, int]]:
    """Partial matches: more matching clauses first, then score (or date)."""
    coverage: Counter[int] = Counter()
    for clause in parsed.clauses():
        coverage.update(searcher.docs_for_query(clause))
    scored = _collect(searcher, relaxed, mask, None, sort, budget)
    if sort == "relevance":
        scored.sort(key=lambda sd: (-coverage[sd[1]], -sd[0]))
    return scored[:depth]


#: A word this rare is checked for a likelier spelling when the query matched badly.
RARE_WORD_DOCS = 3
#: ... and a correction must be this many times more common than the word itself.
CORRECTION_ADVANTAGE = 20


def suggest(
    searcher: Searcher,
    parsed: ParsedQuery,
    parser: Any,
    mask: wq.Query | None,
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
    corrected = parse_query(parser, text)
    found = searcher.search(corrected.query, filter=mask, limit=1)
    return text if len(found) else None


def execute(
    searcher: Searcher,
    parser: Any,
    parsed: ParsedQuery,
    filters: Filters,
    options: SearchOptions,
    docvalues: DocValues,
) -> SearchResults:
    """Run ``parsed`` with ``filters`` on ``searcher`` and assemble the :class:`SearchResults`."""
    started = time.perf_counter()
    options.validate()
    budget = Budget(options.timeout)
    check_expansion(parsed.query, searcher)
    mask = filter_query(resolve_filters(searcher, filters), filters.date_from, filters.date_to)
    sort: SortOrder = "date" if parsed.match_all else options.sort
    depth = options.page * options.limit
    q = parsed.query
    full = wq.And([q, mask]) if mask is not None else q

    matched = _matched(searcher, full, budget)
    total = sum(len(docs) for _, _, docs in matched)
    relaxed = False
    if total == 0 and options.relax and not budget.exceeded:
        relaxed_q = parsed.relaxed()
        if relaxed_q is not None:
            matched = _matched(
                searcher, wq.And([relaxed_q, mask]) if mask is not None else relaxed_q, budget
            )
            total = sum(len(docs) for _, _, docs in matched)
            relaxed = total > 0
            if relaxed:
                q = relaxed_q
    if relaxed:
        ranked = _relaxed_ranked(searcher, parsed, q, mask, depth, sort, budget)
    elif total:
        ranked = _ranked(searcher, q, mask, depth, sort, budget)
    else:
        ranked = []

    counters, days = count_facets(matched, docvalues, options.facets, want_days=options.histogram)
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
        _hit(first + i + 1, score, searcher.stored_fields(doc), hl, options)
        for i, (score, doc) in enumerate(ranked[first:depth])
    )
    suggestion = (
        suggest(searcher, parsed, parser, mask, weak=relaxed or total == 0)
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
    )


__all__ = [
    "DEFAULT_FACET_LIMIT",
    "MAX_LIMIT",
    "DocValues",
    "Highlighter",
    "SearchOptions",
    "SortOrder",
    "count_facets",
    "execute",
    "histogram",
    "resolve_filters",
    "suggest",
]
