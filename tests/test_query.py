"""The query language: what parses, what it means, and what is refused with a QueryError."""

from __future__ import annotations

import datetime as dt

import pytest
from whoosh import query as wq

from searchlib import Article, Index, QueryError
from searchlib.query import make_parser, parse_date_bound, parse_query
from searchlib.schema import build_schema


@pytest.fixture(scope="module")
def parser():  # type: ignore[no-untyped-def]
    return make_parser(build_schema())


def test_words_are_anded_across_title_and_body(parser) -> None:  # type: ignore[no-untyped-def]
    q = parse_query(parser, "Aleppo Nusra").query
    assert isinstance(q, wq.And) and len(q.subqueries) == 2
    assert {t.fieldname for t in q.leaves()} == {"title", "body"}


def test_empty_query_matches_everything(parser) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_query(parser, "   ")
    assert parsed.match_all and isinstance(parsed.query, wq.Every)


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("date:2016", dt.date(2016, 1, 1), dt.date(2016, 12, 31)),
        ("date:2016-02", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("date:2016-10-07", dt.date(2016, 10, 7), dt.date(2016, 10, 7)),
        ("date:[2016-10-01 to 2016-10-31]", dt.date(2016, 10, 1), dt.date(2016, 10, 31)),
        ("date:[2014-01-01 to 2014-06-30]", dt.date(2014, 1, 1), dt.date(2014, 6, 30)),
        ("date:{2016-10-01 to 2016-10-31}", dt.date(2016, 10, 2), dt.date(2016, 10, 30)),
    ],
)
def test_date_queries_are_exact(parser, text: str, start: dt.date, end: dt.date) -> None:  # type: ignore[no-untyped-def]
    q = parse_query(parser, text).query
    assert isinstance(q, wq.DateRange)
    assert q.startdate.date() == start and q.enddate.date() == end


def test_open_date_range(parser) -> None:  # type: ignore[no-untyped-def]
    q = parse_query(parser, "date:[2016-10 to]").query
    assert (
        isinstance(q, wq.DateRange)
        and q.startdate.date() == dt.date(2016, 10, 1)
        and q.enddate is None
    )


@pytest.mark.parametrize(
    "text,message",
    [
        ("date:[2016-13-01 to 2016-10-31]", "impossible date"),
        ("date:2016-02-30", "impossible date"),
        ("date:[2017 to 2016]", "starts after it ends"),
        ("date:yesterday", "bad date"),
        ("colour:red", "unknown field 'colour:'"),
        ("spell:aleppo", "unknown field"),
        ("AND", "nothing to search for"),
        ("the of and", "nothing to search for"),
        ("x" * 5000, "too long"),
        (" OR ".join(f"w{i}" for i in range(300)), "300 terms; the limit is 256"),
    ],
)
def test_bad_queries_raise_readable_errors(parser, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match=message):
        parse_query(parser, text)


def test_control_characters_are_spaces(parser) -> None:  # type: ignore[no-untyped-def]
    assert (
        parse_query(parser, "convoy\x00aid\x1b").query == parse_query(parser, "convoy aid ").query
    )
    assert parse_query(parser, "\x00\x07").match_all


def test_field_aliases(parser) -> None:  # type: ignore[no-untyped-def]
    assert {t.fieldname for t in parse_query(parser, "source:reuters").query.leaves()} == {
        "source_text"
    }
    assert {t.fieldname for t in parse_query(parser, "place:aleppo").query.leaves()} == {"location"}


def test_numbers_with_colons_are_text(parser) -> None:  # type: ignore[no-untyped-def]
    parse_query(parser, "10:30 meeting")  # no QueryError


def test_relaxed_query_keeps_not_clauses(parser) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_query(parser, "convoy aid NOT football")
    relaxed = parsed.relaxed()
    assert isinstance(relaxed, wq.And)
    assert any(isinstance(s, wq.Not) for s in relaxed.subqueries)
    assert parse_query(parser, "convoy").relaxed() is None
    assert parse_query(parser, "convoy OR aid").relaxed() is None


def test_parse_date_bound() -> None:
    assert parse_date_bound("2016", upper=True) == dt.date(2016, 12, 31)
    assert parse_date_bound("2016-12", upper=True) == dt.date(2016, 12, 31)
    assert parse_date_bound("2016-02", upper=False) == dt.date(2016, 2, 1)
    with pytest.raises(QueryError):
        parse_date_bound("07/10/2016", upper=False)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("q") / "ix"
    with Index(path, create=True) as ix:
        ix.add(
            [
                Article(
                    id="a",
                    title="Lavrov meets envoy",
                    body="Sergey Lavrov met the envoy in Moscow.",
                    date=dt.date(2016, 10, 7),
                    source="RT",
                    tags=("Syria unrest",),
                ),
                Article(
                    id="b",
                    title="Convoy exits Aleppo",
                    body="The convoy exited East Aleppo.",
                    date=dt.date(2016, 11, 2),
                    source="Reuters",
                ),
                Article(
                    id="c",
                    title="Football",
                    body="Match report from Madrid.",
                    date=dt.date(2017, 1, 1),
                ),
            ]
        )
        yield ix


@pytest.mark.parametrize(
    "text,ids",
    [
        ("lavrov", {"a"}),
        ("lavrov OR convoy", {"a", "b"}),
        ("convoy NOT football", {"b"}),
        ('"East Aleppo"', {"b"}),
        ('"Aleppo East"', set()),
        ("exit", {"b"}),  # stemming: exit finds exits/exited
        ("conv*", {"b"}),
        ("madrd~", {"c"}),
        ("madird~2", {"c"}),
        ("title:convoy", {"b"}),
        ("title:moscow", set()),
        ('person:"Sergey Lavrov"', {"a"}),
        ("person:lavrov", {"a"}),
        ("location:aleppo", {"b"}),
        ("source:reuters", {"b"}),
        ("tag:syria", {"a"}),
        ("date:2016", {"a", "b"}),
        ("date:[2016-11-01 to 2017-12-31]", {"b", "c"}),
        ("id:c", {"c"}),
    ],
)
def test_query_language_end_to_end(small_index: Index, text: str, ids: set[str]) -> None:
    results = small_index.search(text, relax=False)
    assert {h.id for h in results.hits} == ids
