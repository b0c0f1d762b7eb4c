"""Indexing speed on Reuters-21578: end to end (read, extract entities, index) and index only.

    python benchmarks/index_speed.py [--corpus PATH] [--limit N] [--procs 1 2] [--out FILE.json]

Each figure is articles per second over the whole run, commits included, into a fresh index.
"index only" hands pre-read articles, entities already extracted, to the writer.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import searchlib
from searchlib import Article, Index, ingest, read_paths

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "corpora"
    / "reuters21578"
    / "reuters21578-dev.jsonl.gz"
)


def _articles(path: Path, limit: int | None) -> list[Article]:
    out = [a for a in read_paths([path]) if isinstance(a, Article)]
    return out[:limit] if limit else out


def end_to_end(path: Path, procs: int, workdir: Path) -> dict[str, float]:
    """Read, extract and index ``path`` into a fresh index."""
    target = workdir / f"e2e-{procs}"
    with Index(target, create=True) as ix:
        started = time.perf_counter()
        report = ingest(ix, [path], procs=procs)
        elapsed = time.perf_counter() - started
        size = sum(f.stat().st_size for f in target.iterdir())
    shutil.rmtree(target)
    n = report.indexed
    return {
        "docs": n,
        "seconds": round(elapsed, 2),
        "docs_per_s": round(n / elapsed, 1),
        "index_mb": round(size / 2**20, 1),
    }


def index_only(articles: list[Article], procs: int, workdir: Path) -> dict[str, float]:
    """Write pre-extracted articles into a fresh index."""
    target = workdir / f"only-{procs}"
    with Index(target, create=True) as ix:
        started = time.perf_counter()
        with ix.writer(procs=procs) as w:
            for a in articles:
                w.add(a)
        elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    n = len(articles)
    return {"docs": n, "seconds": round(elapsed, 2), "docs_per_s": round(n / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="index only the first N articles")
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")

    corpus = args.corpus
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.limit:
            subset = work / "subset.jsonl"
            with subset.open("w", encoding="utf-8") as f:
                for a in _articles(corpus, args.limit):
                    row = {
                        "id": a.id,
                        "title": a.title,
                        "body": a.body,
                        "date": a.date.isoformat() if a.date else None,
                    }
                    f.write(json.dumps(row) + "\n")
            corpus = subset
        extractor = searchlib.default_extractor()
        t0 = time.perf_counter()
        articles = [
            replace(a, entities=extractor.extract(a.title, a.body)) for a in _articles(corpus, None)
        ]
        extract_s = time.perf_counter() - t0
        results = {
            "machine": {
                "python": platform.python_version(),
                "cpu": platform.processor() or platform.machine(),
            },
            "corpus": str(args.corpus),
            "read_and_extract_docs_per_s": round(len(articles) / extract_s, 1),
            "runs": [],
        }
        for procs in args.procs:
            results["runs"].append(
                {"kind": "end-to-end", "procs": procs, **end_to_end(corpus, procs, work)}
            )
            results["runs"].append(
                {"kind": "index-only", "procs": procs, **index_only(articles, procs, work)}
            )
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    for run in results["runs"]:
        kind, procs, docs, rate = run["kind"], run["procs"], run["docs"], run["docs_per_s"]
        print(f"{kind:<11} procs={procs}  {docs:>6} docs  {rate:>8.1f} docs/s")
    rate, rss = results["read_and_extract_docs_per_s"], results["peak_rss_mb"]
    print(f"read + extract only: {rate} docs/s; peak RSS {rss} MB")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
