"""The Typesense backend: a searchlib index in a collection of a Typesense cluster.

``Index("typesense://HOST:PORT[,HOST:PORT...]/COLLECTION")`` (also ``--index`` and
``$SEARCHLIB_INDEX``), with the API key in ``$SEARCHLIB_TYPESENSE_API_KEY``. Needs the
``typesense`` extra (the official client). Modules: the location, the leader and failover
(:mod:`.cluster`), the schema and documents (:mod:`.documents`), query compilation
(:mod:`.compile`), and the backend, reader and writer (:mod:`.store`).
"""

from __future__ import annotations

from .store import TypesenseBackend, TypesenseReader, TypesenseWriter

__all__ = ["TypesenseBackend", "TypesenseReader", "TypesenseWriter"]
