"""An HTTP JSON API and a search page over one index: ``create_app`` builds it, ``serve`` runs it.

The app is a FastAPI (ASGI) application, run by uvicorn in one process. It holds **one
long-lived** :class:`~searchlib.Index` for its whole life and shares it between all requests:

- The endpoints that read (``/search``, ``/articles/{id}``, ``/suggest``, ``/stats``,
  ``/health``) are plain functions, so FastAPI runs each one in its worker-thread pool; the
  ``Index`` is thread-safe (a small pool of Whoosh searchers behind a lock), so many searches
  run at once on one object, and none of them blocks the event loop.
- Before each search the ``Index`` checks the generation of the index on disk, so a commit made
  by another process (``searchlib index`` running beside the server, say) is visible to the
  next request, without a restart; a search sees one committed generation from start to end.
- Writes (``POST /articles``, ``DELETE /articles/{id}``) go through :meth:`Index.add` and
  :meth:`Index.delete`: one request is one commit, under the index's writer lock. They are off
  unless the app has an API key, and another writer holding the lock for longer than the
  index's ``lock_timeout`` gives ``503`` with ``Retry-After``.

Every error is JSON, ``{"error": "one line"}``, with a 4xx status for a bad request and 503
when the index cannot be read or written; an unexpected exception is logged and answered with
a generic 500, never a traceback. FastAPI, pydantic and uvicorn are the ``server`` extra;
``import searchlib`` does not import this module.
"""

import datetime as dt
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from .dates import parse_date
from .errors import (
    DocumentNotFound,
    IndexLocked,
    InputError,
    QueryError,
    SearchlibError,
)
from .index import Index
from .model import (
    FACET_NAMES,
    SUGGESTION_KINDS,
    Article,
    DateBucket,
    Entity,
    FacetValue,
    Hit,
    IndexReport,
    IndexStats,
    Suggestion,
    to_data,
)
from .search import DEFAULT_TIMEOUT, MAX_DEPTH, MAX_LIMIT

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.responses import JSONResponse
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("searchlib.server")

MISSING_EXTRA = "the HTTP server needs the server extra: pip install 'searchlib[server]'"

DEFAULT_MAX_BODY_BYTES = 1_000_000
"""The largest request body :func:`create_app` accepts by default (413 above it)."""

MAX_QUERY_STRING_BYTES = 32_768
"""The longest query string a request may have (414 above it); a query is at most 4,096
characters, which percent-encoded is at most about 12 KB."""

MAX_FILTER_VALUES = 100
"""How many values one filter parameter (``person``, ``tag``...) may repeat."""

SERVER_LOCK_TIMEOUT = 10.0
"""How long a write waits for another writer when :func:`create_app` opens the index itself."""

RETRY_AFTER_SECONDS = 5
"""The ``Retry-After`` sent with 503 when the index is locked by another writer."""

WRITES_DISABLED = (
    "writes are disabled: start the server with an API key "
    "(searchlib serve --api-key, or SEARCHLIB_API_KEY) to enable POST and DELETE /articles"
)

WEB_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

Responses = dict[int | str, dict[str, Any]]

_DIGITS = re.compile(r"[0-9]{1,30}")

_SOURCES = ("query", "path", "header", "cookie", "body")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?\Z")


# -- the shapes of requests and responses (documented in /openapi.json) ----------------------


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


_ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleIn))


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


@dataclass
class ArticleResponse:
    """One article (``GET /articles/{id}``), with its most related articles in ``similar``."""

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


# -- helpers -----------------------------------------------------------------------------------


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (whitespace collapsed), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def describe_validation_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for pydantic/FastAPI validation errors: ``where: what`` for the first three.

    ``{"loc": ("query", "limit"), "msg": "Input should be ..."}`` becomes ``query parameter
    'limit': Input should be ...``; ``("body", 2, "title")`` becomes ``article 2, field
    'title': ...``.
    """
    parts = []
    for err in errors[:3]:
        loc = list(err.get("loc", ()))
        source = str(loc.pop(0)) if loc and loc[0] in _SOURCES else None

        def dotted(items: list[Any]) -> str:
            text = ""
            for part in items:
                text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
            return text

        if source == "body":
            label = "body"
            if loc and isinstance(loc[0], int):
                label = f"article {loc.pop(0)}"
            if loc:
                label += f", field {dotted(loc)!r}"
        elif source is not None:
            label = f"{source} parameter {dotted(loc)!r}" if loc else f"{source} parameter"
        else:
            label = dotted(loc) or "value"
        message = str(err.get("msg", "invalid"))
        if err.get("type") in ("unexpected_keyword_argument", "extra_forbidden"):
            message = f"unknown field (fields: {', '.join(_ARTICLE_FIELDS)})"
        parts.append(f"{label}: {message}")
    text = "; ".join(parts) or "invalid request"
    if len(errors) > 3:
        text += f" (and {len(errors) - 3} more)"
    return one_line(text)


def _require_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import pydantic  # noqa: F401
    except ImportError:
        raise SearchlibError(MISSING_EXTRA) from None


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> "JSONResponse":
    from starlette.responses import JSONResponse

    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


def _status_of(exc: SearchlibError) -> tuple[int, dict[str, str] | None]:
    if isinstance(exc, QueryError):
        return 400, None
    if isinstance(exc, DocumentNotFound):
        return 404, None
    if isinstance(exc, InputError):
        return 422, None
    if isinstance(exc, IndexLocked):
        return 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    # IndexNotFound, IndexCorrupt, a closed index, a write that the OS refused...
    return 503, None


def _split_values(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """Repeated and comma-separated values as one tuple, blanks dropped; None when absent."""
    if values is None:
        return None
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _to_article(item: ArticleIn) -> Article:
    date = None
    if item.date is not None and item.date.strip():
        if not _ISO_DATE.match(item.date.strip()):
            raise InputError(f"article {item.id!r}: date {item.date!r} is not ISO (use YYYY-MM-DD)")
        date = parse_date(item.date)
    return Article(
        id=item.id,
        title=item.title,
        body=item.body,
        date=date,
        source=item.source or None,
        url=item.url or None,
        tags=tuple(item.tags),
        related=tuple(item.related),
        origin="http",
    )


class _Guard:
    """The outermost layer of the app (a pure ASGI middleware).

    It refuses an over-long query string (414) and a body whose ``Content-Length`` is over the
    limit (413) before anything reads it, adds ``X-Content-Type-Options: nosniff`` to every
    response, and turns any exception that got this far into a logged, generic JSON 500.
    """

    def __init__(self, app: "ASGIApp", max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: "Scope", receive: "Receive", send: "Send") -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: "Message") -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, guarded_send)
            return
        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            logger.exception(
                "unexpected error answering %s %s", scope.get("method"), scope.get("path")
            )
            if not started:
                response = _error(500, "internal server error (the server log has the details)")
                await response(scope, receive, guarded_send)

    def _refusal(self, scope: "Scope") -> "JSONResponse | None":
        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING_BYTES:
            return _error(414, f"the query string is longer than {MAX_QUERY_STRING_BYTES} bytes")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                text = value.decode("latin-1").strip()
                if not _DIGITS.fullmatch(text):
                    return _error(400, "the Content-Length header is not a number")
                if int(text) > self.max_body_bytes:
                    return _error(
                        413,
                        f"the request body is {int(text):,} bytes; "
                        f"the limit is {self.max_body_bytes:,}",
                    )
        return None


# -- the app -------------------------------------------------------------------------------


def create_app(
    index: Index | str | Path,
    *,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> "FastAPI":
    """The ASGI app (FastAPI) serving the JSON API and the search page over ``index``.

    ``index`` is an open :class:`~searchlib.Index`, shared by every request and left open (the
    caller owns it), or the path of an index, which is opened now (raising
    :class:`~searchlib.IndexNotFound` or :class:`~searchlib.IndexCorrupt` at once) with a
    10-second write-lock timeout and closed when the app shuts down. ``api_key`` enables
    ``POST /articles`` and ``DELETE /articles/{id}`` for requests that send it (``X-API-Key``
    or ``Authorization: Bearer``); without one they answer 403. ``max_body_bytes`` bounds a
    request body (413 above it). Raises :class:`~searchlib.SearchlibError` when FastAPI is not
    installed.
    """
    _require_extra()
    if api_key is not None and not api_key.strip():
        raise SearchlibError("the API key is empty")
    if max_body_bytes < 1:
        raise SearchlibError("max_body_bytes must be 1 or more")
    owned = not isinstance(index, Index)
    ix = Index(index, lock_timeout=SERVER_LOCK_TIMEOUT) if not isinstance(index, Index) else index
    return _build(ix, owned=owned, api_key=api_key, max_body_bytes=max_body_bytes)


def _build(ix: Index, *, owned: bool, api_key: str | None, max_body_bytes: int) -> "FastAPI":
    # FastAPI reads the endpoints' annotations; they are evaluated here, at definition time
    # (this module does not use ``from __future__ import annotations``), so the local names
    # below are fine in them.
    from fastapi import Depends, FastAPI, Query, Request
    from fastapi import Path as PathParam
    from fastapi.exceptions import RequestValidationError
    from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
    from pydantic import TypeAdapter, ValidationError
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse, Response

    def public(message: str) -> str:
        # Library messages name the index's path; a client has no use for it.
        return one_line(
            message.replace(f"index at {ix.path}", "the index").replace(str(ix.path), "the index")
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            ix.close()

    writes = (
        "Writes (`POST /articles`, `DELETE /articles/{id}`) need the server's API key in an "
        "`X-API-Key` header or as `Authorization: Bearer KEY`; a wrong or missing key gets 401. "
        "**When the server was started without an API key, writes are disabled and answer 403.**"
    )
    app = FastAPI(
        title="searchlib",
        summary="Full-text search over a news archive: ranked, highlighted hits with facets.",
        description=(
            'JSON API of a searchlib index. Every error is `{"error": "one line"}`: 400 for '
            "a query the query language refuses, 404 for an unknown article, 413 for a body "
            "over the limit, 422 for a bad parameter or article, 503 when the index cannot be "
            "read or is locked by another writer (with `Retry-After`).\n\n" + writes
        ),
        version=_version(),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.index = ix

    # -- errors --

    async def on_library_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SearchlibError)
        status, headers = _status_of(exc)
        if status == 503:
            logger.warning("index unavailable: %s", exc)
        return _error(status, public(str(exc)), headers)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _error(422, describe_validation_errors(exc.errors()))

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "not found: no such endpoint"
        return _error(exc.status_code, message, exc.headers)

    app.add_exception_handler(SearchlibError, on_library_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_middleware(_Guard, max_body_bytes=max_body_bytes)

    def err(description: str) -> dict[str, Any]:
        return {"model": ErrorResponse, "description": description}

    bad: Responses = {400: err("The query or an option was refused."), 422: err("A bad parameter.")}
    unavailable: Responses = {503: err("The index cannot be read (or is locked: see Retry-After).")}
    internal: Responses = {500: err("An unexpected error (logged by the server).")}
    common: Responses = {**bad, **unavailable, **internal}

    # -- authentication --

    key_header = APIKeyHeader(
        name="X-API-Key", auto_error=False, description="The server's API key."
    )
    bearer = HTTPBearer(auto_error=False, description="The server's API key as a bearer token.")

    def authorised(
        header_key: Annotated[str | None, Depends(key_header)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if api_key is None:
            raise HTTPException(403, WRITES_DISABLED)
        given = (
            header_key
            if header_key is not None
            else (credentials.credentials if credentials is not None else None)
        )
        if given is None or not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), api_key.encode("utf-8")
        ):
            raise HTTPException(
                401,
                "a valid API key is needed (X-API-Key header or Authorization: Bearer)",
                headers={"WWW-Authenticate": 'Bearer realm="searchlib"'},
            )

    write_errors: Responses = {
        401: err("No API key, or a wrong one."),
        403: err("Writes are disabled: the server has no API key."),
        413: err("The request body is over the limit."),
        **common,
    }

    # -- reading --

    facet_names = ", ".join(FACET_NAMES)

    def filter_param(what: str) -> Any:
        return Query(
            description=f"Only articles with this {what} (canonical name, any case); repeat "
            f"it to require several (at most {MAX_FILTER_VALUES}).",
        )

    @app.get(
        "/search",
        response_model=SearchResponse,
        responses=common,
        summary="Search the archive",
        tags=["search"],
    )
    def search(
        q: Annotated[
            str, Query(description="The query (see the query syntax); empty lists everything.")
        ] = "",
        person: Annotated[list[str] | None, filter_param("person")] = None,
        org: Annotated[list[str] | None, filter_param("organisation")] = None,
        location: Annotated[list[str] | None, filter_param("place")] = None,
        misc: Annotated[list[str] | None, filter_param("misc entity")] = None,
        tag: Annotated[list[str] | None, filter_param("tag")] = None,
        source: Annotated[list[str] | None, filter_param("source")] = None,
        date_from: Annotated[
            str | None, Query(description="First day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD.")
        ] = None,
        date_to: Annotated[
            str | None, Query(description="Last day, inclusive: YYYY, YYYY-MM or YYYY-MM-DD.")
        ] = None,
        sort: Annotated[Literal["relevance", "date"], Query()] = "relevance",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per page.")] = 10,
        page: Annotated[
            int, Query(ge=1, le=MAX_DEPTH, description=f"Page number; page × limit ≤ {MAX_DEPTH}.")
        ] = 1,
        facets: Annotated[
            list[str] | None,
            Query(
                description=f"Facets to count ({facet_names}): repeat it or use a comma list; "
                "`none` for none. Default: person, org, location, tag, source."
            ),
        ] = None,
        facet_limit: Annotated[int, Query(ge=1, le=1000, description="Values per facet.")] = 10,
        histogram: Annotated[bool, Query(description="Count matches by date.")] = True,
        interval: Annotated[Literal["year", "month", "day", "auto"], Query()] = "month",
        fragments: Annotated[
            int, Query(ge=0, le=20, description="Highlighted fragments per hit.")
        ] = 3,
        fragment_chars: Annotated[int, Query(ge=20, le=2000)] = 240,
        relax: Annotated[
            bool, Query(description="Best partial matches when nothing matches every word.")
        ] = True,
        suggest: Annotated[bool, Query(description="Offer a 'did you mean' correction.")] = True,
        match: Annotated[Literal["all", "any"], Query()] = "all",
        recency: Annotated[
            str | None, Query(max_length=32, description="Favour newer articles: 30d, 2w, 1y...")
        ] = None,
        collapse: Annotated[
            bool, Query(description="One hit per group of near-duplicate articles.")
        ] = False,
        timeout: Annotated[
            float,
            Query(
                gt=0,
                le=DEFAULT_TIMEOUT,
                allow_inf_nan=False,
                description="Seconds before the search returns what it found (partial).",
            ),
        ] = DEFAULT_TIMEOUT,
    ) -> Response:
        """Ranked, highlighted hits with facet counts and a date histogram over all matches."""
        filters: dict[str, tuple[str, ...] | None] = {}
        for name, values in (
            ("person", person),
            ("org", org),
            ("location", location),
            ("misc", misc),
            ("tag", tag),
            ("source", source),
        ):
            if values is not None and len(values) > MAX_FILTER_VALUES:
                raise InputError(f"too many {name} values (the limit is {MAX_FILTER_VALUES})")
            filters[name] = tuple(values) if values else None
        wanted = _split_values(facets)
        if wanted is not None and [w.lower() for w in wanted] in ([], ["none"]):
            wanted = ()
        counted: dict[str, tuple[str, ...]] = {} if wanted is None else {"facets": wanted}
        results = ix.search(
            q,
            **filters,
            **counted,
            date_from=date_from or None,
            date_to=date_to or None,
            sort=sort,
            limit=limit,
            page=page,
            facet_limit=facet_limit,
            histogram=histogram,
            interval=interval,
            fragments=fragments,
            fragment_chars=fragment_chars,
            relax=relax,
            suggest=suggest,
            timeout=timeout,
            match=match,
            recency=recency or None,
            collapse=collapse,
        )
        return JSONResponse(to_data(results))

    article_id_param = PathParam(
        description="The article id (it may contain slashes, e.g. `sport/199.txt`)."
    )

    # Declared before /articles/{id}: an id may hold slashes, so the longer route comes first.
    @app.get(
        "/articles/{article_id:path}/similar",
        response_model=SimilarResponse,
        responses={404: err("No such article."), **common},
        summary="Articles related to one",
        tags=["articles"],
    )
    def similar(
        article_id: Annotated[str, article_id_param],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> Response:
        """The most related articles: shared key words and shared people, organisations, places."""
        hits = ix.similar(article_id, limit=limit)
        return JSONResponse({"id": article_id, "hits": to_data(hits)})

    @app.get(
        "/articles/{article_id:path}",
        response_model=ArticleResponse,
        responses={404: err("No such article."), **common},
        summary="One article",
        tags=["articles"],
    )
    def get_article(
        article_id: Annotated[str, article_id_param],
        similar: Annotated[
            int, Query(ge=0, le=100, description="Also list this many related articles.")
        ] = 0,
    ) -> Response:
        """One article in full, with its entities (and its most related articles)."""
        data = to_data(ix.get(article_id))
        data["similar"] = to_data(ix.similar(article_id, limit=similar)) if similar else []
        return JSONResponse(data)

    @app.get(
        "/suggest",
        response_model=SuggestResponse,
        responses=common,
        summary="Autocomplete names and words",
        tags=["search"],
    )
    def suggest_(
        prefix: Annotated[str, Query(description="What the user typed so far.")],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        kind: Annotated[
            list[Literal["person", "org", "location", "misc", "tag", "source", "word"]] | None,
            Query(description=f"Only these kinds ({', '.join(SUGGESTION_KINDS)}); repeatable."),
        ] = None,
    ) -> Response:
        """Entity names, tags, sources and indexed words starting with ``prefix``."""
        found = ix.suggest(prefix, limit=limit, kinds=kind or None)
        return JSONResponse({"prefix": prefix, "suggestions": to_data(found)})

    @app.get(
        "/stats",
        response_model=IndexStats,
        responses={**unavailable, **internal},
        summary="Figures about the index",
        tags=["index"],
    )
    def stats() -> Response:
        """Documents, segments, size on disk, the date range and the commit generation."""
        return JSONResponse(to_data(ix.stats()))

    @app.get(
        "/health",
        response_model=HealthResponse,
        responses={
            503: {"model": HealthResponse, "description": "The index cannot be read."},
            **internal,
        },
        summary="Liveness and readiness",
        tags=["index"],
    )
    def health() -> Response:
        """200 with the number of articles, or 503 when the index cannot be read."""
        try:
            documents = ix.count()
        except SearchlibError as exc:
            logger.warning("health check failed: %s", exc)
            return JSONResponse(
                {"status": "unavailable", "documents": None, "error": public(str(exc))},
                status_code=503,
            )
        except OSError as exc:
            logger.warning("health check failed: %s", exc)
            return JSONResponse(
                {"status": "unavailable", "documents": None, "error": "the index cannot be read"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "documents": documents, "error": None})

    # -- writing --

    one = TypeAdapter(ArticleIn)
    many = TypeAdapter(list[ArticleIn])
    article_schema = one.json_schema()
    body_schema = {
        "anyOf": [article_schema, {"type": "array", "items": article_schema, "minItems": 1}]
    }

    async def read_body(request: Request) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body_bytes:
                raise HTTPException(
                    413, f"the request body is over the limit of {max_body_bytes:,} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @app.post(
        "/articles",
        response_model=IndexReport,
        responses=write_errors,
        summary="Add or replace articles",
        tags=["articles"],
        dependencies=[Depends(authorised)],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
            }
        },
    )
    async def add_articles(request: Request) -> Response:
        """Add one article or a list of them (replacing articles with the same ids), in one
        commit. Needs the API key. Entities are extracted from each title and body."""
        raw = await read_body(request)
        try:
            data = json.loads(raw)
        except RecursionError:
            raise HTTPException(400, "the JSON body is nested too deeply") from None
        except ValueError as exc:
            raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, (dict, list)):
            raise InputError("the body must be an article object or a list of them")
        if isinstance(data, list) and not data:
            raise InputError("the list of articles is empty")
        try:
            if isinstance(data, list):
                items = many.validate_python(data)
            else:
                items = [one.validate_python(data)]
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            return _error(422, describe_validation_errors(errors))
        articles = [_to_article(item) for item in items]
        report = await run_in_threadpool(ix.add, articles)
        logger.info(
            "added %d articles (%d new, %d updated, %d unchanged)",
            len(articles),
            report.indexed,
            report.updated,
            report.unchanged,
        )
        return JSONResponse(to_data(report))

    @app.delete(
        "/articles/{article_id:path}",
        response_model=DeleteResponse,
        responses={**write_errors, 404: err("No such article.")},
        summary="Delete an article",
        tags=["articles"],
        dependencies=[Depends(authorised)],
    )
    def delete_article(article_id: Annotated[str, article_id_param]) -> Response:
        """Delete one article, in one commit. Needs the API key."""
        deleted = ix.delete([article_id])
        if not deleted:
            raise DocumentNotFound(f"no article with id {article_id!r}")
        logger.info("deleted article %r", article_id)
        return JSONResponse({"id": article_id, "deleted": deleted})

    # -- the search page --

    page_html = _web_file("index.html")
    assets = {name: _web_file(name) for name in WEB_FILES}

    @app.get("/", include_in_schema=False)
    def page() -> Response:
        return Response(
            page_html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
        )

    @app.get("/static/{name}", include_in_schema=False)
    def asset(name: str) -> Response:
        if name not in assets:
            raise HTTPException(404, f"no file {name!r}")
        return Response(
            assets[name], media_type=WEB_FILES[name], headers={"Cache-Control": "no-cache"}
        )

    return app


def _web_file(name: str) -> bytes:
    return resources.files("searchlib").joinpath("web").joinpath(name).read_bytes()


def _version() -> str:
    from . import __version__

    return __version__


def serve(
    index_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_key: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve the API and the search page over the index at ``index_path`` with uvicorn until
    interrupted (one process; requests run in its thread pool). Binds to loopback by default;
    writes are enabled only with an ``api_key``. Raises :class:`~searchlib.SearchlibError` when
    the server extra is missing or the index cannot be opened."""
    _require_extra()
    try:
        import uvicorn
    except ImportError:
        raise SearchlibError(MISSING_EXTRA) from None
    app = create_app(index_path, api_key=api_key)
    logger.info(
        "serving %s on http://%s:%d/ (writes %s)",
        index_path,
        host,
        port,
        "enabled" if api_key else "disabled",
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)


__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app", "describe_validation_errors", "serve"]
