"""Write ``benchmarks/results/typesense.md`` from the three Typesense result files.

    python -m benchmarks.typesense_report [--results DIR]

Reads ``typesense.json`` (``typesense_bench.py``: indexing, mode (c), node memory),
``typesense_fault.py``'s ``typesense_fault.json`` (the leader killed under load) and
``typesense_relevance.json`` (Cranfield), and writes one table per topic. Every figure is copied
from those files; nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def latency(mode_c: dict[str, Any] | None) -> str:
    return f"{mode_c['median_ms']} / {mode_c['p95_ms']}" if mode_c else "not run"


def slope(mem: dict[str, Any], a: str, b: str, added: int) -> list[float]:
    """GB per million articles per node between memory readings ``a`` and ``b``."""
    return [
        (y - x) / added * 1e6 / 1024
        for x, y in zip(mem[a]["rss_mb"], mem[b]["rss_mb"], strict=True)
    ]


def ram_per_million(bench: dict[str, Any]) -> list[tuple[list[float], str]]:
    """GB per million articles per node: the slope from the empty cluster to the first load
    (fixed costs of a collection included) and, with two loads, the slope between them (each
    size is a collection of its own, loaded after the one before): the marginal cost."""
    sizes = [row["size"] for row in bench["sizes"] if str(row["size"]) in bench["memory"]]
    mem = bench["memory"]
    out = []
    if sizes:
        out.append(
            (
                slope(mem, "empty", str(sizes[0]), sizes[0]),
                f"from the empty cluster to {sizes[0]:,} real articles (fixed costs included)",
            )
        )
    if len(sizes) >= 2:
        out.append(
            (
                slope(mem, str(sizes[0]), str(sizes[-1]), sizes[-1]),
                f"marginal: between {sizes[0]:,} and {sizes[0] + sizes[-1]:,} articles "
                f"(the added {sizes[-1]:,} are resampled Reuters text: "
                "the vocabulary hardly grows)",
            )
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args()
    bench = load(args.results / "typesense.json")
    fault = load(args.results / "typesense_fault.json")
    relevance = load(args.results / "typesense_relevance.json")
    out = ["# Whoosh and Typesense behind the same searchlib API", ""]
    if bench:
        m = bench["machine"]
        out += [
            f"Machine: {m['cpu']}, {m['cores']} cores shared with other work, Python "
            f"{m['python']}, searchlib {m['versions'].get('searchlib_commit', '?')}; "
            f"{bench.get('cluster', '3 nodes on 127.0.0.1')}. The 3 nodes, the client and "
            "Whoosh share the 2 cores, so absolute figures are pessimistic for a real cluster.",
            "",
            "Command: `python -m benchmarks.typesense_bench --size 18000 --size 100000`. "
            "Indexing is index-only (articles extracted beforehand), a commit every "
            f"{bench['commit_every']:,} articles; on Typesense every write is replicated to 3 "
            "nodes through Raft. Mode (c): the 10 best hits with highlights, facet counts over "
            "all matches (person, org, location, tag) and a month histogram, for the fixed "
            "query set, one warm-up pass then a timed pass. Agreement: per query, the same "
            "total, facet counts and months on both backends.",
            "",
            "| articles | corpus | Whoosh docs/s | Typesense docs/s | Typesense / Whoosh | "
            "Whoosh (c) p50 / p95 ms | Typesense (c) p50 / p95 ms | p50 ratio | same answers |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for row in bench["sizes"]:
            w, t = row.get("whoosh_docs_per_s"), row.get("typesense_docs_per_s")
            wc, tc = row.get("whoosh_mode_c"), row.get("typesense_mode_c")
            out.append(
                f"| {row['articles']:,} | {row['corpus']} | {w if w else 'not run'} | "
                f"{t if t else 'not run'} | {f'{t / w:.2f}' if w and t else '-'} | "
                f"{latency(wc)} | {latency(tc)} | "
                f"{row.get('ratio_p50_typesense_over_whoosh', '-')} | "
                f"{row.get('same_total_facets_months', '-')} |"
            )
        out += ["", "## Memory of each Typesense node (resident, MB)", ""]
        out += ["| after | node 0 | node 1 | node 2 | Typesense's own active bytes (MB) |"]
        out += ["| --- | --- | --- | --- | --- |"]
        loaded = 0
        for key, mem in bench["memory"].items():
            if key == "empty":
                label = "empty cluster"
            else:
                loaded += int(key)
                label = f"+ {int(key):,} articles ({loaded:,} in all)"
            rss = " | ".join(f"{v:.1f}" for v in mem["rss_mb"])
            active = ", ".join(f"{v:.1f}" for v in mem["active_mb"])
            out.append(f"| {label} | {rss} | {active} |")
        for per_node, how in ram_per_million(bench):
            med = statistics.median(per_node)
            out += [
                "",
                f"**RAM per million articles, per node: {med:.1f} GB**, {how} (the 3 nodes: "
                f"{', '.join(f'{v:.2f}' for v in per_node)}); at this rate a 64 GB node holds "
                f"about {64 / med:.1f} million such articles. Every node holds the whole index.",
            ]
    if fault:
        out += [
            "",
            "## The leader killed under load",
            "",
            "Command: `python -m benchmarks.typesense_fault --kills 3 --before 3 --after 3` "
            "(steady searches and write batches of 5 articles on a fresh 3-node cluster; the "
            "leader SIGKILLed, a new leader awaited, the old node restarted, 3 times).",
            "",
            "| kill | killed node | new leader | new leader elected after (s) | "
            "old node back and healthy after (s) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for i, f in enumerate(fault["failovers"], 1):
            out.append(
                f"| {i} | {f['killed']} | {f['new_leader']} | {f['elected_s']} | "
                f"{f['old_node_back_s']} |"
            )
        out += [
            "",
            f"Searches {fault['searches']}, failed {len(fault['search_failures'])}, longest "
            f"{fault['longest_search_s']} s; write batches {fault['writes']}, failed "
            f"{len(fault['write_failures'])}, longest {fault['longest_write_s']} s; "
            f"acknowledged articles {fault['acknowledged_writes']}, lost "
            f"{fault['lost_acknowledged']}; final count {fault['final_count']} "
            f"(expected {fault['expected_count']}); nodes differing: {len(fault['damage'])}.",
        ]
    if relevance:
        out += [
            "",
            "## Relevance on Cranfield",
            "",
            "Command: `python benchmarks/typesense_relevance.py`.",
            "",
            "| collection | match | Whoosh nDCG@10 | Typesense nDCG@10 | Whoosh MAP | "
            "Typesense MAP | Whoosh R@100 | Typesense R@100 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in relevance["collections"]:
            for w, t in zip(c["whoosh"], c["typesense"], strict=True):
                out.append(
                    f"| {c['collection']} ({c['docs']:,} docs) | {w['match']} | "
                    f"{w['ndcg@10']:.3f} | {t['ndcg@10']:.3f} | {w['map']:.3f} | "
                    f"{t['map']:.3f} | {w['recall@100']:.3f} | {t['recall@100']:.3f} |"
                )
    (args.results / "typesense.md").write_text("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
