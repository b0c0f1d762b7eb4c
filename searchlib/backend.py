"""The engine boundary: what searchlib asks of a search engine, and nothing more.

:class:`searchlib.Index` is a thin front over a :class:`Backend`, chosen by the index location
(a directory is a Whoosh index; ``typesense://host:port/collection`` a Typesense collection).
Everything above the boundary is engine-free and written once: parsing the query into
searchlib's own tree (:mod:`searchlib.query`), the search policy (relaxing, questions, spelling
suggestions), collapsing copies, facet assembly and the date histogram (:mod:`searchlib.facets`),
highlighting (:mod:`searchlib.highlight`) and presenting. Below it, a backend matches, counts and
ranks; it never sees a :class:`~searchlib.request.SearchRequest` and returns no engine object.

A backend is thread-safe and long-lived. Reading goes through a :class:`Reader`, one consistent
view of the index (for Whoosh, one committed generation), borrowed with :meth:`Backend.reader`;
writing goes through one :class:`BackendWriter` at a time. Engine details (segments, merging,
replicas...) stay in the backend, and are reported in :attr:`BackendStats.details`.

Types crossing the boundary are plain: the query tree, :class:`MatchRequest`, :class:`MatchSet`,
:class:`~searchlib.model.Article`, numbers, strings and numpy arrays.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, runtime_checkable

from .model import Article, FacetName, Suggestion, SuggestionKind
from .ranking import Ranking

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .query import MultiTerm, Node

Coverage = Literal["none", "factor", "first", "all-first"]
"""How partial matches are ranked: not at all (``none``); by score times the share of
:attr:`MatchRequest.clauses` matched to the power of the ranking's coordination (``factor``);
by the number of clauses matched first and score second (``first``); or with the articles that
match every clause first, then by score times the coordination factor (``all-first``)."""

Status = Literal["indexed", "updated", "unchanged"]
"""What writing an article did."""


@dataclass(frozen=True, kw_only=True)
class MatchRequest:
    """What a backend is asked to do for one search.

    ``tree`` holds no multi-terms (they are expanded above the boundary) and no required date
    clause (those are in ``date_from``/``date_to``). ``include`` and ``exclude`` are facet
    values, matched ignoring case. ``depth`` is how many of the best matches to return, in
    order; ``scored`` is false when every match counts the same (browsing: the order is by
    date). ``feedback`` asks the backend to re-rank the matches with pseudo-relevance feedback
    from its best ones, where it can (the matches, totals and counts do not change).
    ``deadline`` is a ``time.perf_counter()`` value after which the backend stops and flags the
    result partial.
    """

    tree: Node  # a query tree (searchlib.query)
    include: tuple[tuple[FacetName, str], ...] = ()
    exclude: tuple[tuple[FacetName, str], ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: Literal["relevance", "date"] = "relevance"
    depth: int = 10
    scored: bool = True
    clauses: tuple[Node, ...] = ()
    coverage: Coverage = "none"
    recency: float | None = None
    feedback: bool = False
    ranking: Ranking = field(default_factory=Ranking)
    facets: tuple[FacetName, ...] = ()
    histogram: bool = False
    deadline: float = float("inf")


@dataclass(frozen=True)
class Candidate:
    """One ranked match: a key to fetch it by (valid within the same reader), its score, and its
    day number (``date.toordinal()``, 0 when undated)."""

    key: Any
    score: float
    day: int


@dataclass(frozen=True)
class MatchSet:
    """What a backend found: the total, the best matches in order, and counts over all matches.

    ``facets`` counts every value of each requested facet (not only the top ones); ``days``
    counts matches by day number. ``unknown`` lists the ``include`` values that no article
    carries. ``partial`` is true when the deadline cut the work short.
    """

    total: int
    ranked: tuple[Candidate, ...]
    facets: dict[str, Counter[str]]
    days: Counter[int]
    unknown: tuple[tuple[FacetName, str], ...] = ()
    partial: bool = False


@dataclass(frozen=True)
class BackendStats:
    """Figures about an index: articles, their dates, size, and engine details."""

    documents: int
    date_min: dt.date | None
    date_max: dt.date | None
    undated: int
    size_bytes: int | None
    generation: int | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Damage:
    """One problem :meth:`Backend.verify` found: the damaged file (or part) and what is wrong."""

    file: str
    problem: str


Signatures: TypeAlias = "npt.NDArray[np.uint32]"
"""Near-duplicate signatures, one row per article (see :mod:`searchlib.dedup`)."""


@dataclass(frozen=True)
class WordCounts:
    """Word counts of a foreground and a background (:meth:`Reader.word_counts`): ``words[i]``
    is in ``counts[i]`` of the ``total`` foreground articles and in ``background_counts[i]`` of
    the ``background_total`` background articles."""

    total: int
    background_total: int
    words: Sequence[str]
    counts: npt.NDArray[np.int64]
    background_counts: npt.NDArray[np.int64]


Keys: TypeAlias = "Sequence[Any] | npt.NDArray[Any]"
"""The keys of many matches (:meth:`Reader.keys`): a sequence, or a compact numpy array."""


@runtime_checkable
class Reader(Protocol):
    """One consistent view of the index, for the length of one request."""

    def search(self, request: MatchRequest) -> MatchSet:
        """Match, count and rank (see :class:`MatchRequest`)."""
        ...

    def count(self, request: MatchRequest) -> int:
        """How many articles match (``request.depth`` and counts are ignored)."""
        ...

    def articles(self, keys: Sequence[Any]) -> list[Article]:
        """The stored articles of :attr:`Candidate.key` values from this reader, in order."""
        ...

    def signatures(self, keys: Sequence[Any]) -> Signatures:
        """The near-duplicate signatures of candidates, one row each."""
        ...

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        ...

    def expand(self, node: MultiTerm, limit: int) -> list[str]:
        """The indexed words (folded, as written) a multi-term stands for, at most ``limit``."""
        ...

    def word_frequency(self, word: str) -> int:
        """In how many articles a folded word (as written) occurs, title or body."""
        ...

    def word_counts(
        self, request: MatchRequest, *, background: MatchRequest, min_count: int
    ) -> WordCounts:
        """The words (folded, as written: title or body) of the articles matching ``request``
        that at least ``min_count`` of them hold, with in how many of those and of the
        articles matching ``background`` each occurs (rankings, depths and counts of both
        requests are ignored)."""
        ...

    def keys(self, request: MatchRequest) -> Keys:
        """The :attr:`Candidate.key` of every match of ``request``, compactly (an integer array
        for Whoosh): newest first when ``request.sort`` is ``"date"`` (undated last), else in
        index order. Its ranking, depth and counts are ignored."""
        ...

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        """Indexed words within ``maxdist`` edits of ``word`` (same first letter), with their
        article counts."""
        ...

    def facet_values(self, facet: FacetName) -> Counter[str]:
        """Every value of a facet with its number of articles."""
        ...

    def similar(self, article_id: str, *, limit: int, deadline: float) -> list[Candidate] | None:
        """The articles most related to one, best first; None when there is no such article."""
        ...

    def suggest(
        self, folded: str, *, limit: int, kinds: frozenset[SuggestionKind] | None
    ) -> list[Suggestion]:
        """Names and words that start with a folded prefix, most articles first."""
        ...


@runtime_checkable
class BackendWriter(Protocol):
    """A batch of changes; nothing is visible until :meth:`commit`."""

    def stored_hash(self, article_id: str) -> str | None:
        """The content hash stored for an id when the batch began (None when absent)."""
        ...

    def ids_with_hash(self, digest: str) -> list[str]:
        """Ids of articles already stored with this content hash (copies under other ids)."""
        ...

    def write(self, article: Article, digest: str, *, replace: bool) -> None:
        """Store an article (its entities already extracted); ``replace`` when its id exists."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Delete articles by id; how many existed."""
        ...

    def commit(self) -> None:
        """Make the batch visible, atomically (as far as the engine allows: see its docs)."""
        ...

    def cancel(self) -> None:
        """Discard the batch."""
        ...


@runtime_checkable
class Backend(Protocol):
    """An index in some engine."""

    @property
    def location(self) -> str:
        """Where the index is (a path or a URL without secrets), for messages."""
        ...

    def reader(self) -> AbstractContextManager[Reader]:
        """Borrow a consistent view of the latest committed state."""
        ...

    def writer(self, *, timeout: float) -> BackendWriter:
        """Start a batch, waiting up to ``timeout`` seconds for another writer."""
        ...

    def count(self) -> int:
        """The number of articles (cheap: no search tables are built)."""
        ...

    def generation(self) -> int | None:
        """A number that changes whenever the index's content may have changed (cheap; for
        caches), or None when the engine cannot tell."""
        ...

    def stats(self) -> BackendStats:
        """Figures about the index as it is now (never builds search tables)."""
        ...

    def settle(self, *, timeout: float) -> None:
        """After a bulk load of several commits: whatever makes searches fast again (Whoosh
        merges an index of many segments)."""
        ...

    def verify(self) -> list[Damage]:
        """Read everything and report damage (empty when the index is sound)."""
        ...

    def optimize(self, *, timeout: float) -> None:
        """Compact the index for faster searches, if the engine has such a thing."""
        ...

    def close(self) -> None:
        """Release what the backend holds."""
        ...


__all__ = [
    "Backend",
    "BackendStats",
    "BackendWriter",
    "Candidate",
    "Coverage",
    "Damage",
    "Keys",
    "MatchRequest",
    "MatchSet",
    "Reader",
    "Signatures",
    "Status",
    "WordCounts",
]
