"""The data model: frozen values, JSON-ready conversion, derived properties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from searchlib import Article, Entity, IndexReport, ReadError, ReadWarning, SearchResults, to_data


def test_articles_are_frozen_and_hashable() -> None:
    a = Article(id="x", title="T", tags=("a",), entities=(Entity("person", "Jane Doe"),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.title = "changed"  # type: ignore[misc]
    assert hash(a) == hash(
        Article(id="x", title="T", tags=("a",), entities=(Entity("person", "Jane Doe"),))
    )


def test_entities_of_keeps_order_and_kind() -> None:
    a = Article(
        id="x",
        title="T",
        entities=(Entity("person", "B"), Entity("location", "Paris"), Entity("person", "A")),
    )
    assert a.entities_of("person") == ("B", "A")
    assert a.entities_of("org") == ()


def test_to_data_is_json_ready() -> None:
    a = Article(id="x", title="T", date=dt.date(2016, 10, 7), tags=("a", "b"))
    data = to_data(a)
    assert data["date"] == "2016-10-07" and data["tags"] == ["a", "b"]
    json.dumps(data)  # no TypeError


def test_search_results_pages() -> None:
    r = SearchResults(query="q", total=21, hits=(), page=1, limit=10, sort="relevance")
    assert r.pages == 3 and to_data(r)["pages"] == 3
    assert SearchResults(query="q", total=0, hits=(), page=1, limit=10, sort="date").pages == 1


def test_read_problems_name_their_place() -> None:
    assert str(ReadError("a.jsonl", "broken JSON", 3)) == "a.jsonl:3: broken JSON"
    assert str(ReadWarning("b.txt", "read as cp1252")) == "b.txt: read as cp1252"


def test_report_ok() -> None:
    assert IndexReport(indexed=2).ok
    assert not IndexReport(indexed=2, failed=1).ok
