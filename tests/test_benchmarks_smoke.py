"""Smoke test of the benchmark suite: ``python -m benchmarks.run --quick`` runs and writes its
report.

Only the shape of the output is checked, never a timing. Skips when the Reuters corpus in
``../shared/corpora`` is absent; tantivy is included only when it is installed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578" / "reuters21578-dev.jsonl.gz"

QUERY_KEYS = {"engine", "size", "mode", "median_ms", "p95_ms", "p99_ms", "total_hits"}
INDEX_KEYS = {"engine", "size", "kind", "procs", "docs_per_s", "peak_rss_mb", "index_mb"}
MODES = {"a", "b", "c", "d"}


def test_quick_run_writes_json_and_markdown(tmp_path: Path) -> None:
    if not REUTERS.exists():
        pytest.skip(f"corpus not available: {REUTERS}")
    engines = ["searchlib", "whoosh", "sqlite-fts5"]
    if importlib.util.find_spec("tantivy") is not None:
        engines.append("tantivy")
    out = tmp_path / "quick.json"
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--engines", *engines]
    proc = subprocess.run(
        [*command, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    report = json.loads(out.read_text())
    assert out.with_suffix(".md").read_text().startswith("# searchlib benchmark")

    machine = report["machine"]
    assert machine["cpu"] and machine["cores"] >= 1 and machine["python"]
    assert {"searchlib", "whoosh3", "tantivy", "sqlite"} <= set(machine["versions"])

    rows = report["queries"]
    assert {(r["engine"], r["mode"]) for r in rows} == {(e, m) for e in engines for m in MODES}
    for row in rows:
        assert set(row) >= QUERY_KEYS
        assert 0 <= row["median_ms"] <= row["p95_ms"] <= row["p99_ms"]
        assert row["total_hits"] > 0

    indexing = report["indexing"]
    assert {(r["engine"], r["kind"]) for r in indexing} == {
        (e, k) for e in engines for k in ("end-to-end", "index-only")
    }
    for row in indexing:
        assert set(row) >= INDEX_KEYS
        assert row["docs_per_s"] > 0 and row["peak_rss_mb"] > 0 and row["index_mb"] > 0

    (corpus,) = report["corpora"]
    assert corpus["articles"] == corpus["size"]
    assert report["query_set"]["count"] >= 3
    assert report["correctness_gate"]["status"] == "passed"
    assert report["correctness_gate"]["checked"] > 0
    # plain Whoosh uses searchlib's analysis, so it must find exactly the same hits
    whoosh = [s for s in report["hit_agreement"] if s["engine"] == "whoosh"]
    assert whoosh and all(s["equal"] == s["compared"] for s in whoosh)


def test_query_set_is_committed_and_large_enough() -> None:
    data = json.loads((ROOT / "benchmarks" / "queries.json").read_text())
    queries = data["queries"]
    assert len(queries) >= 200
    assert {q["kind"] for q in queries} == {"title-pair", "entity", "body-pair"}
    assert len({q["q"] for q in queries}) == len(queries)


def test_correctness_gate_flags_any_difference() -> None:
    from benchmarks import run

    answer = run.Answer
    queries = [{"q": "oil prices", "kind": "body-pair"}, {"q": "cocoa", "kind": "entity"}]
    ours = [
        answer(3, ["a"], facets={"person": [("Ann", 2)], "org": [], "location": [], "tag": []}),
        answer(1, ["b"], facets={"person": [], "org": [], "location": [], "tag": []}),
    ]
    same = [
        answer(3, ["a"], facets={"person": [("Ann", 2)], "org": [], "location": [], "tag": []}),
        answer(1, ["b"], facets={"person": [], "org": [], "location": [], "tag": []}),
    ]
    other = [
        answer(3, ["a"], facets={"person": [("Ann", 1)], "org": [], "location": [], "tag": []}),
        answer(2, ["b"], facets={"person": [], "org": [], "location": [], "tag": []}),
    ]

    def gate(peer: list[Any]) -> dict[str, Any]:
        runs = {
            ("searchlib", 10, "c"): run.ModeRun("searchlib", 10, "c", [1.0], ours, 2),
            ("whoosh", 10, "c"): run.ModeRun("whoosh", 10, "c", [1.0], peer, 2),
        }
        result: dict[str, Any] = run.correctness_gate(runs, queries)
        return result

    assert gate(same)["status"] == "passed"
    failed = gate(other)
    assert failed["status"] == "FAILED"
    assert [f["problem"] for f in failed["failures"]] == [
        "facet person differs",
        "hit totals differ",
    ]
