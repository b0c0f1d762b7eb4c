"""Does searchlib score what BM25F says it should? (the idea of bm25s' ``tests/comparison``)

searchlib ranks with Whoosh's BM25F: for each distinct query word and each of title and body,
``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * fl / avgfl))`` summed, where idf is
``log(N / (df + 1)) + 1`` per field, ``tf`` is the term frequency times the field's index-time
boost (2 for the title), ``fl`` the field's length in analysed words *as stored by Whoosh*
(quantised to one byte) and ``avgfl`` the exact mean length. The reference
(:func:`~.bm25.whoosh_bm25f`) computes that from the raw text with none of Whoosh's ranking
code. For every query, the scores searchlib returns are compared with the reference's for the
same documents, and searchlib's ranking with the reference's own ranking in the same match
mode. Two references are used: with quantised lengths (which must agree to the 6 decimals that
``Hit.score`` carries) and with exact lengths (the residual difference is what the one-byte
length encoding costs).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .bm25 import WHOOSH_STOP_WORDS, Mode, ReferenceBM25, whoosh_bm25f
from .collection import Collection, sanitise
from .systems import SearchlibConfig, SearchlibSystem

#: searchlib's BM25F parameters when it has no ``Ranking`` (Whoosh's ``BM25F()`` defaults).
WHOOSH_K1 = 1.2
WHOOSH_B = 0.75
TITLE_BOOST = 2.0


def searchlib_any_model() -> tuple[float, frozenset[str]]:
    """How searchlib's ``match="any"`` ranks: the coordination power and the question words
    it leaves out (1.0 and none in versions without them)."""
    import searchlib

    ranking = getattr(searchlib, "Ranking", None)
    power = float(getattr(ranking(), "coordination", 1.0)) if ranking is not None else 1.0
    try:
        from searchlib.ranking import QUESTION_WORDS
    except ImportError:
        return power, frozenset()
    return power, frozenset(QUESTION_WORDS)


def without_question_words(text: str, words: frozenset[str]) -> str:
    """``text`` without the question words, as searchlib's ``match="any"`` drops them (unless
    nothing searchable would be left)."""
    kept = [w for w in text.split() if w not in words]
    return " ".join(kept) if any(w not in WHOOSH_STOP_WORDS for w in kept) else text


def searchlib_defaults() -> dict[str, Any]:
    """searchlib's default k1, b, title_weight, proximity and match (Whoosh's BM25F and AND
    when it has no knobs)."""

    import searchlib

    from .systems import search_options

    default_match = search_options().get("match", "all")
    ranking = getattr(searchlib, "Ranking", None)
    if ranking is None:
        return {
            "k1": WHOOSH_K1,
            "b": WHOOSH_B,
            "title_weight": 1.0,
            "proximity": 0.0,
            "match": default_match,
        }
    r = ranking()
    return {
        "k1": float(r.k1),
        "b": float(r.b),
        "title_weight": float(getattr(r, "title_weight", 1.0)),
        "proximity": float(getattr(r, "proximity", 0.0)),
        "match": default_match,
    }


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b between two score lists over the same items (1.0 for fewer than 2)."""
    n = len(a)
    concordant = discordant = ties_a = ties_b = 0
    for i in range(n):
        for j in range(i + 1, n):
            da = a[i] - a[j]
            db = b[i] - b[j]
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif (da > 0) == (db > 0):
                concordant += 1
            else:
                discordant += 1
    denom = ((concordant + discordant + ties_a) * (concordant + discordant + ties_b)) ** 0.5
    return 1.0 if denom == 0 else (concordant - discordant) / denom


def check(
    collection: Collection,
    index_path: Any,
    *,
    config: SearchlibConfig | None = None,
    depth: int = 100,
    quantize: bool = True,
    reference: ReferenceBM25 | None = None,
) -> dict[str, Any]:
    """Compare searchlib (with ``config``) against the reference.

    Proximity re-scoring is not BM25F: when searchlib's default proximity is not 0 and
    ``config`` leaves it unset, the check runs with ``proximity=0``.

    Returns the largest and median relative score difference over every (query, hit), how
    many hits differ by more than the 6-decimal rounding of ``Hit.score``, and rank agreement:
    queries whose whole ranking (and whose top 10) is the same as the reference's own, the mean
    overlap of the top 10, and the mean Kendall tau between the two systems' scores of
    searchlib's hits.
    """
    config = config or SearchlibConfig()
    defaults = searchlib_defaults()
    if config.proximity is None and defaults["proximity"]:
        config = replace(config, proximity=0.0)
    k1 = config.k1 if config.k1 is not None else defaults["k1"]
    b = config.b if config.b is not None else defaults["b"]
    tw = config.title_weight if config.title_weight is not None else defaults["title_weight"]
    if config.proximity:
        raise ValueError("the score check needs proximity=0 (the reference has no proximity)")
    mode: Mode = "any" if (config.match or defaults["match"]) == "any" else "all"
    power, question_words = searchlib_any_model()
    ref = reference or ReferenceBM25(
        collection.docs,
        whoosh_bm25f(k1=k1, b=b, title_boost=TITLE_BOOST, title_weight=tw, quantize=quantize),
    )
    system = SearchlibSystem(index_path, "searchlib", config)
    rel: list[float] = []
    over_rounding = 0
    identical = identical10 = 0
    overlap10: list[float] = []
    taus: list[float] = []
    worst: tuple[float, str, str] = (0.0, "", "")
    try:
        for q in collection.judged_queries():
            text = sanitise(q.text)
            got = system.search(q.text, depth)
            how: Mode = mode
            if mode == "any":
                text = without_question_words(text, question_words)
            elif question_words:
                strict = ref.rank(text, depth=1, mode="all")
                if not strict.ids or strict.matched[0] != strict.words:
                    # nothing has every word: searchlib relaxes without the question words
                    text, how = without_question_words(text, question_words), "relaxed"
            mine = ref.rank(text, depth=depth, mode=how, coordination=power)
            full = ref.rank(text, depth=len(collection.docs), mode=how, coordination=power)
            expected = dict(zip(full.ids, full.scores, strict=True))
            theirs = [expected.get(d, 0.0) for d in got.ids]
            for doc, s, r in zip(got.ids, got.scores, theirs, strict=True):
                d = abs(s - r) / abs(r) if r else abs(s - r)
                rel.append(d)
                if abs(s - r) > 5e-7 + 1e-12 * abs(r):
                    over_rounding += 1
                if d > worst[0]:
                    worst = (d, q.qid, doc)
            identical += got.ids == mine.ids
            identical10 += got.ids[:10] == mine.ids[:10]
            if mine.ids:
                shared = set(got.ids[:10]) & set(mine.ids[:10])
                overlap10.append(len(shared) / min(10, len(mine.ids)))
            taus.append(kendall_tau(got.scores, theirs))
    finally:
        system.close()
    queries = len(collection.judged_queries())
    return {
        "searchlib": config.label(),
        "reference": ref.params.label() + f", mode={mode}",
        "quantized_lengths": quantize,
        "queries": queries,
        "hits_compared": len(rel),
        "max_rel_diff": max(rel, default=0.0),
        "median_rel_diff": statistics.median(rel) if rel else 0.0,
        "hits_beyond_rounding": over_rounding,
        "worst": {"rel_diff": worst[0], "qid": worst[1], "doc": worst[2]},
        "identical_rankings": identical,
        "identical_top10": identical10,
        "mean_overlap_top10": statistics.fmean(overlap10) if overlap10 else 1.0,
        "mean_kendall_tau": statistics.fmean(taus) if taus else 1.0,
        "length_rounding": ref.length_rounding(),
    }
