"""The engines behind :class:`searchlib.Index`, chosen by the index location.

A directory is a Whoosh index (:mod:`searchlib.backends.whoosh`, the default, embedded). Only
this package imports engine libraries; the rest of searchlib talks to a
:class:`~searchlib.backend.Backend`.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from ..backend import Backend
from ..errors import SearchlibError, UsageError
from ..ranking import Ranking


def open_backend(
    location: str | os.PathLike[str],
    *,
    create: bool = False,
    lock_timeout: float = 30.0,
    vectorized: bool = True,
    ranking: Ranking | None = None,
    **options: Any,
) -> Backend:
    """Open (or with ``create``, make) the index at ``location``.

    ``typesense://HOST:PORT[,HOST:PORT...]/COLLECTION`` is a Typesense collection (the
    ``typesense`` extra); anything else is a directory holding a Whoosh index.
    """
    if is_url(location):
        return _open_url(str(location), create=create, ranking=ranking, **options)
    from .whoosh import WhooshBackend

    model = ranking or Ranking()
    return WhooshBackend(
        location,
        create=create,
        lock_timeout=lock_timeout,
        vectorized=vectorized,
        k1=model.k1,
        b=model.b,
    )


def is_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` names an engine by URL rather than a directory."""
    return "://" in str(location)


def _open_url(location: str, **options: Any) -> Backend:
    scheme = location.split("://", 1)[0].lower()
    engines = {"typesense": ("typesense", "TypesenseBackend", "searchlib[typesense]")}
    if scheme in engines:
        module_name, class_name, extra = engines[scheme]
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ImportError:
            raise UsageError(f"{scheme}:// indexes need the extra: pip install '{extra}'") from None
        backend: Backend = getattr(module, class_name)(location, **options)
        return backend
    raise UsageError(f"unknown index location {location!r}: use a directory or typesense://")


def exists(location: str | os.PathLike[str]) -> bool:
    """True if an index exists at ``location``."""
    if is_url(location):
        try:
            _open_url(str(location)).close()
        except SearchlibError:
            return False
        return True
    from .whoosh import WhooshBackend

    return WhooshBackend.exists(location)


__all__ = ["exists", "is_url", "open_backend"]
