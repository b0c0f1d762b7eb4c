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
    InputError,
    QueryError,
    SearchlibError,
)
from .index import Index, IndexWriter, content_hash
from .ingest import ingest
from .model import (
    Article,
    DateBucket,
    Entity,
    FacetValue,
    Fragment,
    Hit,
    IndexReport,
    IndexStats,
    ReadError,
    ReadWarning,
    SearchResults,
    Span,
    to_data,
)
from .paths import bundled_seeds, default_index_path
from .ranking import Ranking
from .readers import ReadOptions, read_paths

__version__ = "0.1.0"

__all__ = [
    "Article",
    "DateBucket",
    "DateOrder",
    "DocumentNotFound",
    "Entity",
    "Extractor",
    "FacetValue",
    "Fragment",
    "Hit",
    "Index",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexReport",
    "IndexStats",
    "IndexWriter",
    "InputError",
    "QueryError",
    "Ranking",
    "ReadError",
    "ReadOptions",
    "ReadWarning",
    "SearchResults",
    "SearchlibError",
    "Span",
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
