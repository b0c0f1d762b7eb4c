"""The engine boundary: the same behaviour through :class:`searchlib.Index` on every backend.

The behavioural suite runs on the Whoosh backend and on the reference backend
(``tests/reference_backend.py``, brute force, in memory, sharing no code with Whoosh) over the
same articles: totals, filters, exclusions, facets, the histogram, date order, paging,
wildcards, highlights, suggestions and writes must agree. The reference is the oracle for any
later backend. A last test checks that no engine object crosses the boundary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from reference_backend import ReferenceBackend

from searchlib import Article, Index
from searchlib.backend import Candidate, MatchRequest, MatchSet
from searchlib.model import SearchResults

QUERIES = [
    "",
    "*",
    "ceasefire",
    "ceasefire talks",
    "convoy OR border",
    "aid NOT militants",
    '"aid was discussed"',
    "conv*",
    "minster~",
    "title:convoy",
    "person:lavrov",
    'person:"Angela Merkel"',
    "location:aleppo OR location:idlib",
    "tag:refugees",
    "source:reuters",
    "date:2016",
    "date:[2016-03 to 2016-06] troops",
    "NOT ceasefire",
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"person": "Sergey Lavrov"},
    {"location": ["Aleppo", "Moscow"]},
    {"org": "united nations"},
    {"exclude": "source:rt"},
    {"exclude": ["person:John Kerry", "tag:Diplomacy"]},
    {"date_from": "2016-01", "date_to": "2016-06-30"},
    {"tag": "Refugees", "source": "bbc"},
]


@pytest.fixture(scope="module")
def backends(
    generated: list[Article], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Index]]:
    whoosh = Index(tmp_path_factory.mktemp("boundary") / "ix", create=True)
    reference = Index.using(ReferenceBackend())
    for ix in (whoosh, reference):
        for chunk in (generated[:100], generated[100:180], generated[180:]):
            ix.add(chunk)
    yield {"whoosh": whoosh, "reference": reference}
    whoosh.close()


def _counts(r: SearchResults) -> tuple[Any, ...]:
    return (r.total, r.facets, r.histogram, r.relaxed, r.interval, r.unmatched_filters)


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
@pytest.mark.parametrize("query", QUERIES)
def test_totals_facets_and_histogram_agree(
    backends: dict[str, Index], query: str, filters: dict[str, Any]
) -> None:
    options = {"facets": "person,org,location,tag,source", "facet_limit": 50, "suggest": False}
    a = backends["whoosh"].search(query, **options, **filters)
    b = backends["reference"].search(query, **options, **filters)
    assert _counts(a) == _counts(b), (query, filters)


@pytest.mark.parametrize("query", ["", "ceasefire", "troops OR aid", "date:2016"])
def test_date_order_and_paging_agree(backends: dict[str, Index], query: str) -> None:
    pages = {}
    for name, ix in backends.items():
        first = ix.search(query, sort="date", limit=7)
        second = ix.search(query, sort="date", limit=7, page=2)
        dates = [h.date for h in first.hits + second.hits]
        known = [d for d in dates if d is not None]
        assert known == sorted(known, reverse=True), name
        pages[name] = [h.date for h in first.hits + second.hits]
        assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert pages["whoosh"] == pages["reference"]


def test_every_relevance_page_is_a_slice_of_the_whole(backends: dict[str, Index]) -> None:
    for name, ix in backends.items():
        whole = [h.id for h in ix.search("aid OR convoy", limit=40).hits]
        paged = [
            h.id for p in (1, 2, 3, 4) for h in ix.search("aid OR convoy", limit=10, page=p).hits
        ]
        assert paged == whole, name


def test_highlights_agree_on_the_same_article(backends: dict[str, Index]) -> None:
    a = backends["whoosh"].search("ceasefire talks", limit=50)
    b = backends["reference"].search("ceasefire talks", limit=50)
    by_id = {h.id: h for h in b.hits}
    assert {h.id for h in a.hits} == set(by_id)
    for hit in a.hits:
        other = by_id[hit.id]
        assert hit.title_fragment == other.title_fragment
        assert hit.fragments == other.fragments
        assert any(f.spans for f in hit.fragments)


def test_relaxed_results_rank_coverage_first_on_both(backends: dict[str, Index]) -> None:
    for name, ix in backends.items():
        r = ix.search("ceasefire convoy zzzunknown", limit=30)
        assert r.relaxed, name
        tops = [h.id for h in r.hits]
        assert tops  # both words first: the same set of two-word articles leads
    a = backends["whoosh"].search("ceasefire convoy zzzunknown", limit=100)
    b = backends["reference"].search("ceasefire convoy zzzunknown", limit=100)
    assert a.total == b.total


def test_suggestions_writes_and_deletes_agree(backends: dict[str, Index], tmp_path: Path) -> None:
    for ix in backends.values():
        assert ix.suggest("lav")[0].text == "Sergey Lavrov"
        assert ix.get("gen-0003").id == "gen-0003"
    extra = Article(
        id="extra-1",
        title="Quokka census",
        body="A quokka census in Perth.",
        date=dt.date(2016, 5, 5),
    )
    for ix in backends.values():
        before = ix.count()
        assert ix.add(extra).indexed == 1
        assert ix.add(extra).unchanged == 1
        assert ix.search("quokka").total == 1
        assert ix.delete("extra-1") == 1
        assert ix.count() == before and ix.search("quokka").total == 0


def test_a_filter_value_that_matches_nothing_gets_the_nearest_values(
    backends: dict[str, Index],
) -> None:
    for name, ix in backends.items():
        r = ix.search("", person="Sergei Lavrov")
        assert r.total == 0, name
        (hint,) = r.unmatched_filters
        assert hint.facet == "person" and hint.suggestions[0].value == "Sergey Lavrov", name


def _engine_free(value: Any, path: str = "result") -> None:
    """Fail on any object from an engine library inside a value that crossed the boundary."""
    module = type(value).__module__ or ""
    assert not module.startswith("whoosh"), f"{path} is a {type(value)}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _engine_free(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for k, v in value.items():
            _engine_free(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _engine_free(v, f"{path}[{i}]")
    elif isinstance(value, np.ndarray):
        assert value.dtype != object, path


def test_no_engine_object_crosses_the_boundary(backends: dict[str, Index]) -> None:
    from searchlib.query import parse_query

    backend = backends["whoosh"].backend
    with backend.reader() as reader:
        found = reader.search(
            MatchRequest(
                tree=parse_query("ceasefire OR aid").tree,
                depth=5,
                facets=("person",),
                histogram=True,
            )
        )
        assert isinstance(found, MatchSet) and found.ranked
        _engine_free(found)
        keys = [c.key for c in found.ranked]
        assert all(isinstance(k, int) for k in keys)
        _engine_free(reader.articles(keys))
        _engine_free(reader.signatures(keys))
        similar = reader.similar("gen-0001", limit=3, deadline=float("inf"))
        assert similar and all(isinstance(c, Candidate) for c in similar)
        _engine_free(similar)
        _engine_free(reader.suggest("lav", limit=5, kinds=None))
        _engine_free(reader.facet_values("person"))
    _engine_free(backend.stats())
