"""A searchlib index in a Typesense collection: open, create, read, write, check.

:class:`TypesenseBackend` is long-lived and thread-safe; every request goes to the cluster's
leader through :class:`~.cluster.Cluster` (bounded failover). A read is a few HTTP requests
(one ``multi_search`` for the matches, counts and first page), see :class:`TypesenseReader`.

Differences from Whoosh that a user can see (the README's feature table has them all):

* a reader is not a snapshot: Typesense has no point-in-time view, so the requests of one
  search may see a write that landed between them (a page then asks again, see
  :meth:`TypesenseBackend.retrying`);
* a commit is not atomic: the batch is sent as upserts and deletes in chunks, each durable on
  a majority of the nodes when acknowledged; a commit that fails half-way leaves the first
  chunks written, and re-running the same input finishes it (unchanged articles are skipped
  by their content hash);
* one writer per :class:`TypesenseBackend` object at a time (a lock in this process); writers
  in other processes are not excluded (the last upsert of an article wins).
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from ... import text as tx
from ...backend import (
    BackendStats,
    Candidate,
    Damage,
    Keys,
    MatchRequest,
    MatchSet,
    Signatures,
    WordCounts,
)
from ...errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexUnavailable,
    InputError,
    QueryError,
    UsageError,
)
from ...model import FACET_NAMES, Article, FacetName, Suggestion, SuggestionKind
from ...query import Every, Fuzzy, MultiTerm, Prefix, Term, TermRange, Wildcard
from ...ranking import Ranking
from ...suggestions import edit_distance
from . import compile as tc
from . import documents as td
from .cluster import (
    DEFAULT_RETRY_SECONDS,
    DEFAULT_TIMEOUT,
    STATES,
    Cluster,
    Transient,
    api_key,
    is_transient_message,
    parse_location,
)

T = TypeVar("T")

#: Hits Typesense returns per page (its maximum).
PAGE = 250
#: The most frequent values a facet returns by default.
FACET_TOP = 50
#: ... and the top values guaranteed to be Whoosh's (the default ``facet_limit``).
FACET_SURE = 10
#: The histogram counts days when the matches fall in at most this many days.
DAY_SPAN = 93
#: Facet values asked for when every value of a facet is counted.
FACET_VALUES = 1_000_000
#: Words read from the spelling lexicon for a wildcard or fuzzy term.
WORD_SCAN = 50_000
#: Searches per ``multi_search`` request (Typesense's ``limit_multi_searches`` default).
MULTI_SEARCH = 50
#: Documents per import request.
IMPORT_BATCH = 250
#: Ids per delete request.
DELETE_BATCH = 100
#: A writer looks ids up one by one this many times, then reads every id's hash at once.
LOOKUPS_BEFORE_EXPORT = 64
#: Typesense's ``text_match`` (a packed 64-bit number) is divided by this for a score of a
#: human size (a few units); only the order means anything.
TEXT_MATCH_SCALE = float(2**56)
#: Partial matches re-ranked by the clauses they match (see ``TypesenseReader._partial``).
POOL = 300
#: ... together with the best this many of each clause's own matches.
PER_CLAUSE = 100
#: Key words of an article that :meth:`TypesenseReader.similar` searches for.
SIMILAR_TERMS = 12

_SEARCH: dict[str, Any] = {
    "num_typos": 0,
    "prefix": False,
    "drop_tokens_threshold": 0,
    "typo_tokens_threshold": 0,
    "exhaustive_search": False,
}


class Changed(IndexUnavailable):
    """The collection changed between two requests of one read (retried by the front)."""


class TypesenseBackend:
    """A searchlib index in a Typesense collection (see the module docstring).

    ``TypesenseBackend("typesense://HOST:PORT[,HOST:PORT...]/COLLECTION")`` opens an existing
    collection (raising :class:`IndexNotFound`); ``create=True`` makes it first. The API key
    comes from ``$SEARCHLIB_TYPESENSE_API_KEY``. ``retry_seconds`` bounds how long a request
    looks for a leader during a failover; ``timeout`` bounds one HTTP request. ``ranking``
    sets the title's weight (Typesense ranks with its own ``text_match``).

    ``facet_values`` is how many of each facet's most frequent values a search returns (exact
    counts; ``"all"`` in the location for every value): Typesense 0.24 reads a document for
    every facet value it returns, so every value is slow. The first :data:`FACET_SURE` values
    (by count, then name) are always Whoosh's: when a tie at the cut could reach them, the facet
    is counted in full; further values are Whoosh's unless a tie runs across the cut.
    ``days="auto"`` counts the histogram by month, and by day when the matches fall on at most
    :data:`DAY_SPAN` distinct days (``"all"``: always by day, slow).
    These options can be given in the location: ``...?facet_values=all&days=all``.
    """

    def __init__(
        self,
        location: str,
        *,
        create: bool = False,
        ranking: Ranking | None = None,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        timeout: float = DEFAULT_TIMEOUT,
        lock_timeout: float = 30.0,
        facet_values: int = FACET_TOP,
        days: str = "auto",
        **_ignored: Any,
    ) -> None:
        self._where = parse_location(location)
        given = dict(self._where.options)
        retry_seconds = float(given.get("retry_seconds", retry_seconds))
        timeout = float(given.get("timeout", timeout))
        top = given.get("facet_values", str(facet_values))
        self.facet_values = FACET_VALUES if top == "all" else int(top)
        self.all_days = given.get("days", days) == "all"
        self.collection = self._where.collection
        self.ranking = ranking or Ranking()
        self.lock_timeout = lock_timeout
        self.cluster = Cluster(self._where, api_key(), retry_seconds=retry_seconds, timeout=timeout)
        self._writing = threading.Lock()
        self._values: dict[str, str] = {}
        self._values_lock = threading.Lock()
        self._closed = False
        try:
            self._open(create)
        except BaseException:
            self.cluster.close()
            raise

    @property
    def location(self) -> str:
        """The collection's URL (no key in it)."""
        return self._where.url

    def _open(self, create: bool) -> None:
        def fetch(c: Any) -> Any:
            return self.cluster.collection(c, self.collection).retrieve()

        try:
            info = self.call(fetch, "open the collection")
        except IndexNotFound:
            if not create:
                raise IndexNotFound("{index} does not exist", index=self.location) from None
            self._create()
            return
        if not td.is_compatible(info):
            raise IndexCorrupt(
                "{index} is not a searchlib collection of this version (its fields differ): "
                "index into a new collection",
                index=self.location,
            )

    def _create(self) -> None:
        def make(schema: dict[str, Any]) -> Callable[[Any], Any]:
            def run(c: Any) -> Any:
                try:
                    return c.collections.create(schema)
                except Exception as exc:  # another process created it first: fine
                    if type(exc).__name__ == "ObjectAlreadyExists":
                        return None
                    raise

            return run

        self.call(make(td.values_schema(self.collection)), "create the collection")
        self.call(make(td.schema(self.collection)), "create the collection")

    def decode(self, keys: Iterable[str]) -> dict[str, str]:
        """The facet values behind digests (remembered; read from the side collection)."""
        wanted = list(dict.fromkeys(keys))
        with self._values_lock:
            missing = [k for k in wanted if k not in self._values]
        side = td.values_name(self.collection)
        for start in range(0, len(missing), PAGE):
            chunk = missing[start : start + PAGE]
            params = {
                "collection": side,
                "q": "*",
                "query_by": "facet",
                "filter_by": "id:=[" + ",".join(chunk) + "]",
                "per_page": len(chunk),
                "include_fields": "id,v",
            }
            (found,) = self.search_many([params], "read facet values")
            with self._values_lock:
                for hit in found.get("hits") or ():
                    self._values[str(hit["document"]["id"])] = str(hit["document"]["v"])
        with self._values_lock:
            return {k: self._values.get(k, k) for k in wanted}

    def call(self, fn: Callable[[Any], T], what: str) -> T:
        """Run ``fn(client)`` on the leader (see :meth:`Cluster.call`)."""
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)
        return self.cluster.call(fn, what=what)

    def search_many(self, searches: list[dict[str, Any]], what: str = "search") -> list[Any]:
        """Run searches in one ``multi_search`` on the leader (or several: Typesense takes at
        most :data:`MULTI_SEARCH` at once); their results, in order."""
        if len(searches) > MULTI_SEARCH:
            return [
                r
                for i in range(0, len(searches), MULTI_SEARCH)
                for r in self.search_many(searches[i : i + MULTI_SEARCH], what)
            ]
        for s in searches:
            s.setdefault("collection", self.collection)

        def run(c: Any) -> list[Any]:
            found = c.multi_search.perform({"searches": searches}, {})["results"]
            for result in found:
                if "error" in result:
                    message = str(result.get("error"))
                    code = int(result.get("code", 0) or 0)
                    if code == 404:
                        raise IndexNotFound("{index} does not exist", index=self.location)
                    if code in (400, 422):
                        raise QueryError(f"Typesense rejected a search: {message[:200]}")
                    if code >= 500 or is_transient_message(message):
                        raise Transient(message)
                    raise IndexUnavailable(
                        f"cannot {what} on {{index}}: {message[:200]}", index=self.location
                    )
            return list(found)

        return self.call(run, what)

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def reader(self) -> Iterator[TypesenseReader]:
        """A view of the collection (not a snapshot: see the module docstring)."""
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)
        yield TypesenseReader(self)

    def retrying(self, fn: Callable[[TypesenseReader], T]) -> T:
        """Run ``fn`` on a reader; again (up to twice) if the collection changed under it."""
        for attempt in range(3):
            try:
                with self.reader() as r:
                    return fn(r)
            except Changed:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def count(self) -> int:
        """The number of articles (the leader's count)."""
        info = self.call(lambda c: self.cluster.collection(c, self.collection).retrieve(), "count")
        return int(info.get("num_documents", 0))

    def generation(self) -> int | None:
        """None: Typesense has no cheap number that changes with every write."""
        return None

    def stats(self) -> BackendStats:
        """Articles, their date range, and the cluster's figures (nodes, leader, memory)."""
        base = {"q": "*", "query_by": "title_a", "per_page": 1, "include_fields": "date_sort"}
        first, last, undated = self.search_many(
            [
                {**base, "filter_by": "date_sort:>0", "sort_by": "date_sort:asc"},
                {**base, "filter_by": "date_sort:>0", "sort_by": "date_sort:desc"},
                {**base, "filter_by": "date_sort:=0", "per_page": 0},
            ],
            "read the statistics",
        )

        def day(result: Any) -> Any:
            import datetime as dt

            hits = result.get("hits") or []
            return dt.date.fromordinal(int(hits[0]["document"]["date_sort"])) if hits else None

        return BackendStats(
            documents=self.count(),
            date_min=day(first),
            date_max=day(last),
            undated=int(undated.get("found", 0)),
            size_bytes=None,
            generation=None,
            details=self._details(),
        )

    def _details(self) -> dict[str, Any]:
        nodes = []
        version = None
        for i in range(self.cluster.size):
            state = self.cluster.probe(i)
            entry: dict[str, Any] = {  # nodes by number (as listed in the location)
                "node": i + 1,
                "state": STATES.get(state, "unreachable") if state is not None else "unreachable",
            }
            if state is not None:
                with contextlib.suppress(Exception):
                    metrics = self.cluster._probes[i].metrics.retrieve()
                    entry["memory_active_bytes"] = int(metrics["typesense_memory_active_bytes"])
                with contextlib.suppress(Exception):
                    version = version or self.cluster._probes[i].debug.retrieve().get("version")
            nodes.append(entry)
        return {
            "engine": "typesense",
            "version": version,
            "collection": self.collection,
            "nodes": nodes,
            "connection": self.cluster.counters.as_dict(),
        }

    def settle(self, *, timeout: float | None = None) -> None:
        """Nothing to do: Typesense indexes each document as it arrives."""

    def optimize(self, *, timeout: float | None = None) -> None:
        """Nothing to do: Typesense has no segments to merge."""

    def verify(self) -> list[Damage]:
        """Every node answers and holds as many documents as the leader, and every stored
        document reads back as an article. Followers get a few seconds to catch up."""
        damage: list[Damage] = []
        leader = self.cluster.find_leader()
        if leader is None:
            return [Damage(self.location, "the cluster has no leader")]
        expected = self.count()
        for i in range(self.cluster.size):
            name = self.cluster.node_name(i)
            if self.cluster.probe(i) is None:
                damage.append(Damage(name, "the node does not answer"))
                continue
            held = self._node_count(i, expected)
            if held != expected:
                damage.append(Damage(name, f"holds {held} documents; the leader holds {expected}"))
        damage.extend(self._read_everything())
        return damage

    def _node_count(self, i: int, expected: int) -> int | None:
        client = self.cluster._clients[i]
        held: int | None = None
        deadline = time.monotonic() + 5.0
        while True:
            with contextlib.suppress(Exception):
                held = int(
                    self.cluster.collection(client, self.collection).retrieve()["num_documents"]
                )
            if held == expected or time.monotonic() > deadline:
                return held
            time.sleep(0.1)

    def _read_everything(self) -> list[Damage]:
        text = self.call(
            lambda c: self.cluster.collection(c, self.collection).documents.export(),
            "read every document",
        )
        damage = []
        for n, line in enumerate(str(text).splitlines(), 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                td.from_document(doc)
                td.signature_of(doc)
            except (ValueError, KeyError, TypeError) as exc:
                damage.append(Damage(f"document {n}", f"{type(exc).__name__}: {exc}"[:200]))
        return damage

    # -- writing ---------------------------------------------------------------------------

    def writer(self, *, timeout: float | None = None, **_options: Any) -> TypesenseWriter:
        """A batch writer; waits up to ``timeout`` seconds for this object's other writer.

        Options for Whoosh (``procs``) are accepted and ignored.
        """
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)
        wait = self.lock_timeout if timeout is None else timeout
        if not self._writing.acquire(timeout=max(wait, 0.0)):
            raise IndexLocked(
                f"{{index}} is being written by another writer; gave up after {wait:g}s",
                index=self.location,
            )
        return TypesenseWriter(self)

    def close(self) -> None:
        """Close the connections."""
        self._closed = True
        self.cluster.close()

    def __repr__(self) -> str:
        return f"TypesenseBackend({self.location!r})"


def _facet_counts(result: Any) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for entry in result.get("facet_counts") or ():
        out[str(entry["field_name"])] = Counter(
            {str(c["value"]): int(c["count"]) for c in entry.get("counts") or ()}
        )
    return out


def _days(counts: dict[str, Counter[str]]) -> Counter[int]:
    """Matches per day number: the day counts when they are complete (their sum is the months'
    sum), else each month's count on its first day."""
    import datetime as dt

    months, days = counts.get("month", Counter()), counts.get("day", Counter())
    out: Counter[int] = Counter()
    if sum(days.values()) == sum(months.values()):
        for value, n in days.items():
            out[dt.date.fromisoformat(value).toordinal()] += n
    else:
        for value, n in months.items():
            out[dt.date.fromisoformat(f"{value}-01").toordinal()] += n
    return out


#: What the analyses this backend cannot run yet say.
_NOT_YET = "{what} are not available on a Typesense index yet (they work on a Whoosh index)"

class TypesenseReader:
    """Reads from the collection (see :class:`searchlib.backend.Reader`)."""

    def __init__(self, backend: TypesenseBackend) -> None:
        self.backend = backend
        self._names: dict[str, Counter[str]] = {}
        self._resolved: dict[Any, tuple[list[str], list[tuple[FacetName, str]]]] = {}
        self._count: int | None = None

    # -- matching ---------------------------------------------------------------------------

    def _resolve(self, request: MatchRequest) -> tuple[list[str], list[tuple[FacetName, str]]]:
        """The facet filter clauses of a request, and the include values no article carries.

        As on Whoosh, a value matches exactly when some article carries it as written, else
        ignoring case; an exclusion of a value no article carries excludes nothing.
        """
        pairs = [(f, v, False) for f, v in request.include]
        pairs += [(f, v, True) for f, v in request.exclude]
        if not pairs:
            return [], []
        key = (tuple(request.include), tuple(request.exclude))
        if key in self._resolved:
            return self._resolved[key]
        probes = []
        for f, v, _ in pairs:
            for field, digest in (
                (td.KEY_FIELD[f], td.value_key(v)),
                (td.FOLDED_KEY_FIELD[f], td.folded_key(v)),
            ):
                probes.append(
                    {**_SEARCH, "q": "*", "query_by": "title_a", "per_page": 0,
                     "filter_by": f"{field}:=[{digest}]"}
                )  # fmt: skip
        found = [int(r.get("found", 0)) for r in self.backend.search_many(probes, "filter")]
        clauses: list[str] = []
        unknown: list[tuple[FacetName, str]] = []
        for i, (f, v, negate) in enumerate(pairs):
            exact, folded = found[2 * i], found[2 * i + 1]
            op = ":!=" if negate else ":="
            if exact:
                clauses.append(f"{td.KEY_FIELD[f]}{op}[{td.value_key(v)}]")
            elif folded:
                clauses.append(f"{td.FOLDED_KEY_FIELD[f]}{op}[{td.folded_key(v)}]")
            elif not negate:
                unknown.append((f, v))
        self._resolved[key] = (clauses, unknown)
        return clauses, unknown

    def _filter(self, request: MatchRequest) -> str:
        clauses, unknown = self._resolve(request)
        if unknown:
            return tc.FALSE
        parts = [tc.to_filter(request.tree), *clauses]
        if request.date_from or request.date_to:
            low = request.date_from.toordinal() if request.date_from else 1
            high = request.date_to.toordinal() if request.date_to else 99_999_999
            parts.append(f"date_sort:[{low}..{high}]")
        found = tc._all(parts)
        return found if found in (tc.TRUE, tc.FALSE) else tc.check_size(found)

    def _base(self, request: MatchRequest, filter_by: str) -> dict[str, Any]:
        base: dict[str, Any] = {**_SEARCH, "q": "*", "query_by": "title_a"}
        if filter_by != tc.TRUE:
            base["filter_by"] = filter_by
        remaining = request.deadline - time.perf_counter()
        if math.isfinite(remaining):
            base["search_cutoff_ms"] = max(1, int(remaining * 1000))
        return base

    def _ranking(self, rank: tc.Ranking) -> dict[str, Any]:
        weights = {"title_a": max(1, min(127, round(2 * self.backend.ranking.title_weight)))}
        return {
            "q": rank.q,
            "query_by": ",".join(rank.fields),
            "query_by_weights": ",".join(str(weights.get(f, 1)) for f in rank.fields),
        }

    def search(self, request: MatchRequest) -> MatchSet:
        """Match, count and rank (see the module docstring of :mod:`.compile`)."""
        if request.recency is not None:
            raise QueryError("recency ranking is not supported by the typesense backend")
        facets: dict[str, Counter[str]] = {f: Counter() for f in request.facets}
        filter_by = self._filter(request)
        if filter_by == tc.FALSE:
            unknown = tuple(self._resolve(request)[1])
            return MatchSet(0, (), facets, Counter(), unknown=unknown)
        rank = None if isinstance(request.tree, Every) else tc.ranking_query(request.tree)
        counting = self._base(request, filter_by)
        if rank is not None and rank.required:
            counting.update(self._ranking(rank))
        wanted = [td.KEY_FIELD[f] for f in request.facets]
        if wanted:
            counting.update(facet_by=",".join(wanted), max_facet_values=self.backend.facet_values)
        extra: list[dict[str, Any]] = []
        if request.histogram:
            day_values = FACET_VALUES if self.backend.all_days else DAY_SPAN
            extra = [
                {**counting, "per_page": 0, "facet_by": "month", "max_facet_values": FACET_VALUES},
                {**counting, "per_page": 0, "facet_by": "day", "max_facet_values": day_values},
            ]
        by_date = request.sort == "date" or not request.scored or rank is None
        one_search = by_date or (rank is not None and rank.required)
        depth = request.depth
        if one_search:
            counting.update(self._order(request, rank, by_date))
            counting.update(per_page=min(depth, PAGE), page=1, include_fields="id,date_sort")
            first, *dated = self.backend.search_many([counting, *extra])
            total = int(first.get("found", 0))
            hits = self._more(counting, first, min(depth, total))
            ranked = [self._candidate(h, by_date) for h in hits]
        else:
            assert rank is not None
            counting["per_page"] = 0
            if rank.all_words and request.coverage == "none":
                first, dated, ranked = self._ranked(request, filter_by, rank, counting, extra)
            else:
                first, dated, ranked = self._partial(request, filter_by, rank, counting, extra)
            total = int(first.get("found", 0))
            wanted_depth = min(depth, total)
            if len(ranked) < wanted_depth:
                ranked += self._fill(request, filter_by, {c.key for c in ranked}, wanted_depth)
        counts = _facet_counts(first)
        for f in request.facets:
            facets[f] = self._decoded(self._complete(counting, f, counts))
        days = _days({k: v for r in dated for k, v in _facet_counts(r).items()})
        return MatchSet(
            total=total,
            ranked=tuple(ranked[:depth]),
            facets=facets,
            days=days,
            partial=bool(first.get("search_cutoff")),
        )

    def _ranker(
        self, request: MatchRequest, filter_by: str, rank: tc.Ranking, depth: int
    ) -> dict[str, Any]:
        ranker = {**self._base(request, filter_by), **self._ranking(rank)}
        ranker.update(
            sort_by="_text_match:desc,key:asc",
            per_page=min(max(depth, 1), PAGE),
            page=1,
            include_fields="id,date_sort",
        )
        return ranker

    def _ranked(
        self,
        request: MatchRequest,
        filter_by: str,
        rank: tc.Ranking,
        counting: dict[str, Any],
        extra: list[dict[str, Any]],
    ) -> tuple[Any, list[Any], list[Candidate]]:
        """Every word required: Typesense's own order (text_match), in one round trip."""
        ranker = self._ranker(request, filter_by, rank, request.depth)
        first, top, *dated = self.backend.search_many([counting, ranker, *extra])
        hits = self._more(ranker, top, min(request.depth, int(first.get("found", 0))))
        return first, dated, [self._candidate(h, False) for h in hits]

    def _partial(
        self,
        request: MatchRequest,
        filter_by: str,
        rank: tc.Ranking,
        counting: dict[str, Any],
        extra: list[dict[str, Any]],
    ) -> tuple[Any, list[Any], list[Candidate]]:
        """Partial matches (OR, ``match="any"``, relaxed results).

        Typesense 0.24 ranks partial matches by dropping query words from the right until it
        has enough results; so the words are sent rarest first (the common ones are dropped
        first). The best :data:`POOL` it returns, with the best :data:`PER_CLAUSE` matches of
        each clause alone, are re-ranked here by the clauses they match: each matched clause
        adds its idf (BM25 without term frequencies), and the request's coverage rule (clauses
        matched first, or the coordination factor) applies. Matches outside that pool come
        after it.
        """
        clauses = list(request.clauses) or [
            Term("text", t, (t,)) for t in dict.fromkeys(rank.q.split())
        ]
        filters = [tc.to_filter(c) for c in clauses]
        terms = list(dict.fromkeys(rank.q.split()))
        probes = [self._probe(f) for f in filters]
        probes += [self._probe(tc.to_filter(Term("text", t, (t,)))) for t in terms]
        found = self.backend.search_many([counting, *extra, *probes], "search")
        first, dated = found[0], found[1 : 1 + len(extra)]
        counts = [int(r.get("found", 0)) for r in found[1 + len(extra) :]]
        clause_df, term_df = counts[: len(filters)], counts[len(filters) :]
        rarest = sorted(terms, key=lambda t: (term_df[terms.index(t)], terms.index(t)))
        pool = max(request.depth, POOL)
        ranker = self._ranker(request, filter_by, replace(rank, q=" ".join(rarest)), pool)
        ranker["drop_tokens_threshold"] = pool
        per_clause = []
        for clause, f, df in zip(clauses, filters, clause_df, strict=True):
            if not df or f == tc.FALSE:
                continue
            words = tc.ranking_query(clause)
            search = {**self._base(request, tc._all([filter_by, f]))}
            if words is not None:
                search.update(self._ranking(words), sort_by="_text_match:desc,key:asc")
            else:
                search.update(sort_by="date_sort:desc,key:asc")
            search.update(per_page=PER_CLAUSE, include_fields="id,date_sort")
            per_clause.append(search)
        top, *tops = self.backend.search_many([ranker, *per_clause])
        hits = self._more(ranker, top, min(pool, int(first.get("found", 0))))
        pooled = [self._candidate(h, False) for h in hits]
        seen = {c.key for c in pooled}
        for found_clause in tops:
            for h in found_clause.get("hits") or ():
                c = self._candidate(h, False)
                if c.key not in seen:
                    seen.add(c.key)
                    pooled.append(c)
        if not pooled:
            return first, dated, []
        return first, dated, self._rerank(request, pooled, filters, clause_df)

    def _rerank(
        self,
        request: MatchRequest,
        pooled: list[Candidate],
        filters: list[str],
        clause_df: list[int],
    ) -> list[Candidate]:
        """The pool in order: the idf of the clauses each matches (which clauses: asked of
        Typesense for the pool's ids), with the request's coverage rule."""
        chunks = [pooled[i : i + PAGE] for i in range(0, len(pooled), PAGE)]
        searches = []
        for chunk in chunks:
            ids = "id:=[" + ",".join(tc.quote(c.key) for c in chunk) + "]"
            searches += [
                {**self._probe(tc._all([ids, f])), "per_page": len(chunk), "include_fields": "id"}
                for f in filters
            ]
        answers = self.backend.search_many(searches, "rank partial matches")
        n = max(self.backend_count(), 1)
        score: dict[str, float] = dict.fromkeys((c.key for c in pooled), 0.0)
        cover: Counter[str] = Counter()
        for j, df in enumerate(clause_df):
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for k in range(len(chunks)):
                for hit in answers[k * len(filters) + j].get("hits") or ():
                    key = str(hit["document"]["id"])
                    score[key] += idf
                    cover[key] += 1
        power = request.ranking.coordination if request.coverage == "factor" else 0.0
        share = max(len(filters), 1)
        value = {k: score[k] * (cover[k] / share) ** power for k in score}

        def order(item: tuple[int, Candidate]) -> tuple[float, float, int]:
            at, c = item
            first_key = cover[c.key] if request.coverage == "first" else 0
            return (-first_key, -value[c.key], at)

        reranked = sorted(enumerate(pooled), key=order)[: request.depth]
        return [Candidate(c.key, round(value[c.key], 6), c.day) for _, c in reranked]

    @staticmethod
    def _probe(filter_by: str) -> dict[str, Any]:
        params: dict[str, Any] = {**_SEARCH, "q": "*", "query_by": "title_a", "per_page": 0}
        if filter_by == tc.FALSE:
            params["filter_by"] = "id:=[`-`]"
        elif filter_by != tc.TRUE:
            params["filter_by"] = filter_by
        return params

    def backend_count(self) -> int:
        """The number of articles (remembered for this reader)."""
        if self._count is None:
            self._count = self.backend.count()
        return self._count

    @staticmethod
    def _order(request: MatchRequest, rank: tc.Ranking | None, by_date: bool) -> dict[str, Any]:
        if not by_date:
            return {"sort_by": "_text_match:desc,key:asc"}
        if rank is not None and rank.required:
            return {"sort_by": "date_sort:desc,_text_match:desc,key:asc"}
        return {"sort_by": "date_sort:desc,key:asc"}

    @staticmethod
    def _candidate(hit: Any, by_date: bool) -> Candidate:
        doc = hit["document"]
        score = 1.0 if by_date else float(hit.get("text_match", 0) or 0) / TEXT_MATCH_SCALE
        return Candidate(str(doc["id"]), score, int(doc.get("date_sort", 0) or 0))

    def _more(self, params: dict[str, Any], first: Any, depth: int) -> list[Any]:
        """The hits of a search down to ``depth``, asking for the pages after the first."""
        hits = list(first.get("hits") or [])
        page = 1
        while len(hits) < depth and len(first.get("hits") or []) == params["per_page"]:
            page += 1
            (first,) = self.backend.search_many([{**params, "page": page}])
            got = first.get("hits") or []
            if not got:
                break
            hits.extend(got)
        return hits[:depth]

    def _fill(
        self, request: MatchRequest, filter_by: str, seen: set[str], depth: int
    ) -> list[Candidate]:
        """Matches the ranking query did not reach (not every word in them), newest first."""
        params = {
            **self._base(request, filter_by),
            "sort_by": "date_sort:desc,key:asc",
            "per_page": PAGE,
            "page": 1,
            "include_fields": "id,date_sort",
        }
        out: list[Candidate] = []
        need = depth - len(seen)
        page = 1
        while len(out) < need:
            (found,) = self.backend.search_many([{**params, "page": page}])
            hits = found.get("hits") or []
            out.extend(
                Candidate(str(h["document"]["id"]), 0.0, int(h["document"].get("date_sort", 0)))
                for h in hits
                if str(h["document"]["id"]) not in seen
            )
            if len(hits) < PAGE:
                break
            page += 1
        return out[:need]

    def _complete(self, counting: dict[str, Any], facet: str, counts: Any) -> Counter[str]:
        """A facet's counts: the top :attr:`TypesenseBackend.facet_values` values, or every
        value when a tie at the cut could reach the first tenth of them (so the top values
        by count, then name, are Whoosh's)."""
        field = td.KEY_FIELD[facet]
        found: Counter[str] = counts.get(field, Counter())
        top = self.backend.facet_values
        if len(found) < top:
            return found
        ranked = sorted(found.values(), reverse=True)
        if ranked[-1] < ranked[min(FACET_SURE, top) - 1]:
            return found
        params = {
            k: v
            for k, v in counting.items()
            if k not in ("sort_by", "page", "include_fields", "per_page")
        }
        params.update(per_page=0, facet_by=field, max_facet_values=FACET_VALUES)
        (full,) = self.backend.search_many([params], "count a facet")
        return _facet_counts(full).get(field, Counter())

    def _decoded(self, counts: Counter[str]) -> Counter[str]:
        values = self.backend.decode(counts)
        return Counter({values[k]: n for k, n in counts.items()})

    def count(self, request: MatchRequest) -> int:
        """How many articles match."""
        filter_by = self._filter(request)
        if filter_by == tc.FALSE:
            return 0
        params = self._base(request, filter_by)
        rank = None if isinstance(request.tree, Every) else tc.ranking_query(request.tree)
        if rank is not None and rank.required:
            params.update(self._ranking(rank))
        params["per_page"] = 0
        (found,) = self.backend.search_many([params], "count")
        return int(found.get("found", 0))

    # -- documents --------------------------------------------------------------------------

    def _documents(self, ids: Sequence[str], fields: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), PAGE):
            chunk = wanted[start : start + PAGE]
            params = {
                "q": "*",
                "query_by": "title_a",
                "filter_by": "id:=[" + ",".join(tc.quote(i) for i in chunk) + "]",
                "per_page": len(chunk),
                "include_fields": fields,
            }
            (found,) = self.backend.search_many([params], "read articles")
            for hit in found.get("hits") or ():
                out[str(hit["document"]["id"])] = hit["document"]
        return out

    def _fetch(self, keys: Sequence[Any], fields: str) -> list[Any]:
        found = self._documents([str(k) for k in keys], fields)
        missing = [k for k in keys if str(k) not in found]
        if missing:
            raise Changed(
                "{index} changed during the search; try again", index=self.backend.location
            )
        return [found[str(k)] for k in keys]

    def articles(self, keys: Sequence[Any]) -> list[Article]:
        """The stored articles of candidates, in order."""
        fields = ",".join(("id", *td.STORED))
        return [td.from_document(d) for d in self._fetch(keys, fields)]

    def signatures(self, keys: Sequence[Any]) -> Signatures:
        """The near-duplicate signatures of candidates, one row each."""
        out: Signatures = td.empty_signatures(len(keys))
        for row, doc in enumerate(self._fetch(keys, "id,sig")):
            out[row] = td.signature_of(doc)
        return out

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        found = self._documents([td.doc_id(article_id)], ",".join(("id", *td.STORED)))
        doc = found.get(td.doc_id(article_id))
        return td.from_document(doc) if doc is not None else None

    # -- words --------------------------------------------------------------------------------

    def _facet_words(self, field: str, prefix: str, cap: int) -> Counter[str]:
        """Values of a facet field (every article counted) matching a prefix query."""
        params: dict[str, Any] = {
            **_SEARCH,
            "q": "*",
            "query_by": "title_a",
            "per_page": 0,
            "facet_by": field,
            "max_facet_values": cap,
        }
        if prefix:
            params["facet_query"] = f"{field}:{prefix}"
        (found,) = self.backend.search_many([params], "read the word list")
        return _facet_counts(found).get(field, Counter())

    def _name_words(self, facet: str) -> Counter[str]:
        if facet not in self._names:
            words: Counter[str] = Counter()
            for value, n in self.facet_values(facet).items():  # type: ignore[arg-type]
                for w in dict.fromkeys(t.text for t in tx.plain_terms(value)):
                    words[w] += n
            self._names[facet] = words
        return self._names[facet]

    def expand(self, node: MultiTerm, limit: int) -> list[str]:
        """The indexed words a multi-term stands for (see the feature table for limits)."""
        if node.field == "id":
            raise QueryError(
                "wildcards, fuzzy terms and ranges in id: are not supported by the typesense "
                "backend"
            )
        if isinstance(node, TermRange):
            raise QueryError("word ranges ([a to b]) are not supported by the typesense backend")
        text = node.field in ("text", "title", "body")
        if isinstance(node, Prefix):
            if text:
                words = self._facet_words("spell", node.text, limit)
            else:
                words = self._name_words(node.field)
            found = [w for w in words if w.startswith(node.text)]
        elif isinstance(node, Wildcard):
            literal = node.pattern.split("*")[0].split("?")[0]
            if text and not literal:
                raise QueryError(
                    "a wildcard that starts with * or ? is not supported by the typesense backend"
                )
            words = (
                self._facet_words("spell", literal, WORD_SCAN)
                if text
                else (self._name_words(node.field))
            )
            found = [w for w in words if fnmatch.fnmatchcase(w, node.pattern)]
        else:
            assert isinstance(node, Fuzzy)
            found = [w for w, _ in self._near(node.text, node.maxdist, node.prefix, text, node)]
        return sorted(found)[:limit]

    def _near(
        self, word: str, maxdist: int, prefix: int, text: bool, node: Fuzzy | None = None
    ) -> list[tuple[str, int]]:
        if prefix < 1:
            raise QueryError(
                "a fuzzy term needs at least one fixed first letter on the typesense backend"
            )
        head = word[:prefix]
        words = (
            self._facet_words("spell", head, WORD_SCAN)
            if text or node is None
            else self._name_words(node.field)
        )
        return [
            (w, n)
            for w, n in words.items()
            if w[:prefix] == head and edit_distance(w, word) <= maxdist
        ]

    def word_frequency(self, word: str) -> int:
        """In how many articles a folded word occurs (title or body, as written)."""
        params = {
            **_SEARCH,
            "q": "*",
            "query_by": "title_a",
            "per_page": 0,
            "filter_by": f"spell:=[{tc.quote(word)}]",
        }
        (found,) = self.backend.search_many([params], "count a word")
        return int(found.get("found", 0))

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        """Indexed words within ``maxdist`` edits (same first letter), with article counts."""
        return [(w, n) for w, n in self._near(word, maxdist, 1, True) if w != word]

    def facet_values(self, facet: FacetName) -> Counter[str]:
        """Every value of a facet with its number of articles."""
        return self._decoded(self._facet_words(td.KEY_FIELD[facet], "", FACET_VALUES))

    # -- related articles and completion --------------------------------------------------------

    def similar(self, article_id: str, *, limit: int, deadline: float) -> list[Candidate] | None:
        """Articles that share the article's most distinctive words (Typesense's ranking of
        them, dropping the least distinctive words first when few articles have them all)."""
        me = self._documents([td.doc_id(article_id)], "id,t_body,title_a,body_a")
        doc = me.get(td.doc_id(article_id))
        if doc is None:
            return None
        tf = Counter(str(doc.get("body_a", "")).split()) + Counter(
            str(doc.get("title_a", "")).split()
        )
        candidates = [t for t, _ in tf.most_common(40)]
        if not candidates:
            return []
        probes = [
            {
                **_SEARCH,
                "q": "*",
                "query_by": "title_a",
                "per_page": 0,
                "filter_by": f"t_text:=[{tc.quote(t)}]",
            }
            for t in candidates
        ]
        dfs = [int(r.get("found", 0)) for r in self.backend.search_many(probes, "find key words")]
        total = max(self.backend.count(), 1)
        weights = {
            t: tf[t] * math.log(1 + total / max(df, 1))
            for t, df in zip(candidates, dfs, strict=True)
            if df > 1
        }
        best = sorted(weights, key=lambda t: (-weights[t], t))[:SIMILAR_TERMS]
        if not best:
            return []
        params = {
            **_SEARCH,
            "q": " ".join(best),
            "query_by": "title_a,body_a",
            "query_by_weights": "2,1",
            "filter_by": f"aid:!=[{tc.quote(article_id)}]",
            "drop_tokens_threshold": limit + 1,
            "sort_by": "_text_match:desc,key:asc",
            "per_page": min(limit, PAGE),
            "include_fields": "id,date_sort",
        }
        remaining = deadline - time.perf_counter()
        if math.isfinite(remaining):
            params["search_cutoff_ms"] = max(1, int(remaining * 1000))
        (found,) = self.backend.search_many([params], "find similar articles")
        return [self._candidate(h, False) for h in (found.get("hits") or [])[:limit]]

    def word_counts(
        self, request: MatchRequest, *, background: MatchRequest, min_count: int
    ) -> WordCounts:
        """Not available on Typesense yet: significant terms and co-occurrence need each
        match's words, which this backend does not read back in bulk."""
        raise UsageError(_NOT_YET.format(what="significant terms and co-occurrence"))

    def keys(self, request: MatchRequest) -> Keys:
        """Not available on Typesense yet (a full export streams keys from the engine)."""
        raise UsageError(_NOT_YET.format(what="exports"))

    def suggest(
        self, folded: str, *, limit: int, kinds: frozenset[SuggestionKind] | None
    ) -> list[Suggestion]:
        """Names and words that start with a folded prefix, most articles first."""
        head = folded.split()[0] if folded.split() else folded
        cap = max(250, 10 * limit)
        names = [f for f in FACET_NAMES if kinds is None or f in kinds]
        searches = [
            {
                **_SEARCH,
                "q": "*",
                "query_by": "title_a",
                "per_page": 0,
                "facet_by": td.FACET_FIELD[f],
                "facet_query": f"{td.FACET_FIELD[f]}:{head}",
                "max_facet_values": cap,
            }
            for f in names
        ]
        want_words = (kinds is None or "word" in kinds) and " " not in folded
        if want_words:
            searches.append(
                {
                    **_SEARCH,
                    "q": "*",
                    "query_by": "title_a",
                    "per_page": 0,
                    "facet_by": "spell",
                    "facet_query": f"spell:{folded}",
                    "max_facet_values": cap,
                }
            )
        results = self.backend.search_many(searches, "complete") if searches else []
        out: list[Suggestion] = []
        for facet, result in zip(names, results, strict=False):
            for value, n in _facet_counts(result).get(td.FACET_FIELD[facet], Counter()).items():
                words = [t.text for t in tx.plain_terms(value)]
                if any(" ".join(words[i:]).startswith(folded) for i in range(len(words))):
                    out.append(Suggestion(value, facet, n))
        if want_words:
            named = {t.text for s in out for t in tx.plain_terms(s.text)}
            for word, n in _facet_counts(results[-1]).get("spell", Counter()).items():
                if word.startswith(folded) and word not in named:
                    out.append(Suggestion(word, "word", n))
        return out


class TypesenseWriter:
    """A batch of changes, sent at :meth:`commit` (see :class:`searchlib.backend.BackendWriter`)."""

    def __init__(self, backend: TypesenseBackend) -> None:
        self._backend = backend
        self._hashes: dict[str, str | None] = {}
        self._by_hash: dict[str, list[str]] | None = None
        self._lookups = 0
        self._changes: dict[str, dict[str, Any] | None] = {}
        self._closed = False

    def _export_hashes(self) -> None:
        b = self._backend
        text = b.call(
            lambda c: b.cluster.collection(c, b.collection).documents.export(
                {"include_fields": "aid,hash"}
            ),
            "read the stored hashes",
        )
        hashes: dict[str, str | None] = {}
        for line in str(text).splitlines():
            if line.strip():
                doc = json.loads(line)
                hashes[str(doc["aid"])] = str(doc.get("hash", ""))
        self._hashes = hashes
        by_hash: dict[str, list[str]] = {}
        for aid, digest in hashes.items():
            by_hash.setdefault(str(digest), []).append(aid)
        self._by_hash = by_hash

    def stored_hash(self, article_id: str) -> str | None:
        """The content hash stored for ``article_id`` when this batch began, or None."""
        if self._by_hash is not None or article_id in self._hashes:
            return self._hashes.get(article_id)
        self._lookups += 1
        if self._lookups > LOOKUPS_BEFORE_EXPORT:
            self._export_hashes()
            return self._hashes.get(article_id)
        reader = TypesenseReader(self._backend)
        found = reader._documents([td.doc_id(article_id)], "id,hash")
        doc = found.get(td.doc_id(article_id))
        value = str(doc.get("hash", "")) if doc is not None else None
        self._hashes[article_id] = value
        return value

    def ids_with_hash(self, digest: str) -> list[str]:
        """Ids of articles stored with this content hash when the batch began."""
        if self._by_hash is not None:
            return list(self._by_hash.get(digest, []))
        params = {
            **_SEARCH,
            "q": "*",
            "query_by": "title_a",
            "filter_by": f"hash:=[{tc.quote(digest)}]",
            "per_page": PAGE,
            "include_fields": "aid",
        }
        (found,) = self._backend.search_many([params], "look up a content hash")
        return [str(h["document"]["aid"]) for h in found.get("hits") or ()]

    def write(self, article: Article, digest: str, *, replace: bool) -> None:
        """Queue an article (sent at commit)."""
        self._check()
        self._changes[article.id] = td.to_document(article, digest)

    def delete(self, ids: Iterable[str]) -> int:
        """Queue deletions of stored articles; returns how many were stored when the batch
        began (as on Whoosh, an article written in this batch is not deleted by it)."""
        self._check()
        gone = 0
        for article_id in ids:
            if self.stored_hash(article_id) is not None:
                gone += 1
                self._changes[article_id] = None
        return gone

    def commit(self, **_options: object) -> None:
        """Send the batch: deletions, then upserts in chunks of :data:`IMPORT_BATCH`.

        Each chunk is acknowledged by the leader once a majority of the nodes has it. A chunk
        that fails for want of a leader is sent again to the next one (upserts and deletes
        can be repeated safely) within the cluster's retry window.
        """
        self._check()
        self._closed = True
        try:
            deletes = [td.doc_id(i) for i, doc in self._changes.items() if doc is None]
            upserts = [doc for doc in self._changes.values() if doc is not None]
            for start in range(0, len(deletes), DELETE_BATCH):
                self._delete(deletes[start : start + DELETE_BATCH])
            values = list({v["id"]: v for d in upserts for v in td.value_documents(d)}.values())
            side = td.values_name(self._backend.collection)
            for start in range(0, len(values), IMPORT_BATCH):
                self._import(values[start : start + IMPORT_BATCH], side)
            for start in range(0, len(upserts), IMPORT_BATCH):
                self._import(upserts[start : start + IMPORT_BATCH])
        finally:
            self._backend._writing.release()

    def _delete(self, ids: list[str]) -> None:
        b = self._backend
        expr = "id:=[" + ",".join(tc.quote(i) for i in ids) + "]"
        b.call(
            lambda c: b.cluster.collection(c, b.collection).documents.delete({"filter_by": expr}),
            "delete articles",
        )

    def _import(self, docs: list[dict[str, Any]], collection: str | None = None) -> None:
        b = self._backend
        name = collection or b.collection

        def send(c: Any) -> list[Any]:
            results = b.cluster.collection(c, name).documents.import_(docs, {"action": "upsert"})
            for doc, result in zip(docs, results, strict=True):
                if not result.get("success", False):
                    message = str(result.get("error", "failed"))
                    if is_transient_message(message):
                        raise Transient(message)
                    raise InputError(
                        f"Typesense refused article {doc.get('aid', doc['id'])!r}: {message[:200]}",
                        index=b.location,
                    )
            return list(results)

        b.call(send, "write articles")

    def cancel(self) -> None:
        """Discard the batch (nothing was sent)."""
        if self._closed:
            return
        self._closed = True
        self._changes.clear()
        self._backend._writing.release()

    def _check(self) -> None:
        if self._closed:
            raise UsageError("this writer has already been committed or cancelled")


__all__ = ["Changed", "TypesenseBackend", "TypesenseReader", "TypesenseWriter"]
