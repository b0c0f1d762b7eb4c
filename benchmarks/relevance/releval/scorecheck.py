"""Does searchlib score what its ranking model says it should? (the idea of bm25s'
``tests/comparison``)

searchlib ranks with the model chosen in issue 14 (``MODEL.md``). Its reference implementation,
:mod:`.model`, shares no code with searchlib or Whoosh: it analyses the raw text with the index's
analyser and computes BM25F over title and body (RSJ idf, Whoosh's one-byte field lengths), the
match rule, coordination, the every-word-first order and RM3 feedback itself. For every query,
searchlib's hits are compared with the reference's ranking in the same match mode and with the
same knobs: the ranking must be identical (ids in order, and the total and relaxation), and each
score equal to the 6 decimals ``Hit.score`` keeps.
"""

from __future__ import annotations

import statistics
from typing import Any

from .collection import Collection, sanitise
from .model import Match, ReferenceIndex
from .systems import SearchlibConfig, search_options


def searchlib_defaults() -> dict[str, Any]:
    """searchlib's ``Ranking()`` defaults and its default match mode."""
    import dataclasses

    import searchlib

    ranking = searchlib.Ranking()
    out: dict[str, Any] = {f.name: getattr(ranking, f.name) for f in dataclasses.fields(ranking)}
    out["match"] = search_options().get("match", "all")
    return out


def check(
    collection: Collection,
    index_path: Any,
    *,
    config: SearchlibConfig | None = None,
    depth: int = 100,
    reference: ReferenceIndex | None = None,
) -> dict[str, Any]:
    """Compare searchlib (with ``config``) against the reference model with the same knobs.

    Returns how many queries have the same ranking (the whole ``depth``, and the top 10), the
    same total and the same relaxation; the largest and median score differences over every
    hit of the same document at the same rank; and how many differ by more than ``Hit.score``'s
    rounding.
    """
    import searchlib

    config = config or SearchlibConfig()
    if config.proximity:
        raise ValueError("the score check needs proximity=0 (the model has no proximity)")
    match: Match = (config.match or searchlib_defaults()["match"])  # type: ignore[assignment]
    ref = reference or ReferenceIndex((d.title, d.body) for d in collection.docs)
    model = config.model()
    kwargs = {"ranking": searchlib.Ranking(**config.ranking_kwargs())}
    ids = [d.id for d in collection.docs]
    rel: list[float] = []
    worst_abs = 0.0
    beyond = identical = identical10 = same_total = same_relaxed = 0
    worst: tuple[float, str, str] = (0.0, "", "")
    with searchlib.Index(index_path, **kwargs) as index:
        for q in collection.judged_queries():
            text = sanitise(q.text)
            expected = ref.search(text, model, match=match, depth=depth)
            try:
                got = index.search(text, limit=depth, match=match, facets=(),
                                   histogram=False, fragments=0, suggest=False)
            except searchlib.QueryError:
                got = None
            got_ids = [h.id for h in got.hits] if got is not None else []
            got_scores = [h.score for h in got.hits] if got is not None else []
            want_ids = [ids[d] for d in expected.docs]
            identical += got_ids == want_ids
            identical10 += got_ids[:10] == want_ids[:10]
            same_total += (got.total if got is not None else 0) == expected.total
            same_relaxed += (got.relaxed if got is not None else False) == expected.relaxed
            for doc, s, want_doc, r in zip(got_ids, got_scores, want_ids, expected.scores,
                                           strict=False):
                if doc != want_doc:
                    continue
                diff = abs(s - r)
                rel.append(diff / abs(r) if r else diff)
                worst_abs = max(worst_abs, diff)
                if diff > 5e-7 + 1e-12 * abs(r):
                    beyond += 1
                if rel[-1] > worst[0]:
                    worst = (rel[-1], q.qid, doc)
    return {
        "searchlib": config.label(),
        "reference": f"releval.model ({model}), match={match}",
        "match": match,
        "queries": len(collection.judged_queries()),
        "hits_compared": len(rel),
        "max_abs_diff": worst_abs,
        "max_rel_diff": max(rel, default=0.0),
        "median_rel_diff": statistics.median(rel) if rel else 0.0,
        "hits_beyond_rounding": beyond,
        "worst": {"rel_diff": worst[0], "qid": worst[1], "doc": worst[2]},
        "identical_rankings": identical,
        "identical_top10": identical10,
        "same_totals": same_total,
        "same_relaxed": same_relaxed,
    }
