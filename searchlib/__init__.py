"""searchlib: full-text search for news archives.

Read articles (plain text, JSON Lines, CSV), extract the people, organisations and places they
name, index them with Whoosh, and get ranked, highlighted hits with facet counts and a date
histogram::

    import searchlib

    with searchlib.Index("news-index", create=True) as index:
        searchlib.ingest(index, [searchlib.bundled_seeds()])
        results = index.search("Aleppo Nusra", person="Sergey Lavrov")
        for hit in results.hits:
            print(hit.rank, hit.title, [f.html for f in hit.fragments])
        print(results.facets["location"], results.histogram)

The names below are imported when first used, so that a command that only needs a few of them
(``searchlib stats``) starts quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Where each public name lives.
_EXPORTS: dict[str, str] = {
    "Article": "model",
    "ArticleWriter": "pipeline",
    "DateBucket": "model",
    "DateOrder": "dates",
    "DocumentNotFound": "errors",
    "Entity": "model",
    "Exclusion": "request",
    "Extractor": "entities",
    "FacetValue": "model",
    "FilterHint": "model",
    "Fragment": "model",
    "Highlighted": "model",
    "Hit": "model",
    "Index": "index",
    "IndexCorrupt": "errors",
    "IndexLocked": "errors",
    "IndexNotFound": "errors",
    "IndexReport": "model",
    "IndexStats": "model",
    "IndexUnavailable": "errors",
    "IngestInterrupted": "bulk",
    "IngestProgress": "bulk",
    "InputError": "errors",
    "QueryError": "errors",
    "Ranking": "ranking",
    "ReadError": "model",
    "ReadOptions": "readers",
    "ReadWarning": "model",
    "SearchRequest": "request",
    "SearchResults": "model",
    "SearchlibError": "errors",
    "Span": "model",
    "Suggestion": "model",
    "UsageError": "errors",
    "bundled_seeds": "paths",
    "content_hash": "pipeline",
    "default_extractor": "entities",
    "default_index_path": "paths",
    "ingest": "bulk",
    "parse_date": "dates",
    "read_paths": "readers",
    "to_data": "model",
}

if TYPE_CHECKING:
    from .bulk import IngestInterrupted, IngestProgress, ingest
    from .dates import DateOrder, parse_date
    from .entities import Extractor, default_extractor
    from .errors import (
        DocumentNotFound,
        IndexCorrupt,
        IndexLocked,
        IndexNotFound,
        IndexUnavailable,
        InputError,
        QueryError,
        SearchlibError,
        UsageError,
    )
    from .index import Index
    from .model import (
        Article,
        DateBucket,
        Entity,
        FacetValue,
        FilterHint,
        Fragment,
        Highlighted,
        Hit,
        IndexReport,
        IndexStats,
        ReadError,
        ReadWarning,
        SearchResults,
        Span,
        Suggestion,
        to_data,
    )
    from .paths import bundled_seeds, default_index_path
    from .pipeline import ArticleWriter, content_hash
    from .ranking import Ranking
    from .readers import ReadOptions, read_paths
    from .request import Exclusion, SearchRequest

    IndexWriter = ArticleWriter


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name == "IndexWriter":  # the batch writer's former name
        name = "ArticleWriter"
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'searchlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, "IndexWriter"])


__all__ = [
    "Article",
    "ArticleWriter",
    "DateBucket",
    "DateOrder",
    "DocumentNotFound",
    "Entity",
    "Exclusion",
    "Extractor",
    "FacetValue",
    "FilterHint",
    "Fragment",
    "Highlighted",
    "Hit",
    "Index",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexReport",
    "IndexStats",
    "IndexUnavailable",
    "IndexWriter",
    "IngestInterrupted",
    "IngestProgress",
    "InputError",
    "QueryError",
    "Ranking",
    "ReadError",
    "ReadOptions",
    "ReadWarning",
    "SearchRequest",
    "SearchResults",
    "SearchlibError",
    "Span",
    "Suggestion",
    "UsageError",
    "__version__",
    "bundled_seeds",
    "content_hash",
    "default_extractor",
    "default_index_path",
    "ingest",
    "parse_date",
    "read_paths",
    "to_data",
]
