"""One search request: the library, the CLI and HTTP offer the same options, with the same
defaults, all made from :class:`searchlib.SearchRequest`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import click
import pytest

from searchlib import Exclusion, QueryError, SearchRequest
from searchlib.cli import main
from searchlib.request import request_fields

#: Where a front deliberately differs (and why).
HTTP_NAMES = {"query": "q"}  # the query string's usual name
CLI_DEFAULTS = {"collapse": None}  # None: on for text output, off for json/jsonl/csv


def _cli_options() -> dict[str, click.Parameter]:
    command = main.commands["query"]
    return {p.name: p for p in command.params if p.name}


def test_the_cli_offers_every_field_with_the_same_default() -> None:
    options = _cli_options()
    for f in request_fields():
        assert f.name in options, f"searchlib query has no option for {f.name}"
        param = options[f.name]
        expected: Any = CLI_DEFAULTS.get(f.name, f.default)
        if f.name == "facets":
            expected = ",".join(f.default)
        elif isinstance(f.default, tuple):
            expected = ()
        default = param.default
        assert (tuple(default) if isinstance(default, list) else default) == expected, f.name
        built = SearchRequest(**{f.name: default}) if default not in (None, ()) else None
        if built is not None and f.name != "query":
            assert getattr(built, f.name) == f.default, f.name
    assert "--since" in options["date_from"].opts and "--until" in options["date_to"].opts


def test_http_offers_every_field_with_the_same_default() -> None:
    pytest.importorskip("fastapi")
    from searchlib.server.models import search_params_model

    model = search_params_model()
    for f in request_fields():
        name = HTTP_NAMES.get(f.name, f.name)
        assert name in model.model_fields, f"GET /search has no parameter for {f.name}"
        default = model.model_fields[name].default
        if isinstance(f.default, tuple):
            assert default is None  # repeatable: absent means the request's default
        else:
            assert default == f.default, f.name
    assert set(model.model_fields) == {HTTP_NAMES.get(f.name, f.name) for f in request_fields()}


def test_loose_values_are_normalised_once() -> None:
    r = SearchRequest(
        query="x",
        person="Sergey Lavrov",
        location=["Aleppo", " Aleppo ", ""],
        exclude="source:rt",
        date_from="2016",
        date_to="2016-02",
        facets="person, org",
        recency="2w",
    )
    assert r.person == ("Sergey Lavrov",) and r.location == ("Aleppo",)
    assert r.exclude == (Exclusion(facet="source", value="rt"),)
    assert (r.date_from, r.date_to) == (dt.date(2016, 1, 1), dt.date(2016, 2, 29))
    assert r.facets == ("person", "org") and r.recency == 14.0
    assert SearchRequest(facets="none").facets == ()
    assert dataclasses.replace(r, page=2).offset == r.limit


@pytest.mark.parametrize(
    "options,message",
    [
        ({"limit": 0}, "limit must be between 1 and 1000"),
        ({"page": 2000, "limit": 100}, "too deep"),
        ({"sort": "random"}, "sort must be one of relevance, date"),
        ({"facets": "colour"}, "unknown facet 'colour'"),
        ({"exclude": "colour:red"}, "exclude takes FACET:VALUE"),
        ({"date_from": "2017", "date_to": "2016"}, "is after date_to"),
        ({"date_from": "07/10/2016"}, "date_from: bad date"),
        ({"recency": "soon"}, "recency must be a half-life"),
        ({"timeout": 0}, "timeout must be"),
        ({"person": ["x"] * 101}, "too many person values"),
    ],
)
def test_bad_options_are_query_errors_naming_the_option(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        SearchRequest(**options)


def test_search_takes_a_request_or_keywords(generated_index: Any) -> None:
    a = generated_index.search("ceasefire", person="Sergey Lavrov", limit=5)
    b = generated_index.search(SearchRequest(query="ceasefire", person="Sergey Lavrov", limit=5))
    assert [h.id for h in a.hits] == [h.id for h in b.hits] and a.total == b.total
