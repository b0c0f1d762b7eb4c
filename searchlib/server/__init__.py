"""searchlib over HTTP: a JSON API and a search page for one index (the ``server`` extra).

:func:`create_app` builds the ASGI app (FastAPI) over an open :class:`~searchlib.Index` or an
index location; :func:`serve` runs it with uvicorn. ``import searchlib`` does not import this
package, and FastAPI is imported only when an app is made.

* :mod:`.app`: ``create_app``, the exception handlers, the lifespan, the request guard;
* :mod:`.routes`: the endpoints, which get the index through ``Depends``;
* :mod:`.models`: the shapes of requests and responses (the search parameters are generated from
  :class:`~searchlib.request.SearchRequest`);
* :mod:`.errors`: status codes for library errors, and one-line JSON bodies;
* :mod:`.cache`: answers kept per index generation (the empty query, autocomplete, related).
"""

from __future__ import annotations

from .app import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_THREADS,
    app_from_environment,
    create_app,
    default_workers,
    serve,
)
from .errors import describe_validation_errors

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_THREADS",
    "app_from_environment",
    "create_app",
    "default_workers",
    "describe_validation_errors",
    "serve",
]
