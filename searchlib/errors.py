"""The exception hierarchy: every error searchlib raises is a :class:`SearchlibError`.

Callers that only want to report a failure to a person can catch ``SearchlibError`` and
print ``str(error)``: every message is one readable line.
"""

from __future__ import annotations


class SearchlibError(Exception):
    """Base class of every error searchlib raises on purpose."""


class InputError(SearchlibError):
    """A file or record could not be read as an article (bad encoding, bad date, no title...)."""


class QueryError(SearchlibError):
    """A query string or a search option could not be understood."""


class IndexNotFound(SearchlibError):
    """There is no index at the given path."""


class IndexCorrupt(SearchlibError):
    """Something exists at the given path, but it is not a readable searchlib index."""


class IndexLocked(SearchlibError):
    """Another writer held the index lock for longer than the timeout allowed."""


class DocumentNotFound(SearchlibError):
    """No article with the given id is in the index."""


__all__ = [
    "DocumentNotFound",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "InputError",
    "QueryError",
    "SearchlibError",
]
