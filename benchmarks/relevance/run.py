"""Relevance evaluation of searchlib, the baselines and the ranking model of issue 14.

Usage::

    python benchmarks/relevance/run.py                         # Cranfield and CISI + the study
    python benchmarks/relevance/run.py --collection DIR [--collection DIR ...]
        [--out-dir DIR] [--depth N] [--tune] [--quick] [--no-study] [--workdir DIR] [--quiet]
    python benchmarks/relevance/run.py --render FILE.json      # rewrite FILE.md only

For each collection (``docs.jsonl``, ``queries.jsonl``, ``qrels.trec``, or SMART raw files;
default ``../shared/corpora/cranfield`` and ``../shared/corpora/cisi`` beside the repository):
searchlib (defaults and ``match="any"``), plain Whoosh (AND, OR), SQLite FTS5, the reference
Okapi BM25 and BM25+RM3, and the chosen model (``releval/model.py``) in its three match
modes; nDCG@10, MAP and recall@100 (trec_eval's conventions, cross-checked with
pytrec_eval) on all queries and on the odd and even halves; paired randomisation tests against
the best baseline and against searchlib today; the score check of searchlib against the
reference BM25F; the parity of the laboratory scorer with searchlib and with the model; the
effect of stemming and stop words. Then, on all the collections together, the study
(``releval/study.py``): the causes of issue 14 one by one, the chosen model built step by step,
its ablation, the query modes, and the tuning on half the queries. Writes
``COLLECTION.json``/``.md`` per collection and ``summary.json``/``.md`` into ``--out-dir``
(default ``benchmarks/relevance/results``). ``--tune`` also tunes searchlib's own knobs.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
DEFAULT_COLLECTIONS = (CORPORA / "cranfield", CORPORA / "cisi")
sys.path.insert(0, str(HERE))

from releval import bm25, lab, metrics, report, scorecheck, study, systems, tuning  # noqa: E402
from releval.collection import Collection, load, sanitise  # noqa: E402
from releval.model import Model, ReferenceIndex  # noqa: E402


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


def _grid(quick: bool) -> tuning.Grid:
    if quick:
        return tuning.Grid(
            k1=(0.9, 1.2), b=(0.4, 0.75), title_weight=(1.0, 2.0), proximity=(0.5,)
        )
    return tuning.Grid()



def parity(collection: Collection, sl_path: Path, depth: int) -> dict[str, Any]:
    """The laboratory against searchlib today and against the chosen model's reference.

    * ``lab_vs_searchlib``: the laboratory's settings ``CURRENT_DEFAULT`` and ``CURRENT_ANY``
      give searchlib's own rankings (so the causes measured on the laboratory are changes of
      searchlib's real ranking);
    * ``lab_vs_model``: the laboratory's chosen settings give :mod:`releval.model`'s rankings
      and scores in each match mode (so the study's tables are the model's)."""
    lab_index = lab.LabIndex(collection.docs)
    queries = [(q.qid, sanitise(q.text)) for q in collection.judged_queries()]
    out: dict[str, Any] = {"queries": len(queries), "lab_vs_searchlib": {}, "lab_vs_model": {}}
    knobs = systems.searchlib_knobs()
    pairs: list[tuple[str, lab.LabParams, systems.SearchlibConfig]] = [
        ("default", lab.CURRENT_DEFAULT, systems.SearchlibConfig())
    ]
    if knobs["match"]:
        pairs.append(("match=any", lab.CURRENT_ANY, systems.SearchlibConfig(match="any")))
    for label, params, config in pairs:
        system = systems.SearchlibSystem(sl_path, "searchlib", config)
        same = 0
        try:
            for q in collection.judged_queries():
                mine = lab_index.rank(sanitise(q.text), params, depth)
                same += [lab_index.ids[d] for d in mine.docs] == system.search(q.text, depth).ids
        finally:
            system.close()
        out["lab_vs_searchlib"][label] = same
    reference = ReferenceIndex((d.title, d.body) for d in collection.docs)
    for match in ("auto", "any", "all"):
        params = study.chosen_params(Model(), match)
        same = 0
        worst = 0.0
        for _, text in queries:
            a = lab_index.rank(text, params, depth)
            b = reference.search(text, match=match, depth=depth)  # type: ignore[arg-type]
            same += a.docs == b.docs
            for x, y in zip(a.scores, b.scores, strict=False):
                worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
        out["lab_vs_model"][match] = {"identical_rankings": same, "max_rel_score_diff": worst}
    return out


def evaluate_collection(
    collection: Collection,
    args: argparse.Namespace,
    work: Path,
    say: Callable[[str], None],
) -> tuple[dict[str, Any], dict[str, metrics.PerQuery]]:
    """Every system on one collection; returns the collection's report data and the
    baselines' per-query measures (for the study)."""
    started = time.perf_counter()
    knobs = systems.searchlib_knobs()
    halves = tuning.split(collection)
    say(
        f"{collection.name}: {len(collection.docs)} documents, "
        f"{len(collection.judged_queries())} judged queries; searchlib knobs: {knobs}"
    )
    sl_path = work / collection.name / "searchlib"
    if sl_path.exists() and any(sl_path.iterdir()):
        raise SystemExit(f"{sl_path} is not empty; use an empty --workdir")
    sl_seconds = systems.build_searchlib(collection.docs, sl_path)
    wh_seconds = systems.build_whoosh(collection.docs, work / collection.name / "whoosh")
    say(f"  indexed: searchlib {sl_seconds:.1f}s, whoosh {wh_seconds:.1f}s")
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

    defaults = scorecheck.searchlib_defaults()
    add(
        systems.SearchlibSystem(sl_path, "searchlib"),
        "searchlib",
        sl_seconds,
        "searchlib's defaults: "
        + ", ".join(f"{k}={v}" for k, v in defaults.items())
        + (" (AND, relaxed to partial matches when nothing has every word)"
           if defaults["match"] == "all" else ""),
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
    for group in ("and", "or"):
        add(systems.WhooshSystem(work / collection.name / "whoosh", group), "baseline",
            wh_seconds)
    fts = systems.SqliteSystem(collection.docs)
    add(fts, "baseline", fts.index_seconds)
    okapi_model = bm25.ReferenceBM25(collection.docs, bm25.BM25Params())
    add(
        systems.ReferenceSystem(
            collection, bm25.BM25Params(), "reference-okapi", model=okapi_model
        ),
        "baseline",
        None,
        "the harness's own BM25 (k1=0.9, b=0.4)",
    )
    add(systems.ReferenceRM3System(collection, model=okapi_model), "baseline", None,
        "the harness's own BM25 with RM3 (Anserini's defaults)")
    reference = ReferenceIndex((d.title, d.body) for d in collection.docs)
    for match, note in (
        ("auto", "the chosen model with its default mode (MODEL.md)"),
        ("any", "the chosen model, match='any'"),
        ("all", "the chosen model, match='all'"),
    ):
        system = systems.ChosenSystem(collection, match, index=reference)  # type: ignore[arg-type]
        add(system, "chosen", None, note + f"; {system.relaxed} relaxed, {system.expanded} "
            "expanded by feedback")

    tuned: dict[str, Any] | None = None
    if args.tune:
        if not (knobs["ranking"] and knobs["match"]):
            raise SystemExit("--tune needs searchlib.Ranking and search(match=...)")
        say("  tuning searchlib's knobs (stage 1: k1 x b x title_weight x match; 2: proximity)")
        tuned = tuning.tune(collection, sl_path, grid=_grid(args.quick), depth=args.depth,
                            progress=say)
        tuned.pop("coordination_whatif", None)
        per_query_of = tuned.pop("_per_query")
        for key, blurb in (
            ("tuned_on_odd", "chosen on odd qids: its even-half figures are held out"),
            ("tuned_on_even", "chosen on even qids: its odd-half figures are held out"),
        ):
            choice = tuned["choices"][key]
            config = systems.SearchlibConfig(**choice["config"])
            rows.append(
                Row(
                    name=f"searchlib {key.replace('_', ' ')}",
                    kind="tuned",
                    description=f"searchlib ({config.label()})",
                    per_query=per_query_of[config.label()],
                    zero_results=choice["zero_results"],
                    note=f"{config.label()}; {blurb}",
                )
            )

    say("  score check, parity")
    checks = [
        scorecheck.check(collection, sl_path, depth=args.depth, quantize=True),
        scorecheck.check(collection, sl_path, depth=args.depth, quantize=False),
    ]
    if knobs["ranking"] and knobs["match"]:
        other = systems.SearchlibConfig(k1=0.9, b=0.4, title_weight=1.5, match="any")
        checks.append(scorecheck.check(collection, sl_path, config=other, depth=args.depth))
    parity_check = parity(collection, sl_path, args.depth)
    say("  stemming and stop words (reference)")
    like = bm25.whoosh_bm25f(k1=defaults["k1"], b=defaults["b"],
                             title_weight=defaults["title_weight"])
    ablation_rows = ablation(collection, args.depth, like, "any" if knobs["match"] else "all")

    for row in rows:
        row.figures = {h: metrics.mean(row.per_query, q) for h, q in halves.items()}
    baselines = [r for r in rows if r.kind == "baseline"]
    best_baseline = max(baselines, key=lambda r: r.figures["all"]["ndcg@10"])
    whoosh_best = max((r for r in baselines if r.name.startswith("whoosh")),
                      key=lambda r: r.figures["all"]["ndcg@10"])
    by_name = {r.name: r for r in rows}
    previous = {"chosen": "searchlib", "chosen match=any": "searchlib match=any",
                "chosen match=all": "searchlib"}
    significance = []
    for row in rows:
        if row.kind not in ("searchlib", "tuned", "chosen"):
            continue
        versus = [best_baseline.name]
        if row.name in previous and previous[row.name] in by_name:
            versus.append(previous[row.name])
        for other_name in versus:
            other = by_name[other_name]
            for half in ("all", "odd", "even"):
                qids = halves[half]
                a = [row.per_query[q]["ndcg@10"] for q in qids]
                b = [other.per_query[q]["ndcg@10"] for q in qids]
                significance.append(
                    {
                        "system": row.name,
                        "versus": other.name,
                        "half": half,
                        "ndcg@10_diff": sum(a) / len(a) - sum(b) / len(b) if a else 0.0,
                        "p_value": metrics.paired_randomization(a, b),
                    }
                )
    data: dict[str, Any] = {
        "command": "python benchmarks/relevance/run.py " + " ".join(args.argv),
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
        "searchlib_defaults": defaults,
        "chosen_model": asdict(Model()),
        "systems": [
            {
                **{k: v for k, v in asdict(r).items() if k != "per_query"},
                "per_query_ndcg@10": {q: m["ndcg@10"] for q, m in r.per_query.items()},
            }
            for r in rows
        ],
        "best_baseline": best_baseline.name,
        "whoosh_baseline": whoosh_best.name,
        "targets": {
            name: {
                "ndcg@10": by_name[name].figures["all"]["ndcg@10"],
                "goal": best_baseline.figures["all"]["ndcg@10"] + 0.02,
                "met": by_name[name].figures["all"]["ndcg@10"]
                >= best_baseline.figures["all"]["ndcg@10"] + 0.02,
            }
            for name in ("chosen", "chosen match=any", "searchlib", "searchlib match=any")
            if name in by_name
        },
        "significance": significance,
        "score_check": checks,
        "parity": parity_check,
        "analysis_ablation": ablation_rows,
        "tuning": tuned,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return data, {r.name: r.per_query for r in baselines}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--collection", type=Path, action="append", default=None,
                    help="a collection directory (repeatable; default: Cranfield and CISI)")
    ap.add_argument("--out-dir", type=Path, default=HERE / "results",
                    help="where COLLECTION.json/.md and summary.json/.md go")
    ap.add_argument("--depth", type=int, default=100, help="results per query (default 100)")
    ap.add_argument("--tune", action="store_true", help="also tune searchlib's own knobs")
    ap.add_argument("--quick", action="store_true",
                    help="small grids (a smoke run): the study's tuning and --tune")
    ap.add_argument("--no-study", action="store_true", help="skip the joint study")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--render", type=Path, metavar="FILE.json",
                    help="only rewrite FILE.md from an earlier run's FILE.json")
    args = ap.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.render:
        data = json.loads(args.render.read_text())
        text = report.summary(data) if "study" in data else report.markdown(data)
        args.render.with_suffix(".md").write_text(text)
        return 0

    def say(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    paths = args.collection or list(DEFAULT_COLLECTIONS)
    collections = [load(p) for p in paths]
    names = [c.name for c in collections]
    if len(set(names)) != len(names):
        raise SystemExit(f"two collections have the same name: {names}")
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    per_collection: dict[str, dict[str, Any]] = {}
    baselines: dict[str, dict[str, metrics.PerQuery]] = {}
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        work = args.workdir or Path(tmp)
        for c in collections:
            data, base = evaluate_collection(c, args, work, say)
            per_collection[c.name] = data
            baselines[c.name] = base
            out = out_dir / f"{c.name}.json"
            out.write_text(json.dumps(data, indent=1) + "\n")
            out.with_suffix(".md").write_text(report.markdown(data))
            say(f"wrote {out} and {out.with_suffix('.md')} ({data['seconds']}s)")
    if args.no_study:
        return 0
    say("study (laboratory scorer, every collection)")
    s = study.Study(collections, baselines, depth=args.depth, progress=say)
    model = Model()
    summary: dict[str, Any] = {
        "command": "python benchmarks/relevance/run.py " + " ".join(args.argv),
        "collections": {
            name: {
                "documents": d["collection"]["documents"],
                "judged_queries": d["collection"]["judged_queries"],
                "halves": d["collection"]["halves"],
                "best_baseline": d["best_baseline"],
                "systems": [
                    {"name": x["name"], "kind": x["kind"], "figures": x["figures"],
                     "zero_results": x["zero_results"]}
                    for x in d["systems"]
                ],
                "targets": d["targets"],
                "significance": d["significance"],
                "parity": d["parity"],
                "score_check": [
                    {k: c[k] for k in ("searchlib", "quantized_lengths", "hits_compared",
                                       "hits_beyond_rounding", "identical_rankings", "queries")}
                    for c in d["score_check"]
                ],
                "trec_eval_agrees": all(
                    x["trec_eval"]["agrees"] for x in d["systems"] if x.get("trec_eval")
                ) if any(x.get("trec_eval") for x in d["systems"]) else None,
            }
            for name, d in per_collection.items()
        },
        "model": asdict(model),
        "study": {},
    }
    say("  causes")
    summary["study"]["causes"] = s.causes(model)
    say("  chain")
    summary["study"]["chain"] = s.chain(model)
    say("  ablation")
    summary["study"]["ablation"] = s.ablation(model)
    say("  modes")
    summary["study"]["modes"] = s.modes(model)
    say("  tuning")
    summary["study"]["tuning"] = s.tune(model, study.QUICK_GRID if args.quick else None)
    summary["study"]["runs"] = s.runs
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    out = out_dir / "summary.json"
    out.write_text(json.dumps(summary, indent=1) + "\n")
    out.with_suffix(".md").write_text(report.summary(summary))
    say(f"wrote {out} and {out.with_suffix('.md')} ({summary['seconds']}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
