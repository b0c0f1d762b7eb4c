"""Speed of the analysis (searchlib.analysis) on a big index: significant terms, co-occurrence,
timelines compared, and exports (with their peak memory).

    python -m benchmarks.analysis --index DIR [--runs 21] [--out benchmarks/results/analysis.json]

The index is any searchlib index; the recorded run used the 100,000-article resampled
Reuters-21578 corpus of ``benchmarks/run.py`` (``prepare_corpus(100_000, ...)``), indexed and
optimised into one segment. What is measured, each on the real library path:

* the **selection**: the word among a fixed list whose matches are nearest 10,000 articles;
* **significant terms** (words, people, organisations, places) of that selection against the
  whole archive; the first call (which builds the per-segment word table) is reported apart,
  then the median of ``--runs`` calls; beside it, the obvious way without the table (read every
  matching article and count its words), once, as the peer;
* **co-occurrence** with the same selection as its subject (``kind="query"``), and with the
  entity carried by most articles;
* a **timeline** of one query and of three queries (month buckets): the ratio of medians;
* **export** to a null sink in CSV of every match of two selections of different sizes, each
  in a fresh process that reports its articles per second and its peak RSS (``ru_maxrss``).

The machine has 2 cores shared with other work: medians, and each figure's spread, are quoted.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import searchlib
from searchlib import Index
from searchlib import analysis as an
from searchlib import text as tx

from .common import git_commit, log, percentile

HERE = Path(__file__).resolve().parent
CANDIDATES = (
    "oil", "bank", "trade", "shares", "company", "market", "prices", "year", "government",
    "stock", "dollar", "billion", "profit", "rate", "exchange", "tonnes", "loss",
)  # fmt: skip
TARGET = 10_000


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Milliseconds of ``runs`` calls, and the last result."""
    out: list[float] = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - started) * 1000)
    return out, result


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p10_ms": round(percentile(ms, 10), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "runs": len(ms),
    }


def pick_selection(ix: Index) -> tuple[str, int]:
    """The candidate word whose matches are nearest :data:`TARGET` articles."""
    totals = {w: ix.search(w, limit=1, facets=(), histogram=False).total for w in CANDIDATES}
    word = min(totals, key=lambda w: (abs(totals[w] - TARGET), w))
    return word, totals[word]


def naive_terms(ix: Index, query: str) -> tuple[float, Counter[str]]:
    """The peer: read every matching article and count its distinct words (no word table)."""
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    with an.export(ix, query, sort="index") as stream:
        for article in stream:
            counts.update({tx.fold(w) for w in tx.tokens(f"{article.title}\n{article.body}")})
    return (time.perf_counter() - started) * 1000, counts


class NullSink:
    """Counts what an export writes."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0

    def write(self, text: str) -> None:
        self.chars += len(text)
        self.lines += 1


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def export_worker(index: str, query: str, fmt: str) -> dict[str, Any]:
    """One export in this fresh process: articles/s, resident memory before and after, and the
    peak of the whole process."""
    with Index(index) as ix:
        ix.search("warm", limit=1)
        base_rss = _rss_mb()
        sink = NullSink()
        started = time.perf_counter()
        with an.export(ix, query) as stream:
            for line in an.export_lines(stream, format=fmt):  # type: ignore[arg-type]
                sink.write(line)
            total = stream.total
            after_rss = _rss_mb()
        seconds = time.perf_counter() - started
    return {
        "query": query,
        "format": fmt,
        "articles": total,
        "seconds": round(seconds, 3),
        "articles_per_s": round(total / seconds, 1) if seconds else None,
        "megabytes_written": round(sink.chars / 1e6, 1),
        "rss_before_export_mb": base_rss,
        "rss_after_export_mb": after_rss,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_export(index: str, query: str, fmt: str) -> dict[str, Any]:
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.analysis",
            "--index",
            index,
            "--export-worker",
            query,
            "--format",
            fmt,
        ],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(found.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "analysis.json")
    parser.add_argument("--export-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    args = parser.parse_args(argv)
    if args.export_worker is not None:
        print(json.dumps(export_worker(args.index, args.export_worker, args.format)))
        return 0

    commit, dirty = git_commit(Path(searchlib.__file__).parent)
    report: dict[str, Any] = {"commit": commit, "dirty": dirty, "index": args.index}
    with Index(args.index) as ix:
        report["articles"] = ix.count()
        report["segments"] = ix.stats().backend.get("segments")
        word, total = pick_selection(ix)
        report["selection"] = {"query": word, "matches": total}
        log(f"selection {word!r}: {total:,} matches of {report['articles']:,}")

        cold, _ = timed(lambda: an.significant_terms(ix, word), 1)
        ms, result = timed(lambda: an.significant_terms(ix, word), args.runs)
        report["significant_terms"] = {
            "first_call_ms": round(cold[0], 1),
            **summary(ms),
            "top_words": [t.term for t in result.terms["word"][:10]],
            "top_people": [t.term for t in result.terms["person"][:5]],
        }
        log(f"significant terms: first {cold[0]:.0f} ms, median {statistics.median(ms):.1f} ms")
        peer_ms, peer_counts = naive_terms(ix, word)
        agree = all(peer_counts[tx.fold(t.term)] == t.foreground for t in result.terms["word"])
        report["significant_terms"]["peer_counts_agree"] = agree
        report["significant_terms"]["peer_read_and_count_ms"] = round(peer_ms, 1)
        report["significant_terms"]["peer_ratio"] = round(peer_ms / statistics.median(ms), 1)
        log(f"peer (read every match, count words): {peer_ms:.0f} ms")

        ms, co = timed(lambda: an.cooccurrence(ix, word, kind="query"), args.runs)
        report["cooccurrence_query"] = {
            **summary(ms),
            "matches": co.total,
            "top": [t.term for t in co.entities[:5]],
        }
        log(f"co-occurrence of {word!r}: median {statistics.median(ms):.1f} ms")
        people = ix.search("", limit=1, facets=("person",), facet_limit=1).facets["person"]
        if people:
            name = people[0].value
            ms, co = timed(lambda: an.cooccurrence(ix, name), args.runs)
            report["cooccurrence_entity"] = {
                **summary(ms),
                "subject": name,
                "matches": co.total,
            }
            log(f"co-occurrence of {name!r} ({co.total:,}): {statistics.median(ms):.1f} ms")
        ms_links, co = timed(lambda: an.cooccurrence(ix, word, kind="query", links=16), 5)
        report["cooccurrence_network_16"] = summary(ms_links)

        queries = ["oil", "gold", "coffee"]
        one, _ = timed(lambda: an.timeline(ix, queries[:1], interval="month"), args.runs)
        three, tl = timed(lambda: an.timeline(ix, queries, interval="month"), args.runs)
        report["timeline"] = {
            "one_query": summary(one),
            "three_queries": summary(three),
            "ratio_three_to_one": round(statistics.median(three) / statistics.median(one), 2),
            "buckets": len(tl.buckets),
            "matches": [s.total for s in tl.series],
        }
        log(f"timeline: 1 query {statistics.median(one):.1f} ms, 3 {statistics.median(three):.1f}")

    exports = []
    for query in (word, ""):
        for fmt in ("csv",) if query else ("csv", "jsonl"):
            found = run_export(args.index, query, fmt)
            exports.append(found)
            log(
                f"export {query!r} {fmt}: {found['articles']:,} at {found['articles_per_s']:,}/s, "
                f"peak RSS {found['peak_rss_mb']} MB"
            )
    report["export"] = exports
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    return 0


def markdown(r: dict[str, Any]) -> str:
    st, tl = r["significant_terms"], r["timeline"]
    lines = [
        "# Analysis benchmark",
        "",
        f"`python -m benchmarks.analysis --index DIR` at commit {r['commit']}"
        f"{' (with uncommitted changes)' if r['dirty'] else ''}: {r['articles']:,} articles "
        f"({r['segments']} segment(s)); 2 shared cores, medians of each figure's runs "
        "(p10 to p90 in brackets).",
        "",
        f"Selection: `{r['selection']['query']}`, {r['selection']['matches']:,} matches.",
        "",
        "| measure | median | spread | target |",
        "| --- | ---: | --- | --- |",
        f"| significant terms (words, people, orgs, places) | {st['median_ms']} ms | "
        f"{st['p10_ms']}–{st['p90_ms']} ms | ≤ 100 ms |",
        f"| ... first call (builds the word table) | {st['first_call_ms']} ms | once | |",
        f"| ... peer: read every match and count its words | {st['peer_read_and_count_ms']} ms "
        f"| once | {st['peer_ratio']}× slower (same counts: {st['peer_counts_agree']}) |",
    ]
    co = r["cooccurrence_query"]
    lines.append(
        f"| co-occurrence, query subject ({co['matches']:,} matches) | {co['median_ms']} ms | "
        f"{co['p10_ms']}–{co['p90_ms']} ms | ≤ 100 ms |"
    )
    if "cooccurrence_entity" in r:
        ce = r["cooccurrence_entity"]
        lines.append(
            f"| co-occurrence of {ce['subject']} ({ce['matches']:,} articles) | "
            f"{ce['median_ms']} ms | {ce['p10_ms']}–{ce['p90_ms']} ms | |"
        )
    cn = r["cooccurrence_network_16"]
    lines.append(
        f"| co-occurrence with the links of 16 entities (the page's network) | "
        f"{cn['median_ms']} ms | {cn['p10_ms']}–{cn['p90_ms']} ms | |"
    )
    lines += [
        f"| timeline, one query (month) | {tl['one_query']['median_ms']} ms | "
        f"{tl['one_query']['p10_ms']}–{tl['one_query']['p90_ms']} ms | |",
        f"| timeline, three queries | {tl['three_queries']['median_ms']} ms | "
        f"{tl['three_queries']['p10_ms']}–{tl['three_queries']['p90_ms']} ms | "
        f"{tl['ratio_three_to_one']}× one (≤ 3×) |",
        "",
        "Exports (each in a fresh process, to a null sink):",
        "",
        "| query | format | articles | articles/s | MB written | RSS before | RSS at the end "
        "| peak RSS of the process |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in r["export"]:
        lines.append(
            f"| `{e['query'] or '*'}` | {e['format']} | {e['articles']:,} | "
            f"{e['articles_per_s']:,} | {e['megabytes_written']} | {e['rss_before_export_mb']} MB "
            f"| {e['rss_after_export_mb']} MB | {e['peak_rss_mb']} MB |"
        )
    lines += [
        "",
        f"Top words of `{r['selection']['query']}`: {', '.join(st['top_words'])}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
