"""Tuning searchlib's ranking knobs through the library, without fooling ourselves.

The model's defaults were chosen in the study (:meth:`.study.Study.tune`, on the laboratory
scorer); this re-checks the choice through searchlib itself (``Index(path,
ranking=Ranking(...)).search(...)``), with the same method:

* one setting for every collection (never per collection);
* the queries of each collection split in two halves by qid (odd and even); a setting is
  *chosen* on one half of every collection's queries and *reported* on the other half, both
  ways;
* the criterion is the target's own form, ``min_margin``: the smallest, over the collections,
  of the setting's nDCG@10 minus the collection's best baseline's, on the tuning half;
* every setting runs in the default mode (``match="auto"``); the chosen settings are also
  reported with ``match="any"``, and the held-out halves are tested against the best baseline
  (paired randomisation).

Every setting runs once on all queries and its per-query measures are kept, so a half's mean is
a mean over that half.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from . import metrics
from .collection import Collection
from .systems import SearchlibConfig, SearchlibSystem


@dataclass(frozen=True)
class Grid:
    """The values tried for each knob (around the defaults, and the study's other choices)."""

    k1: tuple[float, ...] = (1.6, 2.5, 3.0)
    b: tuple[tuple[float, float], ...] = ((0.9, 0.9), (0.9, 0.75), (0.5, 0.75))
    title_weight: tuple[float, ...] = (3.0, 4.0)
    coordination: tuple[float, ...] = (0.25,)
    feedback: tuple[tuple[int, int, float], ...] = ((3, 20, 0.5), (5, 20, 0.3), (3, 10, 0.5))

    def settings(self) -> list[SearchlibConfig]:
        """Every combination, in the default mode."""
        return [
            SearchlibConfig(
                k1=k1, b_title=bt, b_body=bb, title_weight=tw, coordination=c,
                feedback_docs=fd, feedback_terms=ft, feedback_query_weight=fw,
            )
            for k1, (bt, bb), tw, c, (fd, ft, fw) in itertools.product(
                self.k1, self.b, self.title_weight, self.coordination, self.feedback
            )
        ]


QUICK_GRID = Grid(k1=(2.5,), b=((0.9, 0.9), (0.5, 0.75)), title_weight=(4.0,),
                  feedback=((3, 20, 0.5), (3, 10, 0.5)))


def split(collection: Collection) -> dict[str, list[str]]:
    """``{"all", "odd", "even"}`` qids of the evaluated queries (by qid number, or position
    when qids are not numbers)."""
    qids = [q.qid for q in collection.judged_queries()]
    numeric = all(q.isdigit() for q in qids)
    odd = [q for q in qids if int(q) % 2 == 1] if numeric else qids[::2]
    odd_set = set(odd)
    return {"all": qids, "odd": odd, "even": [q for q in qids if q not in odd_set]}


def run_config(
    collection: Collection, index_path: Path, config: SearchlibConfig, depth: int
) -> tuple[metrics.PerQuery, int, float]:
    """Per-query measures of one configuration, its zero-result count and seconds taken."""
    system = SearchlibSystem(index_path, "searchlib", config)
    started = time.perf_counter()
    run: dict[str, list[str]] = {}
    zero = 0
    try:
        for q in collection.judged_queries():
            result = system.search(q.text, depth)
            run[q.qid] = result.ids
            zero += not result.ids
    finally:
        system.close()
    return metrics.evaluate(run, collection.qrels), zero, time.perf_counter() - started


def _knobs(config: SearchlibConfig) -> dict[str, Any]:
    return {k: v for k, v in asdict(config).items() if v is not None and k != "match"}


def tune(
    collections: Sequence[Collection],
    indexes: Mapping[str, Path],
    best_baselines: Mapping[str, tuple[str, metrics.PerQuery]],
    *,
    grid: Grid | None = None,
    depth: int = 100,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Choose a setting on each half of every collection's queries; report the other half.

    ``indexes``: each collection's searchlib index; ``best_baselines``: each collection's best
    baseline (name, per-query measures)."""
    grid = grid or Grid()
    say = progress or (lambda _msg: None)
    halves = {c.name: split(c) for c in collections}
    started = time.perf_counter()
    runs: dict[str, dict[str, metrics.PerQuery]] = {}

    def per_query(config: SearchlibConfig) -> dict[str, metrics.PerQuery]:
        label = config.label()
        if label not in runs:
            runs[label] = {
                c.name: run_config(c, indexes[c.name], config, depth)[0] for c in collections
            }
            ndcg = ", ".join(f"{n} {metrics.mean(pq)['ndcg@10']:.4f}"
                             for n, pq in runs[label].items())
            say(f"  [{len(runs)}] {label}: nDCG@10 {ndcg}")
        return runs[label]

    def ndcg(config: SearchlibConfig, name: str, half: str) -> float:
        return metrics.mean(per_query(config)[name], halves[name][half])["ndcg@10"]

    def baseline(name: str, half: str) -> float:
        return metrics.mean(best_baselines[name][1], halves[name][half])["ndcg@10"]

    def margin(config: SearchlibConfig, half: str) -> float:
        return min(ndcg(config, c.name, half) - baseline(c.name, half) for c in collections)

    import searchlib

    default_ranking = searchlib.Ranking()
    settings = grid.settings()
    for s in settings:
        per_query(s)
    defaults = SearchlibConfig()
    per_query(defaults)
    choices: dict[str, Any] = {}
    for tune_on, report_on in (("odd", "even"), ("even", "odd"), ("all", "all")):
        chosen = max(settings, key=lambda s, h=tune_on: margin(s, h))  # type: ignore[misc]
        row: dict[str, Any] = {
            "tuning_half": tune_on,
            "reported_half": report_on,
            "knobs": _knobs(chosen),
            "label": chosen.label(),
            "is_default": all(getattr(chosen, k) == getattr(default_ranking, k)
                              for k in _knobs(chosen)),
            "min_margin_tuning": margin(chosen, tune_on),
            "collections": {},
        }
        any_config = replace(chosen, match="any")
        for c in collections:
            name = c.name
            held = halves[name][report_on]
            entry: dict[str, Any] = {"best_baseline": best_baselines[name][0]}
            for mode, config in (("auto", chosen), ("any", any_config)):
                pq = per_query(config)[name]
                a = [pq[q]["ndcg@10"] for q in held]
                b = [best_baselines[name][1][q]["ndcg@10"] for q in held]
                entry[mode] = {
                    "tuning": ndcg(config, name, tune_on),
                    "reported": metrics.mean(pq, held),
                    "vs_best_baseline": statistics.fmean(a) - statistics.fmean(b),
                    "p": metrics.paired_randomization(a, b),
                }
            row["collections"][name] = entry
        choices[f"tuned_on_{tune_on}"] = row
    ranked = sorted(settings, key=lambda s: -margin(s, "all"))
    best_all = margin(ranked[0], "all")
    return {
        "grid": asdict(grid),
        "settings": len(settings),
        "runs": len(runs),
        "seconds": round(time.perf_counter() - started, 1),
        "halves": {n: {k: len(v) for k, v in h.items()} for n, h in halves.items()},
        "criterion": "min_margin",
        "choices": choices,
        "defaults": {
            "min_margin": {h: margin(defaults, h) for h in ("all", "odd", "even")},
            "ndcg@10": {c.name: {h: ndcg(defaults, c.name, h) for h in ("all", "odd", "even")}
                        for c in collections},
        },
        "flatness": {
            "best_min_margin_all": best_all,
            "within_0.005": sum(1 for s in settings if margin(s, "all") >= best_all - 0.005),
            "within_0.01": sum(1 for s in settings if margin(s, "all") >= best_all - 0.01),
            "median_min_margin_all": statistics.median(margin(s, "all") for s in settings),
        },
        "top": [
            {"label": s.label(), **{f"min_margin_{h}": margin(s, h)
                                    for h in ("all", "odd", "even")},
             "ndcg@10": {c.name: ndcg(s, c.name, "all") for c in collections}}
            for s in ranked[:10]
        ],
    }
