"""Throughput of the default entity extractor on one core, for seed-sized news articles.

The articles are the demo seed (markup removed, as the reader would) plus every FA-KES and BBC
article whose title and body together are 2-5 KB, i.e. around the seed's 3.5 KB. Each run calls
``extract(title, body)`` on every article once, in one thread; the word lists are loaded (and
timed) before the first run. The figure reported is the median of the runs.

Usage::

    python benchmarks/entities_speed.py [--runs 7] [--limit 600] [--out results.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

from searchlib.entities import default_extractor
from searchlib.entities.lexicon import load_lexicon

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SEED = ROOT / "seeds" / "000_8685ec8866dbeeaa.txt"
MIN_BYTES, MAX_BYTES = 2_000, 5_000

Article = tuple[str, str]


def seed_article() -> Article:
    """The seed's title and body, with the link and emphasis markup a reader strips."""
    raw = SEED.read_text(encoding="utf-8")
    paras = [p.strip() for p in raw.strip().split("\n\n") if p.strip()]
    title, rest = paras[0], paras[2:]  # paras[1] is the date
    body = "\n\n".join(p for p in rest if not p.startswith(("Trends ", "Read more ")))
    body = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", body).replace("*", "")
    return title, body


def corpus_articles() -> list[Article]:
    """FA-KES and BBC articles of seed-like size (empty when the corpora are absent)."""
    out: list[Article] = []
    fakes = CORPORA / "fa-kes" / "fa-kes.jsonl"
    bbc = CORPORA / "bbc" / "bbc.jsonl.gz"
    if fakes.exists():
        with fakes.open(encoding="utf-8") as f:
            out.extend((r["title"], r["body"]) for r in map(json.loads, f))
    if bbc.exists():
        with gzip.open(bbc, "rt", encoding="utf-8") as f:
            out.extend((r["title"], r["body"]) for r in map(json.loads, f))
    return [a for a in out if MIN_BYTES <= len((a[0] + a[1]).encode("utf-8")) <= MAX_BYTES]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (optionally save) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--limit", type=int, default=600, help="articles per run (0 = all)")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    load_lexicon()
    load_s = time.perf_counter() - t0
    ex = default_extractor()

    articles = [seed_article(), *corpus_articles()]
    if args.limit:
        articles = articles[: args.limit]
    n_bytes = sum(len((t + b).encode("utf-8")) for t, b in articles)
    seed_t, seed_b = articles[0]

    rates: list[float] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        for title, body in articles:
            ex.extract(title, body)
        rates.append(len(articles) / (time.perf_counter() - t))
    seed_rates: list[float] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        for _ in range(200):
            ex.extract(seed_t, seed_b)
        seed_rates.append(200 / (time.perf_counter() - t))

    median = statistics.median(rates)
    result = {
        "extractor": ex.name,
        "python": sys.version.split()[0],
        "articles": len(articles),
        "mean_article_bytes": round(n_bytes / len(articles)),
        "runs": args.runs,
        "articles_per_s_median": round(median, 1),
        "articles_per_s_all_runs": [round(r, 1) for r in rates],
        "kb_per_s_median": round(median * n_bytes / len(articles) / 1024, 1),
        "seed_only_articles_per_s_median": round(statistics.median(seed_rates), 1),
        "lexicon_load_s": round(load_s, 3),
    }
    print(f"extractor {ex.name}, Python {result['python']}, one thread")
    print(f"word lists loaded in {load_s * 1000:.0f} ms (once per process)")
    print(
        f"{len(articles)} articles (seed + FA-KES/BBC, {MIN_BYTES}-{MAX_BYTES} bytes), "
        f"mean {result['mean_article_bytes']} bytes"
    )
    print(
        f"median of {args.runs} runs: {median:,.0f} articles/s "
        f"({result['kb_per_s_median']:,.0f} KB/s); runs: " + ", ".join(f"{r:,.0f}" for r in rates)
    )
    print(f"seed article alone: {result['seed_only_articles_per_s_median']:,.0f} articles/s")
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
