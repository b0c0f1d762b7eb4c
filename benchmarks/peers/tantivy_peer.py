"""tantivy (the ``tantivy`` Python binding of the Rust engine): the native-code ceiling.

Title and body are stored text fields with the built-in ``en_stem`` tokenizer (simple
tokenizer, lower-case, Snowball English stemmer; no stop words, unlike the Whoosh-based
engines). Queries are parsed with ``conjunction_by_default=True`` over title and body, title
boosted x2. People, organisations, places, tags and the month are ``raw`` (untokenised) text
fields with fast (columnar) values; their counts come from one ``searcher.aggregate`` call of
``terms`` aggregations, computed in Rust over all matches.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tantivy

from searchlib import Article, ReadOptions

from . import FACET_TOP, FACETS, Answer, DateRange, facet_values, read_and_extract, top

#: Per-segment bucket limit of the terms aggregations: far above any facet's cardinality, so
#: the counts are exact (tantivy reports doc_count_error_upper_bound; it is checked to be 0).
SEGMENT_SIZE = 1_000_000
SNIPPET_CHARS = 240


def build_schema() -> Any:
    """The peer's schema."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_date_field("date", stored=True, indexed=True, fast=True)
    builder.add_text_field("month", fast=True, tokenizer_name="raw")
    for name in FACETS:
        builder.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    return builder.build()


def to_document(article: Article) -> Any:
    """The tantivy document of an article (one value per facet term)."""
    doc = tantivy.Document()
    doc.add_text("id", article.id)
    doc.add_text("title", article.title)
    doc.add_text("body", article.body)
    if article.date is not None:
        doc.add_date("date", dt.datetime.combine(article.date, dt.time.min))
        doc.add_text("month", article.date.isoformat()[:7])
    for name, values in facet_values(article).items():
        for value in values:
            doc.add_text(name, value)
    return doc


class TantivySession:
    """One searcher on a tantivy index."""

    def __init__(self, path: Path) -> None:
        self.index = tantivy.Index.open(str(path))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.aggregations: dict[str, Any] = {
            name: {"terms": {"field": name, "size": FACET_TOP, "segment_size": SEGMENT_SIZE}}
            for name in FACETS
        }
        self.aggregations["month"] = {
            "terms": {"field": "month", "size": 100_000, "segment_size": SEGMENT_SIZE}
        }
        self.inexact = 0  # aggregations whose counts tantivy says may be approximate

    def search(self, query: str, mode: str, dates: DateRange | None) -> Answer:
        """Search (with the count), snippets, then one aggregation request for modes c/d."""
        q = self.index.parse_query(
            query, ["title", "body"], field_boosts={"title": 2.0}, conjunction_by_default=True
        )
        if mode == "d" and dates:
            in_range = tantivy.Query.range_query(
                self.schema,
                "date",
                tantivy.FieldType.Date,
                dt.datetime.combine(dates[0], dt.time.min),
                dt.datetime.combine(dates[1], dt.time.max),
            )
            q = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, q),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(in_range, 0.0)),
                ]
            )
        result: Any = self.searcher.search(q, 10, count=True)
        docs = [self.searcher.doc(address) for _, address in result.hits]
        answer = Answer(total=int(result.count or 0), ids=[str(d.get_first("id")) for d in docs])
        if mode != "a":
            snippets = tantivy.SnippetGenerator.create(self.searcher, q, self.schema, "body")
            snippets.set_max_num_chars(SNIPPET_CHARS)
            answer.snippets = [snippets.snippet_from_doc(d).to_html() for d in docs]
        if mode in ("c", "d"):
            aggs = self.searcher.aggregate(q, self.aggregations)
            for result_agg in aggs.values():
                if result_agg.get("doc_count_error_upper_bound"):
                    self.inexact += 1
            answer.facets = {
                name: top({b["key"]: b["doc_count"] for b in aggs[name]["buckets"]})
                for name in FACETS
            }
            answer.months = {b["key"]: int(b["doc_count"]) for b in aggs["month"]["buckets"]}
        return answer

    def close(self) -> None:
        """Nothing to release explicitly."""


class TantivyPeer:
    """tantivy through its Python binding."""

    name = "tantivy"
    facet_method = (
        "native: person/org/location/tag and month are raw text fields with fast=True; one "
        "searcher.aggregate(query, {f: {'terms': {'field': f, 'size': 10, 'segment_size': "
        f"{SEGMENT_SIZE:,}}}}}, 'month': {{'terms': ...}}}}) call counts them over all matches "
        "in Rust (exact: segment_size is above every facet's cardinality); only the returned "
        "buckets cross into Python"
    )
    notes = (
        "en_stem tokenizer (Snowball English stemmer, no stop-word removal, tokens split on "
        "non-alphanumerics) - not the Whoosh engines' Porter stemmer and regex tokens, so some "
        "hit counts differ; parse_query(q, ['title','body'], field_boosts={'title': 2.0}, "
        "conjunction_by_default=True); total from search(count=True); one SnippetGenerator "
        f"snippet of {SNIPPET_CHARS} characters from the body per hit; date range as a "
        "zero-scored range_query on a date field; writer(num_threads=N) with the default "
        "128 MB heap, then wait_merging_threads()"
    )

    def version(self) -> str:
        """The binding's version."""
        try:
            binding = importlib.metadata.version("tantivy")
        except importlib.metadata.PackageNotFoundError:
            binding = "unknown"
        return f"{binding} ({getattr(tantivy, '__version__', 'engine version unknown')})"

    def supports_procs(self, procs: int) -> bool:
        """Indexing threads."""
        return procs >= 1

    def build(self, path: Path, articles: Iterable[Article], procs: int) -> int:
        """One writer with ``procs`` indexing threads, one commit, merges waited for."""
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(build_schema(), path=str(path))
        writer = index.writer(num_threads=procs)
        n = 0
        for article in articles:
            writer.add_document(to_document(article))
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        return n

    def ingest(self, path: Path, corpus: Path, options: ReadOptions, procs: int) -> int:
        """Read with searchlib's readers, extract with its default extractor, index."""
        return self.build(path, read_and_extract(corpus, options), procs)

    def open(self, path: Path) -> TantivySession:
        """Open the index for searching."""
        return TantivySession(path)
