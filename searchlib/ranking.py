"""searchlib's ranking model: its parameters and the engine-free parts of its arithmetic.

One model ranks every search (issue 14; ``benchmarks/relevance/MODEL.md`` is its full
specification, ``benchmarks/relevance/releval/model.py`` its reference implementation, which
the tests check the library's scores against):

* **term scores, BM25F over title and body**: for each query term and article, the title's
  and the body's term frequencies are each divided by their field's length normalisation
  ``1 - b + b * length / average length``, the title's counted :attr:`Ranking.title_weight`
  times a body occurrence, added, then saturated once: ``idf * tf * (k1 + 1) / (tf + k1)``,
  with the Robertson-Spärck Jones idf ``ln((N - df + 0.5) / (df + 0.5))`` of the number of
  articles with the term in either field, floored at :data:`IDF_FLOOR` (a term in half the
  articles or more still orders the articles that have nothing else, but adds almost nothing);
* **function words** (:data:`QUESTION_WORDS`: "what", "does", "about"...) are left out of a
  query, in every match mode, unless nothing else would be left (:mod:`searchlib.search`);
* **which articles match** (``match=``): ``auto`` (the default) requires every word of a query
  of up to :attr:`Ranking.auto_all_upto` content words and any word of a longer one; ``all``
  every word; ``any`` any word; a search that requires every word and finds nothing falls
  back to any word (``relaxed``);
* **coordination**: an article that has only some of the words has its score multiplied by
  ``(share of the words it has) ** coordination`` (:func:`coordination`); in a search that
  does not require every word, the articles that have every word come first (:func:`top`);
* **pseudo-relevance feedback** (RM3) re-ranks the same matches of a search that does not
  require every word: the best :attr:`Ranking.feedback_docs` articles give
  :attr:`Ranking.feedback_terms` more terms (:func:`relevance_model`, :func:`expansion`),
  mixed with the query's own;
* **proximity** (:attr:`Ranking.proximity`, off by default): the best few hundred are
  re-scored with a bonus for each pair of adjacent query words they contain side by side;
* **recency** (``recency="30d"``): the score is multiplied by ``1 + 2 ** (-age / half_life)``,
  where ``age`` is the number of days between the article and the newest matching article
  (on a live archive, about today; on a historical one, the latest coverage of the subject),
  so the newest count up to twice as much and an article one half-life older one and a half
  times as much. Undated articles get no boost. Off unless asked for;
* **date order** (``sort="date"``): newest first, ties broken by score, then index order.

Ties are always broken by index order (document number), as Whoosh's collectors do.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from .errors import QueryError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray: TypeAlias = npt.NDArray[np.float64]
    IntArray: TypeAlias = npt.NDArray[np.int32]


def __getattr__(name: str) -> object:
    """``FloatArray`` and ``IntArray`` (numpy's array types), made when first asked for: numpy
    is imported by the functions that rank, so that a process that never ranks does not pay
    for its import."""
    if name == "FloatArray":
        import numpy as np
        import numpy.typing as npt

        return npt.NDArray[np.float64]
    if name == "IntArray":
        import numpy as np
        import numpy.typing as npt

        return npt.NDArray[np.int32]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: The day number of an undated article (dated ones are ``date.toordinal()``, 1 or more).
NO_DAY = 0

#: How many of the best matches proximity re-scores.
PROXIMITY_DEPTH = 200

#: Up to this many matches, :func:`top` sorts them all (cheaper than selecting first).
_SORT_ALL = 2048

#: The smallest idf: a term in half the articles or more still separates the articles that
#: have nothing else, but adds almost nothing (as SQLite FTS5's ``bm25()`` does).
IDF_FLOOR = 1e-6

#: Function words taken out of queries (questions): English pronouns, auxiliaries,
#: prepositions, conjunctions and question words. Words the index itself drops (Whoosh's stop
#: list) are not matched anyway.
_QUESTION_WORDS = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves must may might shall
"""
QUESTION_WORDS: frozenset[str] = frozenset(_QUESTION_WORDS.split())


@dataclass(frozen=True, kw_only=True)
class Ranking:
    """The relevance model of an index, chosen when it is opened (``Index(path, ranking=...)``).

    The defaults are the model chosen in issue 14 on Cranfield and CISI (tuned on half of each
    collection's queries, checked on the other half) and meant for every collection: there is
    no per-collection tuning.

    * ``k1``: saturation of a term's combined frequency (BM25F);
    * ``b_title``, ``b_body``: length normalisation of each field (0: none, 1: full);
    * ``title_weight``: what one occurrence in the title counts, in body occurrences;
    * ``auto_all_upto``: ``match="auto"`` requires every word of a query of up to this many
      content words, and any word of a longer one;
    * ``coordination``: the power of the share of the query's words an article has, which
      multiplies its score (0 for a plain OR, 1 for the classic coordination factor);
    * ``feedback_docs``, ``feedback_terms``, ``feedback_query_weight``: pseudo-relevance
      feedback (RM3) for searches that do not require every word: that many best articles,
      that many expansion terms, and the weight of the query's own words in the mix
      (``feedback_docs=0`` turns feedback off);
    * ``proximity``: the bonus, as a fraction of the score, for an article that contains
      every pair of adjacent query words next to each other (0 turns it off).
    """

    k1: float = 2.5
    b_title: float = 0.9
    b_body: float = 0.9
    title_weight: float = 4.0
    auto_all_upto: int = 3
    coordination: float = 0.25
    feedback_docs: int = 3
    feedback_terms: int = 20
    feedback_query_weight: float = 0.5
    proximity: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.k1 <= 100:
            raise QueryError(f"k1 must be between 0 and 100, not {self.k1}")
        for name in ("b_title", "b_body"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise QueryError(f"{name} must be between 0 and 1, not {value}")
        if not 0 < self.title_weight <= 100:
            raise QueryError(f"title_weight must be in (0, 100], not {self.title_weight}")
        if not 0 <= self.auto_all_upto <= 256:
            raise QueryError(f"auto_all_upto must be between 0 and 256, not {self.auto_all_upto}")
        if not 0 <= self.coordination <= 4:
            raise QueryError(f"coordination must be between 0 and 4, not {self.coordination}")
        if not 0 <= self.feedback_docs <= 100:
            raise QueryError(f"feedback_docs must be between 0 and 100, not {self.feedback_docs}")
        if not 1 <= self.feedback_terms <= 1000:
            raise QueryError(
                f"feedback_terms must be between 1 and 1000, not {self.feedback_terms}"
            )
        if not 0 < self.feedback_query_weight <= 1:
            raise QueryError(
                "feedback_query_weight must be in (0, 1], not "
                f"{self.feedback_query_weight}"
            )
        if not 0 <= self.proximity <= 100:
            raise QueryError(f"proximity must be between 0 and 100, not {self.proximity}")

    @property
    def b(self) -> float:
        """The body's length normalisation (for code that reads a single ``b``)."""
        return self.b_body

    @property
    def feedback(self) -> bool:
        """True when searches that do not require every word are re-ranked by feedback."""
        return self.feedback_docs > 0


# -- term scores ------------------------------------------------------------------------------


def idf(df: int, n: int) -> float:
    """The model's idf of a term in ``df`` of ``n`` articles: Robertson-Spärck Jones,
    ``ln((n - df + 0.5) / (df + 0.5))``, floored at :data:`IDF_FLOOR`."""
    return max(IDF_FLOOR, math.log((n - df + 0.5) / (df + 0.5)))


def length_norm(lengths: FloatArray, average: float, b: float) -> FloatArray:
    """BM25's length normalisation of a field: ``1 - b + b * length / average``."""
    return 1.0 - b + b * lengths / average


def saturate(tf: FloatArray, term_idf: float, k1: float) -> FloatArray:
    """A term's score from its (combined, normalised) frequency: ``idf * tf * (k1 + 1) /
    (tf + k1)``."""
    return term_idf * tf * (k1 + 1.0) / (tf + k1)


def coordination(
    scores: FloatArray, coverage: IntArray, clauses: int, power: float = 1.0
) -> FloatArray:
    """Scores times (the fraction of the query's ``clauses`` each article matches) ** power."""
    import numpy as np

    if clauses <= 1 or power == 0:
        return scores
    return scores * (coverage.astype(np.float64) / clauses) ** power


def recency_boost(scores: FloatArray, days: IntArray, origin: int, half_life: float) -> FloatArray:
    """Scores times ``1 + 2 ** (-age / half_life)``; ``age`` in days before ``origin``."""
    import numpy as np

    age = np.maximum(origin - days.astype(np.float64), 0.0)
    boost = np.where(days == NO_DAY, 1.0, 1.0 + np.exp2(-age / half_life))
    return scores * boost


# -- order ------------------------------------------------------------------------------------


def order(
    scores: FloatArray,
    docnums: npt.NDArray[np.int64],
    *,
    days: IntArray | None = None,
    coverage: IntArray | None = None,
    first: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.intp]:
    """Positions of the matches, best first.

    By ``days`` (newest first) when given, else by ``first`` (true first: the articles with
    every word) or by ``coverage`` (more clauses first) when given; then by score, then by
    document number.
    """
    import numpy as np

    keys: list[npt.NDArray[np.generic]] = [docnums, -scores]  # lexsort: the last key leads
    if days is not None:
        keys.append(-days)
    elif first is not None:
        keys.append(~first)
    elif coverage is not None:
        keys.append(-coverage)
    return np.lexsort(keys)


def top(
    scores: FloatArray,
    docnums: npt.NDArray[np.int64],
    depth: int,
    *,
    first: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.intp]:
    """The positions of the best ``depth`` matches in the order of :func:`order` (``first``
    true first, then score, then document number), without sorting them all."""
    import numpy as np

    if depth <= 0 or not len(scores):
        return np.zeros(0, dtype=np.intp)
    if len(scores) <= _SORT_ALL:
        return order(scores, docnums, first=first)[:depth]
    everything = np.arange(len(scores))
    if first is None:
        return _best(scores, docnums, everything, depth)
    head = everything[first]
    if len(head) >= depth:
        return _best(scores, docnums, head, depth)
    rest = _best(scores, docnums, everything[~first], depth - len(head))
    return np.concatenate([_best(scores, docnums, head, len(head)), rest])


def _best(
    scores: FloatArray, docnums: npt.NDArray[np.int64], among: npt.NDArray[np.intp], k: int
) -> npt.NDArray[np.intp]:
    """The ``k`` best of ``among`` by score, then document number, in order."""
    import numpy as np

    if k <= 0 or not len(among):
        return np.zeros(0, dtype=np.intp)
    chosen = scores[among]
    if k < len(among):
        # everything at least as good as the k-th best score (ties included), then sorted
        threshold = -np.partition(-chosen, k - 1)[k - 1]
        keep = chosen >= threshold
        among, chosen = among[keep], chosen[keep]
    return among[np.lexsort([docnums[among], -chosen])][:k]


def adjacent_pairs(terms: list[str]) -> list[tuple[str, str]]:
    """The pairs of neighbouring analysed query words, each pair once."""
    return list(dict.fromkeys(itertools.pairwise(terms)))


# -- pseudo-relevance feedback (RM3) ----------------------------------------------------------


def relevance_model(
    documents: Sequence[Sequence[str]], scores: Sequence[float]
) -> dict[str, float]:
    """RM3's relevance model of feedback documents: ``P(w|R) = sum_D (s_D / sum s) *
    count(w, D) / |D|``, each document given as its terms (title then body) and its score."""
    total = sum(scores)
    rel: dict[str, float] = {}
    if total <= 0:
        return rel
    for terms, s in zip(documents, scores, strict=True):
        if not terms:
            continue
        for t, f in Counter(terms).items():
            rel[t] = rel.get(t, 0.0) + (s / total) * f / len(terms)
    return rel


def expansion(
    rel: dict[str, float], accept: Callable[[str], bool], terms: int
) -> dict[str, float]:
    """The ``terms`` most likely terms of a relevance model that ``accept`` lets through (ties
    alphabetical), their probabilities scaled to sum 1; empty when none is left."""
    ranked = sorted(rel.items(), key=lambda tv: (-tv[1], tv[0]))
    best: list[tuple[str, float]] = []
    for t, v in ranked:
        if len(best) == terms:
            break
        if accept(t):
            best.append((t, v))
    norm = sum((v for _, v in best), 0.0)
    return {t: v / norm for t, v in best} if norm > 0 else {}


__all__ = [
    "IDF_FLOOR",
    "NO_DAY",
    "PROXIMITY_DEPTH",
    "QUESTION_WORDS",
    "Ranking",
    "adjacent_pairs",
    "coordination",
    "expansion",
    "idf",
    "length_norm",
    "order",
    "recency_boost",
    "relevance_model",
    "saturate",
    "top",
]
