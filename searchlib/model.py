"""The data that flows through searchlib: frozen, typed dataclasses and nothing else.

Readers produce :class:`Article` (plus :class:`ReadError` / :class:`ReadWarning` for what went
wrong), extractors attach :class:`Entity` values, the index stores them, and a search returns
:class:`SearchResults` made of :class:`Hit`, :class:`Fragment`, :class:`FacetValue` and
:class:`DateBucket`. Every type converts to plain JSON-ready data with :func:`to_data`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import InputError

EntityKind = Literal["person", "org", "location", "misc"]
"""The kinds of named entity: people, organisations, places, and anything else."""

ENTITY_KINDS: tuple[EntityKind, ...] = ("person", "org", "location", "misc")

FacetName = Literal["person", "org", "location", "misc", "tag", "source"]
"""The fields a search can count and filter by."""

FACET_NAMES: tuple[FacetName, ...] = ("person", "org", "location", "misc", "tag", "source")
DEFAULT_FACETS: tuple[FacetName, ...] = ("person", "org", "location", "tag", "source")

Interval = Literal["year", "month", "day"]
"""The width of a date-histogram bucket."""

MAX_TITLE_CHARS = 1000
"""The longest title an article may have, in characters (after whitespace is collapsed)."""

MAX_BODY_CHARS = 16_000_000
"""The longest body an article may have, in characters."""

MAX_VALUE_CHARS = 2000
"""The longest id, source, url or tag, in characters."""


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity found in one article, under its canonical name.

    ``aliases`` are the other surface forms the article used for it ("Lavrov" for
    "Sergey Lavrov"); ``mentions`` counts every occurrence, aliases included.
    """

    kind: EntityKind
    name: str
    mentions: int = 1
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, as read from a file or record.

    ``id`` is stable: the record's own id when it has one, else the path relative to the indexed
    root (plus ``#line`` for a record inside a multi-record file). ``related`` holds the titles of
    linked "Read more" articles. ``origin`` says where the article was read from, for messages.
    """

    id: str
    title: str
    body: str = ""
    date: _dt.date | None = None
    source: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()
    origin: str | None = None

    def entities_of(self, kind: EntityKind) -> tuple[str, ...]:
        """The canonical names of this article's entities of one kind, in order of appearance."""
        return tuple(e.name for e in self.entities if e.kind == kind)


@dataclass(frozen=True, slots=True)
class ReadError:
    """An input (a file, or one line or row of it) that could not be read as an article."""

    origin: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line is not None else self.origin
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReadWarning:
    """Something worth telling the user about an input that was still read (e.g. its encoding)."""

    origin: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line is not None else self.origin
        return f"{where}: {self.message}"


ReadEvent = Article | ReadError | ReadWarning
"""What a reader yields: an article, or a note about why something was not (fully) read."""


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted match inside a fragment: ``text[start:end]``, in characters."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of an article's text around matches.

    ``text`` is the words as written in the article; ``spans`` locate each match in it;
    ``html`` is the same fragment escaped for HTML, with matches wrapped in ``<mark>``.
    """

    text: str
    spans: tuple[Span, ...]
    html: str
    field: str = "body"

    @property
    def matches(self) -> tuple[str, ...]:
        """The matched words, as written."""
        return tuple(self.text[s.start : s.end] for s in self.spans)


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked search result.

    ``duplicates`` holds the ids of the matching articles that are near-duplicates of this one
    (syndicated copies), when the search collapsed them (``collapse=True``); otherwise ().
    """

    rank: int
    id: str
    score: float
    title: str
    date: _dt.date | None
    source: str | None
    url: str | None
    tags: tuple[str, ...]
    people: tuple[str, ...]
    orgs: tuple[str, ...]
    locations: tuple[str, ...]
    title_fragment: Fragment
    fragments: tuple[Fragment, ...]
    duplicates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with the number of matching articles that carry it."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class DateBucket:
    """One bar of the date histogram: matching articles dated ``start <= date <= end``."""

    key: str
    start: _dt.date
    end: _dt.date
    count: int


@dataclass(frozen=True, slots=True)
class Highlighted:
    """An article's whole title and body with a query's matches marked (the article view)."""

    id: str
    title: Fragment
    body: Fragment


@dataclass(frozen=True, slots=True)
class FilterHint:
    """A filter value that no article carries, and the nearest values that some do."""

    facet: FacetName
    value: str
    suggestions: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    """What :meth:`searchlib.Index.search` returns.

    ``total`` counts every matching article, not just this page. ``facets`` and ``histogram``
    count over all matches too. ``relaxed`` is true when no article matched every term, so the
    results are the best partial matches (articles matching more terms first). ``suggestion``
    is a corrected query that has results, offered when a term is unknown. ``partial`` is true
    when the search ran out of its time budget: ``total``, the facets and the hits then cover
    only the documents examined in time. ``collapsed`` is true when near-duplicates were folded
    into the hit they copy (listed in :attr:`Hit.duplicates`); ``total``, the facets and the
    histogram always count articles, not groups.
    """

    query: str
    total: int
    hits: tuple[Hit, ...]
    page: int
    limit: int
    sort: Literal["relevance", "date"]
    facets: Mapping[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    histogram: tuple[DateBucket, ...] = ()
    interval: Interval = "month"
    relaxed: bool = False
    suggestion: str | None = None
    elapsed_ms: float = 0.0
    partial: bool = False
    collapsed: bool = False
    unmatched_filters: tuple[FilterHint, ...] = ()

    @property
    def pages(self) -> int:
        """The number of pages of ``limit`` hits."""
        return max(1, -(-self.total // self.limit)) if self.limit else 1


SuggestionKind = Literal["person", "org", "location", "misc", "tag", "source", "word"]
SUGGESTION_KINDS: tuple[SuggestionKind, ...] = (
    "person",
    "org",
    "location",
    "misc",
    "tag",
    "source",
    "word",
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An autocompletion: an entity name, tag or source (``kind`` says which) or an indexed
    word, with the number of articles that carry it."""

    text: str
    kind: SuggestionKind
    count: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Figures about an index as it is now.

    ``location`` is the index directory (or the engine's URL, without secrets). ``size_bytes``
    and ``generation`` are None where an engine does not tell. ``backend`` holds the engine's own
    figures: its name (``engine``) and, for Whoosh, the number of ``segments``.
    """

    location: str
    documents: int
    date_min: _dt.date | None
    date_max: _dt.date | None
    undated: int
    size_bytes: int | None
    generation: int | None
    backend: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexReport:
    """The outcome of indexing a batch of inputs.

    ``indexed`` counts new articles, ``updated`` changed ones, ``unchanged`` those skipped because
    their content hash was already in the index, and ``failed`` the inputs that could not be read.
    ``copies`` counts the articles skipped because an earlier run indexed the same content under
    another id; ``copy_examples`` pairs some of their ids with the id already indexed.
    """

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[ReadError, ...] = ()
    warnings: tuple[ReadWarning, ...] = ()
    elapsed_s: float = 0.0
    copies: int = 0
    copy_examples: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True when every input was read."""
        return self.failed == 0


def check_text(what: str, value: str, limit: int) -> None:
    """Refuse a value that is longer than ``limit`` characters or holds NUL characters."""
    if len(value) > limit:
        raise InputError(f"{what} is {len(value):,} characters long (limit {limit:,})")
    if "\x00" in value:
        raise InputError(f"{what} contains NUL characters (binary data?)")


def validate_article(article: Article) -> None:
    """Raise :class:`~searchlib.errors.InputError` unless the article can be indexed as it is.

    It needs an id and a title or body; values must be within :data:`MAX_TITLE_CHARS`,
    :data:`MAX_BODY_CHARS` and :data:`MAX_VALUE_CHARS`; its date may not be more than a year in
    the future (:func:`searchlib.dates.check_plausible`). Readers check the same things, so this
    matters for articles built in code.
    """
    from .dates import check_plausible

    if not article.id.strip():
        raise InputError("an article needs a non-empty id")
    if not article.title.strip() and not article.body.strip():
        raise InputError(f"article {article.id!r} has no title and no body")
    check_text("id", article.id, MAX_VALUE_CHARS)
    check_text("title", article.title, MAX_TITLE_CHARS)
    check_text("body", article.body, MAX_BODY_CHARS)
    for name, value in (("source", article.source), ("url", article.url)):
        if value is not None:
            check_text(name, value, MAX_VALUE_CHARS)
    for tag in article.tags:
        check_text("tag", tag, MAX_VALUE_CHARS)
    if article.date is not None:
        check_plausible(article.date)


def to_data(value: Any) -> Any:
    """Convert a model object (or a container of them) to JSON-ready data.

    Dates become ISO strings, tuples become lists and dataclasses become dicts, recursively.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, SearchResults):
            out["pages"] = value.pages
        return out
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    return value


__all__ = [
    "DEFAULT_FACETS",
    "ENTITY_KINDS",
    "FACET_NAMES",
    "MAX_BODY_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_VALUE_CHARS",
    "Article",
    "DateBucket",
    "Entity",
    "EntityKind",
    "FacetName",
    "FacetValue",
    "FilterHint",
    "Fragment",
    "Highlighted",
    "Hit",
    "IndexReport",
    "IndexStats",
    "Interval",
    "ReadError",
    "ReadEvent",
    "ReadWarning",
    "SearchResults",
    "Span",
    "check_text",
    "to_data",
    "validate_article",
]
