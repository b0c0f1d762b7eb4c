"""Relevance of the same searchlib over Whoosh and over Typesense: nDCG@10, MAP, recall@100.

    python -m benchmarks.typesense_relevance [--collection DIR] [--out FILE.json]

Uses the relevance harness (``benchmarks/relevance/releval``) unchanged: its collection reader,
its searchlib system (public API only) and its measures. Each collection (Cranfield by default)
is indexed into a Whoosh directory and into a collection of a fresh local 3-node Typesense
cluster; every judged query is run with searchlib's default options (``match="all"``, relaxed
to partial matches when nothing has every word: most Cranfield questions) and with
``match="any"``, 100 results deep. The two backends match the same articles; they rank them
differently (BM25F on Whoosh, Typesense's ``text_match`` on Typesense), and that is what this
measures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import typesense_cluster as tc
from .relevance.releval import collection as rc
from .relevance.releval import metrics
from .relevance.releval.systems import SearchlibConfig, SearchlibSystem, build_searchlib

HERE = Path(__file__).resolve().parent


CORPORA = HERE.parent.parent / "shared" / "corpora"


def evaluate(location: str, coll: rc.Collection, match: str | None) -> dict[str, Any]:
    system = SearchlibSystem(location, "searchlib", SearchlibConfig(match=match))  # type: ignore[arg-type]
    run: dict[str, list[str]] = {}
    started = time.perf_counter()
    errors = 0
    for q in coll.judged_queries():
        result = system.search(q.text, 100)
        run[q.qid] = list(result.ids)
        errors += bool(result.error)
    seconds = time.perf_counter() - started
    system.close()
    scores = metrics.mean(metrics.evaluate(run, coll.qrels))
    return {
        "match": match or "all (default)",
        **{k: round(v, 4) for k, v in scores.items()},
        "queries": len(run),
        "query_errors": errors,
        "relaxed": system.relaxed,
        "seconds": round(seconds, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--collection", type=Path, action="append", default=None)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "typesense_relevance.json")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tsrel-"))
    cluster = tc.Cluster.create(workdir / "cluster")
    cluster.start(timeout=90.0)
    os.environ["SEARCHLIB_TYPESENSE_API_KEY"] = cluster.api_key
    report: dict[str, Any] = {"collections": []}
    try:
        for directory in args.collection or [CORPORA / "cranfield"]:
            coll = rc.load(directory)
            whoosh = str(workdir / f"whoosh-{coll.name}")
            typesense = cluster.location(f"rel_{coll.name}")
            row: dict[str, Any] = {"collection": coll.name, "docs": len(coll.docs)}
            for name, location in (("whoosh", whoosh), ("typesense", typesense)):
                row[f"{name}_index_s"] = round(build_searchlib(coll.docs, location), 1)  # type: ignore[arg-type]
                row[name] = [evaluate(location, coll, m) for m in (None, "any")]
                print(coll.name, name, row[name], file=sys.stderr)
            report["collections"].append(row)
    finally:
        cluster.remove()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
