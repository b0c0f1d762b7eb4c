"""How matches are put in order: the BM25F parameters, multi-word matching, proximity, recency.

A search first finds every matching article with a relevance score (BM25F, see
:mod:`searchlib.scoring`). This module turns those scores into the final order, on whole numpy
arrays:

* **questions** (``match="any"``): any of the words may match; the question's function words
  (:data:`QUESTION_WORDS`: "what", "does", "about"...) are left out when other words remain,
  and each score is multiplied by the share of the remaining words the article has, raised to
  :attr:`Ranking.coordination` (0.25: a gentle preference for articles with more of them);
* **partial matches** of a relaxed ``match="all"`` search (nothing has every word): the
  question words are left out too, and articles with more of the other words come first,
  then by score;
* **proximity** (:attr:`Ranking.proximity`): the best few hundred are re-scored with a bonus
  for each pair of adjacent query words they contain next to each other;
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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .errors import QueryError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

#: The day number of an undated article (dated ones are ``date.toordinal()``, 1 or more).
NO_DAY = 0

#: How many of the best matches proximity re-scores.
PROXIMITY_DEPTH = 200

#: Function words taken out of ``match="any"`` queries (questions): English pronouns,
#: auxiliaries, prepositions, conjunctions and question words. Words the index itself drops
#: (Whoosh's stop list) are not matched anyway.
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

    ``k1`` and ``b`` are BM25F's term-frequency saturation and length normalisation;
    ``title_weight`` multiplies what a title match contributes (on top of the title's boost
    of 2 in the index); ``proximity`` is the bonus, as a fraction of the score, for an article
    that contains every pair of adjacent query words next to each other (0 turns it off);
    ``coordination`` is the power of the share of query words matched that ``match="any"``
    multiplies scores by (0 for a plain OR, 1 for the classic coordination factor).
    """

    k1: float = 1.2
    b: float = 0.75
    title_weight: float = 1.0
    proximity: float = 0.0
    coordination: float = 0.25

    def __post_init__(self) -> None:
        if not 0 <= self.k1 <= 100:
            raise QueryError(f"k1 must be between 0 and 100, not {self.k1}")
        if not 0 <= self.b <= 1:
            raise QueryError(f"b must be between 0 and 1, not {self.b}")
        if not 0 < self.title_weight <= 100:
            raise QueryError(f"title_weight must be in (0, 100], not {self.title_weight}")
        if not 0 <= self.proximity <= 100:
            raise QueryError(f"proximity must be between 0 and 100, not {self.proximity}")
        if not 0 <= self.coordination <= 4:
            raise QueryError(f"coordination must be between 0 and 4, not {self.coordination}")


def coordination(
    scores: FloatArray, coverage: IntArray, clauses: int, power: float = 1.0
) -> FloatArray:
    """Scores times (the fraction of the query's ``clauses`` each article matches) ** power."""
    if clauses <= 1 or power == 0:
        return scores
    return scores * (coverage.astype(np.float64) / clauses) ** power


def recency_boost(scores: FloatArray, days: IntArray, origin: int, half_life: float) -> FloatArray:
    """Scores times ``1 + 2 ** (-age / half_life)``; ``age`` in days before ``origin``."""
    age = np.maximum(origin - days.astype(np.float64), 0.0)
    boost = np.where(days == NO_DAY, 1.0, 1.0 + np.exp2(-age / half_life))
    return scores * boost


def order(
    scores: FloatArray,
    docnums: npt.NDArray[np.int64],
    *,
    days: IntArray | None = None,
    coverage: IntArray | None = None,
) -> npt.NDArray[np.intp]:
    """Positions of the matches, best first.

    By ``days`` (newest first) when given, else by ``coverage`` (more clauses first) when given;
    then by score, then by document number.
    """
    keys: list[npt.NDArray[np.generic]] = [docnums, -scores]  # lexsort: the last key leads
    if days is not None:
        keys.append(-days)
    elif coverage is not None:
        keys.append(-coverage)
    return np.lexsort(keys)


def adjacent_pairs(terms: list[str]) -> list[tuple[str, str]]:
    """The pairs of neighbouring analysed query words, each pair once."""
    return list(dict.fromkeys(itertools.pairwise(terms)))


__all__ = [
    "NO_DAY",
    "PROXIMITY_DEPTH",
    "QUESTION_WORDS",
    "Ranking",
    "adjacent_pairs",
    "coordination",
    "order",
    "recency_boost",
]
