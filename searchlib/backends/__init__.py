"""The engines behind :class:`searchlib.Index`, chosen by the index location.

A directory is a Whoosh index (:mod:`searchlib.backends.whoosh`, the default, embedded). Only
this package imports engine libraries; the rest of searchlib talks to a
:class:`~searchlib.backend.Backend`.
"""

from __future__ import annotations

import os
from typing import Any

from ..backend import Backend
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
    """Open (or with ``create``, make) the index at ``location``."""
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


def exists(location: str | os.PathLike[str]) -> bool:
    """True if an index exists at ``location``."""
    from .whoosh import WhooshBackend

    return WhooshBackend.exists(location)


__all__ = ["exists", "open_backend"]
