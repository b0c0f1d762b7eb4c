"""Plain Whoosh, used as its documentation teaches: what a user would write without searchlib.

No searchlib code touches the index. The schema follows the same idea as searchlib's: title
(boosted x2) and body as stored ``TEXT`` with the same analyser chain as searchlib's
``schema.text_analyzer()`` (copied below, so both match exactly the same documents); people,
organisations, places and tags as ``KEYWORD(commas=True)`` fields; the date as ``DATETIME``; the
month as a sortable ``ID`` holding ``YYYY-MM``. Queries go through
``MultifieldParser(["title", "body"], schema, group=AndGroup)``, snippets through
``Hit.highlights``, facets through ``groupedby`` with ``FieldFacet(field, allow_overlap=True)``
and ``maptype=sorting.Count``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import whoosh
from whoosh import sorting
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.index import create_in, open_dir
from whoosh.qparser import AndGroup, MultifieldParser
from whoosh.query import DateRange as WhooshDateRange
from whoosh.support.charset import accent_map

from searchlib import Article, ReadOptions

from . import FACETS, Answer, DateRange, facet_values, month_of, read_and_extract, top


def text_analyzer() -> Analyzer:
    """The same chain as searchlib's ``schema.text_analyzer()``: words, lower-cased,
    de-accented, stop words removed, Porter-stemmed."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


def build_schema() -> Schema:
    """The peer's schema."""
    entity_fields = {name: KEYWORD(stored=True, commas=True) for name in FACETS}
    return Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=text_analyzer(), stored=True, field_boost=2.0),
        body=TEXT(analyzer=text_analyzer(), stored=True),
        date=DATETIME(stored=True),
        month=ID(sortable=True),
        **entity_fields,
    )


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh document of an article (facet values joined by commas)."""
    doc: dict[str, Any] = {"id": article.id, "title": article.title, "body": article.body}
    if article.date is not None:
        doc["date"] = dt.datetime.combine(article.date, dt.time.min)
        doc["month"] = month_of(article.date)
    for name, values in facet_values(article).items():
        if values:
            doc[name] = ",".join(values)
    return doc


class WhooshSession:
    """One long-lived searcher and parser on a plain Whoosh index."""

    def __init__(self, path: Path) -> None:
        self.ix = open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "body"], self.ix.schema, group=AndGroup)

    def search(self, query: str, mode: str, dates: DateRange | None) -> Answer:
        """Parse, search, then (modes c/d) read the groups; highlights for the 10 hits."""
        q = self.parser.parse(query)
        mask = None
        if mode == "d" and dates:
            mask = WhooshDateRange(
                "date",
                dt.datetime.combine(dates[0], dt.time.min),
                dt.datetime.combine(dates[1], dt.time.max),
            )
        faceted = mode in ("c", "d")
        if faceted:
            groupedby: dict[str, sorting.FacetType] = {
                name: sorting.FieldFacet(name, allow_overlap=True) for name in FACETS
            }
            groupedby["month"] = sorting.FieldFacet("month")
            results = self.searcher.search(
                q, limit=10, filter=mask, groupedby=groupedby, maptype=sorting.Count
            )
        else:
            results = self.searcher.search(q, limit=10, filter=mask)
        hits = results[:10]  # groupedby makes search() return every hit: slice explicitly
        answer = Answer(total=len(results), ids=[hit["id"] for hit in hits])
        if mode != "a":
            answer.snippets = [hit.highlights("body", top=3) for hit in hits]
        if faceted:
            answer.facets = {name: top(results.groups(name)) for name in FACETS}
            answer.months = {str(k): int(v) for k, v in results.groups("month").items() if k}
        return answer

    def close(self) -> None:
        """Close the searcher."""
        self.searcher.close()


class WhooshPeer:
    """Plain Whoosh (the whoosh3 package)."""

    name = "whoosh"
    facet_method = (
        "searcher.search(q, limit=10, groupedby={f: FieldFacet(f, allow_overlap=True) for "
        "person/org/location/tag, 'month': FieldFacet('month')}, maptype=sorting.Count); "
        "results.groups(f) gives every value's count (top 10 taken in Python). Entity and tag "
        "fields are KEYWORD(stored=True, commas=True) without a column, so Whoosh's "
        "OverlappingCategorizer rebuilds each document's value lists from the postings on "
        "every search. The month histogram is a FieldFacet on a sortable ID field 'month' "
        "(YYYY-MM, read from its column), not a DateRangeFacet (DESIGN.md: 132 range "
        "queries, ~635 ms on 20k docs)"
    )
    notes = (
        "MultifieldParser(['title','body'], schema, group=AndGroup); title field_boost=2.0; "
        "the analyser chain copied from searchlib.schema.text_analyzer(); len(results) for "
        "the total; hit.highlights('body', top=3) for snippets (body only); the date range "
        "is a DateRange filter on a DATETIME field; writer(procs=N, multisegment=True) when "
        "N > 1"
    )

    def version(self) -> str:
        """whoosh3's version."""
        return str(whoosh.versionstring())

    def supports_procs(self, procs: int) -> bool:
        """Whoosh's multi-process writer takes any number of processes."""
        return procs >= 1

    def build(self, path: Path, articles: Iterable[Article], procs: int) -> int:
        """One writer, one commit."""
        path.mkdir(parents=True, exist_ok=True)
        ix = create_in(str(path), build_schema())
        writer = ix.writer(procs=procs, multisegment=True) if procs > 1 else ix.writer()
        n = 0
        try:
            for article in articles:
                writer.add_document(**to_document(article))
                n += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        return n

    def ingest(self, path: Path, corpus: Path, options: ReadOptions, procs: int) -> int:
        """Read with searchlib's readers, extract with its default extractor, index."""
        return self.build(path, read_and_extract(corpus, options), procs)

    def open(self, path: Path) -> WhooshSession:
        """Open the index for searching."""
        return WhooshSession(path)
