"""What the ranking model costs: searchlib now, the commit before it and tantivy, in one run.

Usage::

    git worktree add --detach /tmp/searchlib-before <commit before the model>
    python -m benchmarks.relevance.speed --base /tmp/searchlib-before --out FILE.json \\
        [--size 18000 100000] [--rounds 3] [--workdir DIR]

For each size, the corpus of ``benchmarks/run.py`` (Reuters-21578; resampled to larger sizes)
with the entities of searchlib's default extractor is indexed once by searchlib (this checkout:
the index format is the same before and after the model) and by tantivy. Then, in rounds, each
in fresh processes and in turn:

* **tantivy**, **searchlib before** (the ``--base`` checkout first on ``PYTHONPATH``) and
  **searchlib now** answer ``benchmarks/queries.json`` in mode (c) of ``benchmarks/run.py``
  (top 10, highlights, four facets over all matches, month histogram; strict AND, no
  relaxing, no suggestions), after an untimed warm-up pass, through ``benchmarks/peers``; each
  round gives the same-run ratio of searchlib's median to tantivy's;
* **questions**: 240 Reuters titles of 4 or more content words (seeded), lower-cased, in mode
  (c) with the defaults, through searchlib now with feedback (the default) and without
  (``Ranking(feedback_docs=0)``), and through searchlib before (its default for them: every
  word required; ``relax=False``, as the benchmark asks).

The totals of the mode (c) queries are compared between before and now (they must be equal).
Writes FILE.json and FILE.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..common.versions import run_worker, side_by_side

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BENCH = ROOT / "benchmarks"

QUESTIONS = 240
QUESTION_SEED = 14
WORD = re.compile(r"\w+(?:\.?\w+)*")


def _run_module() -> Any:
    from .. import run

    return run


def question_queries(articles: list[Any], k: int = QUESTIONS) -> list[dict[str, Any]]:
    """``k`` titles with 4 or more content words (function words not counted), seeded."""
    from searchlib import text as tx
    from searchlib.ranking import QUESTION_WORDS

    pool = []
    seen = set()
    for a in articles:
        words = [w.lower() for w in WORD.findall(a.title)]
        content = {t for w in words if w not in QUESTION_WORDS and (t := tx.analyse(w))}
        text = " ".join(words)
        if len(content) >= 4 and text not in seen:
            seen.add(text)
            pool.append(text)
    rng = random.Random(QUESTION_SEED)
    return [{"id": i + 1, "kind": "question", "q": q} for i, q in enumerate(rng.sample(pool, k))]


# -- the worker (a fresh process per engine and round) -----------------------------------------


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Time the query sets of ``spec`` in mode (c) in this process."""
    bench = _run_module()
    import searchlib

    from ..peers import load_engine

    dates = tuple(__import__("datetime").date.fromisoformat(d) for d in spec["dates"])
    out: dict[str, Any] = {"searchlib": searchlib.__file__, "sets": {}}
    for name, queries, ranking in spec["sets"]:
        session = load_engine(spec["engine"]).open(Path(spec["path"]))
        if ranking is not None:
            session.index.close()
            session.index = searchlib.Index(spec["path"], ranking=searchlib.Ranking(**ranking))
        try:
            run = bench.time_mode(
                session, spec["engine"], spec["size"], "c", queries, dates, spec["budget"]
            )
        finally:
            session.close()
        lat = sorted(run.latencies_ms)
        out["sets"][name] = {
            "median_ms": statistics.median(lat),
            "p95_ms": bench.percentile(lat, 95),
            "queries": len(lat),
            "sampled": run.sampled,
            "totals": [a.total if a is not None else None for a in run.answers],
        }
    return out


def _spawn(spec: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """The worker on ``base``'s searchlib (this checkout's when None), this harness."""
    with tempfile.TemporaryDirectory(prefix="side-") as work:
        return run_worker("benchmarks.relevance.speed", spec, side_by_side(base, Path(work)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--base", type=Path, help="a checkout of the commit before the model")
    ap.add_argument("--size", type=int, nargs="+", default=[18000, 100000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--budget-s", type=float, default=120.0)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.base is None or args.out is None:
        ap.error("--base and --out are required")

    from ..peers import load_engine

    bench = _run_module()

    def say(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="relevance-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    queries = json.loads((BENCH / "queries.json").read_text())["queries"]
    report: dict[str, Any] = {
        "command": "python -m benchmarks.relevance.speed "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "base": str(args.base),
        "sizes": {},
    }
    started = time.perf_counter()
    for size in args.size:
        corpus = bench.prepare_corpus(size, bench.REUTERS, work)
        articles = bench.extract_corpus(corpus, work)
        questions = question_queries(articles)
        paths = {}
        for engine in ("searchlib", "tantivy"):
            path = work / f"{engine}-{size}"
            if not path.exists():
                say(f"size {size:,}: indexing {engine}")
                load_engine(engine).build(path, articles, 1)
            paths[engine] = path
        dates = [d.isoformat() for d in corpus.dates()] if corpus.dates() else []
        base_spec = {"size": size, "dates": dates, "budget": args.budget_s}
        rounds = []
        for r in range(args.rounds):
            row: dict[str, Any] = {}
            for who, engine, base, sets in (
                ("tantivy", "tantivy", None, [("c", queries, None)]),
                (
                    "before",
                    "searchlib",
                    args.base,
                    [("c", queries, None), ("questions", questions, None)],
                ),
                (
                    "now",
                    "searchlib",
                    None,
                    [
                        ("c", queries, None),
                        ("questions", questions, None),
                        ("questions, no feedback", questions, {"feedback_docs": 0}),
                    ],
                ),
            ):
                spec = {**base_spec, "engine": engine, "path": str(paths[engine]), "sets": sets}
                row[who] = _spawn(spec, base)
                meds = ", ".join(f"{k} {v['median_ms']:.2f}" for k, v in row[who]["sets"].items())
                say(f"size {size:,} round {r + 1}: {who}: median ms {meds}")
            rounds.append(row)
        report["sizes"][str(size)] = _summarise(rounds, queries, questions)
        report["sizes"][str(size)]["corpus"] = corpus.description
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report))
    say(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


def _summarise(
    rounds: list[dict[str, Any]], queries: list[dict[str, Any]], questions: list[dict[str, Any]]
) -> dict[str, Any]:
    def med(who: str, name: str) -> list[float]:
        return [r[who]["sets"][name]["median_ms"] for r in rounds]

    def p95(who: str, name: str) -> list[float]:
        return [r[who]["sets"][name]["p95_ms"] for r in rounds]

    ratio_before = [b / t for b, t in zip(med("before", "c"), med("tantivy", "c"), strict=True)]
    ratio_now = [n / t for n, t in zip(med("now", "c"), med("tantivy", "c"), strict=True)]
    change = [n / b for n, b in zip(ratio_now, ratio_before, strict=True)]
    fb = [
        a - b
        for a, b in zip(med("now", "questions"), med("now", "questions, no feedback"), strict=True)
    ]
    totals_before = rounds[0]["before"]["sets"]["c"]["totals"]
    totals_now = rounds[0]["now"]["sets"]["c"]["totals"]
    differ = [
        {"query": queries[i]["q"], "before": a, "now": b}
        for i, (a, b) in enumerate(zip(totals_before, totals_now, strict=True))
        if a is not None and b is not None and a != b
    ]
    return {
        "rounds": [
            {
                who: {
                    k: {x: v[x] for x in ("median_ms", "p95_ms", "queries", "sampled")}
                    for k, v in r[who]["sets"].items()
                }
                for who in r
            }
            for r in rounds
        ],
        "mode_c": {
            "tantivy_median_ms": med("tantivy", "c"),
            "before_median_ms": med("before", "c"),
            "now_median_ms": med("now", "c"),
            "before_p95_ms": p95("before", "c"),
            "now_p95_ms": p95("now", "c"),
            "ratio_before": ratio_before,
            "ratio_now": ratio_now,
            "now_over_before_in_ratio": change,
            "median_change": statistics.median(change),
        },
        "questions": {
            "count": len(questions),
            "examples": [q["q"] for q in questions[:5]],
            "before_median_ms": med("before", "questions"),
            "now_median_ms": med("now", "questions"),
            "now_no_feedback_median_ms": med("now", "questions, no feedback"),
            "now_p95_ms": p95("now", "questions"),
            "now_no_feedback_p95_ms": p95("now", "questions, no feedback"),
            "feedback_adds_ms": fb,
            "feedback_adds_median_ms": statistics.median(fb),
        },
        "mode_c_totals_differ": differ,
    }


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines = [
        "# Speed of the ranking model (issue 14)",
        "",
        f"`{report['command']}` ({report['seconds']} s). Medians in ms over each query set, "
        "after a warm-up pass, one fresh process per engine and round; rounds alternate "
        "tantivy, searchlib before the model, searchlib now.",
        "",
    ]
    for size, s in report["sizes"].items():
        c, q = s["mode_c"], s["questions"]
        lines += [
            f"## {int(size):,} articles ({s['corpus']})",
            "",
            "| round | tantivy (c) | before (c) | now (c) | ratio before | ratio now | "
            "now / before (ratio) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for i in range(len(c["ratio_now"])):
            lines.append(
                f"| {i + 1} | {c['tantivy_median_ms'][i]:.2f} | {c['before_median_ms'][i]:.2f} "
                f"| {c['now_median_ms'][i]:.2f} | {c['ratio_before'][i]:.2f} | "
                f"{c['ratio_now'][i]:.2f} | {c['now_over_before_in_ratio'][i]:.3f} |"
            )
        lines += [
            "",
            f"Mode (c): searchlib now / before, in the same-run ratio to tantivy: median over "
            f"rounds {c['median_change']:.3f} (limit 1.20). Totals of the 240 queries, before "
            f"and now: {len(s['mode_c_totals_differ'])} differ.",
            "",
            f"Questions ({q['count']} Reuters titles of 4+ content words, e.g. "
            + "; ".join(f'"{x}"' for x in q["examples"][:3])
            + "), mode (c):",
            "",
            "| round | before (every word) | now, no feedback | now (feedback) | feedback adds |",
            "| ---: | ---: | ---: | ---: | ---: |",
        ]
        for i in range(len(q["feedback_adds_ms"])):
            lines.append(
                f"| {i + 1} | {q['before_median_ms'][i]:.2f} | "
                f"{q['now_no_feedback_median_ms'][i]:.2f} | {q['now_median_ms'][i]:.2f} | "
                f"{q['feedback_adds_ms'][i]:+.2f} |"
            )
        lines += [
            "",
            f"Feedback adds {q['feedback_adds_median_ms']:+.2f} ms to the median (median over "
            "rounds; limit 5 ms).",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
