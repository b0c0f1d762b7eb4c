"""searchlib: full-text search for news archives.

Read articles (plain text, JSON Lines, CSV), extract the people, organisations and places they
name, index them with Whoosh, and get ranked, highlighted hits with facet counts and a date
histogram::

    import searchlib

    with searchlib.Index("news-index", create=True) as index:
        searchlib.ingest(index, ["seeds/"])
        results = index.search("Aleppo Nusra", person="Sergey Lavrov")
        for hit in results.hits:
            print(hit.rank, hit.title, [f.html for f in hit.fragments])
        print(results.facets["location"], results.histogram)
"""

from __future__ import annotations

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
from .ingest import IngestInterrupted, IngestProgress, ingest
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

__version__ = "0.1.0"

IndexWriter = ArticleWriter
"""The batch writer's former name (:class:`ArticleWriter`)."""

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
