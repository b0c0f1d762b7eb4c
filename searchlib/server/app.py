"""The ASGI app: ``create_app`` (FastAPI), its error handlers and guard, and ``serve``.

The app holds **one long-lived** :class:`~searchlib.Index` for its whole life and shares it
between all requests (it is thread-safe). Before each read the index checks for new commits,
so a commit made by another process (``searchlib index`` beside the server) is visible to the
next request without a restart.

Every error is JSON, ``{"error": "one line"}``, with a 4xx status for a bad request and 503
when the index cannot be read or written (503 with ``Retry-After`` when another writer holds
the lock); a damaged index also turns ``/health`` to 503 until it changes. An unexpected
exception is logged and answered with a generic 500, never a traceback.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IndexCorrupt, SearchlibError, UsageError
from ..index import Index
from ..pipeline import available_cores
from .cache import Gate, GenerationCache
from .errors import describe_validation_errors, error_response, public_message, status_of

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

SERVER_LOCK_TIMEOUT = 10.0
"""How long a write waits for another writer when :func:`create_app` opens the index itself."""

DEFAULT_THREADS = 8
"""Requests one worker process runs at once (its thread pool) when started by :func:`serve`.
Searching is CPU work under one interpreter lock: more threads add waiting, not speed."""

ENV_INDEX = "SEARCHLIB_SERVE_INDEX"
ENV_API_KEY = "SEARCHLIB_SERVE_API_KEY"
ENV_MAX_BODY = "SEARCHLIB_SERVE_MAX_BODY_BYTES"
ENV_THREADS = "SEARCHLIB_SERVE_THREADS"

_DIGITS = frozenset(b"0123456789")


def _require_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import pydantic  # noqa: F401
    except ImportError:
        raise UsageError(MISSING_EXTRA) from None


class _Guard:
    """The outermost layer of the app (a pure ASGI middleware).

    It refuses an over-long query string (414) and a body whose ``Content-Length`` is over the
    limit (413) before anything reads it, adds ``X-Content-Type-Options: nosniff`` to every
    response, and turns any exception that got this far into a logged, generic JSON 500.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Message) -> None:
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
                response = error_response(
                    500, "internal server error (the server log has the details)"
                )
                await response(scope, receive, guarded_send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING_BYTES:
            return error_response(
                414, f"the query string is longer than {MAX_QUERY_STRING_BYTES} bytes"
            )
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                text = value.strip()
                if not text or len(text) > 30 or not set(text) <= _DIGITS:
                    return error_response(400, "the Content-Length header is not a number")
                if int(text) > self.max_body_bytes:
                    return error_response(
                        413,
                        f"the request body is {int(text):,} bytes; "
                        f"the limit is {self.max_body_bytes:,}",
                    )
        return None


def create_app(
    index: Index | str | os.PathLike[str],
    *,
    api_key: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    warm: bool = False,
    threads: int | None = None,
) -> FastAPI:
    """The ASGI app (FastAPI) serving the JSON API and the search page over ``index``.

    ``index`` is an open :class:`~searchlib.Index`, shared by every request and left open (the
    caller owns it), or the location of an index, which is opened now (raising
    :class:`~searchlib.IndexNotFound` or :class:`~searchlib.IndexCorrupt` at once) with a
    10-second write-lock timeout and closed when the app shuts down. ``api_key`` enables
    ``POST /articles`` and ``DELETE /articles/{id}`` for requests that send it (``X-API-Key``
    or ``Authorization: Bearer``); without one they answer 403. ``max_body_bytes`` bounds a
    request body (413 above it). The page and every link in it are relative, so the app can be
    mounted under a prefix (``app.mount("/archive", create_app(index))``).

    Answers that only change when the index does (the empty query's facets, autocomplete,
    related articles) are cached per index generation. With ``warm`` the app runs a search,
    an autocompletion and a related-articles read when it starts (in its lifespan), so that
    the first request does not pay for building the index's tables. ``threads`` sets how many
    requests run at once in the event loop's thread pool (the default is the loop's). Raises
    :class:`~searchlib.UsageError` when FastAPI is not installed.
    """
    _require_extra()
    if api_key is not None and not api_key.strip():
        raise UsageError("the API key is empty")
    if max_body_bytes < 1:
        raise UsageError("max_body_bytes must be 1 or more")
    if threads is not None and threads < 1:
        raise UsageError("threads must be 1 or more")
    owned = not isinstance(index, Index)
    ix = index if isinstance(index, Index) else Index(index, lock_timeout=SERVER_LOCK_TIMEOUT)
    return _build(
        ix,
        owned=owned,
        api_key=api_key,
        max_body_bytes=max_body_bytes,
        warm=warm,
        threads=threads,
    )


def app_from_environment() -> FastAPI:
    """The app for a server that imports it by name (uvicorn's or gunicorn's workers).

    Reads the index location from ``$SEARCHLIB_SERVE_INDEX`` and, when set, the API key from
    ``$SEARCHLIB_SERVE_API_KEY``, the body limit from ``$SEARCHLIB_SERVE_MAX_BODY_BYTES`` and
    the threads per worker from ``$SEARCHLIB_SERVE_THREADS``; warms the index at start. This
    is what each worker of ``searchlib serve --workers N`` runs, and it can be served directly:
    ``SEARCHLIB_SERVE_INDEX=news-index uvicorn --factory
    searchlib.server.app:app_from_environment --workers 4``.
    """
    location = os.environ.get(ENV_INDEX, "").strip()
    if not location:
        raise UsageError(f"${ENV_INDEX} must name the index to serve")
    key = os.environ.get(ENV_API_KEY) or None
    limit = _env_int(ENV_MAX_BODY, DEFAULT_MAX_BODY_BYTES)
    threads = _env_int(ENV_THREADS, DEFAULT_THREADS)
    target: str | Path = location if "://" in location else Path(location)
    return create_app(target, api_key=key, max_body_bytes=limit, warm=True, threads=threads)


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"${name} must be a whole number, not {text!r}") from None


def _build(
    ix: Index,
    *,
    owned: bool,
    api_key: str | None,
    max_body_bytes: int,
    warm: bool,
    threads: int | None,
) -> FastAPI:
    from fastapi import FastAPI

    from . import analysis, routes

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        if warm:
            from starlette.concurrency import run_in_threadpool

            await run_in_threadpool(_warm_up, ix)
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
    app.state.api_key = api_key
    app.state.max_body_bytes = max_body_bytes
    app.state.damaged = None
    app.state.page_html = routes.web_file("index.html")
    app.state.docs_html = routes.web_file("docs.html")
    app.state.assets = {name: routes.web_file(name) for name in routes.WEB_FILES}
    app.state.cache = GenerationCache()
    app.state.names_gate = Gate()

    _handle_errors(app, ix)
    app.add_middleware(_Guard, max_body_bytes=max_body_bytes)
    app.include_router(routes.router)
    app.include_router(analysis.router)
    app.include_router(routes.page_router)
    app.include_router(analysis.page_router)
    return app


def _handle_errors(app: FastAPI, ix: Index) -> None:
    """Every error as ``{"error": "one line"}`` with its status: the library's errors (a damaged
    index remembered for /health), invalid parameters, and HTTP errors."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException
    from starlette.responses import Response

    async def on_library_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SearchlibError)
        status, headers = status_of(exc)
        if isinstance(exc, IndexCorrupt):
            app.state.damaged = (_generation(ix), exc)
        if status == 503:
            logger.warning("index unavailable: %s", exc)
        return error_response(status, public_message(exc), headers)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(422, describe_validation_errors(exc.errors()))

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "not found: no such endpoint"
        return error_response(exc.status_code, message, exc.headers)

    app.add_exception_handler(SearchlibError, on_library_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)


def _warm_up(ix: Index) -> None:
    """Build what the first requests would otherwise wait for: the tables behind searching,
    facets, autocomplete and related articles."""
    started = time.perf_counter()
    try:
        found = ix.search("", limit=1)
        if found.hits:
            first = found.hits[0]
            words = [w for w in re.findall(r"\w{4,}", first.title)] or ["news"]
            ix.search(words[0], limit=1)
            ix.suggest(words[0][:2], limit=1)
            ix.similar(first.id, limit=1)
    except SearchlibError as exc:  # the requests will tell the client; the log tells the admin
        logger.warning("warming the index up failed: %s", exc)
        return
    logger.info("index warmed up in %.2f s", time.perf_counter() - started)


def _generation(ix: Index) -> int | None:
    try:
        return ix.stats().generation
    except SearchlibError:
        return None


def _version() -> str:
    from .. import __version__

    return __version__


def default_workers() -> int:
    """The number of worker processes :func:`serve` starts by default: the cores this process
    may run on."""
    return available_cores()


def serve(
    location: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    api_key: str | None = None,
    log_level: str = "info",
    announce: Callable[[str], Any] | None = None,
    workers: int | None = None,
    threads: int = DEFAULT_THREADS,
) -> None:
    """Serve the API and the search page over the index at ``location`` with uvicorn until
    interrupted. Binds to loopback by default; writes are enabled only with an ``api_key``.

    ``workers`` processes (default: the number of cores, :func:`default_workers`) share the
    port, each with its own :class:`~searchlib.Index` that sees every commit at its next read,
    each running up to ``threads`` requests at once. A write from any worker waits for the
    index's lock (up to 10 s, then 503 with ``Retry-After``) and is committed before it is
    acknowledged. Each worker warms the index up before it takes requests.

    The index is opened and the port tried before anything is announced: a busy port raises
    :class:`~searchlib.UsageError` naming it, and ``announce`` (if given) is called with the
    URL once the port is known to be free. Raises :class:`~searchlib.SearchlibError` when the
    server extra is missing or the index cannot be opened.
    """
    _require_extra()
    try:
        import uvicorn
    except ImportError:
        raise UsageError(MISSING_EXTRA) from None
    count = default_workers() if workers is None else workers
    if count < 1:
        raise UsageError(f"workers must be 1 or more, not {count}")
    if threads < 1:
        raise UsageError(f"threads must be 1 or more, not {threads}")
    target: str | Path = str(location) if "://" in str(location) else Path(location)
    if api_key is not None and not api_key.strip():
        raise UsageError("the API key is empty")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "server_header": False,
    }
    if count == 1:
        app: Any = create_app(target, api_key=api_key, warm=True, threads=threads)
    else:
        Index(target).close()  # refuse a missing or damaged index here, with one line
        app = "searchlib.server.app:app_from_environment"
        options.update(factory=True, workers=count)
    _check_port(host, port)
    url = f"http://{host if ':' not in host else f'[{host}]'}:{port}/"
    writes = "enabled" if api_key else "disabled"
    logger.info(
        "serving %s on %s (writes %s, %d worker%s)",
        location,
        url,
        writes,
        count,
        "" if count == 1 else "s",
    )
    if announce is not None:
        announce(url)
    if count == 1:
        uvicorn.run(app, **options)
        return
    with _worker_environment(target, api_key, threads):
        uvicorn.run(app, **options)


@contextmanager
def _worker_environment(target: str | Path, api_key: str | None, threads: int) -> Iterator[None]:
    """The settings the worker processes read at start, in this process's environment while
    they run (restored afterwards)."""
    environment = {
        ENV_INDEX: str(target),
        ENV_API_KEY: api_key or "",
        ENV_THREADS: str(threads),
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _check_port(host: str, port: int) -> None:
    """Refuse, with one line, a port that cannot be listened on (before announcing it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            busy = exc.errno in (98, 48, 10048)
            reason = "the port is already in use" if busy else (exc.strerror or str(exc))
            raise UsageError(f"cannot listen on {host}:{port}: {reason}") from None


__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_THREADS",
    "app_from_environment",
    "create_app",
    "default_workers",
    "serve",
]
