"""Whoosh and Typesense behind the same searchlib API: indexing speed, mode (c) latency, memory.

    python -m benchmarks.typesense_bench [--size N ...] [--queries-per-kind K] --out FILE.json

For each corpus size (Reuters-21578 as is, and resampled larger as ``benchmarks/run.py`` does),
on the same pre-extracted articles (searchlib's default extractor, run once):

* **indexing** (index only): ``Index.writer`` + ``add`` for every article, a commit every 5,000
  articles, on a Whoosh directory and on a Typesense collection of a fresh local 3-node
  cluster (every write replicated to the 3 nodes through Raft; the leader answers);
* **mode (c)** (``benchmarks/peers``): the 10 best hits with highlights, facet counts over all
  matches (person, org, location, tag) and a month histogram, for the fixed query set
  (``benchmarks/queries.json``), one warm-up pass then a timed pass; median, p95, p99;
* **agreement**: per query, the same total, facet counts and months on both backends;
* **memory** (Typesense): the resident memory (VmRSS) of each node, with the cluster empty and
  after each size is loaded (each size is a collection of its own, loaded one after the other),
  and Typesense's own ``typesense_memory_active_bytes``; the cost per million articles is the
  slope between the two loads.

Every figure comes from one run on this machine (2 shared cores: Typesense's 3 nodes, the
client and Whoosh share them, so absolute numbers are pessimistic for a real cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from searchlib import Index

from . import run as harness
from .common import REUTERS
from .common import typesense_cluster as tc
from .peers import FACETS
from .peers.searchlib_engine import SearchlibSession

HERE = Path(__file__).resolve().parent

COMMIT_EVERY = 5000
SOURCE = REUTERS


def articles_for(size: int, workdir: Path) -> tuple[list[Any], Any]:
    corpus = harness.prepare_corpus(size, SOURCE, workdir)
    cached = workdir / f"articles-{size}.pkl"
    if cached.exists():
        with cached.open("rb") as f:
            articles = pickle.load(f)
        corpus.articles = len(articles)
        days = sorted(a.date.isoformat() for a in articles if a.date)
        corpus.date_range = (days[len(days) // 3], days[(2 * len(days)) // 3])
        return articles, corpus
    return harness.extract_corpus(corpus, workdir), corpus


def build(location: str, articles: list[Any]) -> float:
    started = time.perf_counter()
    with Index(location, create=True) as ix:
        for start in range(0, len(articles), COMMIT_EVERY):
            with ix.writer() as w:
                for a in articles[start : start + COMMIT_EVERY]:
                    w.add(a)
        assert ix.count() == len(articles), (ix.count(), len(articles))
    return time.perf_counter() - started


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def mode_c(location: str, queries: list[dict[str, Any]]) -> tuple[dict[str, Any], list[Any]]:
    session = SearchlibSession(location)  # type: ignore[arg-type]
    for q in queries:  # warm-up
        session.search(q["q"], "c", None)
    times, answers = [], []
    for q in queries:
        started = time.perf_counter()
        answers.append(session.search(q["q"], "c", None))
        times.append((time.perf_counter() - started) * 1000)
    session.close()
    return {
        "queries": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(quantile(times, 0.95), 2),
        "p99_ms": round(quantile(times, 0.99), 2),
    }, answers


def rss(cluster: tc.Cluster) -> dict[str, Any]:
    nodes = cluster.rss_bytes()
    active = []
    for i in range(len(cluster.nodes)):
        try:
            active.append(int(cluster.get(i, "/metrics.json")["typesense_memory_active_bytes"]))
        except (OSError, KeyError, ValueError):
            active.append(0)
    return {"rss_mb": [round(b / 2**20, 1) for b in nodes], "active_mb": [
        round(b / 2**20, 1) for b in active]}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, action="append", default=None)
    ap.add_argument("--queries-per-kind", type=int, default=40)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "typesense.json")
    ap.add_argument(
        "--workdir", type=Path, default=None, help="reuse the corpora and extracted articles here"
    )
    args = ap.parse_args()
    sizes = args.size or [18000, 100000]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tsbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(workdir / "cluster", ignore_errors=True)
    queries = harness.load_queries(HERE / "queries.json", args.queries_per_kind)
    cluster = tc.Cluster.create(workdir / "cluster")
    cluster.start(timeout=90.0)
    os.environ["SEARCHLIB_TYPESENSE_API_KEY"] = cluster.api_key
    report: dict[str, Any] = {
        "machine": harness.machine_info(harness.searchlib_source()),
        "facets": FACETS,
        "commit_every": COMMIT_EVERY,
        "sizes": [],
        "memory": {"empty": rss(cluster)},
    }
    try:
        for size in sizes:
            articles, corpus = articles_for(size, workdir)
            row: dict[str, Any] = {"size": size, "articles": len(articles), "corpus": corpus.label}
            report["sizes"].append(row)  # filled as the run goes (partial files stay readable)
            whoosh = str(workdir / f"whoosh-{size}")
            typesense = cluster.location(f"reuters_{size}")
            shutil.rmtree(whoosh, ignore_errors=True)
            for name, location in (("typesense", typesense), ("whoosh", whoosh)):
                seconds = build(location, articles)
                row[f"{name}_index_s"] = round(seconds, 1)
                row[f"{name}_docs_per_s"] = round(len(articles) / seconds, 1)
                print(f"{size} {name}: indexed in {seconds:.1f}s", file=sys.stderr)
                if name == "typesense":
                    time.sleep(2.0)  # followers apply the last writes; then memory is read
                    report["memory"][str(size)] = rss(cluster)
                    args.out.write_text(json.dumps(report, indent=1) + "\n")
            answers = {}
            for name, location in (("whoosh", whoosh), ("typesense", typesense)):
                row[f"{name}_mode_c"], answers[name] = mode_c(location, queries)
                print(f"{size} {name}: mode (c) {row[f'{name}_mode_c']}", file=sys.stderr)
            same = [
                a.total == b.total and a.facets == b.facets and a.months == b.months
                for a, b in zip(answers["whoosh"], answers["typesense"], strict=True)
            ]
            row["same_total_facets_months"] = f"{sum(same)}/{len(same)}"
            row["ratio_p50_typesense_over_whoosh"] = round(
                row["typesense_mode_c"]["median_ms"] / row["whoosh_mode_c"]["median_ms"], 2
            )
            args.out.write_text(json.dumps(report, indent=1) + "\n")
        mem = report["memory"]
        if len(sizes) >= 2:
            first, second = str(sizes[0]), str(sizes[-1])
            added = sizes[-1]  # each size is a collection of its own, loaded after the first
            slope = [
                (b - a) / added * 1e6 / 1024
                for a, b in zip(mem[first]["rss_mb"], mem[second]["rss_mb"], strict=True)
            ]
            report["rss_gb_per_million_articles_per_node"] = [round(s, 2) for s in slope]
    finally:
        report["cluster"] = "3 nodes on 127.0.0.1, typesense-server 0.24.1"
        args.out.write_text(json.dumps(report, indent=1) + "\n")
        cluster.remove()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
