"""The shapes of the HTTP API's requests and responses (documented in ``/openapi.json``).

The search parameters are generated from :class:`~searchlib.request.SearchRequest`
(:func:`search_params_model`): the same fields, defaults and help as the library and the CLI,
with ``q`` for the query. Everything here is plain data; pydantic is imported only by
:func:`search_params_model`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from ..model import DateBucket, Entity, FacetValue, FilterHint, Highlighted, Hit, Suggestion
from ..request import (
    DEFAULT_TIMEOUT,
    MAX_FILTER_VALUES,
    SearchRequest,
    literal_choices,
    request_fields,
)


@dataclass
class ArticleIn:
    """An article to add or replace, as ``POST /articles`` takes it (one, or a list).

    ``date`` is ISO (``2016-10-07``, or with a time of day, which is dropped). The people,
    organisations and places are extracted from the title and body.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    id: str
    title: str = ""
    body: str = ""
    date: str | None = None
    source: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)


@dataclass
class SearchResponse:
    """The result of ``GET /search``: :class:`searchlib.SearchResults` as JSON, plus ``pages``."""

    query: str
    total: int
    hits: list[Hit]
    page: int
    limit: int
    pages: int
    sort: Literal["relevance", "date"]
    facets: dict[str, list[FacetValue]]
    histogram: list[DateBucket]
    interval: Literal["year", "month", "day"]
    relaxed: bool
    suggestion: str | None
    elapsed_ms: float
    partial: bool
    collapsed: bool
    unmatched_filters: list[FilterHint]


@dataclass
class ArticleResponse:
    """One article (``GET /articles/{id}``), with its most related articles in ``similar``
    and, when the request gave a query ``q``, its whole title and body with the matches marked
    in ``highlighted`` (``title.html`` and ``body.html`` are escaped HTML with ``<mark>``)."""

    id: str
    title: str
    body: str
    date: dt.date | None
    source: str | None
    url: str | None
    tags: list[str]
    related: list[str]
    entities: list[Entity]
    origin: str | None
    similar: list[Hit]
    highlighted: Highlighted | None = None


@dataclass
class SimilarResponse:
    """The articles most related to one (``GET /articles/{id}/similar``), best first."""

    id: str
    hits: list[Hit]


@dataclass
class SuggestResponse:
    """Completions of a prefix (``GET /suggest``), most articles first."""

    prefix: str
    suggestions: list[Suggestion]


@dataclass
class StatsResponse:
    """``GET /stats``: :class:`searchlib.IndexStats` without the index's location."""

    documents: int
    date_min: dt.date | None
    date_max: dt.date | None
    undated: int
    size_bytes: int | None
    generation: int | None
    backend: dict[str, Any]


@dataclass
class HealthResponse:
    """``GET /health``: ``ok`` and the number of articles, or ``unavailable`` and why (503)."""

    status: Literal["ok", "unavailable"]
    documents: int | None = None
    error: str | None = None


@dataclass
class DeleteResponse:
    """``DELETE /articles/{id}``: the id and how many articles were deleted (1)."""

    id: str
    deleted: int


@dataclass
class ErrorResponse:
    """Every error: one readable line."""

    error: str


#: HTTP parameter names that differ from the SearchRequest field names.
HTTP_NAMES = {"query": "q"}


def search_params_model() -> Any:
    """The pydantic model of ``GET /search``'s query parameters, made from SearchRequest.

    Repeatable fields (filters, ``exclude``, ``facets``) are lists; ``facets`` also takes a comma
    list or ``none``. Numbers keep their bounds; ``timeout`` is at most the default here.
    """
    from pydantic import Field, create_model, field_validator

    fields: dict[str, Any] = {}
    for f in request_fields():
        name = HTTP_NAMES.get(f.name, f.name)
        meta = f.metadata
        info: dict[str, Any] = {"description": meta["help"]}
        choices = literal_choices(f)
        default = f.default
        if choices:
            annotation: Any = Literal[choices]
        elif isinstance(default, bool):
            annotation = bool
        elif isinstance(default, tuple):
            annotation, default = (list[str] | None), None
        elif isinstance(default, int):
            annotation = int
            info.update(ge=meta.get("min"), le=meta.get("http_max", meta.get("max")))
        elif isinstance(default, float):
            annotation = float
            info.update(gt=0, le=DEFAULT_TIMEOUT, allow_inf_nan=False)
        else:
            annotation = str | None
            if f.name == "query":  # its length is the query language's to refuse (400)
                annotation, default = str, ""
            else:
                info["max_length"] = 64
        fields[name] = (annotation, Field(default, **info))

    def many(cls: Any, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_FILTER_VALUES:
            raise ValueError(f"too many values (the limit is {MAX_FILTER_VALUES})")
        return value

    repeated = [
        HTTP_NAMES.get(f.name, f.name) for f in request_fields() if isinstance(f.default, tuple)
    ]
    validators: dict[str, Any] = {"_many": field_validator(*repeated)(classmethod(many))}
    return create_model(
        "SearchParams",
        __validators__=validators,
        **fields,
    )


def to_request(params: Any) -> SearchRequest:
    """The SearchRequest of validated ``/search`` parameters."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(SearchRequest):
        value = getattr(params, HTTP_NAMES.get(f.name, f.name))
        if f.name == "facets":
            if value is None:
                continue
            value = [v for item in value for v in item.split(",")]
        if value is None and isinstance(f.default, tuple):
            continue
        values[f.name] = value
    return SearchRequest(**values)


__all__ = [
    "HTTP_NAMES",
    "ArticleIn",
    "ArticleResponse",
    "DeleteResponse",
    "ErrorResponse",
    "HealthResponse",
    "SearchResponse",
    "SimilarResponse",
    "StatsResponse",
    "SuggestResponse",
    "search_params_model",
    "to_request",
]
