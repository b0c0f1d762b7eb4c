"""The HTTP endpoints of the analysis (:mod:`searchlib.analysis`) and its page.

``GET /terms``, ``/cooccur`` and ``/timeline`` answer JSON (``format=csv`` for CSV);
``GET /export`` streams every match as CSV or JSON Lines, in constant memory. Each takes the
filters of ``/search`` (``person``, ``org``, ``location``, ``misc``, ``tag``, ``source``,
``exclude``, ``date_from``, ``date_to``). ``GET /analysis`` is the page that draws them: terms
tables, a co-occurrence network (SVG) and overlaid timelines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from .. import analysis as an
from ..model import to_data
from .routes import COMMON, PAGE_CSP, IndexDep, cached, json_bytes, json_response, web_file

ANALYSIS_FILES = {
    "analysis.js": "text/javascript; charset=utf-8",
    "analysis.css": "text/css; charset=utf-8",
}

#: Bytes of export text gathered before each write to the client.
EXPORT_CHUNK = 1 << 16

Values = Annotated[list[str] | None, Query(description="Repeatable.")]


@dataclass(frozen=True)
class Filters:
    """The filters every analysis endpoint takes (those of ``GET /search``)."""

    person: list[str] | None
    org: list[str] | None
    location: list[str] | None
    misc: list[str] | None
    tag: list[str] | None
    source: list[str] | None
    exclude: list[str] | None
    date_from: str | None
    date_to: str | None

    def options(self) -> dict[str, Any]:
        """The filters given, as library options."""
        return {
            name: getattr(self, name)
            for name in an.FILTER_OPTIONS
            if getattr(self, name) not in (None, [], "")
        }

    def key(self) -> tuple[Any, ...]:
        """A hashable form, for the cache."""
        return tuple(
            (name, tuple(v) if isinstance(v, list) else v) for name, v in self.options().items()
        )


def filters(
    person: Values = None,
    org: Values = None,
    location: Values = None,
    misc: Values = None,
    tag: Values = None,
    source: Values = None,
    exclude: Annotated[
        list[str] | None, Query(description="`FACET:VALUE` to leave out; repeatable.")
    ] = None,
    date_from: Annotated[str | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
) -> Filters:
    """The filters of a request."""
    return Filters(person, org, location, misc, tag, source, exclude, date_from, date_to)


FiltersDep = Annotated[Filters, Depends(filters)]
TableFormat = Annotated[Literal["json", "csv"], Query(description="`json`, or `csv` for a table.")]

router = APIRouter(tags=["analysis"])

#: JSON by default, CSV with ``format=csv``.
TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {}, "text/csv": {}},
        "description": "JSON, or CSV with `format=csv`.",
    },
    **COMMON,
}


def _answer(request: Request, ix: Any, key: Any, make: Any, fmt: str) -> Response:
    def answer() -> tuple[bytes, bool]:
        result = make()
        if fmt == "csv":
            return an.to_csv(result).encode("utf-8"), True
        return json_bytes(to_data(result)), True

    body = cached(request, ix, key, answer)
    if fmt == "csv":
        return Response(body, media_type="text/csv; charset=utf-8")
    return json_response(body)


@router.get(
    "/terms",
    response_model=an.SignificantTerms,
    responses=TABLE_RESPONSES,
    summary="Significant words and entities of a selection",
)
def terms(
    request: Request,
    ix: IndexDep,
    f: FiltersDep,
    q: Annotated[str, Query(max_length=4096, description="The query (empty: every article).")] = "",
    background: Annotated[
        str | None,
        Query(max_length=4096, description="A background query (default: the whole archive)."),
    ] = None,
    kind: Annotated[
        list[Literal["word", "person", "org", "location", "misc"]] | None,
        Query(description="Kinds of terms (default: word, person, org, location); repeatable."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=an.MAX_TERMS)] = 20,
    min_count: Annotated[int, Query(ge=1)] = 3,
    format: TableFormat = "json",
) -> Response:
    """The words and entities most over-represented in the articles of ``q`` (with the
    filters) against the whole archive or ``background``: G² log-likelihood scores with
    foreground and background article counts."""
    kinds = tuple(kind) if kind else an.DEFAULT_KINDS
    return _answer(
        request,
        ix,
        ("terms", q, background, kinds, limit, min_count, f.key(), format),
        lambda: an.significant_terms(
            ix,
            q,
            background=background,
            kinds=kinds,
            limit=limit,
            min_count=min_count,
            **f.options(),
        ),
        format,
    )


@router.get(
    "/cooccur",
    response_model=an.Cooccurrence,
    responses=TABLE_RESPONSES,
    summary="Entities that appear with an entity or a query",
)
def cooccur(
    request: Request,
    ix: IndexDep,
    f: FiltersDep,
    subject: Annotated[
        str, Query(min_length=1, max_length=4096, description="An entity name, or a query.")
    ],
    as_: Annotated[
        Literal["person", "org", "location", "misc", "query"] | None,
        Query(alias="as", description="What the subject is (default: an entity, else a query)."),
    ] = None,
    kind: Annotated[
        list[Literal["person", "org", "location", "misc"]] | None,
        Query(description="Kinds of entities (default: person, org, location); repeatable."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=an.MAX_TERMS)] = 20,
    min_count: Annotated[int, Query(ge=1)] = 1,
    links: Annotated[
        int,
        Query(ge=0, le=an.MAX_LINKS, description="Count the links among this many entities."),
    ] = 0,
    format: TableFormat = "json",
) -> Response:
    """The people, organisations and places in most of the subject's articles, with the
    shared articles, a G² score, and (``links``) the articles each pair of them shares."""
    kinds = tuple(kind) if kind else an.COOCCUR_KINDS
    return _answer(
        request,
        ix,
        ("cooccur", subject, as_, kinds, limit, min_count, links, f.key(), format),
        lambda: an.cooccurrence(
            ix,
            subject,
            kind=as_,
            kinds=kinds,
            limit=limit,
            min_count=min_count,
            links=links,
            **f.options(),
        ),
        format,
    )


@router.get(
    "/timeline",
    response_model=an.Timeline,
    responses=TABLE_RESPONSES,
    summary="Timelines of several queries compared",
)
def timeline(
    request: Request,
    ix: IndexDep,
    f: FiltersDep,
    q: Annotated[
        list[str], Query(description=f"A query per series; repeatable (1 to {an.MAX_SERIES}).")
    ],
    interval: Annotated[Literal["year", "month", "day", "auto"], Query()] = "month",
    format: TableFormat = "json",
) -> Response:
    """Each query's articles per period, and their share of all articles in the period."""
    return _answer(
        request,
        ix,
        ("timeline", tuple(q), interval, f.key(), format),
        lambda: an.timeline(ix, q, interval=interval, **f.options()),
        format,
    )


@router.get(
    "/export",
    responses={
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}},
            "description": "Every match, streamed.",
        },
        **COMMON,
    },
    summary="Export every match",
)
def export(
    ix: IndexDep,
    f: FiltersDep,
    q: Annotated[str, Query(max_length=4096, description="The query (empty: every article).")] = "",
    format: Annotated[Literal["csv", "jsonl"], Query()] = "csv",
    fields: Annotated[
        list[str] | None,
        Query(description=f"Columns, comma-separated or repeated: {', '.join(an.EXPORT_FIELDS)}."),
    ] = None,
    sort: Annotated[Literal["date", "index"], Query()] = "date",
) -> Response:
    """Every article matching ``q`` and the filters, with no cap, streamed as CSV or JSON
    Lines (newest first, or in index order); ``X-Total-Count`` says how many."""
    names = an.check_fields(fields)
    stream = an.export(ix, q, sort=sort, **f.options())

    def body() -> Iterator[bytes]:
        with stream:
            buffer: list[str] = []
            size = 0
            for line in an.export_lines(stream, format=format, fields=names):
                buffer.append(line)
                size += len(line)
                if size >= EXPORT_CHUNK:
                    yield "".join(buffer).encode("utf-8")
                    buffer, size = [], 0
            if buffer:
                yield "".join(buffer).encode("utf-8")

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        body(),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="export.{format}"',
            "X-Total-Count": str(stream.total),
        },
    )


page_router = APIRouter(include_in_schema=False)


@page_router.get("/analysis")
def page(request: Request) -> Response:
    """The analysis page: significant terms, the co-occurrence network, timelines compared."""
    return Response(
        web_file("analysis.html"),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )


@page_router.get("/analysis-static/{name}")
def asset(name: str) -> Response:
    """The analysis page's script and style sheet."""
    if name not in ANALYSIS_FILES:
        return Response(b'{"error":"no such file"}', status_code=404, media_type="application/json")
    return Response(
        web_file(name), media_type=ANALYSIS_FILES[name], headers={"Cache-Control": "no-cache"}
    )


__all__ = ["ANALYSIS_FILES", "Filters", "filters", "page_router", "router"]
