"""Tuning searchlib's ranking knobs without fooling ourselves.

The queries are split in two halves by qid (odd and even). Every configuration is run once
on all queries and its per-query measures are kept, so a half's mean is just a mean over that
half. A configuration is *chosen* on one half (by nDCG@10) and *reported* on the other; the
same is done the other way round, and on all queries (which is the optimistic figure).

The search is in two stages, to keep it to minutes on 2 cores: a full grid over ``k1``, ``b``,
``title_weight`` and ``match`` without proximity (proximity re-scoring makes a search about
three times slower), then each proximity value on the 3 best stage-one configurations of each
selection half. A half only ever picks among stage-one configurations and its own stage-two
ones, so the other half's results never influence what it picks.

Flatness: how many configurations are within 0.005 and 0.01 nDCG@10 of the best, the range over
the best one's neighbours (one grid step away on one knob) and a k1 x b table.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from . import metrics
from .collection import Collection
from .systems import SearchlibConfig, SearchlibSystem


@dataclass(frozen=True)
class Grid:
    """The values tried for each knob."""

    k1: tuple[float, ...] = (0.9, 1.2, 1.6, 2.0, 2.5)
    b: tuple[float, ...] = (0.5, 0.75, 0.9, 1.0)
    title_weight: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0)
    match: tuple[str, ...] = ("all", "any")
    proximity: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0)

    def stage_one(self) -> list[SearchlibConfig]:
        """Every combination of k1, b, title_weight and match, proximity 0."""
        return [
            SearchlibConfig(k1=k1, b=b, title_weight=tw, proximity=0.0, match=m)
            for k1, b, tw, m in itertools.product(self.k1, self.b, self.title_weight, self.match)
        ]


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


@dataclass
class Trial:
    """One configuration's results."""

    config: SearchlibConfig
    per_query: metrics.PerQuery
    zero_results: int
    seconds: float
    stage: int

    def mean(self, qids: Sequence[str]) -> dict[str, float]:
        """The measures' means over ``qids``."""
        return metrics.mean(self.per_query, qids)


def _key(config: SearchlibConfig) -> tuple[Any, ...]:
    return (config.k1, config.b, config.title_weight, config.proximity, config.match)


def tune(
    collection: Collection,
    index_path: Path,
    *,
    grid: Grid | None = None,
    depth: int = 100,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the two-stage search; returns the choices, their held-out figures and flatness."""
    grid = grid or Grid()
    halves = split(collection)
    say = progress or (lambda _msg: None)
    trials: dict[tuple[Any, ...], Trial] = {}

    def trial(config: SearchlibConfig, stage: int) -> Trial:
        key = _key(config)
        if key not in trials:
            per_query, zero, seconds = run_config(collection, index_path, config, depth)
            trials[key] = Trial(config, per_query, zero, seconds, stage)
            done = len(trials)
            ndcg = metrics.mean(per_query)["ndcg@10"]
            say(f"  [{done}] {config.label()}: nDCG@10 {ndcg:.4f} ({seconds:.1f}s)")
        return trials[key]

    started = time.perf_counter()
    stage_one = [trial(c, 1) for c in grid.stage_one()]
    pools: dict[str, list[Trial]] = {}
    for half in ("odd", "even", "all"):
        qids = halves[half]

        def worse_first(t: Trial, q: list[str] = qids) -> float:
            return -t.mean(q)["ndcg@10"]

        best3 = sorted(stage_one, key=worse_first)[:3]
        extra = [
            trial(replace(t.config, proximity=p), 2) for t in best3 for p in grid.proximity
        ]
        pools[half] = stage_one + extra
    pools["all"] = list(trials.values())  # not held out anyway: every configuration counts

    def best(half: str) -> Trial:
        qids = halves[half]
        return max(pools[half], key=lambda t: (t.mean(qids)["ndcg@10"], -_distance(t.config)))

    choices: dict[str, Any] = {}
    for tune_on, report_on in (("odd", "even"), ("even", "odd"), ("all", "all")):
        chosen = best(tune_on)
        choices[f"tuned_on_{tune_on}"] = {
            "config": asdict(chosen.config),
            "label": chosen.config.label(),
            "tuning_half": tune_on,
            "tuning_figures": chosen.mean(halves[tune_on]),
            "reported_half": report_on,
            "reported_figures": chosen.mean(halves[report_on]),
            "all_figures": chosen.mean(halves["all"]),
            "odd_figures": chosen.mean(halves["odd"]),
            "even_figures": chosen.mean(halves["even"]),
            "zero_results": chosen.zero_results,
        }
    best_all = best("all")
    steady = max(
        trials.values(),
        key=lambda t: min(t.mean(halves["odd"])["ndcg@10"], t.mean(halves["even"])["ndcg@10"]),
    )
    choices["steadiest"] = {
        "config": asdict(steady.config),
        "label": steady.config.label(),
        "tuning_half": "min(odd, even)",
        "tuning_figures": steady.mean(halves["all"]),
        "reported_half": "all",
        "reported_figures": steady.mean(halves["all"]),
        "all_figures": steady.mean(halves["all"]),
        "odd_figures": steady.mean(halves["odd"]),
        "even_figures": steady.mean(halves["even"]),
        "zero_results": steady.zero_results,
    }
    return {
        "grid": asdict(grid),
        "configurations": len(trials),
        "seconds": round(time.perf_counter() - started, 1),
        "halves": {k: len(v) for k, v in halves.items()},
        "choices": choices,
        "flatness": flatness(best_all, list(trials.values()), grid, halves["all"]),
        "knob_effects": knob_effects(list(trials.values()), halves["all"]),
        "trials": [
            {
                "label": t.config.label(),
                "config": asdict(t.config),
                "stage": t.stage,
                "all": t.mean(halves["all"]),
                "odd": t.mean(halves["odd"]),
                "even": t.mean(halves["even"]),
                "zero_results": t.zero_results,
                "seconds": round(t.seconds, 2),
            }
            for t in sorted(trials.values(), key=lambda t: -t.mean(halves["all"])["ndcg@10"])
        ],
        "_per_query": {t.config.label(): t.per_query for t in trials.values()},
    }


def _distance(config: SearchlibConfig) -> float:
    """How far a configuration is from searchlib's defaults (ties go to the nearer one)."""
    return (
        abs((config.k1 or 1.2) - 1.2)
        + abs((config.b or 0.75) - 0.75)
        + abs((config.title_weight or 1.0) - 1.0)
        + abs(config.proximity or 0.0)
    )


def _step(values: Sequence[Any], value: Any) -> list[Any]:
    if value not in values:
        return []
    i = list(values).index(value)
    return [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]


def flatness(
    best: Trial, trials: list[Trial], grid: Grid, qids: Sequence[str]
) -> dict[str, Any]:
    """How much nDCG@10 moves around the best configuration."""
    top = best.mean(qids)["ndcg@10"]
    by_key = {_key(t.config): t for t in trials}
    c = best.config
    neighbours: list[SearchlibConfig] = []
    for k1 in _step(grid.k1, c.k1):
        neighbours.append(replace(c, k1=k1))
    for b in _step(grid.b, c.b):
        neighbours.append(replace(c, b=b))
    for tw in _step(grid.title_weight, c.title_weight):
        neighbours.append(replace(c, title_weight=tw))
    neighbours.append(replace(c, match="all" if c.match == "any" else "any"))
    proximity_values = (0.0, *grid.proximity)
    for p in _step(proximity_values, c.proximity):
        neighbours.append(replace(c, proximity=p))
    rows: list[dict[str, Any]] = []
    for n in neighbours:
        t = by_key.get(_key(n))
        if t is not None:
            rows.append({"label": n.label(), "ndcg@10": t.mean(qids)["ndcg@10"]})
    scores = [t.mean(qids)["ndcg@10"] for t in trials]
    stage_one = [t for t in trials if t.stage == 1]
    table = {
        f"k1={k1:g}": {
            f"b={b:g}": by_key[key].mean(qids)["ndcg@10"]
            for b in grid.b
            if (key := _key(replace(c, k1=k1, b=b, proximity=0.0))) in by_key
        }
        for k1 in grid.k1
    }
    return {
        "best": c.label(),
        "best_ndcg@10": top,
        "neighbours": rows,
        "neighbour_range": [min((float(r["ndcg@10"]) for r in rows), default=top), top],
        "within_0.005": sum(1 for s in scores if top - s <= 0.005),
        "within_0.01": sum(1 for s in scores if top - s <= 0.01),
        "configurations": len(trials),
        "stage_one_median": statistics.median(t.mean(qids)["ndcg@10"] for t in stage_one),
        "k1_b_table": {
            "fixed": f"title_weight={c.title_weight:g} match={c.match} proximity=0",
            "rows": table,
        },
    }


def knob_effects(trials: list[Trial], qids: Sequence[str]) -> dict[str, dict[str, float]]:
    """For each value of each knob, the best nDCG@10 of any configuration with that value."""
    out: dict[str, dict[str, float]] = {}
    for knob in ("k1", "b", "title_weight", "match", "proximity"):
        values: dict[str, float] = {}
        for t in trials:
            v = getattr(t.config, knob)
            label = f"{v:g}" if isinstance(v, float) else str(v)
            values[label] = max(values.get(label, 0.0), t.mean(qids)["ndcg@10"])
        out[knob] = values
    return out


def coordination_whatif(
    collection: Collection,
    *,
    depth: int = 100,
    powers: Sequence[float] = (0.0, 0.25, 0.5, 1.0),
    k1: Sequence[float] = (0.9, 1.2, 1.6, 2.0, 2.5),
    b: Sequence[float] = (0.5, 0.75, 0.9, 1.0),
    title_weight: Sequence[float] = (0.5, 1.0, 2.0),
) -> list[dict[str, Any]]:
    """What searchlib would score with a softer coordination factor, a knob it does not have.

    The reference reproduces searchlib's ``match="any"`` ranking exactly (see the score
    check); here its coordination factor becomes ``(share of words matched) ** p``. For each
    ``p``, the grid over k1, b and title_weight is searched like :func:`tune`: chosen on odd
    qids, reported on even, and the other way round.
    """
    from .bm25 import ReferenceBM25, whoosh_bm25f
    from .collection import sanitise

    halves = split(collection)
    texts = [(q.qid, sanitise(q.text)) for q in collection.judged_queries()]
    found: dict[float, list[tuple[SearchlibConfig, metrics.PerQuery]]] = {p: [] for p in powers}
    for k, bb, tw in itertools.product(k1, b, title_weight):
        model = ReferenceBM25(collection.docs, whoosh_bm25f(k1=k, b=bb, title_weight=tw))
        config = SearchlibConfig(k1=k, b=bb, title_weight=tw, proximity=0.0, match="any")
        for p in powers:
            run = {
                qid: model.rank(text, depth=depth, mode="any", coordination=p).ids
                for qid, text in texts
            }
            found[p].append((config, metrics.evaluate(run, collection.qrels)))
    rows = []
    for p in powers:
        for tune_on, report_on in (("odd", "even"), ("even", "odd"), ("all", "all")):

            def ndcg(
                cp: tuple[SearchlibConfig, metrics.PerQuery], q: list[str] = halves[tune_on]
            ) -> float:
                return metrics.mean(cp[1], q)["ndcg@10"]

            config, per_query = max(found[p], key=ndcg)
            rows.append(
                {
                    "power": p,
                    "tuned_on": tune_on,
                    "config": config.label(),
                    "tuning_figures": metrics.mean(per_query, halves[tune_on]),
                    "reported_half": report_on,
                    "reported_figures": metrics.mean(per_query, halves[report_on]),
                }
            )
    return rows
