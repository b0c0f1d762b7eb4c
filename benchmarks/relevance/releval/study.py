"""The ranking study of issue 14, on every collection at once, with the laboratory scorer.

* :func:`causes`: each cause the issue lists, as one controlled change of searchlib's ranking
  today (reproduced exactly by :mod:`.lab`), on each collection, with its paired significance;
* :func:`chain`: the chosen model built one change at a time, each step against the previous
  one and against the best baseline, for the default mode and for ``match="any"``;
* :func:`ablation`: the chosen model with one part taken out or changed at a time;
* :func:`tune`: the model's knobs chosen jointly on one half of every collection's queries
  (odd qids, then even; never per collection) and reported on the other half;
* :func:`modes`: the query modes (today's AND with relaxation, the automatic rule, OR, minimum
  should match) on the questions and on keyword queries made from them.

Every figure comes from per-query measures kept in a cache keyed by the model's label, so a
configuration is run once however many tables it appears in.
"""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from . import metrics
from .collection import Collection, sanitise
from .lab import (
    CURRENT_ANY,
    CURRENT_DEFAULT,
    Feedback,
    LabIndex,
    LabParams,
    Msm,
    Proximity,
    question_words,
)
from .model import Model
from .tuning import split

HALVES = ("all", "odd", "even")


def chosen_params(model: Model | None = None, match: str = "auto") -> LabParams:
    """The laboratory's settings that are the chosen model (:class:`~.model.Model`) in a match
    mode (``auto``, ``any`` or ``all``); the harness checks the two give the same rankings."""
    m = model or Model()
    mode: dict[str, Any] = {
        "auto": {"mode": "msm", "msm": Msm(m.auto_all_upto, 0.0)},
        "any": {"mode": "any"},
        "all": {"mode": "msm", "msm": Msm(1_000_000, 0.0)},
    }[match]
    return LabParams(
        idf="rsj",
        fields="bm25f",
        k1=m.k1,
        b_title=m.b_title,
        b_body=m.b_body,
        title_boost=2.0,
        title_weight=m.title_weight / 2.0,
        drop="question",
        coordination=m.coordination,
        complete_first=True,
        feedback=Feedback(
            "rm3", m.feedback_docs, m.feedback_terms, m.feedback_query_weight, max_df=0.5,
            skip_function_words=True,
        ),
        **mode,
    )


class Study:
    """The collections, their laboratory indexes and a cache of per-query measures."""

    def __init__(
        self,
        collections: Sequence[Collection],
        baselines: Mapping[str, Mapping[str, metrics.PerQuery]],
        *,
        depth: int = 100,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """``baselines``: per collection, the baselines' per-query measures by name."""
        self.collections = {c.name: c for c in collections}
        self.say = progress or (lambda _m: None)
        self.labs: dict[str, LabIndex] = {}
        for c in collections:
            started = time.perf_counter()
            self.labs[c.name] = LabIndex(c.docs)
            self.say(f"  lab index of {c.name}: {time.perf_counter() - started:.1f}s")
        self.halves = {c.name: split(c) for c in collections}
        self.texts = {
            c.name: [(q.qid, sanitise(q.text)) for q in c.judged_queries()] for c in collections
        }
        self.depth = depth
        self.baselines = baselines
        self.best_baseline = {
            name: max(b, key=lambda s, n=name: metrics.mean(baselines[n][s])["ndcg@10"])
            for name, b in baselines.items()
        }
        self._cache: dict[tuple[str, str, str], metrics.PerQuery] = {}
        self.runs = 0

    # -- running -----------------------------------------------------------------------------

    def per_query(
        self, params: LabParams, collection: str, queries: str = "questions"
    ) -> metrics.PerQuery:
        """Per-query measures of ``params`` on a collection's questions (or another query set
        from :meth:`query_set`)."""
        key = (params.label(), collection, queries)
        if key not in self._cache:
            lab = self.labs[collection]
            run = {
                qid: [lab.ids[d] for d in lab.rank(text, params, self.depth).docs]
                for qid, text in self.query_set(collection, queries)
            }
            self._cache[key] = metrics.evaluate(run, self.collections[collection].qrels)
            self.runs += 1
        return self._cache[key]

    def query_set(self, collection: str, queries: str) -> list[tuple[str, str]]:
        """``questions`` (the collection's own), or ``keywords-K``: each question's K content
        words that are rarest in the collection (those that are in it), in the question's
        order, as a user might type them."""
        texts = self.texts[collection]
        if queries == "questions":
            return texts
        k = int(queries.rsplit("-", 1)[1])
        lab = self.labs[collection]
        out = []
        for qid, text in texts:
            seen: dict[str, str] = {}
            for word in text.split():
                if word in question_words():
                    continue
                terms = lab.query_terms(word, "none")[0]
                if len(terms) == 1 and terms[0] in lab.terms and terms[0] not in seen.values():
                    seen[word] = terms[0]
            rare = sorted(seen, key=lambda w: len(lab.terms[seen[w]].docs))[:k]
            out.append((qid, " ".join(w for w in seen if w in rare)))
        return out

    def figures(self, params: LabParams, collection: str, queries: str = "questions") -> dict[
        str, dict[str, float]
    ]:
        """``{half: {measure: mean}}``."""
        pq = self.per_query(params, collection, queries)
        return {h: metrics.mean(pq, q) for h, q in self.halves[collection].items()}

    def compare(
        self,
        a: metrics.PerQuery,
        b: metrics.PerQuery,
        qids: Sequence[str],
        measure: str = "ndcg@10",
    ) -> dict[str, float]:
        """Mean difference of ``a`` over ``b`` on ``qids`` and its two-sided p-value (paired
        randomisation, 10,000 sign flips)."""
        x = [a[q][measure] for q in qids if q in a]
        y = [b[q][measure] for q in qids if q in b]
        diff = (sum(x) - sum(y)) / len(x) if x else 0.0
        return {"diff": diff, "p": metrics.paired_randomization(x, y)}

    def row(
        self,
        label: str,
        params: LabParams,
        *,
        previous: LabParams | None = None,
        queries: str = "questions",
    ) -> dict[str, Any]:
        """One table row: figures per collection, and nDCG@10 differences with p-values
        against ``previous`` and against the collection's best baseline."""
        out: dict[str, Any] = {"label": label, "model": params.label(), "collections": {}}
        for name in self.collections:
            pq = self.per_query(params, name, queries)
            entry: dict[str, Any] = {"figures": self.figures(params, name, queries)}
            qids = self.halves[name]["all"]
            if previous is not None:
                entry["vs_previous"] = self.compare(
                    pq, self.per_query(previous, name, queries), qids
                )
            if queries == "questions" and self.baselines.get(name):
                best = self.best_baseline[name]
                entry["vs_best_baseline"] = self.compare(pq, self.baselines[name][best], qids)
            out["collections"][name] = entry
        return out

    # -- the tables ----------------------------------------------------------------------------

    def causes(self, model: Model) -> list[dict[str, Any]]:
        """Each cause as one change of today's ranking, against today's ranking."""
        any_ = CURRENT_ANY
        dflt = CURRENT_DEFAULT
        m = model
        changes: list[tuple[str, str, LabParams, LabParams]] = [
            ("today", "searchlib today, match='any' (reproduced)", any_, any_),
            ("today", "searchlib today, default (reproduced)", dflt, dflt),
            ("idf", "idf: Robertson-Spärck Jones (floor 1e-6)", any_, replace(any_, idf="rsj")),
            ("idf", "idf: Lucene's log(1 + (N-df+.5)/(df+.5))", any_, replace(any_, idf="lucene")),
            ("fields", "fields: true BM25F (Whoosh idf of the either-field df)", any_,
             replace(any_, fields="bm25f")),
            ("fields", "fields: true BM25F + RSJ idf", any_,
             replace(any_, fields="bm25f", idf="rsj")),
            ("fields", f"fields: BM25F + RSJ, per-field b {m.b_title:g}/{m.b_body:g}", any_,
             replace(any_, fields="bm25f", idf="rsj", b_title=m.b_title, b_body=m.b_body)),
            ("coordination", "coordination power 0 (plain OR)", any_,
             replace(any_, coordination=0.0)),
            ("coordination", "coordination power 0.5", any_, replace(any_, coordination=0.5)),
            ("coordination", "coordination power 1 (classic)", any_,
             replace(any_, coordination=1.0)),
            ("coordination", "coordination 0.25 only on queries of up to 3 words", any_,
             replace(any_, coordination_upto=3)),
            ("fallback", "default: relaxed fallback with coordination as a factor, not first",
             dflt, replace(dflt, mode="all-relaxed-factor", coordination=0.25)),
            ("fallback", "default: the automatic rule (AND up to 3 words, else OR)", dflt,
             replace(any_, mode="msm", msm=Msm(3, 0.0))),
            ("fallback", "default: the automatic rule, OR with every-word documents first", dflt,
             replace(any_, mode="msm", msm=Msm(3, 0.0), complete_first=True)),
            ("fallback", "any: documents with every word first", any_,
             replace(any_, complete_first=True)),
            ("function words", "function words kept in the query", any_,
             replace(any_, drop="none")),
            ("function words", "NLTK's 153 English stop words dropped instead", any_,
             replace(any_, drop="nltk")),
            ("proximity", "proximity: searchlib's adjacent-pair bonus 0.25", any_,
             replace(any_, proximity=Proximity("pairs", 0.25, from_all_words=True))),
            ("proximity", "proximity: adjacent content-word pairs, 0.25", any_,
             replace(any_, proximity=Proximity("pairs", 0.25))),
            ("proximity", "proximity: BM25 of pairs within 4 words, 0.1", any_,
             replace(any_, proximity=Proximity("window", 0.1, window=4))),
            ("feedback", "feedback: RM3, 5 docs, 10 terms, query weight 0.5", any_,
             replace(any_, feedback=Feedback("rm3", 5, 10, 0.5, max_df=0.5))),
            ("feedback", "feedback: RM3, 10 docs, 10 terms, query weight 0.5", any_,
             replace(any_, feedback=Feedback("rm3", 10, 10, 0.5, max_df=0.5))),
            ("feedback", "feedback: Bo1, 3 docs, 10 terms, weight 1", any_,
             replace(any_, feedback=Feedback("bo1", 3, 10, 1.0, max_df=0.5))),
        ]
        rows = []
        for cause, label, base, params in changes:
            r = self.row(label, params, previous=base if params != base else None)
            r["cause"] = cause
            r["base"] = "default" if base == dflt else "any"
            rows.append(r)
        return rows

    def chain(self, model: Model) -> dict[str, list[dict[str, Any]]]:
        """The chosen model built one change at a time from today's ranking."""
        m = model
        final = {match: chosen_params(m, match) for match in ("auto", "any")}
        out: dict[str, list[dict[str, Any]]] = {}
        for match, start, label0 in (
            ("auto", CURRENT_DEFAULT, "searchlib today, default (AND, relaxed: words first)"),
            ("any", CURRENT_ANY, "searchlib today, match='any'"),
        ):
            steps: list[tuple[str, LabParams]] = [(label0, start)]
            p = start
            if match == "auto":
                p = replace(CURRENT_ANY, mode="msm", msm=Msm(m.auto_all_upto, 0.0),
                            complete_first=True)
                steps.append(
                    (f"automatic rule: every word up to {m.auto_all_upto} words, else any word "
                     "with the documents that have them all first; fallback ranked by score x "
                     "coordination", p)
                )
            p = replace(p, idf="rsj")
            steps.append(("+ Robertson-Spärck Jones idf", p))
            p = replace(p, fields="bm25f")
            steps.append(("+ true BM25F (one saturation, one idf)", p))
            p = replace(
                p, k1=m.k1, b_title=m.b_title, b_body=m.b_body, title_weight=m.title_weight / 2
            )
            steps.append(
                (f"+ k1={m.k1:g}, b title/body={m.b_title:g}/{m.b_body:g}, "
                 f"title weight {m.title_weight:g}", p)
            )
            if not p.complete_first:
                p = replace(p, complete_first=True)
                steps.append(("+ documents with every word first", p))
            p = replace(p, feedback=final[match].feedback)
            steps.append(
                (f"+ RM3 feedback ({m.feedback_docs} docs, {m.feedback_terms} terms, "
                 f"query weight {m.feedback_query_weight:g}) = the chosen model", p)
            )
            if p != final[match]:
                raise AssertionError(f"chain does not end at the chosen model: {p.label()}")
            rows = []
            previous: LabParams | None = None
            for label, params in steps:
                rows.append(self.row(label, params, previous=previous))
                previous = params
            out[match] = rows
        return out

    def ablation(self, model: Model) -> list[dict[str, Any]]:
        """The chosen model (``match="auto"``) with one part removed or changed."""
        c = chosen_params(model, "auto")
        fb = c.feedback
        assert fb is not None
        variants: list[tuple[str, LabParams]] = [
            ("chosen model", c),
            ("Whoosh idf instead of RSJ", replace(c, idf="whoosh")),
            ("Lucene idf instead of RSJ", replace(c, idf="lucene")),
            ("per-field BM25 summed instead of BM25F", replace(c, fields="sum")),
            ("one b (0.75) for both fields", replace(c, b_title=0.75, b_body=0.75)),
            ("title weight 2 (the index's boost only)", replace(c, title_weight=1.0)),
            ("k1 = 1.2", replace(c, k1=1.2)),
            ("OR searches not ordered with every-word documents first",
             replace(c, complete_first=False)),
            ("coordination only on queries of up to 3 words", replace(c, coordination_upto=3)),
            ("no coordination", replace(c, coordination=0.0)),
            ("coordination 1 (classic)", replace(c, coordination=1.0)),
            ("function words kept", replace(c, drop="none")),
            ("no feedback", replace(c, feedback=None)),
            ("feedback: Bo1 (3 docs, 10 terms, weight 1)", replace(
                c, feedback=Feedback("bo1", 3, 10, 1.0, max_df=0.5))),
            ("feedback: RM3 as Anserini (10 docs, 10 terms)",
             replace(c, feedback=replace(fb, docs=10, terms=10))),
            ("feedback: 5 docs", replace(c, feedback=replace(fb, docs=5))),
            ("feedback: 10 terms", replace(c, feedback=replace(fb, terms=10))),
            ("feedback on AND searches too", replace(c, feedback=replace(fb, on_and=True))),
            ("feedback may add function words' terms (its -> it)",
             replace(c, feedback=replace(fb, skip_function_words=False))),
            ("+ proximity (adjacent pairs, 0.25)", replace(c, proximity=Proximity("pairs", 0.25))),
            ("+ proximity (BM25 of pairs within 4 words, 0.1)",
             replace(c, proximity=Proximity("window", 0.1, window=4))),
        ]
        return [self.row(label, p, previous=c if p != c else None) for label, p in variants]

    def modes(self, model: Model) -> list[dict[str, Any]]:
        """Query modes on the questions and on keyword queries made from them (2 to 5 words)."""
        c = chosen_params(model, "any")
        variants: list[tuple[str, LabParams]] = [
            ("today's default: AND, relaxed fallback ordered by words matched first",
             replace(c, mode="all-relaxed-primary", drop="question")),
            ("AND, relaxed fallback ordered by score x coordination",
             replace(c, mode="msm", msm=Msm(1_000_000, 0.0))),
            ("auto: AND up to 2 words, else OR", replace(c, mode="msm", msm=Msm(2, 0.0))),
            ("auto: AND up to 3 words, else OR, every-word documents first (chosen)",
             replace(c, mode="msm", msm=Msm(3, 0.0))),
            ("auto: AND up to 3 words, else plain OR",
             replace(c, mode="msm", msm=Msm(3, 0.0), complete_first=False)),
            ("auto: AND up to 4 words, else OR", replace(c, mode="msm", msm=Msm(4, 0.0))),
            ("auto: AND up to 5 words, else OR", replace(c, mode="msm", msm=Msm(5, 0.0))),
            ("OR, every-word documents first (match='any')", c),
            ("plain OR", replace(c, complete_first=False)),
            ("minimum should match: all up to 3, then 50%", replace(c, mode="msm",
                                                                   msm=Msm(3, 0.5))),
            ("minimum should match: all up to 3, then 75%", replace(c, mode="msm",
                                                                   msm=Msm(3, 0.75))),
        ]
        rows = []
        for queries in ("questions", "keywords-2", "keywords-3", "keywords-4", "keywords-5"):
            for label, params in variants:
                r = self.row(label, params, queries=queries)
                r["queries"] = queries
                rows.append(r)
        return rows

    # -- tuning ------------------------------------------------------------------------------

    def tune(self, model: Model, grid: TuneGrid | None = None) -> dict[str, Any]:
        """Choose the knobs on one half of every collection's queries and report the other
        half; both ways, and on all queries (optimistic). One setting for all collections.

        The criterion (``min_margin``) is the target's own form: the smallest, over the
        collections, of the setting's nDCG@10 minus the collection's best baseline's, on the
        tuning half. The mean of the collections' nDCG@10 (``mean``) is reported too. Stage 1:
        k1, b per field, title weight, coordination on long queries, with the model's
        feedback; stage 2: the feedback's documents, terms and query weight on each half's 3
        best stage-one settings (by each criterion)."""
        g = grid or TuneGrid()
        base = chosen_params(model, "auto")
        assert base.feedback is not None
        started = time.perf_counter()
        tried: dict[str, LabParams] = {}
        names = list(self.collections)

        def baseline(name: str, half: str) -> float:
            if not self.baselines.get(name):
                return 0.0
            best = self.baselines[name][self.best_baseline[name]]
            return metrics.mean(best, self.halves[name][half])["ndcg@10"]

        def mean_ndcg(p: LabParams, half: str) -> float:
            return statistics.fmean(self.figures(p, n)[half]["ndcg@10"] for n in names)

        def min_margin(p: LabParams, half: str) -> float:
            return min(self.figures(p, n)[half]["ndcg@10"] - baseline(n, half) for n in names)

        criteria: dict[str, Callable[[LabParams, str], float]] = {
            "min_margin": min_margin, "mean": mean_ndcg,
        }
        stage1 = []
        for k1, bt, bb, tw, cu in itertools.product(
            g.k1, g.b_title, g.b_body, g.title_weight, g.coordination_upto
        ):
            p = replace(base, k1=k1, b_title=bt, b_body=bb, title_weight=tw / 2,
                        coordination_upto=cu)
            stage1.append(p)
            tried[p.label()] = p
            mean_ndcg(p, "all")
        self.say(f"  tuning stage 1: {len(stage1)} settings ({time.perf_counter() - started:.0f}s)")
        pools: dict[tuple[str, str], list[LabParams]] = {}
        for crit, fn in criteria.items():
            for half in ("odd", "even", "all"):
                best3 = sorted(stage1, key=lambda p, h=half, f=fn: -f(p, h))[:3]
                extra = []
                for p, (docs, terms, w) in itertools.product(
                    best3, itertools.product(g.fb_docs, g.fb_terms, g.fb_weight)
                ):
                    q = replace(p, feedback=replace(base.feedback, docs=docs, terms=terms,
                                                    weight=w))
                    tried[q.label()] = q
                    extra.append(q)
                    mean_ndcg(q, "all")
                pools[(crit, half)] = stage1 + extra
        self.say(f"  tuning stage 2: {len(tried)} settings ({time.perf_counter() - started:.0f}s)")

        def choice(crit: str, on: str, report: str) -> dict[str, Any]:
            fn = criteria[crit]
            p = max(pools[(crit, on)], key=lambda p: (round(fn(p, on), 10), -_dist(p, base)))
            return {
                "criterion": crit,
                "tuning_half": on,
                "reported_half": report,
                "model": p.label(),
                "knobs": _knobs(p),
                "criterion_on_tuning_half": fn(p, on),
                "collections": {
                    name: {
                        "tuning": self.figures(p, name)[on],
                        "reported": self.figures(p, name)[report],
                        "best_baseline_reported": baseline(name, report),
                        "vs_best_baseline_reported": self.compare(
                            self.per_query(p, name),
                            self.baselines[name][self.best_baseline[name]],
                            self.halves[name][report],
                        ) if self.baselines.get(name) else None,
                    }
                    for name in names
                },
            }

        choices = {
            f"{crit}: tuned_on_{on}": choice(crit, on, report)
            for crit in criteria
            for on, report in (("odd", "even"), ("even", "odd"), ("all", "all"))
        }
        everything = sorted(tried.values(), key=lambda p: -min_margin(p, "all"))
        top = min_margin(everything[0], "all")
        return {
            "grid": asdict(g),
            "settings": len(tried),
            "seconds": round(time.perf_counter() - started, 1),
            "choices": choices,
            "defaults": {
                "model": base.label(),
                "knobs": _knobs(base),
                "min_margin": {h: min_margin(base, h) for h in HALVES},
                "mean": {h: mean_ndcg(base, h) for h in HALVES},
                "rank_on_all": 1 + sum(1 for p in everything
                                       if min_margin(p, "all") > min_margin(base, "all") + 1e-12),
            },
            "flatness": {
                "best_on_all": top,
                "within_0.005": sum(1 for p in everything if top - min_margin(p, "all") <= 0.005),
                "within_0.01": sum(1 for p in everything if top - min_margin(p, "all") <= 0.01),
                "median": statistics.median(min_margin(p, "all") for p in everything),
            },
            "top": [
                {
                    "knobs": _knobs(p),
                    **{f"min_margin_{h}": min_margin(p, h) for h in HALVES},
                    "per_collection": {
                        name: self.figures(p, name)["all"]["ndcg@10"] for name in names
                    },
                }
                for p in everything[:12]
            ],
        }


@dataclass(frozen=True)
class TuneGrid:
    """The values :meth:`Study.tune` tries (title weight is the total, the index's x2
    included)."""

    k1: tuple[float, ...] = (1.2, 1.6, 2.0, 2.5, 3.0)
    b_title: tuple[float, ...] = (0.5, 0.9)
    b_body: tuple[float, ...] = (0.5, 0.75, 0.9)
    title_weight: tuple[float, ...] = (2.0, 3.0, 4.0)
    coordination_upto: tuple[int, ...] = (3, 1_000_000)
    fb_docs: tuple[int, ...] = (3, 5, 10)
    fb_terms: tuple[int, ...] = (5, 10, 20)
    fb_weight: tuple[float, ...] = (0.3, 0.5, 0.7)


QUICK_GRID = TuneGrid(
    k1=(1.2, 2.5), b_title=(0.9,), b_body=(0.9,), title_weight=(4.0,),
    coordination_upto=(1_000_000,), fb_docs=(3,), fb_terms=(20,), fb_weight=(0.5,),
)


def _knobs(p: LabParams) -> dict[str, Any]:
    fb = p.feedback
    return {
        "k1": p.k1,
        "b_title": p.b_title,
        "b_body": p.b_body,
        "title_weight": p.title_boost * p.title_weight,
        "coordination_long_queries": p.coordination_upto > 3,
        "feedback_docs": fb.docs if fb else 0,
        "feedback_terms": fb.terms if fb else 0,
        "feedback_query_weight": fb.weight if fb else None,
    }


def _dist(p: LabParams, base: LabParams) -> float:
    """How far a setting is from the defaults (ties go to the nearer)."""
    a, b = _knobs(p), _knobs(base)
    return sum(
        abs(float(a[k]) - float(b[k])) if not isinstance(a[k], bool) else float(a[k] != b[k])
        for k in a
        if a[k] is not None and b[k] is not None
    ) + (0.0 if math.isfinite(p.k1) else 1.0)
