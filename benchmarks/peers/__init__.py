"""The engines the speed harness compares, each behind the protocol of
:mod:`benchmarks.common.engines`.

Every engine indexes the same :class:`~searchlib.Article` values (read by searchlib's readers,
entities from searchlib's default extractor) and answers the same strict-AND queries in four
modes (see :data:`~benchmarks.common.engines.MODES`).

Engines: ``searchlib`` (this library), ``whoosh`` (plain Whoosh as its documentation teaches),
``sqlite-fts5`` (stdlib ``sqlite3`` with FTS5) and ``tantivy`` (the Rust engine's Python binding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from searchlib import Article, ReadOptions, default_extractor, read_paths

from ..common.engines import (
    FACET_TOP,
    FACETS,
    MODE_DESCRIPTIONS,
    MODES,
    Answer,
    DateRange,
    Engine,
    Session,
)

__all__ = [
    "ENGINE_NAMES",
    "FACETS",
    "FACET_TOP",
    "MODES",
    "MODE_DESCRIPTIONS",
    "Answer",
    "DateRange",
    "Engine",
    "Session",
    "dir_size",
    "facet_values",
    "load_engine",
    "month_of",
    "read_and_extract",
    "top",
]


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
