"""nDCG@10, MAP and recall@100 with trec_eval's conventions.

* **nDCG@10** (trec_eval ``ndcg_cut_10``): graded gains (the grade itself, grades <= 0 gain
  nothing), discount ``log2(rank + 1)``, ideal ranking from *all* judged relevant documents of
  the query (not only the retrieved ones), cut at 10.
* **MAP** (``map``): relevant means grade > 0; the mean over the relevant documents of the
  precision at each one's rank, relevant documents not retrieved counting 0. It is computed
  over the whole run given (the harness's runs are ``--depth`` long, 100 by default).
* **recall@100** (``recall_100``): relevant documents in the first 100, over all relevant ones.

Queries with no relevant document are skipped (trec_eval cannot score them). A query that
returned nothing scores 0 on every measure, as with ``trec_eval -c`` (without ``-c`` trec_eval
would drop it from the average and flatter the system). Runs are ranked lists: the order is
the system's own, ties included, so trec_eval's re-sorting by score and document id never
changes a ranking here. :func:`trec_eval_check` recomputes everything with ``pytrec_eval``
(trec_eval's own C code) when it is installed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from .collection import Qrels

MEASURES: tuple[str, ...] = ("ndcg@10", "map", "recall@100")
"""The measures reported, in order."""

Run = Mapping[str, Sequence[str]]
"""``{qid: ranked document ids}``."""

PerQuery = dict[str, dict[str, float]]
"""``{qid: {measure: value}}``."""


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1) if g > 0)


def ndcg_at(ranking: Sequence[str], judgments: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with the grades as gains (trec_eval ``ndcg_cut``)."""
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(max(judgments.get(d, 0), 0) for d in ranking[:k]) / ideal


def average_precision(ranking: Sequence[str], judgments: Mapping[str, int]) -> float:
    """Average precision, relevant meaning grade > 0 (trec_eval ``map`` for one query)."""
    relevant = sum(1 for g in judgments.values() if g > 0)
    if not relevant:
        return 0.0
    found = 0
    total = 0.0
    for rank, doc in enumerate(ranking, 1):
        if judgments.get(doc, 0) > 0:
            found += 1
            total += found / rank
    return total / relevant


def recall_at(ranking: Sequence[str], judgments: Mapping[str, int], k: int = 100) -> float:
    """The share of the relevant documents found in the first ``k`` (trec_eval ``recall_k``)."""
    relevant = sum(1 for g in judgments.values() if g > 0)
    if not relevant:
        return 0.0
    return sum(1 for d in ranking[:k] if judgments.get(d, 0) > 0) / relevant


def evaluate(run: Run, qrels: Qrels) -> PerQuery:
    """Every measure for every query that has a relevant document (missing runs score 0)."""
    out: PerQuery = {}
    for qid, judgments in qrels.items():
        if not any(g > 0 for g in judgments.values()):
            continue
        ranking = list(run.get(qid, ()))
        if len(set(ranking)) != len(ranking):
            raise ValueError(f"query {qid}: the run lists a document twice")
        out[qid] = {
            "ndcg@10": ndcg_at(ranking, judgments, 10),
            "map": average_precision(ranking, judgments),
            "recall@100": recall_at(ranking, judgments, 100),
        }
    return out


def mean(per_query: PerQuery, qids: Iterable[str] | None = None) -> dict[str, float]:
    """The mean of each measure over ``qids`` (default: every evaluated query)."""
    chosen = list(per_query) if qids is None else [q for q in qids if q in per_query]
    if not chosen:
        return dict.fromkeys(MEASURES, 0.0)
    return {m: sum(per_query[q][m] for q in chosen) / len(chosen) for m in MEASURES}


_TREC_NAMES = {"ndcg@10": "ndcg_cut_10", "map": "map", "recall@100": "recall_100"}


def trec_eval_check(run: Run, qrels: Qrels, per_query: PerQuery) -> dict[str, object] | None:
    """Recompute the measures with ``pytrec_eval`` (trec_eval's C code) and compare.

    Returns ``None`` when ``pytrec_eval`` is not installed, else the largest absolute
    difference per measure over the queries (0 up to float rounding means the measures here
    are trec_eval's). Each ranking is handed over with descending scores ``n, n-1, ...`` so
    that trec_eval keeps the system's order; empty runs are scored 0 as in :func:`evaluate`.
    """
    try:
        import pytrec_eval
    except ImportError:
        return None
    trec_run = {
        qid: {doc: float(len(docs) - i) for i, doc in enumerate(docs)}
        for qid, docs in run.items()
        if docs and qid in per_query
    }
    trec_qrels = {qid: dict(j) for qid, j in qrels.items() if qid in per_query}
    evaluator = pytrec_eval.RelevanceEvaluator(trec_qrels, set(_TREC_NAMES.values()))
    theirs = evaluator.evaluate(trec_run)
    diffs = dict.fromkeys(MEASURES, 0.0)
    for qid, ours in per_query.items():
        other = theirs.get(qid, {})
        for m in MEASURES:
            diffs[m] = max(diffs[m], abs(ours[m] - float(other.get(_TREC_NAMES[m], 0.0))))
    return {
        "tool": f"pytrec_eval {getattr(pytrec_eval, '__version__', '')}".strip(),
        "max_abs_diff": diffs,
        "agrees": all(d < 1e-9 for d in diffs.values()),
    }


def paired_randomization(
    a: Sequence[float], b: Sequence[float], *, trials: int = 10_000, seed: int = 0
) -> float:
    """Two-sided p-value of a paired randomisation (sign-flip) test of mean(a) - mean(b)."""
    import numpy as np

    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if not len(diff):
        return 1.0
    observed = abs(diff.mean())
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(trials, len(diff)))
    means = np.abs((signs * diff).mean(axis=1))
    return float((np.count_nonzero(means >= observed - 1e-12) + 1) / (trials + 1))
