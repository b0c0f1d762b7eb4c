"""The Whoosh backend: a searchlib index in a directory, embedded in the process.

Everything that imports or handles Whoosh objects lives in this package: the schema
(:mod:`.schema`), opening, locking and the searcher pool (:mod:`.store`), documents
(:mod:`.documents`), query compilation (:mod:`.compile`), matching and ranking
(:mod:`.matching`), the vectorised scorer (:mod:`.scoring`), doc-values (:mod:`.docvalues`),
related articles (:mod:`.similar`), completion (:mod:`.complete`) and the batched segment
writer (:mod:`.segwriter`, with its codec modules).
"""

from __future__ import annotations

from .store import WhooshBackend, WhooshReader, WhooshWriter

__all__ = ["WhooshBackend", "WhooshReader", "WhooshWriter"]
