"""What an archive can tell: significant terms, co-occurrence, timelines compared, exports.

Engine-free: everything here is built on the :class:`~searchlib.backend.Reader` API, so it
works the same over any backend. A *selection* of articles is a query with filters, exactly as
:meth:`searchlib.Index.search` takes them (``person``, ``org``, ``location``, ``misc``,
``tag``, ``source``, ``exclude``, ``date_from``, ``date_to``); counts are exact (no time
budget, no sampling).

**The score** of a word or an entity in a selection (the *foreground*) against a *background*
(the whole archive, or the articles of a background query) is Dunning's log-likelihood ratio
G² on the 2×2 table of articles::

                      with the term   without it
    foreground            a             n1 - a
    rest of background    b - a    (n2 - n1) - (b - a)

where ``a`` of the ``n1`` foreground articles and ``b`` of the ``n2`` background articles
carry the term. As Elasticsearch's ``significant_terms`` assumes by default, the background
is taken to contain the foreground, which is removed from it before comparing (negative
remainders count as 0). ``G² = 2 Σ O ln(O / E)`` over the four cells, ``E`` being each cell's
count expected from its row and column totals. Only terms more frequent in the foreground
than in the rest are kept; G² above 3.84 is significant at p < 0.05, above 10.83 at p < 0.001
(one degree of freedom). Words are the words of titles and bodies, lower-cased and unaccented
as indexed, without stop words and numbers, shown in their most frequent written form among
the best matches ("OPEC", "Aleppo"; lower-cased when none of those has the word).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from . import facets as fc
from . import text as tx
from .backend import MatchRequest, Reader
from .errors import QueryError
from .model import ENTITY_KINDS, Article, EntityKind, Interval
from .ranking import QUESTION_WORDS, Ranking
from .request import FILTER_OPTIONS, IntervalChoice, SearchRequest

if TYPE_CHECKING:
    from .index import Index

TermKind = Literal["word", "person", "org", "location", "misc"]
"""What a significant term is: a word, or an entity of one kind."""

TERM_KINDS: tuple[TermKind, ...] = get_args(TermKind)
DEFAULT_KINDS: tuple[TermKind, ...] = ("word", "person", "org", "location")
COOCCUR_KINDS: tuple[EntityKind, ...] = ("person", "org", "location")


#: The most terms (or entities) one answer may list per kind.
MAX_TERMS = 1000
#: The most queries one timeline may compare.
MAX_SERIES = 20
#: Entities of a co-occurrence network whose links to each other are counted, at most.
MAX_LINKS = 30
#: How many of the best matches are read to find each word's written form.
DISPLAY_SAMPLE = 12
#: Articles read from the index at a time by an export.
EXPORT_BATCH = 500

#: The columns an export can write, in their default order.
EXPORT_FIELDS: tuple[str, ...] = (
    "id",
    "date",
    "title",
    "source",
    "url",
    "tags",
    "people",
    "orgs",
    "locations",
    "misc",
    "related",
    "body",
)

ExportFormat = Literal["csv", "jsonl"]
ExportSort = Literal["date", "index"]


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignificantTerm:
    """One word or entity of a selection, with its score and counts.

    ``foreground`` of the selection's articles carry it, ``background`` of the background's;
    ``score`` is G² (see the module's docs), rounded to 4 decimals.
    """

    kind: TermKind
    term: str
    score: float
    foreground: int
    background: int


@dataclass(frozen=True, slots=True)
class SignificantTerms:
    """The words and entities that set a selection apart from its background.

    ``terms`` maps each kind asked for (``word``, ``person``...) to its terms, highest score
    first. ``foreground_total`` and ``background_total`` count the articles of each set;
    ``background`` is the background query (None: the whole archive).
    """

    query: str
    background: str | None
    foreground_total: int
    background_total: int
    terms: dict[str, tuple[SignificantTerm, ...]]
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class Link:
    """Two co-occurring entities and the number of the subject's articles that carry both."""

    source: str
    target: str
    count: int


@dataclass(frozen=True, slots=True)
class Cooccurrence:
    """The entities that appear with a subject (an entity, or a query), most articles first.

    ``kind`` is the subject's entity kind, or ``"query"`` when the subject is a query;
    ``total`` counts its articles and ``background_total`` the archive's (within the
    filters' dates). Each entity's ``foreground`` is the number of the subject's articles that
    carry it, ``background`` the number of all articles, ``score`` G² (how much more often than
    by chance). ``links`` counts, for the first entities, the subject's articles that carry
    two of them (the edges of a network; empty unless asked for).
    """

    subject: str
    kind: str
    total: int
    background_total: int
    entities: tuple[SignificantTerm, ...]
    links: tuple[Link, ...]
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    """One period: its key (``2016``, ``2016-10``, ``2016-10-07``), first and last day, and the
    number of articles of the whole archive dated in it."""

    key: str
    start: dt.date
    end: dt.date
    total: int


@dataclass(frozen=True, slots=True)
class TimelineSeries:
    """One query's matches per bucket (``counts``) and their share of all the archive's
    articles in the bucket (``shares``, 0 to 1, 0 for a bucket without articles)."""

    query: str
    total: int
    counts: tuple[int, ...]
    shares: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Several queries counted over the same buckets, from the first to the last day any of
    them matches (empty buckets included); the series are in the order of the queries."""

    interval: Interval
    buckets: tuple[TimelineBucket, ...]
    series: tuple[TimelineSeries, ...]
    elapsed_ms: float


# -- selections --------------------------------------------------------------------------------


def selection(query: str | SearchRequest = "", /, **filters: Any) -> SearchRequest:
    """The request selecting the articles of ``query`` with ``filters`` (validated; raises
    :class:`QueryError` for an option that is not a filter)."""
    unknown = sorted(set(filters) - set(FILTER_OPTIONS))
    if unknown:
        raise QueryError(f"unknown option {unknown[0]!r} (filters: {', '.join(FILTER_OPTIONS)})")
    if isinstance(query, SearchRequest):
        return query.replace(**filters) if filters else query
    if not isinstance(query, str):
        raise QueryError(f"query must be a string, not {type(query).__name__}")
    return SearchRequest(query=query, **filters)


def _match(
    reader: Reader,
    request: SearchRequest,
    *,
    extra: Sequence[tuple[str, str]] = (),
    facets: Sequence[str] = (),
    histogram: bool = False,
    depth: int = 0,
    sort: Literal["relevance", "date"] = "relevance",
) -> tuple[str, MatchRequest]:
    """(the parsed query text, the backend request selecting ``request``'s articles)."""
    from . import search as searching

    parsed, tree, first, last = searching.prepare(reader, request.query)
    base = searching.match_request(request, tree, first, last, Ranking(), match_all=False)
    return parsed.text, replace(
        base,
        include=base.include + tuple(extra),  # type: ignore[arg-type]
        facets=tuple(facets),  # type: ignore[arg-type]
        histogram=histogram,
        depth=depth,
        sort=sort,
        scored=bool(depth) and sort == "relevance",
        deadline=float("inf"),
    )


def _read(index: Index, fn: Callable[[Reader], Any]) -> Any:
    retrying = getattr(index.backend, "retrying", None)
    if retrying is not None:
        return retrying(fn)
    with index.backend.reader() as r:
        return fn(r)


# -- scoring -----------------------------------------------------------------------------------


def _xlogx_ratio(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = observed * np.log(observed / expected)
    return np.where(observed > 0, out, 0.0)


def g_squared(a: np.ndarray | int, n1: int, b: np.ndarray | int, n2: int) -> np.ndarray:
    """G² of terms carried by ``a`` of ``n1`` foreground articles and ``b`` of ``n2`` background
    articles, the background containing the foreground (see the module's docs); negative when
    the term is rarer in the foreground than in the rest of the background."""
    fa = np.asarray(a, dtype=np.float64)
    rest_n = float(max(n2 - n1, 0))
    ra = np.clip(np.asarray(b, dtype=np.float64) - fa, 0.0, rest_n)
    total = n1 + rest_n
    if n1 <= 0 or rest_n <= 0:
        return np.zeros_like(fa)
    with_term = fa + ra
    without = total - with_term
    cells = (
        (fa, n1 * with_term / total),
        (n1 - fa, n1 * without / total),
        (ra, rest_n * with_term / total),
        (rest_n - ra, rest_n * without / total),
    )
    g2 = 2.0 * sum(_xlogx_ratio(o, e) for o, e in cells)
    g2 = np.maximum(g2, 0.0)
    more = fa / n1 > ra / rest_n
    result: np.ndarray = np.where(more, g2, -g2)
    return result


def _rank(
    kind: TermKind,
    fg: Counter[str],
    n1: int,
    bg: Callable[[Sequence[str]], Sequence[int]],
    n2: int,
    *,
    limit: int,
    min_count: int,
    by_count: bool = False,
) -> list[SignificantTerm]:
    """The terms of ``fg`` (carried by at least ``min_count`` articles), scored and picked."""
    names = [t for t, n in fg.items() if n >= min_count]
    if not names:
        return []
    a = np.fromiter(map(fg.__getitem__, names), dtype=np.int64, count=len(names))
    b = np.asarray(bg(names), dtype=np.int64)
    return _pick(kind, names, a, b, n1, n2, limit=limit, by_count=by_count)


def _pick(
    kind: TermKind,
    names: Sequence[str],
    a: np.ndarray,
    b: np.ndarray,
    n1: int,
    n2: int,
    *,
    limit: int,
    by_count: bool = False,
    listed: Callable[[str], bool] | None = None,
) -> list[SignificantTerm]:
    """The first ``limit`` terms: by score (only those over-represented), or by count;
    ``listed`` leaves out the names it refuses (checked on the best ones only)."""
    b = np.maximum(b, a)  # a background that contains the foreground
    scores = g_squared(a, n1, b, n2)
    primary = a if by_count else scores
    keep = np.arange(len(names)) if by_count else np.flatnonzero(scores > 0)
    want = limit
    while True:
        chosen = keep
        if len(keep) > want:  # only the first ``want`` (ties at the edge included) are sorted
            edge = np.partition(primary[keep], len(keep) - want)[len(keep) - want]
            chosen = keep[primary[keep] >= edge]
        picked = [i for i in chosen.tolist() if listed is None or listed(names[i])]
        if len(picked) >= limit or len(chosen) == len(keep):
            break
        want *= 4
    if by_count:
        order = sorted(picked, key=lambda i: (-a[i], -scores[i], names[i]))
    else:
        order = sorted(picked, key=lambda i: (-scores[i], -a[i], names[i]))
    return [
        SignificantTerm(
            kind=kind,
            term=names[i],
            score=round(float(scores[i]), 4),
            foreground=int(a[i]),
            background=int(b[i]),
        )
        for i in order[:limit]
    ]


def _lookup(counts: Counter[str]) -> Callable[[Sequence[str]], list[int]]:
    """Background counts of names, from a counter."""

    def look(names: Sequence[str]) -> list[int]:
        return [counts.get(t, 0) for t in names]

    return look


_UNLISTED = tx.STOP_WORDS | QUESTION_WORDS
_NUMBER = re.compile(r"[\d.,]+\Z").match


def _plain_word(word: str) -> bool:
    """A word worth listing: not a stop word, a number or a single character."""
    return len(word) > 1 and word not in _UNLISTED and _NUMBER(word) is None


def _written_forms(articles: Sequence[Article], wanted: set[str]) -> dict[str, str]:
    """The most frequent written form of each wanted (folded) word in the articles."""
    if not wanted:
        return {}
    pattern = re.compile(
        r"(?<![\w*])(?:"
        + "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
        + r")(?![\w*])",
        re.IGNORECASE,
    )
    forms: dict[str, Counter[str]] = {}
    for article in articles:
        for text in (article.title, article.body):
            for token in pattern.findall(text):
                folded = tx.fold(token)
                if folded in wanted:
                    forms.setdefault(folded, Counter())[token] += 1
    return {w: sorted(c.items(), key=lambda tn: (-tn[1], tn[0]))[0][0] for w, c in forms.items()}


def _check_kinds(kinds: Sequence[str], allowed: Sequence[str]) -> tuple[Any, ...]:
    if isinstance(kinds, str):
        kinds = [k for k in kinds.split(",") if k.strip()]
    out = tuple(dict.fromkeys(str(k).strip().lower() for k in kinds))
    bad = [k for k in out if k not in allowed]
    if bad or not out:
        raise QueryError(
            f"unknown kind {bad[0]!r} (kinds: {', '.join(allowed)})"
            if bad
            else f"no kind given (kinds: {', '.join(allowed)})"
        )
    return out


def _check_count(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}, not {value!r}")
    return value


# -- significant terms -------------------------------------------------------------------------


def significant_terms(
    index: Index,
    query: str | SearchRequest = "",
    /,
    *,
    background: str | SearchRequest | None = None,
    kinds: Sequence[TermKind] = DEFAULT_KINDS,
    limit: int = 20,
    min_count: int = 3,
    **filters: Any,
) -> SignificantTerms:
    """The words and entities of a selection (``query`` with ``filters``) that are most
    over-represented against the whole archive, or against the articles of ``background``
    (a query, with the same filters' dates; or a :class:`SearchRequest`).

    ``kinds`` picks ``word``, ``person``, ``org``, ``location``, ``misc``; ``limit`` terms of
    each kind are returned, highest G² first, each carried by at least ``min_count``
    foreground articles. Raises :class:`QueryError` for a bad query or option.
    """
    started = time.perf_counter()
    wanted: tuple[TermKind, ...] = _check_kinds(kinds, TERM_KINDS)
    _check_count("limit", limit, 1, MAX_TERMS)
    _check_count("min_count", min_count, 1, 1_000_000)
    fg_request = selection(query, **filters)
    bg_request = (
        None
        if background is None
        else selection(background)
        if isinstance(background, SearchRequest)
        else selection(background, date_from=fg_request.date_from, date_to=fg_request.date_to)
    )
    entity_kinds = [k for k in wanted if k != "word"]

    def read(r: Reader) -> SignificantTerms:
        text, fg_match = _match(
            r,
            fg_request,
            facets=entity_kinds,
            depth=DISPLAY_SAMPLE if "word" in wanted else 0,
        )
        found = r.search(fg_match)
        n1 = found.total
        bg_text: str | None = None
        if bg_request is None:
            n2 = _read_total(r)
            bg_facets: dict[str, Counter[str]] = {}
            bg_match = None
        else:
            bg_text, bg_match = _match(r, bg_request, facets=entity_kinds)
            bg_found = r.search(bg_match)
            n2, bg_facets = bg_found.total, bg_found.facets
        out: dict[str, tuple[SignificantTerm, ...]] = {}
        for kind in wanted:
            if kind == "word":
                out[kind] = _significant_words(
                    r, fg_match, n1, bg_match, n2, found.ranked, limit, min_count
                )
                continue
            counts = found.facets.get(kind, Counter())
            lookup = _lookup(
                r.facet_values(kind) if bg_request is None else bg_facets.get(kind, Counter())
            )
            out[kind] = tuple(_rank(kind, counts, n1, lookup, n2, limit=limit, min_count=min_count))
        return SignificantTerms(
            query=text,
            background=bg_text,
            foreground_total=n1,
            background_total=n2,
            terms=out,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    result: SignificantTerms = _read(index, read)
    return result


def _read_total(reader: Reader) -> int:
    """The number of articles in the archive."""
    from .query import Every

    return reader.count(MatchRequest(tree=Every(), depth=0, scored=False))


def _significant_words(
    reader: Reader,
    fg_match: MatchRequest,
    n1: int,
    bg_match: MatchRequest | None,
    n2: int,
    ranked: Sequence[Any],
    limit: int,
    min_count: int,
) -> tuple[SignificantTerm, ...]:
    from .query import Every

    if bg_match is None:
        bg_match = MatchRequest(tree=Every(), depth=0, scored=False)
    found = reader.word_counts(fg_match, background=bg_match, min_count=min_count)
    ranked_terms = _pick(
        "word",
        found.words,
        np.asarray(found.counts, dtype=np.int64),
        np.asarray(found.background_counts, dtype=np.int64),
        n1,
        n2,
        limit=limit,
        listed=_plain_word,
    )
    if not ranked_terms:
        return ()
    forms = _written_forms(reader.articles([c.key for c in ranked]), {t.term for t in ranked_terms})
    return tuple(replace(t, term=forms.get(t.term, t.term)) for t in ranked_terms)


# -- co-occurrence -----------------------------------------------------------------------------


def find_entity(index: Index, name: str) -> tuple[EntityKind, str] | None:
    """The entity kind and canonical name of ``name`` (ignoring case), the kind with most
    articles when several carry it; None when no article carries it."""

    def read(r: Reader) -> tuple[EntityKind, str] | None:
        return _find_entity(r, name)

    found: tuple[EntityKind, str] | None = _read(index, read)
    return found


def _find_entity(reader: Reader, name: str) -> tuple[EntityKind, str] | None:
    wanted = " ".join(name.split()).casefold()
    best: tuple[int, EntityKind, str] | None = None
    for kind in ENTITY_KINDS:
        for value, n in reader.facet_values(kind).items():
            if value.casefold() == wanted and (best is None or n > best[0]):
                best = (n, kind, value)
    return (best[1], best[2]) if best else None


def _subject_entity(
    reader: Reader, subject: str, kind: EntityKind | Literal["query"] | None
) -> tuple[EntityKind, str] | None:
    """The entity a co-occurrence subject names (None: the subject is a query)."""
    if kind is None:
        return _find_entity(reader, subject)
    if kind == "query":
        return None
    folded = " ".join(subject.split()).casefold()
    values = reader.facet_values(kind)
    name = next((v for v in values if v.casefold() == folded), " ".join(subject.split()))
    return (kind, name)


def cooccurrence(
    index: Index,
    subject: str,
    /,
    *,
    kind: EntityKind | Literal["query"] | None = None,
    kinds: Sequence[EntityKind] = COOCCUR_KINDS,
    limit: int = 20,
    min_count: int = 1,
    links: int = 0,
    **filters: Any,
) -> Cooccurrence:
    """The people, organisations and places that appear most with ``subject``: an entity
    ("Sergey Lavrov", found in any kind ignoring case, or in ``kind``), or a query when no
    article carries such an entity or ``kind="query"``. ``filters`` narrow the articles.

    Entities come most articles first (ties: higher G², then A to Z), each carried by at least
    ``min_count`` of the subject's articles; ``links`` (up to 30) counts the articles shared by
    each pair of the first ``links`` entities, for a network. Raises :class:`QueryError`.
    """
    started = time.perf_counter()
    if not isinstance(subject, str) or not subject.strip():
        raise QueryError("cooccurrence needs an entity name or a query")
    wanted: tuple[EntityKind, ...] = _check_kinds(kinds, ENTITY_KINDS)
    _check_count("limit", limit, 1, MAX_TERMS)
    _check_count("min_count", min_count, 1, 1_000_000)
    _check_count("links", links, 0, MAX_LINKS)
    if kind is not None and kind != "query" and kind not in ENTITY_KINDS:
        raise QueryError(f"unknown kind {kind!r} (kinds: query, {', '.join(ENTITY_KINDS)})")
    base = selection("", **filters)

    def read(r: Reader) -> Cooccurrence:
        found_entity = _subject_entity(r, subject, kind)
        if found_entity is not None:
            subject_kind: str = found_entity[0]
            label = found_entity[1]
            request = base
            extra: list[tuple[str, str]] = [found_entity]
        else:
            subject_kind, label = "query", subject
            request = base.replace(query=subject)
            extra = []
        text, fg_match = _match(r, request, extra=extra, facets=wanted)
        found = r.search(fg_match)
        dated = selection("", date_from=base.date_from, date_to=base.date_to)
        _, all_match = _match(r, dated)
        n2 = r.count(all_match) if (base.date_from or base.date_to) else _read_total(r)
        entities: list[SignificantTerm] = []
        for k in wanted:
            counts = Counter(found.facets.get(k, Counter()))
            if found_entity is not None and k == found_entity[0]:
                counts.pop(found_entity[1], None)
            all_values = r.facet_values(k)
            entities.extend(
                _rank(
                    k,
                    counts,
                    found.total,
                    _lookup(all_values),
                    n2,
                    limit=limit,
                    min_count=min_count,
                    by_count=True,
                )
            )
        entities.sort(key=lambda t: (-t.foreground, -t.score, t.term))
        top = tuple(entities[:limit])
        edges = _links(r, fg_match, top[:links]) if links else ()
        return Cooccurrence(
            subject=label if found_entity is not None else text,
            kind=subject_kind,
            total=found.total,
            background_total=n2,
            entities=top,
            links=edges,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    result: Cooccurrence = _read(index, read)
    return result


def _links(
    reader: Reader, fg_match: MatchRequest, nodes: Sequence[SignificantTerm]
) -> tuple[Link, ...]:
    """For each pair of ``nodes``, how many of the foreground's articles carry both."""
    kinds: tuple[Any, ...] = tuple(dict.fromkeys(n.kind for n in nodes))
    out: list[Link] = []
    for i, node in enumerate(nodes[:-1]):
        pair: tuple[Any, str] = (node.kind, node.term)
        found = reader.search(replace(fg_match, include=(*fg_match.include, pair), facets=kinds))
        for other in nodes[i + 1 :]:
            n = found.facets.get(other.kind, Counter()).get(other.term, 0)
            if n:
                out.append(Link(node.term, other.term, n))
    return tuple(out)


# -- timelines ---------------------------------------------------------------------------------


def timeline(
    index: Index,
    queries: Sequence[str],
    /,
    *,
    interval: IntervalChoice = "month",
    **filters: Any,
) -> Timeline:
    """Each query's matches per period (``interval``: ``year``, ``month``, ``day`` or
    ``auto``), with their share of all the archive's articles in the period ("attention").
    ``filters`` apply to every query. Raises :class:`QueryError`."""
    started = time.perf_counter()
    if isinstance(queries, str):
        queries = [queries]
    queries = list(queries)
    if not queries or len(queries) > MAX_SERIES:
        raise QueryError(f"a timeline compares 1 to {MAX_SERIES} queries, not {len(queries)}")
    if interval not in get_args(IntervalChoice):
        raise QueryError(
            f"interval must be one of {', '.join(get_args(IntervalChoice))}, not {interval!r}"
        )
    requests = [selection(q, **filters) for q in queries]

    def read(r: Reader) -> Timeline:
        from .query import Every

        texts: list[str] = []
        days: list[Counter[int]] = []
        totals: list[int] = []
        for request in requests:
            text, match = _match(r, request, histogram=True)
            found = r.search(match)
            texts.append(text)
            days.append(found.days)
            totals.append(found.total)
        union: Counter[int] = Counter()
        for d in days:
            union.update(d)
        chosen: Interval = fc.pick_interval(union, interval)
        everything = r.search(MatchRequest(tree=Every(), depth=0, scored=False, histogram=True))
        frame = fc.histogram(union, chosen)
        keys = [b.key for b in frame]
        position = {k: i for i, k in enumerate(keys)}
        all_counts = _bucketed(everything.days, chosen, position)
        buckets = tuple(
            TimelineBucket(key=b.key, start=b.start, end=b.end, total=all_counts[i])
            for i, b in enumerate(frame)
        )
        series = []
        for text, d, total in zip(texts, days, totals, strict=True):
            counts = _bucketed(d, chosen, position)
            shares = tuple(
                round(c / t, 6) if t else 0.0 for c, t in zip(counts, all_counts, strict=True)
            )
            series.append(TimelineSeries(text, total, tuple(counts), shares))
        return Timeline(
            interval=chosen,
            buckets=buckets,
            series=tuple(series),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    result: Timeline = _read(index, read)
    return result


def _bucketed(days: Counter[int], interval: Interval, position: dict[str, int]) -> list[int]:
    out = [0] * len(position)
    for day, n in days.items():
        i = position.get(fc.bucket_key(dt.date.fromordinal(day), interval))
        if i is not None:
            out[i] += n
    return out


# -- export ------------------------------------------------------------------------------------


class _Lease:
    """A borrowed view of the index, released once."""

    def __init__(self, index: Index) -> None:
        self.context = index.backend.reader()
        self.reader: Reader = self.context.__enter__()
        self.closed = False

    def release(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.__exit__(None, None, None)


def _stream(lease: _Lease, keys: Any, total: int) -> Iterator[Article]:
    try:
        for start in range(0, total, EXPORT_BATCH):
            if lease.closed:
                return
            chunk = keys[start : start + EXPORT_BATCH]
            batch = chunk.tolist() if isinstance(chunk, np.ndarray) else list(chunk)
            yield from lease.reader.articles(batch)
    finally:
        lease.release()


class Export:
    """Every match of a selection, streamed: iterate for the articles, ``total`` says how many.

    Made by :func:`export`; a context manager. It holds one consistent view of the index (the
    generation when it was made) until it is exhausted or closed; articles are read
    :data:`EXPORT_BATCH` at a time, so memory does not grow with the number of matches
    (beyond the matches' keys, an integer each).
    """

    def __init__(self, index: Index, request: SearchRequest, sort: ExportSort) -> None:
        self._lease = _Lease(index)
        try:
            self.query, match = _match(
                self._lease.reader, request, sort="date" if sort == "date" else "relevance"
            )
            keys = self._lease.reader.keys(match)
        except BaseException:
            self._lease.release()
            raise
        self.total: int = len(keys)
        self._articles = _stream(self._lease, keys, self.total)

    def __iter__(self) -> Iterator[Article]:
        """The articles (one pass: iterating again continues where the last pass stopped)."""
        return self._articles

    def close(self) -> None:
        """Release the view of the index (safe to call twice)."""
        self._lease.release()

    def __enter__(self) -> Export:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def export(
    index: Index,
    query: str | SearchRequest = "",
    /,
    *,
    sort: ExportSort = "date",
    **filters: Any,
) -> Export:
    """Every article matching ``query`` and ``filters``, with no cap: newest first (``sort=
    "date"``, undated last) or in index order (``"index"``). Raises :class:`QueryError`."""
    if sort not in get_args(ExportSort):
        raise QueryError(f"sort must be one of {', '.join(get_args(ExportSort))}, not {sort!r}")
    return Export(index, selection(query, **filters), sort)


def check_fields(fields: Sequence[str] | str | None) -> tuple[str, ...]:
    """The export columns asked for (comma-separated or a list; None: all), validated."""
    if fields is None:
        return EXPORT_FIELDS
    items = (
        fields.split(",")
        if isinstance(fields, str)
        else [part for f in fields for part in str(f).split(",")]
    )
    names = tuple(dict.fromkeys(n.strip().lower() for n in items if n.strip()))
    bad = [n for n in names if n not in EXPORT_FIELDS]
    if bad or not names:
        raise QueryError(
            f"unknown field {bad[0]!r} (fields: {', '.join(EXPORT_FIELDS)})"
            if bad
            else f"no field given (fields: {', '.join(EXPORT_FIELDS)})"
        )
    return names


def _getters(fields: Sequence[str]) -> list[Callable[[Article], Any]]:
    """How to read each export column from an article."""
    values: dict[str, Callable[[Article], Any]] = {
        "id": lambda a: a.id,
        "date": lambda a: a.date.isoformat() if a.date else None,
        "title": lambda a: a.title,
        "source": lambda a: a.source,
        "url": lambda a: a.url,
        "tags": lambda a: list(a.tags),
        "people": lambda a: list(a.entities_of("person")),
        "orgs": lambda a: list(a.entities_of("org")),
        "locations": lambda a: list(a.entities_of("location")),
        "misc": lambda a: list(a.entities_of("misc")),
        "related": lambda a: list(a.related),
        "body": lambda a: a.body,
    }
    return [values[f] for f in fields]


def export_record(article: Article, fields: Sequence[str]) -> dict[str, Any]:
    """One article as an export row: the fields asked for (lists stay lists)."""
    return {f: get(article) for f, get in zip(fields, _getters(fields), strict=True)}


def export_lines(
    articles: Iterable[Article],
    *,
    format: ExportFormat = "csv",
    fields: Sequence[str] | str | None = None,
) -> Iterator[str]:
    """The export as text, one line per article (each ending in a newline; CSV starts with
    its header): CSV (list values joined with ``"; "``) or JSON Lines."""
    if format not in get_args(ExportFormat):
        raise QueryError(
            f"format must be one of {', '.join(get_args(ExportFormat))}, not {format!r}"
        )
    names = check_fields(fields)
    getters = _getters(names)
    if format == "jsonl":
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for article in articles:
            yield dumps({f: get(article) for f, get in zip(names, getters, strict=True)}) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    yield _take(buffer)
    for article in articles:
        row = [get(article) for get in getters]
        writer.writerow(["; ".join(v) if isinstance(v, list) else v for v in row])
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# -- tables (CSV) ------------------------------------------------------------------------------


def rows(result: SignificantTerms | Cooccurrence | Timeline) -> list[dict[str, Any]]:
    """A result as flat rows, for CSV: one row per term (kind, term, score, foreground,
    background), per entity, or per bucket (key, start, end, total, then each series' count
    and share)."""
    if isinstance(result, SignificantTerms):
        return [
            {
                "kind": t.kind,
                "term": t.term,
                "score": t.score,
                "foreground": t.foreground,
                "background": t.background,
            }
            for terms in result.terms.values()
            for t in terms
        ]
    if isinstance(result, Cooccurrence):
        return [
            {
                "kind": t.kind,
                "entity": t.term,
                "count": t.foreground,
                "score": t.score,
                "background": t.background,
            }
            for t in result.entities
        ]
    out = []
    for i, bucket in enumerate(result.buckets):
        row: dict[str, Any] = {
            "key": bucket.key,
            "start": bucket.start.isoformat(),
            "end": bucket.end.isoformat(),
            "total": bucket.total,
        }
        for s in result.series:
            row[f"{s.query} count"] = s.counts[i]
            row[f"{s.query} share"] = s.shares[i]
        out.append(row)
    return out


def to_csv(result: SignificantTerms | Cooccurrence | Timeline) -> str:
    """A result as CSV text (see :func:`rows`), with a header."""
    table = rows(result)
    buffer = io.StringIO()
    header = list(table[0]) if table else _EMPTY_HEADERS[type(result).__name__]
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


_EMPTY_HEADERS: dict[str, list[str]] = {
    "SignificantTerms": ["kind", "term", "score", "foreground", "background"],
    "Cooccurrence": ["kind", "entity", "count", "score", "background"],
    "Timeline": ["key", "start", "end", "total"],
}


# -- text (the terminal) -----------------------------------------------------------------------

_KIND_LABELS = {
    "word": "Words",
    "person": "People",
    "org": "Organisations",
    "location": "Places",
    "misc": "Other names",
}
#: Bar characters of the terminal timeline, one per series (then repeated).
SERIES_MARKS = ("█", "▒", "░", "▓", "■", "▪")
_SERIES_COLORS = ("\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[32m", "\x1b[34m", "\x1b[31m")
_BAR = 40


def terms_text(result: SignificantTerms) -> str:
    """Significant terms as tables for people."""
    against = (
        f"the {result.background_total:,} articles of {result.background!r}"
        if result.background is not None
        else f"all {result.background_total:,} articles"
    )
    lines = [f"{result.foreground_total:,} articles of {result.query or '*'!r} against {against}"]
    for kind, terms in result.terms.items():
        lines.append("")
        lines.append(f"{_KIND_LABELS[kind]}  (G2, in selection, in background)")
        if not terms:
            lines.append("  (none)")
        width = max((len(t.term) for t in terms), default=0)
        for t in terms:
            lines.append(
                f"  {t.term:<{width}}  {t.score:>10.2f}  {t.foreground:>7,}  {t.background:>8,}"
            )
    return "\n".join(lines)


def cooccurrence_text(result: Cooccurrence) -> str:
    """Co-occurring entities as a table for people."""
    what = "the query" if result.kind == "query" else f"the {result.kind}"
    lines = [f"{result.total:,} articles with {what} {result.subject!r}"]
    if not result.entities:
        lines.append("  (no entity appears with it)")
    width = max((len(t.term) for t in result.entities), default=0)
    for t in result.entities:
        lines.append(
            f"  {t.term:<{width}}  {t.kind:<8}  {t.foreground:>6,} together  "
            f"G2 {t.score:>9.2f}  ({t.background:,} in all)"
        )
    return "\n".join(lines)


def timeline_text(result: Timeline, *, color: bool = False, share: bool = False) -> str:
    """A chart for the terminal: for each period, one bar per series (its count, or its share
    of all articles), with the legend first."""
    if not result.buckets:
        return "no article matches any of the queries"

    def paint(i: int, text: str) -> str:
        return f"{_SERIES_COLORS[i % len(_SERIES_COLORS)]}{text}\x1b[0m" if color else text

    legend = "  ".join(
        paint(i, f"{SERIES_MARKS[i % len(SERIES_MARKS)]} {s.query or '*'} ({s.total:,})")
        for i, s in enumerate(result.series)
    )
    values = [s.shares if share else s.counts for s in result.series]
    top = max((v for vs in values for v in vs), default=0) or 1
    lines = [
        legend,
        f"bars: {'share of all articles' if share else 'articles'} per {result.interval}",
    ]
    for b, bucket in enumerate(result.buckets):
        for i, s in enumerate(result.series):
            v = values[i][b]
            bar = SERIES_MARKS[i % len(SERIES_MARKS)] * (round(v / top * _BAR) if v else 0)
            if v and not bar:
                bar = SERIES_MARKS[i % len(SERIES_MARKS)]
            label = bucket.key if i == 0 else ""
            figure = f"{s.counts[b]:,}  {s.shares[b] * 100:.1f}%"
            lines.append(f"  {label:<10} {paint(i, f'{bar:<{_BAR}}')} {figure}")
    return "\n".join(lines)


__all__ = [
    "COOCCUR_KINDS",
    "DEFAULT_KINDS",
    "EXPORT_FIELDS",
    "FILTER_OPTIONS",
    "TERM_KINDS",
    "Cooccurrence",
    "Export",
    "Link",
    "SignificantTerm",
    "SignificantTerms",
    "TermKind",
    "Timeline",
    "TimelineBucket",
    "TimelineSeries",
    "check_fields",
    "cooccurrence",
    "cooccurrence_text",
    "export",
    "export_lines",
    "export_record",
    "find_entity",
    "g_squared",
    "rows",
    "selection",
    "significant_terms",
    "terms_text",
    "timeline",
    "timeline_text",
    "to_csv",
]
