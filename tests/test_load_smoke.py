"""Smoke test of the HTTP load test: ``python -m benchmarks.load --smoke`` runs the real server
under concurrent readers and a writer, and must end with no 5xx and no lost write.

Only the outcome and the shape of the report are checked, never a timing. Without the Reuters
corpus in ``../shared/corpora`` (a fresh clone) the script indexes the bundled seeds plus
generated articles instead, so this test runs everywhere the server extra is installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx2")

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
REUTERS = CORPORA / "reuters21578" / "reuters21578-dev.jsonl.gz"

REPORT_KEYS = {
    "benchmark",
    "started",
    "elapsed_s",
    "command",
    "passed",
    "failures",
    "machine",
    "settings",
    "corpus",
    "index",
    "workload",
    "totals",
    "reads",
    "warmup",
    "endpoints",
    "errors",
    "writes",
    "server",
    "client",
    "commit_effect",
    "notes",
}
STATS_KEYS = {"requests", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "ok", "non_2xx"}
READ_KINDS = {
    "search",
    "search_facet",
    "search_date",
    "search_page2",
    "search_any",
    "search_collapse",
    "article",
    "similar",
    "suggest",
}


def run_load(tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "load.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--smoke", "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    assert out.with_suffix(".md").read_text().startswith("# searchlib load test")
    return report


def check_report(report: dict[str, Any]) -> None:
    assert set(report) >= REPORT_KEYS
    assert report["passed"] is True and report["failures"] == []
    machine = report["machine"]
    assert machine["cpu"] and machine["cores"] >= 1 and machine["python"]
    assert {"searchlib", "fastapi", "uvicorn"} <= set(machine["versions"])

    errors = report["errors"]
    assert errors["server_errors"] == 0
    assert errors["no_answer"] == 0
    assert not any(status.startswith("5") for status in errors["by_status"])
    assert not any(status.startswith("5") for status in report["warmup"]["statuses"])

    totals = report["totals"]
    assert set(totals) >= STATS_KEYS
    assert totals["requests"] > 0 and totals["rps"] > 0
    assert 0 <= totals["p50_ms"] <= totals["p95_ms"] <= totals["p99_ms"] <= totals["max_ms"]
    assert set(report["endpoints"]) >= READ_KINDS | {"post", "delete", "read_back"}
    for kind in READ_KINDS:
        assert set(report["endpoints"][kind]) >= STATS_KEYS
    assert sum(report["endpoints"][k]["requests"] for k in READ_KINDS) > 0

    writes = report["writes"]
    assert writes["post_requests"] > 0 and writes["posted_acknowledged"] > 0
    assert writes["lost"] == 0 and writes["stale_reads"] == 0
    assert writes["unacknowledged"] == 0  # every write got a 2xx
    for phase in ("verified", "after_restart"):
        checked = writes[phase]
        assert checked["lost"] == 0
        assert checked["checked_deleted"] == writes["deleted_acknowledged"]
        assert (
            checked["checked_present"] + checked["checked_deleted"]
            == (writes["posted_acknowledged"])
        )

    assert report["server"]["exit_code"] == 0
    assert report["settings"]["smoke"] is True

    # the same run compares 1 worker with N, and both with the library in-process
    runs = report["runs"]
    assert [r["workers"] for r in runs] == report["settings"]["workers"]
    assert runs[0]["workers"] == 1
    for run in runs:
        assert run["failures"] == []
        assert run["errors"]["server_errors"] == 0 and run["writes"]["lost"] == 0
        assert run["server"]["exit_code"] == 0 and run["server"]["first_search_ms"] > 0
        assert run["searches"]["requests"] > 0
    baseline = report["baseline"]
    assert baseline["requests"] > 0 and baseline["errors"] == 0
    assert {c["workers"] for c in report["comparison"]["runs"]} == {r["workers"] for r in runs}
    assert {t["target"] for t in report["targets"]} >= {"0 5xx", "0 lost writes"}


def test_smoke_run(tmp_path: Path) -> None:
    """The smoke mode on the default corpus: Reuters when present, else seeds + generated."""
    report = run_load(tmp_path)
    check_report(report)
    assert report["corpus"]["label"] == ("reuters" if REUTERS.exists() else "generated")
    assert report["settings"]["clients"] == 8


def test_smoke_run_without_the_corpus(tmp_path: Path) -> None:
    """What a fresh clone runs: the bundled seeds plus generated articles (shorter here)."""
    if not REUTERS.exists():
        pytest.skip("the default run above already used the generated corpus")
    report = run_load(tmp_path, "--corpus", str(tmp_path / "absent.jsonl.gz"), "--duration", "4")
    check_report(report)
    assert report["corpus"]["label"] == "generated"
    assert report["index"]["documents"] == report["corpus"]["articles"]
