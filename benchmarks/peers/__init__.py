"""The engines the benchmark compares, behind one small interface.

Every engine indexes the same :class:`~searchlib.Article` values (read by searchlib's readers,
entities from searchlib's default extractor) and answers the same strict-AND queries in four
modes (see :data:`MODES`). An engine module exposes an :class:`Engine`; a search returns an
:class:`Answer` with the plain values a user of that engine would display, so the time of a
search covers everything from the query string to those values.

Engines: ``searchlib`` (this library), ``whoosh`` (plain Whoosh as its documentation teaches),
``sqlite-fts5`` (stdlib ``sqlite3`` with FTS5) and ``tantivy`` (the Rust engine's Python binding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from searchlib import Article, ReadOptions, default_extractor, read_paths

#: The query modes, in the order they are run and reported.
MODES: tuple[str, ...] = ("a", "b", "c", "d")

#: What each mode asks of an engine.
MODE_DESCRIPTIONS: dict[str, str] = {
    "a": "(a) the 10 best hits (id, title, score) and the total number of matches",
    "b": "(b) as (a), plus highlighted body snippets for the 10 hits",
    "c": "(c) as (b), plus counts over ALL matches of person/org/location/tag "
    "(top 10 values each) and a month histogram",
    "d": "(d) as (c), restricted to a fixed date range (about a third of the corpus)",
}

#: The facets counted in modes (c) and (d).
FACETS: tuple[str, ...] = ("person", "org", "location", "tag")

#: Values reported per facet.
FACET_TOP = 10

DateRange = tuple[dt.date, dt.date]


@dataclass
class Answer:
    """What an engine returned for one query in one mode.

    ``facets`` maps each facet to its top :data:`FACET_TOP` ``(value, count)`` pairs, ordered by
    count (descending) then value; ``months`` maps ``YYYY-MM`` to the number of matches dated in
    that month (months without matches left out). Both are empty in modes (a) and (b).
    """

    total: int
    ids: list[str]
    snippets: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)


class Session(Protocol):
    """An open index that answers queries."""

    def search(self, query: str, mode: str, dates: DateRange | None) -> Answer:
        """Answer ``query`` (plain words, all required) in ``mode``; ``dates`` for mode (d)."""
        ...

    def close(self) -> None:
        """Release the index."""
        ...


class Engine(Protocol):
    """One search engine: how it builds an index and how it opens one for searching."""

    name: str
    #: How this engine's facets and month histogram are computed (reported with the results).
    facet_method: str
    #: Anything else a reader of the results should know.
    notes: str

    def version(self) -> str:
        """The engine's version string."""
        ...

    def supports_procs(self, procs: int) -> bool:
        """Whether the engine can index with ``procs`` processes or threads."""
        ...

    def build(self, path: Path, articles: Iterable[Article], procs: int) -> int:
        """Index articles whose entities are already extracted into a new index at ``path``."""
        ...

    def ingest(self, path: Path, corpus: Path, options: ReadOptions, procs: int) -> int:
        """End to end: read ``corpus``, extract entities, index; returns the articles indexed."""
        ...

    def open(self, path: Path) -> Session:
        """Open the index at ``path`` for searching."""
        ...


def read_and_extract(corpus: Path, options: ReadOptions) -> Iterator[Article]:
    """Articles read from ``corpus`` with searchlib's readers, entities added by searchlib's
    default extractor, one at a time (the peers' end-to-end pipeline)."""
    extractor = default_extractor()
    for event in read_paths([corpus], options):
        if isinstance(event, Article):
            if not event.entities:
                event = replace(event, entities=extractor.extract(event.title, event.body))
            yield event


def facet_values(article: Article) -> dict[str, list[str]]:
    """An article's distinct facet values per facet, whitespace-normalised, in first-seen order
    (the values searchlib indexes for the same article)."""
    raw: dict[str, Iterable[str]] = {
        "person": article.entities_of("person"),
        "org": article.entities_of("org"),
        "location": article.entities_of("location"),
        "tag": article.tags,
    }
    out: dict[str, list[str]] = {}
    for name, values in raw.items():
        cleaned = (" ".join(v.split()) for v in values)
        out[name] = list(dict.fromkeys(v for v in cleaned if v))
    return out


def top(counts: Mapping[str, int], n: int = FACET_TOP) -> list[tuple[str, int]]:
    """The ``n`` most frequent values, ties broken by value (the order searchlib uses)."""
    return sorted(
        ((str(k), int(v)) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0])
    )[:n]


def month_of(date: dt.date | None) -> str | None:
    """``YYYY-MM`` for a date, None for an undated article."""
    return date.isoformat()[:7] if date is not None else None


def dir_size(path: Path) -> int:
    """Bytes used by the files under ``path`` (or by ``path`` itself if it is a file)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_engine(name: str) -> Engine:
    """The engine called ``name`` (imports its module only when asked for)."""
    if name == "searchlib":
        from .searchlib_engine import SearchlibEngine

        return SearchlibEngine()
    if name == "whoosh":
        from .whoosh_peer import WhooshPeer

        return WhooshPeer()
    if name == "sqlite-fts5":
        from .sqlite_peer import SqlitePeer

        return SqlitePeer()
    if name == "tantivy":
        from .tantivy_peer import TantivyPeer

        return TantivyPeer()
    raise ValueError(f"unknown engine {name!r}")


ENGINE_NAMES: tuple[str, ...] = ("searchlib", "whoosh", "sqlite-fts5", "tantivy")
