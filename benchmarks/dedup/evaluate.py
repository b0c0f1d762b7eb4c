"""Evaluate searchlib.dedup: copies found by body MinHash vs by normalised title, on a labelled
set built honestly from the real corpora (see labelset.py and synth.py for how).

Steps:

1. build the labelled pairs (natural copies and hard negatives labelled by the sentence rule of
   labelset.py, plus synthetic syndication copies), and split them into a **tuning** and a
   **held-out** half by connected component (no article is in both halves);
2. on the tuning half only, choose the shingle size k, the number weight, the short-body
   fallback, the LSH banding and the threshold that maximise F1 end to end (a pair is found
   when the signatures share a band and the estimate is >= T);
3. report precision / recall / F1 / accuracy of title-only, MinHash and exact Jaccard on both
   halves, per kind of pair, the LSH candidate rate, error examples;
4. cluster a mixed pool with ``dedup.group()`` and with title-only grouping, against gold groups;
5. time ``signature()`` on Reuters bodies and ``group()`` on 100,000 articles.

Usage::

    python -m benchmarks.dedup.evaluate [--out benchmarks/dedup/results.json] [--no-speed]

It writes FILE.json and FILE.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from searchlib import dedup

from . import labelset, synth
from .labelset import Doc, Pair

HERE = Path(__file__).resolve().parent

KS = (3, 4, 5, 6)
SHORTS = (0, 20)
NUMBER_WEIGHTS = (1, 2, 3, 4)
Setting = tuple[int, int, int]  # (k, short, number weight)
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 20))
#: LSH banding tried, simulated on the first bands*rows values of a signature. Two rows is
#: reported for reference only: it makes far more candidates (see candidate_volume).
LSH_CONFIGS = ((42, 3), (31, 4), (63, 2))


def band_ids(sig: np.ndarray, bands: int, rows: int) -> set[bytes]:
    """The bands of a signature as hashable values (for simulating other banding)."""
    if dedup.is_empty(sig):
        return set()
    v = np.ascontiguousarray(sig[: bands * rows].reshape(bands, rows))
    return {bytes([b]) + v[b].tobytes() for b in range(bands)}


def shares_band(a: np.ndarray, b: np.ndarray, bands: int, rows: int) -> bool:
    """Whether two signatures agree on all rows of at least one band."""
    return bool(band_ids(a, bands, rows) & band_ids(b, bands, rows))


def candidate_volume(all_docs: dict[str, list[Doc]], setting: Setting) -> dict[str, int]:
    """How many article pairs of the real corpora share a band, per banding (cost of LSH)."""
    docs = [d for ds in all_docs.values() for d in ds]
    feats = Features()
    sigs = np.stack([feats.sig(d, setting) for d in docs])
    out = {"articles": len(docs)}
    for bands, rows in LSH_CONFIGS:
        found: set[tuple[int, int]] = set()
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i, s in enumerate(sigs):
            for key in band_ids(s, bands, rows):
                buckets[key].append(i)
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    found.add((members[x], members[y]))
        out[f"{bands}x{rows}"] = len(found)
    return out


# --------------------------------------------------------------------------- features


class Features:
    """Shingle sets and signatures of documents for a setting ``(k, short, m)``: k-word
    shingles, the title added below ``short`` body words, numeric shingles counted m times."""

    def __init__(self) -> None:
        self._sets: dict[tuple[str, Setting], np.ndarray] = {}
        self._sigs: dict[tuple[str, Setting], np.ndarray] = {}

    @staticmethod
    def words(doc: Doc, short: int) -> list[str]:
        ws = dedup._words(doc.body)
        if len(ws) < short:
            ws = dedup._words(doc.title) + ws
        return ws

    def hashes(self, doc: Doc, s: Setting) -> np.ndarray:
        key = (doc.uid, s)
        if key not in self._sets:
            k, short, m = s
            self._sets[key] = np.unique(dedup.shingle_hashes(self.words(doc, short), k, m))
        return self._sets[key]

    def sig(self, doc: Doc, s: Setting) -> np.ndarray:
        key = (doc.uid, s)
        if key not in self._sigs:
            k, short, m = s
            self._sigs[key] = dedup.signature_of_hashes(
                dedup.shingle_hashes(self.words(doc, short), k, m)
            )
        return self._sigs[key]

    def jaccard(self, a: Doc, b: Doc, s: Setting) -> float:
        """Exact (weighted, when m > 1) Jaccard similarity of the shingle sets."""
        ha, hb = self.hashes(a, s), self.hashes(b, s)
        if not len(ha) or not len(hb):
            return 0.0
        inter = len(np.intersect1d(ha, hb, assume_unique=True))
        return inter / (len(ha) + len(hb) - inter)

    def minhash(self, a: Doc, b: Doc, s: Setting) -> float:
        return dedup.similarity(self.sig(a, s), self.sig(b, s))


def title_same(a: Doc, b: Doc) -> bool:
    """The title-only baseline: equal, non-empty normalised titles."""
    ta = dedup.normalise_title(a.title)
    return bool(ta) and ta == dedup.normalise_title(b.title)


def scores(truth: Sequence[bool], pred: Sequence[bool]) -> dict[str, float]:
    """Precision, recall, F1, accuracy and counts."""
    tp = sum(t and p for t, p in zip(truth, pred, strict=True))
    fp = sum((not t) and p for t, p in zip(truth, pred, strict=True))
    fn = sum(t and not p for t, p in zip(truth, pred, strict=True))
    tn = len(truth) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "accuracy": round((tp + tn) / len(truth), 4) if truth else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n": len(truth),
    }


# --------------------------------------------------------------------------- grouping


def gold_groups(docs: Sequence[Doc], edges: Sequence[tuple[str, str]]) -> list[int]:
    """Connected components of ``edges`` as a group id per document."""
    index = {d.uid: i for i, d in enumerate(docs)}
    parent = list(range(len(docs)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(index[a]), find(index[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(len(docs))]


def pair_scores(gold: Sequence[int], pred: Sequence[int]) -> dict[str, float]:
    """Pairwise precision / recall / F1 of co-membership, computed from cluster intersections."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    both = sum(pairs(c) for c in Counter(zip(gold, pred, strict=True)).values())
    g = sum(pairs(c) for c in Counter(gold).values())
    p = sum(pairs(c) for c in Counter(pred).values())
    precision = both / p if p else 1.0
    recall = both / g if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "gold_pairs": g,
        "predicted_pairs": p,
        "correct_pairs": both,
        "gold_groups_of_2+": sum(1 for c in Counter(gold).values() if c > 1),
        "predicted_groups_of_2+": sum(1 for c in Counter(pred).values() if c > 1),
    }


def title_grouping(docs: Sequence[Doc]) -> list[int]:
    """Title-only grouping: articles with equal non-empty normalised titles."""
    first: dict[str, int] = {}
    out = []
    for i, d in enumerate(docs):
        t = dedup.normalise_title(d.title)
        out.append(first.setdefault(t, i) if t else i)
    return out


def grouping_eval(
    test_pairs: Sequence[Pair], all_docs: dict[str, list[Doc]], rng: random.Random
) -> dict[str, Any]:
    """``group()`` vs title grouping on a mixed pool: the held-out half's articles, synthetic
    clusters (an original and 3 copies, one of them a copy of a copy) and random distractors.
    Gold: synthetic provenance, labelled positive pairs, and every pair of the pool the word-set
    net finds (Jaccard >= 0.4) that the labelling rule calls a copy; closed transitively."""
    pool: dict[str, Doc] = {}
    edges: list[tuple[str, str]] = []
    for p in test_pairs:
        pool.setdefault(p.a.uid, p.a)
        pool.setdefault(p.b.uid, p.b)
        if p.copy:
            edges.append((p.a.uid, p.b.uid))
    clusters = 0
    for docs in all_docs.values():
        candidates = [d for d in docs if d.uid not in pool and len(d.body.split()) >= 60]
        for n, doc in enumerate(rng.sample(candidates, min(100, len(candidates)))):
            c1, _ = synth.make_copy(doc, candidates, "light", rng, 1000 + n)
            c2, _ = synth.make_copy(doc, candidates, "moderate", rng, 2000 + n)
            c3, _ = synth.make_copy(c1, candidates, "light", rng, 3000 + n)  # copy of a copy
            c3 = Doc(f"{doc.uid}~chain{n}", c3.corpus, c3.title, c3.body, c3.date)
            for d in (doc, c1, c2, c3):
                pool[d.uid] = d
            edges += [(doc.uid, c1.uid), (doc.uid, c2.uid), (c1.uid, c3.uid)]
            clusters += 1
        rest = [d for d in docs if d.uid not in pool]
        for d in rng.sample(rest, min(1500, len(rest))):
            pool[d.uid] = d
    docs = sorted(pool.values(), key=lambda d: d.uid)
    # Natural copies among the pool that no labelled pair covers: the net plus the rule.
    sets = labelset.word_sets(docs)
    extra = 0
    for (i, j), _jac in labelset.overlap_pairs(sets, 0.4).items():
        a, b = docs[i], docs[j]
        if "~" in a.uid or "~" in b.uid or a.corpus != b.corpus:
            continue
        if labelset.words(a.body) == labelset.words(b.body) or labelset.rule_copy(a, b):
            edges.append((a.uid, b.uid))
            extra += 1
    gold = gold_groups(docs, edges)
    t0 = time.perf_counter()
    sigs = [dedup.signature(d.title, d.body) for d in docs]
    t1 = time.perf_counter()
    pred = dedup.group(sigs)
    t2 = time.perf_counter()
    return {
        "pool_articles": len(docs),
        "synthetic_clusters": clusters,
        "gold_edges_from_rule_in_pool": extra,
        "content_group": pair_scores(gold, pred),
        "title_group": pair_scores(gold, title_grouping(docs)),
        "signature_s": round(t1 - t0, 2),
        "group_s": round(t2 - t1, 3),
    }


# --------------------------------------------------------------------------- speed


def speed(all_docs: dict[str, list[Doc]], rng: random.Random) -> dict[str, Any]:
    """signature() throughput on Reuters bodies; group() on 100,000 articles."""
    reuters = all_docs.get("reuters", [])
    out: dict[str, Any] = {}
    if reuters:
        for d in reuters[:500]:
            dedup.signature(d.title, d.body)  # warm-up
        t0 = time.perf_counter()
        sigs = [dedup.signature(d.title, d.body) for d in reuters]
        el = time.perf_counter() - t0
        out["signature"] = {
            "articles": len(reuters),
            "mean_words": round(float(np.mean([len(d.body.split()) for d in reuters])), 1),
            "seconds": round(el, 2),
            "articles_per_s": round(len(reuters) / el),
        }
        t0 = time.perf_counter()
        for s in sigs:
            dedup.band_keys(s)
        out["band_keys_per_s"] = round(len(sigs) / (time.perf_counter() - t0))
    # 100,000 articles: every real article plus light/moderate copies of random ones.
    docs = [d for ds in all_docs.values() for d in ds]
    sigs = [dedup.signature(d.title, d.body) for d in docs]
    pool = [d for d in docs if len(d.body.split()) >= 60]
    n = 0
    while len(sigs) < 100_000:
        d = rng.choice(pool)
        copy, _ = synth.make_copy(d, pool, rng.choice(["light", "moderate"]), rng, n)
        sigs.append(dedup.signature(copy.title, copy.body))
        n += 1
    order = list(range(len(sigs)))
    rng.shuffle(order)
    sigs = [sigs[i] for i in order]
    t0 = time.perf_counter()
    groups = dedup.group(sigs)
    el = time.perf_counter() - t0
    t0 = time.perf_counter()
    dedup.group(sigs[:50_000])
    half = time.perf_counter() - t0
    out["group"] = {
        "articles": len(sigs),
        "synthetic_copies": n,
        "seconds": round(el, 2),
        "seconds_for_50k": round(half, 2),
        "groups_of_2+": sum(1 for c in Counter(groups).values() if c > 1),
    }
    return out


# --------------------------------------------------------------------------- main


def describe(p: Pair, sim: float, title: bool) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "copy": p.copy,
        "minhash": round(sim, 3),
        "title_same": title,
        "a": p.a.uid,
        "b": p.b.uid,
        "title_a": p.a.title[:90],
        "title_b": p.b.title[:90],
        "note": p.note,
    }


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    t_start = time.perf_counter()
    rng = random.Random(args.seed)
    ls = labelset.build(root=args.corpora, seed=args.seed)
    pairs = ls.pairs
    split = labelset.split_of(pairs)
    feats = Features()
    halves = {
        "tune": [i for i, s in enumerate(split) if s == "tune"],
        "test": [i for i, s in enumerate(split) if s == "test"],
    }
    truth = [p.copy for p in pairs]

    # 2. tuning (tuning half only): end to end, as group() and the index work: a pair is found
    # when the two signatures share an LSH band and the estimate is >= T.
    grid = []
    t = [truth[i] for i in halves["tune"]]
    for k in KS:
        for short in SHORTS:
            for m in NUMBER_WEIGHTS:
                st = (k, short, m)
                tune = [pairs[i] for i in halves["tune"]]
                mh = [feats.minhash(p.a, p.b, st) for p in tune]
                ex = [feats.jaccard(p.a, p.b, st) for p in tune]
                for bands, rows in LSH_CONFIGS:
                    shared = [
                        shares_band(feats.sig(p.a, st), feats.sig(p.b, st), bands, rows)
                        for p in tune
                    ]
                    for thr in THRESHOLDS:
                        grid.append(
                            {
                                "k": k,
                                "short": short,
                                "m": m,
                                "bands": bands,
                                "rows": rows,
                                "threshold": thr,
                                "f1": scores(
                                    t, [s >= thr and c for s, c in zip(mh, shared, strict=True)]
                                )["f1"],
                                "exact_f1": scores(t, [s >= thr for s in ex])["f1"],
                            }
                        )
    eligible = [g for g in grid if g["rows"] >= 3]
    top = max(g["f1"] for g in eligible)
    # Within 0.005 of the best F1: prefer the higher threshold (less sensitive to estimation
    # noise), then more rows (fewer candidates), the smaller k, the title fallback for short
    # bodies, the smaller number weight.
    best = max(
        (g for g in eligible if g["f1"] >= top - 0.005),
        key=lambda g: (g["threshold"], g["rows"], -g["k"], g["short"], -g["m"]),
    )
    best_exact = max(grid, key=lambda g: (g["exact_f1"], g["threshold"]))
    per_config = []
    for k in KS:
        for m in NUMBER_WEIGHTS:
            for _bands, rows in LSH_CONFIGS:
                row = max(
                    (g for g in grid if g["k"] == k and g["m"] == m and g["rows"] == rows),
                    key=lambda g: (g["f1"], g["threshold"]),
                )
                per_config.append(
                    {
                        key: row[key]
                        for key in ("k", "m", "bands", "rows", "short", "threshold", "f1")
                    }
                )
    volume = candidate_volume(ls.docs, (best["k"], best["short"], best["m"]))

    # 3. the methods on both halves
    module: Setting = (dedup.SHINGLE, dedup.SHORT_BODY_WORDS, dedup.NUMBER_WEIGHT)
    tuned: Setting = (best["k"], best["short"], best["m"])
    plain: Setting = (dedup.SHINGLE, dedup.SHORT_BODY_WORDS, 1)
    exact: Setting = (best_exact["k"], best_exact["short"], best_exact["m"])
    T = dedup.THRESHOLD

    def module_says(p: Pair) -> bool:
        a, b = feats.sig(p.a, module), feats.sig(p.b, module)
        return dedup.is_duplicate(a, b) and shares_band(a, b, dedup.BANDS, dedup.ROWS)

    methods: dict[str, Callable[[Pair], bool]] = {
        "title-only (normalised titles equal)": lambda p: title_same(p.a, p.b),
        f"dedup module: LSH {dedup.BANDS}x{dedup.ROWS} + MinHash >= {T} "
        f"(k={module[0]}, numbers x{module[2]})": module_says,
        f"exact Jaccard, module settings (T={T})": lambda p: feats.jaccard(p.a, p.b, module) >= T,
        f"MinHash without number weight (k={plain[0]}, T={T}, no LSH)": lambda p: (
            feats.minhash(p.a, p.b, plain) >= T
        ),
        f"MinHash, tuned (k={tuned[0]}, short<{tuned[1]}, numbers x{tuned[2]}, "
        f"T={best['threshold']}, no LSH)": lambda p: (
            feats.minhash(p.a, p.b, tuned) >= best["threshold"]
        ),
        f"exact Jaccard, best on tuning half (k={exact[0]}, numbers x{exact[2]}, "
        f"T={best_exact['threshold']})": lambda p: (
            feats.jaccard(p.a, p.b, exact) >= best_exact["threshold"]
        ),
    }
    table = []
    preds: dict[str, list[bool]] = {}
    for name, fn in methods.items():
        preds[name] = [fn(p) for p in pairs]
        for half in ("tune", "test"):
            idx = halves[half]
            row = scores([truth[i] for i in idx], [preds[name][i] for i in idx])
            table.append({"method": name, "half": half, **row})

    # per kind (held-out half)
    title_name = next(iter(methods))
    content_name = list(methods)[1]
    kinds: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in halves["test"]:
        kinds[(pairs[i].a.corpus, pairs[i].kind)].append(i)
    by_kind = []
    for (corpus, kind), idx in sorted(kinds.items()):
        by_kind.append(
            {
                "corpus": corpus,
                "kind": kind,
                "copy": pairs[idx[0]].copy,
                "n": len(idx),
                "title_says_copy": round(sum(preds[title_name][i] for i in idx) / len(idx), 3),
                "content_says_copy": round(sum(preds[content_name][i] for i in idx) / len(idx), 3),
            }
        )
    # synthetic edits (held-out): recall of content per edit applied
    edit_recall: dict[str, list[bool]] = defaultdict(list)
    for i in halves["test"]:
        if pairs[i].kind.startswith("synthetic"):
            for e in pairs[i].note.split("+"):
                edit_recall[e].append(preds[content_name][i])
    edits = {
        e: {"n": len(v), "content_recall": round(sum(v) / len(v), 3)}
        for e, v in sorted(edit_recall.items())
    }

    # LSH: do copies share a band key? (held-out)
    def shares_key(p: Pair) -> bool:
        ka = set(dedup.band_keys(dedup.signature(p.a.title, p.a.body)))
        return bool(ka & set(dedup.band_keys(dedup.signature(p.b.title, p.b.body))))

    test_pos = [pairs[i] for i in halves["test"] if truth[i]]
    test_neg = [pairs[i] for i in halves["test"] if not truth[i]]
    found_pos = [
        p for p, pr in ((pairs[i], preds[content_name][i]) for i in halves["test"]) if p.copy and pr
    ]
    lsh = {
        "copies_sharing_a_band": round(sum(map(shares_key, test_pos)) / len(test_pos), 4),
        "detected_copies_sharing_a_band": round(
            sum(map(shares_key, found_pos)) / max(1, len(found_pos)), 4
        ),
        "non_copies_sharing_a_band": round(sum(map(shares_key, test_neg)) / len(test_neg), 4),
    }

    # error examples (held-out)
    def sim(p: Pair) -> float:
        return feats.minhash(p.a, p.b, module)

    errors: dict[str, list[dict[str, Any]]] = {}
    for name, label in ((content_name, "content"), (title_name, "title")):
        fp = [pairs[i] for i in halves["test"] if preds[name][i] and not truth[i]]
        fn = [pairs[i] for i in halves["test"] if truth[i] and not preds[name][i]]
        fp.sort(key=sim, reverse=True)
        fn.sort(key=sim)
        r = random.Random(5)
        # the 6 most confident errors, then 4 random others
        fp = fp[:6] + r.sample(fp[6:], min(4, len(fp[6:])))
        fn = fn[:6] + r.sample(fn[6:], min(4, len(fn[6:])))
        errors[f"{label}_false_positives"] = [describe(p, sim(p), title_same(p.a, p.b)) for p in fp]
        errors[f"{label}_false_negatives"] = [describe(p, sim(p), title_same(p.a, p.b)) for p in fn]

    composition = Counter((p.a.corpus, p.kind, s) for p, s in zip(pairs, split, strict=True))
    comp_rows = []
    for corpus, kind in sorted({(c, k) for c, k, _ in composition}):
        comp_rows.append(
            {
                "corpus": corpus,
                "kind": kind,
                "copy": next(p.copy for p in pairs if p.a.corpus == corpus and p.kind == kind),
                "tune": composition[(corpus, kind, "tune")],
                "test": composition[(corpus, kind, "test")],
            }
        )

    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpu": platform.processor() or platform.machine(),
        },
        "module": {
            "SHINGLE": dedup.SHINGLE,
            "SHORT_BODY_WORDS": dedup.SHORT_BODY_WORDS,
            "NUMBER_WEIGHT": dedup.NUMBER_WEIGHT,
            "NUM_PERM": dedup.NUM_PERM,
            "BANDS": dedup.BANDS,
            "ROWS": dedup.ROWS,
            "THRESHOLD": dedup.THRESHOLD,
        },
        "labelled_set": {"pairs": len(pairs), "composition": comp_rows, "build": ls.counts},
        "tuning": {
            "best": best,
            "best_exact": best_exact,
            "best_per_config": per_config,
            "candidate_pairs_on_real_articles": volume,
        },
        "results": table,
        "by_kind_test": by_kind,
        "synthetic_edits_test": edits,
        "lsh_test": lsh,
        "errors_test": errors,
    }
    report["grouping"] = grouping_eval([pairs[i] for i in halves["test"]], ls.docs, rng)
    if not args.no_speed:
        report["speed"] = speed(ls.docs, rng)
    report["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    return report


def markdown(r: dict[str, Any]) -> str:
    m = r["module"]
    lines = [
        "# searchlib.dedup: near-duplicate evaluation",
        "",
        f"Module: k={m['SHINGLE']}-word shingles (numeric ones x{m['NUMBER_WEIGHT']}, title added "
        f"below {m['SHORT_BODY_WORDS']} body words), {m['NUM_PERM']} MinHash values, "
        f"LSH {m['BANDS']} bands x {m['ROWS']} rows, "
        f"THRESHOLD={m['THRESHOLD']}.",
        "",
        "## Labelled set",
        "",
        f"{r['labelled_set']['pairs']} pairs. Halves are whole connected components.",
        "",
        "| corpus | kind | copy? | tuning half | held-out half |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for c in r["labelled_set"]["composition"]:
        lines.append(
            f"| {c['corpus']} | {c['kind']} | {'yes' if c['copy'] else 'no'} "
            f"| {c['tune']} | {c['test']} |"
        )
    t = r["tuning"]
    lines += [
        "",
        "## Tuning (tuning half only)",
        "",
        f"Chosen: k={t['best']['k']}, numbers x{t['best']['m']}, title added below "
        f"{t['best']['short']} body words, LSH "
        f"{t['best']['bands']}x{t['best']['rows']}, T={t['best']['threshold']} (end-to-end F1 "
        f"{t['best']['f1']}; rule: best F1, and within 0.005 of it the higher threshold, then "
        f"more rows, then smaller k). Exact Jaccard alone is best at k={t['best_exact']['k']}, "
        f"T={t['best_exact']['threshold']} (F1 {t['best_exact']['exact_f1']}).",
        "",
        "Candidate pairs (sharing a band) among all "
        f"{t['candidate_pairs_on_real_articles']['articles']} real articles: "
        + ", ".join(
            f"{k} {v}" for k, v in t["candidate_pairs_on_real_articles"].items() if k != "articles"
        )
        + ".",
        "",
        "| k | number weight | LSH bands x rows | best T | short | end-to-end F1 (tuning) |",
        "| ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for v in t["best_per_config"]:
        lines.append(
            f"| {v['k']} | {v['m']} | {v['bands']}x{v['rows']} | {v['threshold']} "
            f"| {v['short']} | {v['f1']} |"
        )
    lines += [
        "",
        "## Pairwise results",
        "",
        "| method | half | precision | recall | F1 | accuracy | TP | FP | FN | TN |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in r["results"]:
        lines.append(
            f"| {row['method']} | {row['half']} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['f1']:.3f} | {row['accuracy']:.3f} | {row['tp']} | {row['fp']} "
            f"| {row['fn']} | {row['tn']} |"
        )
    lines += [
        "",
        "## By kind (held-out half): share of pairs each method calls a copy",
        "",
        "| corpus | kind | copy? | n | title-only | content (module) |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for k in r["by_kind_test"]:
        lines.append(
            f"| {k['corpus']} | {k['kind']} | {'yes' if k['copy'] else 'no'} | {k['n']} "
            f"| {k['title_says_copy']:.3f} | {k['content_says_copy']:.3f} |"
        )
    lines += ["", "Synthetic copies, content recall by edit applied (held-out):", ""]
    lines.append(
        ", ".join(
            f"{e} {v['content_recall']:.3f} (n={v['n']})"
            for e, v in r["synthetic_edits_test"].items()
        )
    )
    lsh = r["lsh_test"]
    lines += [
        "",
        f"LSH (held-out): {lsh['copies_sharing_a_band']:.3f} of copies share a band key "
        f"({lsh['detected_copies_sharing_a_band']:.3f} of the copies the module detects), "
        f"{lsh['non_copies_sharing_a_band']:.3f} of non-copies do.",
        "",
        "## Grouping a mixed pool",
        "",
    ]
    g = r["grouping"]
    lines += [
        f"{g['pool_articles']} articles ({g['synthetic_clusters']} synthetic clusters of 4, one "
        f"copy of a copy each; {g['gold_edges_from_rule_in_pool']} extra gold edges from the rule "
        f"inside the pool). signature() {g['signature_s']} s, group() {g['group_s']} s.",
        "",
        "| grouping | pair precision | pair recall | F1 | gold groups | predicted groups |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, key in (
        ("dedup.group()", "content_group"),
        ("equal normalised titles", "title_group"),
    ):
        s = g[key]
        lines.append(
            f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
            f"| {s['gold_groups_of_2+']} | {s['predicted_groups_of_2+']} |"
        )
    if "speed" in r:
        s = r["speed"]
        lines += ["", "## Speed (one process)", ""]
        if "signature" in s:
            lines.append(
                f"signature(): {s['signature']['articles_per_s']} articles/s on "
                f"{s['signature']['articles']} Reuters bodies (mean "
                f"{s['signature']['mean_words']} words); band_keys(): {s['band_keys_per_s']}/s."
            )
        lines.append(
            f"group(): {s['group']['seconds']} s for {s['group']['articles']} articles "
            f"({s['group']['seconds_for_50k']} s for 50,000), "
            f"{s['group']['groups_of_2+']} groups of 2+."
        )
    lines += ["", "## Error examples (held-out)", ""]
    for key, rows in r["errors_test"].items():
        lines += [f"**{key}**", ""]
        for e in rows:
            lines.append(
                f"- {e['kind']}: `{e['a']}` / `{e['b']}` minhash={e['minhash']} "
                f'title_same={e["title_same"]}: "{e["title_a"]}" / "{e["title_b"]}"'
                + (f" ({e['note']})" if e["note"] else "")
            )
        lines.append("")
    lines.append(f"Elapsed: {r['elapsed_s']} s.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--corpora", type=Path, default=labelset.CORPORA)
    parser.add_argument("--seed", type=int, default=1987)
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    args = parser.parse_args()
    report = evaluate(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
