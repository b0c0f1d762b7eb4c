"""HTTP statuses for library errors, and the one-line JSON error body.

Messages that name the index say "the index" to clients: library errors carry the index
location as a field, and :meth:`~searchlib.errors.SearchlibError.redacted` leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import (
    DocumentNotFound,
    IndexLocked,
    InputError,
    QueryError,
    SearchlibError,
)

if TYPE_CHECKING:
    from starlette.responses import JSONResponse

#: The ``Retry-After`` sent with 503 when the index is locked by another writer.
RETRY_AFTER_SECONDS = 5

_SOURCES = ("query", "path", "header", "cookie", "body")

ARTICLE_FIELDS = ("id", "title", "body", "date", "source", "url", "tags", "related")


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (whitespace collapsed), cut to ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """``{"error": "one line"}`` with a status."""
    from starlette.responses import JSONResponse

    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


def status_of(exc: SearchlibError) -> tuple[int, dict[str, str] | None]:
    """The HTTP status (and headers) for a library error."""
    if isinstance(exc, QueryError):
        return 400, None
    if isinstance(exc, DocumentNotFound):
        return 404, None
    if isinstance(exc, InputError):
        return 422, None
    if isinstance(exc, IndexLocked):
        return 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    # IndexNotFound, IndexCorrupt, IndexUnavailable, a write that the OS refused...
    return 503, None


def public_message(exc: SearchlibError) -> str:
    """The error's message for a client: one line, without the index's location."""
    return one_line(exc.redacted())


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
        if source == "body":
            label = "body"
            if loc and isinstance(loc[0], int):
                label = f"article {loc.pop(0)}"
            if loc:
                label += f", field {_dotted(loc)!r}"
        elif source is not None:
            label = f"{source} parameter {_dotted(loc)!r}" if loc else f"{source} parameter"
        else:
            label = _dotted(loc) or "value"
        message = str(err.get("msg", "invalid"))
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if err.get("type") in ("unexpected_keyword_argument", "extra_forbidden"):
            message = f"unknown field (fields: {', '.join(ARTICLE_FIELDS)})"
        parts.append(f"{label}: {message}")
    text = "; ".join(parts) or "invalid request"
    if len(errors) > 3:
        text += f" (and {len(errors) - 3} more)"
    return one_line(text)


def _dotted(items: list[Any]) -> str:
    text = ""
    for part in items:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


__all__ = [
    "RETRY_AFTER_SECONDS",
    "describe_validation_errors",
    "error_response",
    "one_line",
    "public_message",
    "status_of",
]
