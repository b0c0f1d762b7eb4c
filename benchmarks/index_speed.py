"""Index-only speed, one process: searchlib's batched writer, Whoosh's writer and plain Whoosh.

    python -m benchmarks.index_speed [--sizes 17999 100000] [--repeats 3] [--out FILE.json]
                                     [--engines NAME ...] [--profile] [--variants]

Every run indexes the same articles (Reuters-21578 read by searchlib's reader, entities from
its default extractor, both done before the clock) into a fresh index, in a fresh subprocess,
with one writer and one commit, and reports documents per second over the whole run (commit
included), the process's peak RSS and the index's size on disk. A size other than the corpus's
is prepared as ``benchmarks/run.py`` prepares it (the first N articles, or the articles
repeated with new ids and dates). Engines:

* ``batch-docs``: searchlib's documents (``documents.to_document``, built before the clock),
  added with :class:`~searchlib.backends.whoosh.segwriter.BatchWriter`: the writer alone;
* ``whoosh-docs``: the same documents, added with Whoosh's own ``SegmentWriter``;
* ``batch-searchlib``: ``Index.writer().add(article)``, searchlib's write path as it is
  (content hash, the stored-hash check, ``to_document``, the batched writer, a durable commit);
* ``batch-searchlib-nosync``: the same with ``durable=False`` (the cost of flushing to disk);
* ``whoosh-searchlib``: ``Index.writer(batched=False, durable=False)``: searchlib's write path
  on Whoosh's own writer (what searchlib did before the batched writer);
* ``commits-durable`` / ``commits-nosync``: ``Index.add`` of 20 articles at a time, one commit
  each (Whoosh's merge policy on), durable or not: the cost of durability where commits are
  small and frequent;
* ``plain-whoosh``: ``benchmarks/peers/whoosh_peer.py``'s build: plain Whoosh on its lean
  schema (``run.py``'s plain Whoosh index-only run).

``--variants`` adds ``batch-docs`` runs on slimmed copies of searchlib's schema (defined here,
not in the library): ``no-date-postings`` (``date`` stored only, no ``DATETIME`` terms),
``no-name-positions`` (entity, tag and source name fields without positions),
``date-sort-column`` (``date_sort`` a column without terms) and ``slim`` (all three).
``--profile`` profiles one ``batch-docs`` and one ``batch-searchlib`` run at the largest size.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pickle
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import REUTERS, log, rss_mb, searchlib_source
from .run import extract_corpus, machine_info, prepare_corpus

ENGINES = (
    "batch-docs",
    "whoosh-docs",
    "batch-searchlib",
    "batch-searchlib-nosync",
    "whoosh-searchlib",
    "commits-durable",
    "commits-nosync",
    "plain-whoosh",
)
COMMIT_SIZE = 20
COMMIT_ARTICLES = 2000
VARIANTS = ("no-date-postings", "no-name-positions", "date-sort-column", "slim")
BASELINE = "plain-whoosh"


# -- schemas -------------------------------------------------------------------------------------


def variant_schema(variant: str) -> Any:
    """searchlib's schema, slimmed as ``variant`` says."""
    from whoosh import columns, fields

    from searchlib.backends.whoosh import schema as sf

    schema = sf.build_schema()
    if variant in ("no-date-postings", "slim"):
        schema.remove(sf.DATE)
        schema.add(sf.DATE, fields.STORED())
    if variant in ("no-name-positions", "slim"):
        for text_field, _ in sf.FACET_FIELDS.values():
            schema.remove(text_field)
            schema.add(text_field, fields.TEXT(analyzer=sf.plain_analyzer(), phrase=False))
    if variant in ("date-sort-column", "slim"):
        schema.remove(sf.DATE_SORT)
        schema.add(sf.DATE_SORT, fields.COLUMN(columns.NumericColumn("I", default=0)))
    return schema


def _create(path: Path, variant: str | None) -> Any:
    """A fresh searchlib index (or, for a variant, a Whoosh index with the variant schema)."""
    from whoosh.filedb.filestore import FileStorage

    from searchlib import Index
    from searchlib.backends.whoosh.store import INDEX_NAME

    if variant is None:
        Index(path, create=True).close()
        return FileStorage(str(path)).open_index(INDEX_NAME)
    path.mkdir(parents=True)
    return FileStorage(str(path)).create_index(variant_schema(variant), indexname=INDEX_NAME)


# -- one run, in a fresh process -----------------------------------------------------------------


def _documents(articles: list[Any], variant: str | None) -> list[dict[str, Any]]:
    from searchlib.backends.whoosh.documents import to_document
    from searchlib.pipeline import content_hash

    docs = [to_document(a, content_hash(a)) for a in articles]
    if variant in ("date-sort-column", "slim"):
        for d in docs:  # the column keeps the day number; 0 (the default) for undated
            d.setdefault("date_sort", 0)
    return docs


def _build(
    engine: str, articles: list[Any], path: Path, variant: str | None
) -> tuple[int, float, float]:
    """Index ``articles`` with ``engine``; returns (documents, seconds, CPU seconds) on the
    clock."""
    from whoosh.writing import SegmentWriter

    from searchlib import Index
    from searchlib.backends.whoosh.segwriter import BatchWriter

    if engine == BASELINE:
        from .peers.whoosh_peer import WhooshPeer

        started, cpu = time.perf_counter(), time.process_time()
        n = WhooshPeer().build(path, articles, 1)
        return n, time.perf_counter() - started, time.process_time() - cpu
    if engine.endswith("-docs"):
        docs = _documents(articles, variant)
        ix = _create(path, variant)
        started, cpu = time.perf_counter(), time.process_time()
        w = BatchWriter(ix) if engine == "batch-docs" else SegmentWriter(ix)
        for d in docs:
            w.add_document(**d)
        w.commit()
        return len(docs), time.perf_counter() - started, time.process_time() - cpu
    if engine.startswith("commits-"):
        few = articles[:COMMIT_ARTICLES]
        started, cpu = time.perf_counter(), time.process_time()
        with Index(path, create=True) as index:
            durable = engine == "commits-durable"
            for i in range(0, len(few), COMMIT_SIZE):
                with index.writer(durable=durable) as batch:
                    for a in few[i : i + COMMIT_SIZE]:
                        batch.add(a)
        return len(few), time.perf_counter() - started, time.process_time() - cpu
    options: dict[str, Any] = {
        "batch-searchlib": {},
        "batch-searchlib-nosync": {"durable": False},
        "whoosh-searchlib": {"batched": False, "durable": False},
    }[engine]
    started, cpu = time.perf_counter(), time.process_time()
    with Index(path, create=True) as index, index.writer(**options) as writer:
        for a in articles:
            writer.add(a)
    return len(articles), time.perf_counter() - started, time.process_time() - cpu


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one indexing job in this (fresh) process and measure it."""
    from .peers import dir_size

    with open(spec["articles"], "rb") as f:
        articles = pickle.load(f)
    path = Path(spec["path"])
    profile = cProfile.Profile() if spec.get("profile") else None
    if profile is not None:
        profile.enable()
    docs, seconds, cpu = _build(spec["engine"], articles, path, spec.get("variant"))
    out: dict[str, Any] = {
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "docs_per_cpu_s": round(docs / cpu, 1),
        "peak_rss_mb": rss_mb("VmHWM"),
        "index_mb": round(dir_size(path) / 2**20, 1),
    }
    if profile is not None:
        profile.disable()
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        out["profile"] = text.getvalue()
    shutil.rmtree(path, ignore_errors=True)
    return out


def run_one(engine: str, articles_pickle: Path, workdir: Path, **extra: Any) -> dict[str, Any]:
    spec = {"engine": engine, "articles": str(articles_pickle), "path": str(workdir / "ix")}
    spec.update(extra)
    shutil.rmtree(workdir / "ix", ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.index_speed", "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- the report ----------------------------------------------------------------------------------


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rates = [r["docs_per_s"] for r in runs]
    return {
        "docs": runs[0]["docs"],
        "runs": len(runs),
        "docs_per_s_median": round(statistics.median(rates), 1),
        "docs_per_cpu_s_median": round(statistics.median(r["docs_per_cpu_s"] for r in runs), 1),
        "docs_per_s_min": min(rates),
        "docs_per_s_max": max(rates),
        "seconds_median": round(statistics.median(r["seconds"] for r in runs), 2),
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
        "index_mb": runs[0]["index_mb"],
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Index-only speed, one process",
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, Python "
        f"{report['machine']['python']}, whoosh3 {report['machine']['versions']['whoosh3']}; "
        f"searchlib {report['machine']['versions']['searchlib_source']['commit']}. "
        f"Command: `{report['command']}`.",
        "",
        "Documents per second over the whole run (one writer, one commit, into a fresh index), "
        "the median of the runs (min-max), with the ratio of medians to plain Whoosh's in the "
        "same run; then documents per CPU second of the process (median), which other "
        "programs on a shared machine disturb less.",
        "",
        "| size | engine | docs/s median (min-max) | × plain Whoosh | × Whoosh's writer, same "
        "documents | docs/CPU-s | × plain Whoosh (CPU) | seconds | peak RSS MB | index MB |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in report["sizes"]:
        rows = size["engines"]
        base = rows.get(BASELINE, {}).get("docs_per_s_median")
        base_cpu = rows.get(BASELINE, {}).get("docs_per_cpu_s_median")
        for name, r in rows.items():
            peer = "whoosh-docs" if name.startswith("batch-docs") else "whoosh-searchlib"
            peer_rate = rows.get(peer, {}).get("docs_per_s_median")
            ratio = f"{r['docs_per_s_median'] / base:.2f}" if base else "-"
            same = (
                f"{r['docs_per_s_median'] / peer_rate:.2f}"
                if peer_rate and name.startswith("batch")
                else "-"
            )
            cpu = r["docs_per_cpu_s_median"]
            cpu_ratio = f"{cpu / base_cpu:.2f}" if base_cpu else "-"
            lines.append(
                f"| {size['size']:,} ({size['label']}) | {name} | "
                f"{r['docs_per_s_median']:,.0f} ({r['docs_per_s_min']:,.0f}-"
                f"{r['docs_per_s_max']:,.0f}) | {ratio} | {same} | {cpu:,.0f} | {cpu_ratio} | "
                f"{r['seconds_median']:.1f} | {r['peak_rss_mb_max']:.0f} | {r['index_mb']:.1f} |"
            )
    for size in report["sizes"]:
        for name, text in size.get("profiles", {}).items():
            lines += ["", f"## Profile: {name}, {size['size']:,} articles", "", "```", text, "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[17999])
    parser.add_argument("--repeats", type=int, nargs="+", default=[3], help="per size")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="FILE.json (and FILE.md)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    repeats = args.repeats + [args.repeats[-1]] * (len(args.sizes) - len(args.repeats))
    report: dict[str, Any] = {
        "command": " ".join(["python -m benchmarks.index_speed", *sys.argv[1:]]),
        "machine": machine_info(searchlib_source()),
        "sizes": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size, reps in zip(args.sizes, repeats, strict=True):
            corpus = prepare_corpus(size, args.corpus, work)
            log(f"size {size:,}: reading and extracting ({corpus.label})")
            extract_corpus(corpus, work)
            assert corpus.articles_pickle is not None
            jobs = [(name, None) for name in args.engines]
            if args.variants:
                jobs += [("batch-docs", v) for v in VARIANTS]
            results: dict[str, list[dict[str, Any]]] = {}
            for rep in range(reps):  # the engines take turns, so drift in load hits all alike
                for name, variant in jobs:
                    label = f"{name}:{variant}" if variant else name
                    log(f"size {size:,}: {label}, run {rep + 1}/{reps}")
                    r = run_one(name, corpus.articles_pickle, work, variant=variant)
                    log(
                        f"  {r['docs_per_s']:,.0f} docs/s ({r['docs_per_cpu_s']:,.0f} per CPU-s),"
                        f" {r['seconds']:.1f}s, peak RSS {r['peak_rss_mb']:.0f} MB"
                    )
                    results.setdefault(label, []).append(r)
            entry: dict[str, Any] = {
                "size": size,
                "label": corpus.label,
                "description": corpus.description,
                "articles": corpus.articles,
                "engines": {k: summarise(v) for k, v in results.items()},
                "runs": results,
            }
            if args.profile and size == max(args.sizes):
                entry["profiles"] = {}
                for name in ("batch-docs", "batch-searchlib"):
                    log(f"size {size:,}: profiling {name}")
                    r = run_one(name, corpus.articles_pickle, work, profile=True)
                    entry["profiles"][name] = r["profile"]
            report["sizes"].append(entry)
    text = markdown(report)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")
        args.out.with_suffix(".md").write_text(text)


if __name__ == "__main__":
    main()
