"""The generation-keyed answer cache of the server (searchlib.server.cache)."""

from __future__ import annotations

import threading
import time

import pytest

from searchlib.server.cache import Gate, GenerationCache


def test_answers_are_kept_for_their_generation() -> None:
    cache = GenerationCache()
    calls: list[str] = []

    def compute(text: str) -> tuple[bytes, bool]:
        calls.append(text)
        return text.encode(), True

    assert cache.get(1, "k", lambda: compute("a")) == b"a"
    assert cache.get(1, "k", lambda: compute("b")) == b"a"  # kept
    assert cache.get(2, "k", lambda: compute("c")) == b"c"  # a new generation: asked again
    assert cache.get(1, "k", lambda: compute("d")) == b"d"  # an older reader: not cached
    assert cache.get(2, "k", lambda: compute("e")) == b"c"
    assert calls == ["a", "c", "d"]
    assert (cache.figures.hits, cache.figures.misses) == (2, 2)


def test_no_generation_means_no_cache() -> None:
    cache = GenerationCache()
    assert cache.get(None, "k", lambda: (b"1", True)) == b"1"
    assert cache.get(None, "k", lambda: (b"2", True)) == b"2"


def test_partial_answers_and_failures_are_not_kept() -> None:
    cache = GenerationCache()
    assert cache.get(1, "k", lambda: (b"partial", False)) == b"partial"
    assert cache.get(1, "k", lambda: (b"full", True)) == b"full"

    def boom() -> tuple[bytes, bool]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get(1, "x", boom)
    assert cache.get(1, "x", lambda: (b"fine", True)) == b"fine"


def test_bounded_by_entries_and_bytes() -> None:
    cache = GenerationCache(max_entries=3, max_bytes=100)
    for i in range(5):
        cache.get(1, i, lambda i=i: (bytes(5), True))
    assert cache.figures.entries == 3
    cache.get(1, "big", lambda: (bytes(50), True))  # over a tenth of the limit: not kept
    assert cache.figures.entries == 3 and cache.figures.bytes == 15


def test_concurrent_requests_compute_once() -> None:
    cache = GenerationCache()
    calls = 0
    started = threading.Event()

    def slow() -> tuple[bytes, bool]:
        nonlocal calls
        calls += 1
        started.set()
        time.sleep(0.2)
        return b"answer", True

    answers: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get(7, "k", slow))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [b"answer"] * 8 and calls == 1


def test_gate_lets_one_through_per_generation() -> None:
    gate = Gate()
    inside = 0
    most = 0
    lock = threading.Lock()

    def work() -> bytes:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1
        return b"x"

    threads = [threading.Thread(target=lambda: gate.run(3, work)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1  # the first read of generation 3 ran alone, the waiting ones after it
    most = 0
    barrier = threading.Barrier(4)

    def together() -> None:
        barrier.wait()
        gate.run(3, work)

    threads = [threading.Thread(target=together) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most > 1  # once generation 3 has been read, reads run side by side
