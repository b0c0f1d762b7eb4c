"""The one engine protocol the harnesses compare engines through.

An engine indexes :class:`~searchlib.Article` values and opens a :class:`Session`; a session
answers a query in one of the four speed modes (:data:`MODES`) with an :class:`Answer`, the plain
values a user of that engine would display, so a timed search covers everything from the query
string to those values. The speed harness (``benchmarks.run``, and ``benchmarks.before_after``
over two versions of searchlib) drives every engine through :class:`Engine` and
:class:`Session`; the relevance harness ranks through :class:`Ranker`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from searchlib import Article, ReadOptions

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


@dataclass
class Ranked:
    """A ranker's answer to one question: ranked ids and scores; ``error`` when it refused."""

    ids: list[str]
    scores: list[float] = field(default_factory=list)
    error: str | None = None


class Ranker(Protocol):
    """An open index that ranks documents for a natural-language question (the relevance
    harness's view of an engine)."""

    name: str
    description: str

    def rank(self, text: str, depth: int) -> Ranked:
        """The best ``depth`` documents for ``text``."""
        ...

    def close(self) -> None:
        """Release the index."""
        ...
