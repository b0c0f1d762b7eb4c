"""Answers kept for as long as the index does not change: a bounded cache keyed by generation.

:class:`GenerationCache` holds JSON bodies under ``(generation, key)``; when the index's
generation (:meth:`searchlib.Index.generation`, which changes with every commit) moves on, the
old answers are dropped. Concurrent requests for the same missing key compute it once: the
others wait for that answer instead of repeating the work (and a failure is not cached).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Answers kept per worker by default, and their total size.
DEFAULT_MAX_ENTRIES = 2048
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass
class CacheFigures:
    """How a cache has done since it was made."""

    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


class GenerationCache:
    """A thread-safe LRU of byte strings keyed by ``(generation, key)``.

    ``generation`` None (an engine that cannot tell when it changed) is never cached. An entry
    larger than a tenth of ``max_bytes`` is not kept.
    """

    def __init__(
        self, *, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._running: dict[tuple[int, Hashable], threading.Event] = {}
        self.figures = CacheFigures()

    def get(
        self,
        generation: int | None,
        key: Hashable,
        compute: Callable[[], tuple[bytes, bool]],
    ) -> bytes:
        """The answer for ``key`` at ``generation``: cached, or ``compute()``'s.

        ``compute`` returns ``(body, keep)``; a body with ``keep`` False (a partial search) is
        returned but not cached.
        """
        if generation is None:
            return compute()[0]
        while True:
            with self._lock:
                if self._generation is None or generation > self._generation:
                    self._reset(generation)
                elif generation < self._generation:
                    stale = True  # a request that began before the latest commit
                    break
                stale = False
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    self.figures.hits += 1
                    return found
                waiting = self._running.get((generation, key))
                if waiting is None:
                    mine = threading.Event()
                    self._running[(generation, key)] = mine
                    self.figures.misses += 1
                    break
            waiting.wait()
            # the request computing it has stored its answer, or failed or did not keep it:
            # look again (and compute it here if it is still missing)
        if stale:
            return compute()[0]
        try:
            body, keep = compute()
            if keep:
                self._store(generation, key, body)
        finally:
            with self._lock:
                if self._running.get((generation, key)) is mine:
                    del self._running[(generation, key)]
            mine.set()
        return body

    def _reset(self, generation: int) -> None:
        self._generation = generation
        self._entries.clear()
        self._size = 0
        self.figures.entries = self.figures.bytes = 0

    def _store(self, generation: int, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 10:
            return
        with self._lock:
            if generation != self._generation or key in self._entries:
                return
            self._entries[key] = body
            self._size += len(body)
            while len(self._entries) > self.max_entries or self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)
            self.figures.entries = len(self._entries)
            self.figures.bytes = self._size


class Gate:
    """Lets one request at a time through the first read of each new generation.

    Some reads build a table per generation (the names behind autocomplete and the hints for
    filters that match nothing); when a commit lands, every request in flight would build it
    at once. Behind the gate the first one builds it and the others, waiting, find it built.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: int | None = None

    def run(self, generation: int | None, fn: Callable[[], T]) -> T:
        """``fn()``, alone if ``generation`` has not been read through this gate yet."""
        if generation is None or generation == self._done:
            return fn()
        with self._lock:
            result = fn()
            self._done = generation
            return result


__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_ENTRIES", "CacheFigures", "Gate", "GenerationCache"]
