"""The exception hierarchy: every error searchlib raises is a :class:`SearchlibError`.

Callers that only want to report a failure to a person can catch ``SearchlibError`` and
print ``str(error)``: every message is one readable line. Programs can read the error's
fields instead of parsing the message: :attr:`~SearchlibError.index` (the index location),
:attr:`~SearchlibError.file` (an input file, or a damaged file of the index),
:attr:`~SearchlibError.line` and :attr:`~SearchlibError.query`.

A message names the index through the ``{index}`` placeholder, so that a service can show it
without the location (:meth:`SearchlibError.redacted`): ``str(error)`` reads "index at
/srv/news is locked ...", ``error.redacted()`` reads "the index is locked ...".

The base class is never raised itself; each error is one of its subclasses.
"""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER = re.compile(r"\{index\}")


class SearchlibError(Exception):
    """Base class of every error searchlib raises on purpose (never raised itself).

    ``message`` is one line; where it names the index it says ``{index}``, filled in from the
    ``index`` field. The fields are keyword-only and optional.
    """

    def __init__(
        self,
        message: str,
        *,
        index: str | None = None,
        file: str | None = None,
        line: int | None = None,
        query: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.index = str(index) if index is not None else None
        self.file = file
        self.line = line
        self.query = query

    def _render(self, where: str) -> str:
        return _PLACEHOLDER.sub(lambda _m: where, self.message)

    def __str__(self) -> str:
        return self._render(f"index at {self.index}" if self.index else "the index")

    def redacted(self) -> str:
        """The message without the index's location (for clients of a service)."""
        return self._render("the index")

    @property
    def fields(self) -> dict[str, Any]:
        """The error's fields that are set, by name (``index``, ``file``, ``line``, ``query``)."""
        values = {"index": self.index, "file": self.file, "line": self.line, "query": self.query}
        return {k: v for k, v in values.items() if v is not None}

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes, fields included
        return (_rebuild, (type(self), self.message, self.fields))


def _rebuild(cls: type[SearchlibError], message: str, fields: dict[str, Any]) -> SearchlibError:
    return cls(message, **fields)


class InputError(SearchlibError):
    """A file or record could not be read as an article (bad encoding, bad date, no title...)."""


class QueryError(SearchlibError):
    """A query string or a search option could not be understood."""


class IndexNotFound(SearchlibError):
    """There is no index at the given location."""


class IndexCorrupt(SearchlibError):
    """Something exists at the given location, but it is not a readable searchlib index.

    ``file`` names the damaged file when one is known. Rebuilding the index from its sources
    (``searchlib index``) recovers from it.
    """


class IndexLocked(SearchlibError):
    """Another writer held the index lock for longer than the timeout allowed."""


class IndexUnavailable(SearchlibError):
    """The index cannot be used now: it is closed, read-only, or its engine cannot be reached."""


class DocumentNotFound(SearchlibError):
    """No article with the given id is in the index."""


class UsageError(SearchlibError):
    """An API was used wrongly: a bad argument, a missing optional extra, a closed writer."""


__all__ = [
    "DocumentNotFound",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexUnavailable",
    "InputError",
    "QueryError",
    "SearchlibError",
    "UsageError",
]
