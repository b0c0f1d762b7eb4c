"""The endpoints of the HTTP API and the search page, at module level.

Each endpoint gets the app's :class:`~searchlib.Index` through ``Depends(get_index)``. Reading
endpoints are plain functions, so FastAPI runs them in its thread pool: the index is
thread-safe, and none of them blocks the event loop.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..dates import parse_date
from ..errors import DocumentNotFound, IndexCorrupt, InputError, SearchlibError
from ..index import Index
from ..model import SUGGESTION_KINDS, Article, IndexReport, to_data
from .cache import Gate, GenerationCache
from .errors import describe_validation_errors, error_response, public_message
from .models import (
    ArticleIn,
    ArticleResponse,
    DeleteResponse,
    ErrorResponse,
    HealthResponse,
    SearchResponse,
    SimilarResponse,
    StatsResponse,
    SuggestResponse,
    search_params_model,
    to_request,
)

logger = logging.getLogger("searchlib.server")

WRITES_DISABLED = (
    "writes are disabled: start the server with an API key "
    "(searchlib serve --api-key, or SEARCHLIB_API_KEY) to enable POST and DELETE /articles"
)

WEB_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "docs.js": "text/javascript; charset=utf-8",
    "dom.js": "text/javascript; charset=utf-8",
}

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?\Z")

Responses = dict[int | str, dict[str, Any]]

SearchParams = search_params_model()


def _err(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


BAD: Responses = {
    400: _err("The query or an option was refused."),
    414: _err("The query string is over 32 KB."),
    422: _err("A bad parameter."),
}
UNAVAILABLE: Responses = {503: _err("The index cannot be read (or is locked: see Retry-After).")}
INTERNAL: Responses = {500: _err("An unexpected error (logged by the server).")}
COMMON: Responses = {**BAD, **UNAVAILABLE, **INTERNAL}
WRITE_ERRORS: Responses = {
    401: _err("No API key, or a wrong one."),
    403: _err("Writes are disabled: the server has no API key."),
    413: _err("The request body is over the limit."),
    **COMMON,
}


def get_index(request: Request) -> Index:
    """The app's index."""
    index: Index = request.app.state.index
    return index


IndexDep = Annotated[Index, Depends(get_index)]

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The server's API key.")
_bearer = HTTPBearer(auto_error=False, description="The server's API key as a bearer token.")


def authorised(
    request: Request,
    header_key: Annotated[str | None, Depends(_key_header)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let a write through only with the server's API key."""
    api_key: str | None = request.app.state.api_key
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


router = APIRouter()
article_id_param = PathParam(
    description="The article id (it may contain slashes, e.g. `sport/199.txt`)."
)


@router.get(
    "/search",
    response_model=SearchResponse,
    responses=COMMON,
    summary="Search the archive",
    tags=["search"],
)
def search(
    request: Request,
    ix: IndexDep,
    params: Annotated[SearchParams, Query()],  # type: ignore[valid-type]
) -> Response:
    """Ranked, highlighted hits with facet counts and a date histogram over all matches."""
    wanted = to_request(params)
    if wanted.person or wanted.org or wanted.location or wanted.misc or wanted.tag:
        names_ready(request, ix)  # a value that matches nothing is answered with the nearest

    def answer() -> tuple[bytes, bool]:
        results = ix.search(wanted)
        return json_bytes(to_data(results)), not results.partial

    if wanted.query.strip() in ("", "*"):  # browsing: the same answer until the index changes
        return json_response(cached(request, ix, ("search", wanted), answer))
    return json_response(answer()[0])


# Declared before /articles/{id}: an id may hold slashes, so the longer route comes first.
@router.get(
    "/articles/{article_id:path}/similar",
    response_model=SimilarResponse,
    responses={404: _err("No such article."), **COMMON},
    summary="Articles related to one",
    tags=["articles"],
)
def similar(
    request: Request,
    ix: IndexDep,
    article_id: Annotated[str, article_id_param],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    """The most related articles: shared key words and shared people, organisations, places."""

    def answer() -> tuple[bytes, bool]:
        hits = ix.similar(article_id, limit=limit)
        return json_bytes({"id": article_id, "hits": to_data(hits)}), True

    return json_response(cached(request, ix, ("similar", article_id, limit), answer))


@router.get(
    "/articles/{article_id:path}",
    response_model=ArticleResponse,
    responses={404: _err("No such article."), **COMMON},
    summary="One article",
    tags=["articles"],
)
def get_article(
    ix: IndexDep,
    article_id: Annotated[str, article_id_param],
    similar: Annotated[
        int, Query(ge=0, le=100, description="Also list this many related articles.")
    ] = 0,
    q: Annotated[
        str,
        Query(
            max_length=4096,
            description="A query to mark in the whole title and body (in `highlighted`).",
        ),
    ] = "",
) -> Response:
    """One article in full, with its entities (and its most related articles); with ``q``,
    also its title and body with the query's matches marked, the words as written."""
    data = to_data(ix.get(article_id))
    data["similar"] = to_data(ix.similar(article_id, limit=similar)) if similar else []
    data["highlighted"] = to_data(ix.highlight(article_id, q)) if q.strip() else None
    return json_response(json_bytes(data))


@router.get(
    "/suggest",
    response_model=SuggestResponse,
    responses=COMMON,
    summary="Autocomplete names and words",
    tags=["search"],
)
def suggest(
    request: Request,
    ix: IndexDep,
    prefix: Annotated[str, Query(description="What the user typed so far.")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    kind: Annotated[
        list[Literal["person", "org", "location", "misc", "tag", "source", "word"]] | None,
        Query(description=f"Only these kinds ({', '.join(SUGGESTION_KINDS)}); repeatable."),
    ] = None,
) -> Response:
    """Entity names, tags, sources and indexed words starting with ``prefix``."""
    kinds = tuple(sorted(set(kind))) if kind else None

    def answer() -> tuple[bytes, bool]:
        found = ix.suggest(prefix, limit=limit, kinds=kinds)
        return json_bytes({"prefix": prefix, "suggestions": to_data(found)}), True

    generation = names_ready(request, ix)
    return json_response(cached(request, ix, ("suggest", prefix, limit, kinds), answer, generation))


@router.get(
    "/stats",
    response_model=StatsResponse,
    responses={**UNAVAILABLE, **INTERNAL},
    summary="Figures about the index",
    tags=["index"],
)
def stats(ix: IndexDep) -> Response:
    """Articles, their date range, the size on disk, and the engine's figures."""
    data = to_data(ix.stats())
    data.pop("location", None)  # the server's own path is no business of a client's
    return JSONResponse(data)


@router.get(
    "/health",
    response_model=HealthResponse,
    responses={
        503: {"model": HealthResponse, "description": "The index cannot be read."},
        **INTERNAL,
    },
    summary="Liveness and readiness",
    tags=["index"],
)
def health(request: Request, ix: IndexDep) -> Response:
    """200 with the number of articles; 503 when the index cannot be read, or when a request
    found it damaged (until it changes)."""
    try:
        figures = ix.stats()
        damaged: tuple[int | None, IndexCorrupt] | None = request.app.state.damaged
        if damaged is not None and damaged[0] == figures.generation:
            raise damaged[1]
        documents = figures.documents
    except SearchlibError as exc:
        logger.warning("health check failed: %s", exc)
        return JSONResponse(
            {"status": "unavailable", "documents": None, "error": public_message(exc)},
            status_code=503,
        )
    except OSError as exc:
        logger.warning("health check failed: %s", exc)
        return JSONResponse(
            {"status": "unavailable", "documents": None, "error": "the index cannot be read"},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "documents": documents, "error": None})


# -- answers and the cache --


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON (what JSONResponse would send)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def json_response(body: bytes) -> Response:
    """A 200 JSON response with a body made already."""
    return Response(body, media_type="application/json")


def names_ready(request: Request, ix: Index) -> int | None:
    """Have the index's table of names (behind autocomplete, and the nearest values offered
    for a filter that matches nothing) built once per generation in this worker: after a
    commit the first request builds it, and the others wait for it instead of each building
    it at once. Returns the generation."""
    gate: Gate = request.app.state.names_gate
    generation = ix.generation()
    gate.run(generation, lambda: ix.suggest("a", limit=1, kinds=("person",)))
    return generation


def cached(
    request: Request,
    ix: Index,
    key: Any,
    answer: Any,
    generation: int | None = None,
) -> bytes:
    """The answer for ``key`` from the app's cache for the index's current generation, or
    ``answer()``'s (``(body, keep)``) stored there."""
    cache: GenerationCache = request.app.state.cache
    current = ix.generation() if generation is None else generation
    return cache.get(current, key, answer)


# -- writing --

_one = TypeAdapter(ArticleIn)
_many = TypeAdapter(list[ArticleIn])
_article_schema = _one.json_schema()
_body_schema = {
    "anyOf": [_article_schema, {"type": "array", "items": _article_schema, "minItems": 1}]
}


async def _read_body(request: Request) -> bytes:
    limit: int = request.app.state.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the request body is over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


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


@router.post(
    "/articles",
    response_model=IndexReport,
    responses=WRITE_ERRORS,
    summary="Add or replace articles",
    tags=["articles"],
    dependencies=[Depends(authorised)],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _body_schema}},
        }
    },
)
async def add_articles(request: Request, ix: IndexDep) -> Response:
    """Add one article or a list of them (replacing articles with the same ids), in one
    commit. Needs the API key. Entities are extracted from each title and body."""
    raw = await _read_body(request)
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
        items = (
            _many.validate_python(data) if isinstance(data, list) else [_one.validate_python(data)]
        )
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        return error_response(422, describe_validation_errors(errors))
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


@router.delete(
    "/articles/{article_id:path}",
    response_model=DeleteResponse,
    responses={**WRITE_ERRORS, 404: _err("No such article.")},
    summary="Delete an article",
    tags=["articles"],
    dependencies=[Depends(authorised)],
)
def delete_article(ix: IndexDep, article_id: Annotated[str, article_id_param]) -> Response:
    """Delete one article, in one commit. Needs the API key."""
    deleted = ix.delete([article_id])
    if not deleted:
        raise DocumentNotFound(f"no article with id {article_id!r}")
    logger.info("deleted article %r", article_id)
    return JSONResponse({"id": article_id, "deleted": deleted})


# -- the search page --


def web_file(name: str) -> bytes:
    """A file of the search page, from the package."""
    return resources.files("searchlib").joinpath("web").joinpath(name).read_bytes()


page_router = APIRouter(include_in_schema=False)


@page_router.get("/")
def page(request: Request) -> Response:
    """The search page. Its links are relative, so it works wherever the app is mounted."""
    if not request.url.path.endswith("/"):
        return RedirectResponse(request.url.path + "/", status_code=308)
    return Response(
        request.app.state.page_html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )


@page_router.get("/docs")
def docs(request: Request) -> Response:
    """The API reference: drawn in the browser from ``openapi.json``, with a form to try each
    GET endpoint; its script and styles come from this server (no CDN, works offline)."""
    return Response(
        request.app.state.docs_html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )


@page_router.get("/static/{name}")
def asset(request: Request, name: str) -> Response:
    """A script or style sheet of the page."""
    assets: dict[str, bytes] = request.app.state.assets
    if name not in assets:
        raise HTTPException(404, f"no file {name!r}")
    return Response(assets[name], media_type=WEB_FILES[name], headers={"Cache-Control": "no-cache"})


__all__ = ["get_index", "page_router", "router", "web_file"]
