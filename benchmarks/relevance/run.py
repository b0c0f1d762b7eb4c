"""Relevance evaluation: searchlib against plain Whoosh, SQLite FTS5 and a reference BM25.

Usage::

    python benchmarks/relevance/run.py [--collection DIR] [--out FILE.json] [--depth N]
                                       [--tune] [--quick-tune] [--workdir DIR] [--quiet]
    python benchmarks/relevance/run.py --render FILE.json     # rewrite FILE.md only

Runs an IR test collection (``docs.jsonl``, ``queries.jsonl``, ``qrels.trec``; default
``../shared/corpora/cranfield`` beside the repository) through searchlib and the baselines,
and reports nDCG@10, MAP and recall@100 (trec_eval conventions) on all queries and on the odd
and even halves, how many queries found nothing, a check of searchlib's scores against the
reference BM25F, and the effect of stemming and stop words (with the reference). ``--tune``
searches searchlib's ranking knobs (``Ranking(k1, b, title_weight, proximity)`` and
``match=``) on one half of the queries and reports the other. Writes ``FILE.json`` and
``FILE.md`` (default ``benchmarks/relevance/results/<collection>.json``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_COLLECTION = ROOT.parent / "shared" / "corpora" / "cranfield"
sys.path.insert(0, str(HERE))

from releval import bm25, metrics, report, scorecheck, systems, tuning  # noqa: E402
from releval.collection import Collection, load, sanitise  # noqa: E402


@dataclass
class Row:
    """One system's results."""

    name: str
    kind: str  # "searchlib", "tuned", "baseline" or "reference"
    description: str
    per_query: metrics.PerQuery
    zero_results: int
    errors: int = 0
    relaxed: int | None = None
    seconds: float = 0.0
    index_seconds: float | None = None
    trec_eval: dict[str, Any] | None = None
    note: str = ""
    figures: dict[str, dict[str, float]] = field(default_factory=dict)


def run_system(
    system: systems.System, collection: Collection, depth: int
) -> tuple[dict[str, list[str]], int, int, float]:
    """(run, queries with no hits, queries refused, seconds) over the evaluated queries."""
    run: dict[str, list[str]] = {}
    zero = errors = 0
    started = time.perf_counter()
    for q in collection.judged_queries():
        result = system.search(q.text, depth)
        run[q.qid] = result.ids
        zero += not result.ids
        errors += result.error is not None
    return run, zero, errors, time.perf_counter() - started


def measure(
    system: systems.System,
    collection: Collection,
    depth: int,
    kind: str,
    index_seconds: float | None = None,
    note: str = "",
) -> Row:
    """Run and evaluate one system."""
    run, zero, errors, seconds = run_system(system, collection, depth)
    per_query = metrics.evaluate(run, collection.qrels)
    relaxed = getattr(system, "relaxed", None)
    return Row(
        name=system.name,
        kind=kind,
        description=system.description,
        per_query=per_query,
        zero_results=zero,
        errors=errors,
        relaxed=relaxed,
        seconds=round(seconds, 3),
        index_seconds=None if index_seconds is None else round(index_seconds, 3),
        trec_eval=metrics.trec_eval_check(run, collection.qrels, per_query),
        note=note,
    )


def ablation(
    collection: Collection, depth: int, searchlib_like: bm25.BM25Params, mode: bm25.Mode
) -> list[dict[str, Any]]:
    """Stemming on/off x stop list (none, Whoosh's 34 words, NLTK's 153), with the reference:
    plain Okapi BM25 (k1=0.9, b=0.4, OR) and searchlib's own ranking (``searchlib_like``)."""
    halves = tuning.split(collection)
    rows = []
    models: tuple[tuple[str, bm25.BM25Params, bm25.Mode], ...] = (
        ("okapi", bm25.BM25Params(), "or"),
        ("searchlib-equivalent", searchlib_like, mode),
    )
    stop_lists: tuple[bm25.StopList, ...] = ("whoosh", "english", "none")
    for model_name, base, model_mode in models:
        for stem in (True, False):
            for stops in stop_lists:
                analysis = bm25.Analysis(stem=stem, stopwords=stops, min_length=2)
                params = bm25.BM25Params(
                    k1=base.k1,
                    b=base.b,
                    idf=base.idf,
                    fields=base.fields,
                    quantize=base.quantize,
                    analysis=analysis,
                )
                name = f"{model_name} {analysis.label()}"
                system = systems.ReferenceSystem(collection, params, name, model_mode)
                run, zero, _, _ = run_system(system, collection, depth)
                per_query = metrics.evaluate(run, collection.qrels)
                rows.append(
                    {
                        "model": model_name,
                        "stemming": stem,
                        "stopwords": stops,
                        "params": params.label().replace(" " + analysis.label(), ""),
                        "mode": model_mode,
                        "zero_results": zero,
                        **{h: metrics.mean(per_query, q) for h, q in halves.items()},
                    }
                )
    return rows


def coordination_study(
    collection: Collection, depth: int, settings: Sequence[tuple[str, bm25.BM25Params]]
) -> list[dict[str, Any]]:
    """What coordination costs: searchlib's ranking reproduced by the reference, with the
    score multiplied by ``(share of query words matched) ** p``: p=1 is the classic
    coordination factor, p=0.25 searchlib's default, p=0 plain OR (no coordination); plus
    ``all`` (AND, relaxed: words matched first). Question words are not left out here."""
    halves = tuning.split(collection)
    rows = []
    for label, params in settings:
        model = bm25.ReferenceBM25(collection.docs, params)
        variants: tuple[tuple[str, bm25.Mode, float], ...] = (
            ("all (AND, relaxed)", "all", 1.0),
            ("any, p=1 (classic coordination)", "any", 1.0),
            ("any, p=0.5", "any", 0.5),
            ("any, p=0.25 (searchlib's default power)", "any", 0.25),
            ("or, p=0 (no coordination)", "any", 0.0),
        )
        for name, mode, power in variants:
            run = {
                q.qid: model.rank(
                    sanitise(q.text), depth=depth, mode=mode, coordination=power
                ).ids
                for q in collection.judged_queries()
            }
            per_query = metrics.evaluate(run, collection.qrels)
            rows.append(
                {
                    "setting": label,
                    "params": params.label(),
                    "ranking": name,
                    **{h: metrics.mean(per_query, q) for h, q in halves.items()},
                }
            )
    return rows


def _grid(quick: bool) -> tuning.Grid:
    if quick:
        return tuning.Grid(
            k1=(0.9, 1.2), b=(0.4, 0.75), title_weight=(1.0, 2.0), proximity=(0.5,)
        )
    return tuning.Grid()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--collection", type=Path, default=DEFAULT_COLLECTION)
    ap.add_argument("--out", type=Path, default=None, help="FILE.json (FILE.md is written too)")
    ap.add_argument("--depth", type=int, default=100, help="results per query (default 100)")
    ap.add_argument("--tune", action="store_true", help="search searchlib's ranking knobs")
    ap.add_argument("--quick-tune", action="store_true", help="--tune on a 16-point grid")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--render", type=Path, metavar="FILE.json",
                    help="only rewrite FILE.md from an earlier run's FILE.json")
    args = ap.parse_args(argv)
    if args.render:
        args.render.with_suffix(".md").write_text(
            report.markdown(json.loads(args.render.read_text()))
        )
        return 0

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    collection = load(args.collection)
    out = args.out or HERE / "results" / f"{collection.name}.json"
    started = time.perf_counter()
    knobs = systems.searchlib_knobs()
    halves = tuning.split(collection)
    say(
        f"{collection.name}: {len(collection.docs)} documents, "
        f"{len(collection.judged_queries())} judged queries; searchlib knobs: {knobs}"
    )
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sl_path = work / "searchlib"
        if sl_path.exists() and any(sl_path.iterdir()):
            raise SystemExit(f"{sl_path} is not empty; use an empty --workdir")
        sl_seconds = systems.build_searchlib(collection.docs, sl_path)
        wh_seconds = systems.build_whoosh(collection.docs, work / "whoosh")
        say(f"indexed: searchlib {sl_seconds:.1f}s, whoosh {wh_seconds:.1f}s")

        rows: list[Row] = []

        def add(system: Any, kind: str, index_seconds: float | None, note: str = "") -> None:
            try:
                row = measure(system, collection, args.depth, kind, index_seconds, note)
            finally:
                system.close()
            rows.append(row)
            fig = metrics.mean(row.per_query)
            say(
                f"  {row.name}: nDCG@10 {fig['ndcg@10']:.4f}  MAP {fig['map']:.4f}  "
                f"R@100 {fig['recall@100']:.4f}  zero-hit queries {row.zero_results}"
            )

        add(
            systems.SearchlibSystem(sl_path, "searchlib"),
            "searchlib",
            sl_seconds,
            "searchlib's defaults: "
            + ", ".join(f"{k}={v}" for k, v in scorecheck.searchlib_defaults().items())
            + (" (AND, relaxed to partial matches when nothing has every word)"
               if scorecheck.searchlib_defaults()["match"] == "all" else ""),
        )
        if knobs["match"]:
            add(
                systems.SearchlibSystem(
                    sl_path, "searchlib match=any", systems.SearchlibConfig(match="any")
                ),
                "searchlib",
                sl_seconds,
                "defaults with match='any' (OR with coordination)",
            )
        stops = bm25.ENGLISH_STOP_WORDS
        add(
            systems.SearchlibSystem(sl_path, "searchlib -stop words", drop_words=stops),
            "searchlib",
            sl_seconds,
            "defaults, NLTK's English stop words dropped from the question first (user side)",
        )
        if knobs["match"]:
            add(
                systems.SearchlibSystem(
                    sl_path,
                    "searchlib match=any -stop words",
                    systems.SearchlibConfig(match="any"),
                    drop_words=stops,
                ),
                "searchlib",
                sl_seconds,
                "match='any', NLTK's English stop words dropped from the question first",
            )
        for group in ("and", "or"):
            add(systems.WhooshSystem(work / "whoosh", group), "baseline", wh_seconds)
        fts = systems.SqliteSystem(collection.docs)
        add(fts, "baseline", fts.index_seconds)
        okapi = systems.ReferenceSystem(collection, bm25.BM25Params(), "reference-okapi")
        add(okapi, "baseline", okapi.index_seconds, "the harness's own BM25 (k1=0.9, b=0.4)")

        tuned: dict[str, Any] | None = None
        if args.tune or args.quick_tune:
            if not (knobs["ranking"] and knobs["match"]):
                raise SystemExit("--tune needs searchlib.Ranking and search(match=...)")
            say("tuning (stage 1: k1 x b x title_weight x match; stage 2: proximity)")
            tuned = tuning.tune(
                collection,
                sl_path,
                grid=_grid(args.quick_tune),
                depth=args.depth,
                progress=say,
            )
            say("coordination what-if (reference)")
            tuned["coordination_whatif"] = (
                tuning.coordination_whatif(
                    collection, depth=args.depth, k1=(1.2, 2.0), b=(0.75,), title_weight=(1.0,)
                )
                if args.quick_tune
                else tuning.coordination_whatif(collection, depth=args.depth)
            )
            per_query_of = tuned.pop("_per_query")
            for key, blurb in (
                ("tuned_on_odd", "chosen on odd qids: its even-half figures are held out"),
                ("tuned_on_even", "chosen on even qids: its odd-half figures are held out"),
                ("tuned_on_all", "chosen on all queries (optimistic)"),
                ("steadiest", "the best worse half: max of min(odd, even) nDCG@10"),
            ):
                choice = tuned["choices"][key]
                config = systems.SearchlibConfig(**choice["config"])
                name = "searchlib steadiest" if key == "steadiest" else (
                    f"searchlib {key.replace('_', ' ')}"
                )
                rows.append(
                    Row(
                        name=name,
                        kind="tuned",
                        description=f"searchlib ({config.label()})",
                        per_query=per_query_of[config.label()],
                        zero_results=choice["zero_results"],
                        note=f"{config.label()}; {blurb}",
                    )
                )

        say("score check")
        checks = [
            scorecheck.check(collection, sl_path, depth=args.depth, quantize=True),
            scorecheck.check(collection, sl_path, depth=args.depth, quantize=False),
        ]
        if knobs["ranking"] and knobs["match"]:
            other = systems.SearchlibConfig(k1=0.9, b=0.4, title_weight=1.5, match="any")
            checks.append(scorecheck.check(collection, sl_path, config=other, depth=args.depth))

        if tuned is not None:
            chosen = systems.SearchlibConfig(**tuned["choices"]["tuned_on_odd"]["config"])
        else:
            chosen = systems.SearchlibConfig(match="any" if knobs["match"] else None)
        defaults = scorecheck.searchlib_defaults()
        like = bm25.whoosh_bm25f(
            k1=chosen.k1 if chosen.k1 is not None else defaults["k1"],
            b=chosen.b if chosen.b is not None else defaults["b"],
            title_weight=(
                chosen.title_weight if chosen.title_weight is not None
                else defaults["title_weight"]
            ),
        )
        say("stemming and stop words (reference)")
        mode: bm25.Mode = "any" if chosen.match == "any" else "all"
        ablation_rows = ablation(collection, args.depth, like, mode)
        say("coordination (reference)")
        settings = [("searchlib defaults", bm25.whoosh_bm25f(k1=defaults["k1"], b=defaults["b"]))]
        if like != settings[0][1]:
            settings.append((f"chosen: {chosen.label()}", like))
        coordination_rows = coordination_study(collection, args.depth, settings)

    for row in rows:
        row.figures = {h: metrics.mean(row.per_query, q) for h, q in halves.items()}
    baselines = [r for r in rows if r.kind == "baseline"]
    best_baseline = max(baselines, key=lambda r: r.figures["all"]["ndcg@10"])
    whoosh_rows = [r for r in baselines if r.name.startswith("whoosh")]
    whoosh_best = max(whoosh_rows, key=lambda r: r.figures["all"]["ndcg@10"])
    significance = []
    for row in rows:
        if row.kind in ("searchlib", "tuned"):
            for half in ("all", "odd", "even"):
                qids = halves[half]
                a = [row.per_query[q]["ndcg@10"] for q in qids]
                b = [best_baseline.per_query[q]["ndcg@10"] for q in qids]
                significance.append(
                    {
                        "system": row.name,
                        "versus": best_baseline.name,
                        "half": half,
                        "ndcg@10_diff": sum(a) / len(a) - sum(b) / len(b) if a else 0.0,
                        "p_value": metrics.paired_randomization(a, b),
                    }
                )

    data: dict[str, Any] = {
        "command": "python benchmarks/relevance/run.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "collection": {
            "name": collection.name,
            "path": str(collection.path),
            "documents": len(collection.docs),
            "skipped_empty_documents": list(collection.skipped_docs),
            "queries": len(collection.queries),
            "judged_queries": len(collection.judged_queries()),
            "judgments": sum(len(j) for j in collection.qrels.values()),
            "halves": {h: len(q) for h, q in halves.items()},
        },
        "depth": args.depth,
        "measures": list(metrics.MEASURES),
        "searchlib_knobs": knobs,
        "searchlib_defaults": scorecheck.searchlib_defaults(),
        "systems": [
            {
                **{k: v for k, v in asdict(r).items() if k != "per_query"},
                "per_query_ndcg@10": {q: m["ndcg@10"] for q, m in r.per_query.items()},
            }
            for r in rows
        ],
        "best_baseline": best_baseline.name,
        "whoosh_baseline": whoosh_best.name,
        "significance": significance,
        "score_check": checks,
        "analysis_ablation": ablation_rows,
        "coordination_study": coordination_rows,
        "tuning": tuned,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "seconds": round(time.perf_counter() - started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n")
    md = out.with_suffix(".md")
    md.write_text(report.markdown(data))
    say(f"wrote {out} and {md} ({data['seconds']}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
