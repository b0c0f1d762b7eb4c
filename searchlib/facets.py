"""Facets and the date histogram, assembled from a backend's counts (engine-free).

A backend counts every value of each requested facet over *all* matches, and the matches per
day; this module turns those counts into what a user sees: the top values of each facet
(most articles first, then alphabetical), histogram buckets of a year, a month or a day from the
first to the last matching day (empty buckets included), and, for a filter value that no article
carries, the nearest values that do ("Sergey Lavrov" → "Sergei Lavrov").
"""

from __future__ import annotations

import datetime as dt
import difflib
import heapq
from collections import Counter
from collections.abc import Mapping, Sequence

from . import text as tx
from .model import DateBucket, FacetName, FacetValue, FilterHint, Interval
from .request import IntervalChoice

#: Nearest values offered for a filter value that matches nothing.
HINTS = 3
#: How alike (difflib's ratio of the folded names, 0..1) a value must be to be offered.
HINT_CUTOFF = 0.6


def top_values(counts: Counter[str], limit: int) -> tuple[FacetValue, ...]:
    """The ``limit`` values with most articles (ties in alphabetical order)."""
    ranked = heapq.nsmallest(limit, counts.items(), key=lambda vn: (-vn[1], vn[0]))
    return tuple(FacetValue(value, n) for value, n in ranked)


def assemble(
    counts: Mapping[str, Counter[str]], names: Sequence[str], limit: int
) -> dict[str, tuple[FacetValue, ...]]:
    """The top values of each requested facet, in the order asked."""
    return {name: top_values(counts.get(name, Counter()), limit) for name in names}


def pick_interval(days: Counter[int], requested: IntervalChoice) -> Interval:
    """The bucket width: as requested, or for ``auto`` from the span of the matching days."""
    if requested != "auto":
        return requested
    if not days:
        return "month"
    span = max(days) - min(days)
    return "day" if span <= 62 else "month" if span <= 366 * 12 else "year"


def bucket_key(day: dt.date, interval: Interval) -> str:
    """``2016``, ``2016-10`` or ``2016-10-07``: the bucket a day falls in."""
    iso = day.isoformat()
    return iso[:4] if interval == "year" else iso[:7] if interval == "month" else iso


def bucket_bounds(key: str, interval: Interval) -> tuple[dt.date, dt.date]:
    """The first and last day of a bucket."""
    if interval == "year":
        return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)
    if interval == "month":
        y, m = int(key[:4]), int(key[5:7])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    d = dt.date.fromisoformat(key)
    return d, d


def histogram(days: Counter[int], interval: Interval) -> tuple[DateBucket, ...]:
    """Buckets from the first to the last matching day, empty buckets included.

    ``days`` counts matching articles by day number (``date.toordinal()``).
    """
    if not days:
        return ()
    counts: Counter[str] = Counter()
    for day, n in days.items():
        counts[bucket_key(dt.date.fromordinal(day), interval)] += n
    first, _ = bucket_bounds(min(counts), interval)
    _, last = bucket_bounds(max(counts), interval)
    out = []
    cursor = first
    while cursor <= last:
        key = bucket_key(cursor, interval)
        start, end = bucket_bounds(key, interval)
        out.append(DateBucket(key=key, start=start, end=end, count=counts.get(key, 0)))
        cursor = end + dt.timedelta(days=1)
    return tuple(out)


class ValueIndex:
    """A facet's values, folded and indexed by word and by first letter and length, so that the
    nearest values of a filter that matches nothing are found without comparing every value.

    Made from a backend's :meth:`~searchlib.backend.Reader.facet_values`; keep one per facet
    and index generation.
    """

    def __init__(self, values: Counter[str]) -> None:
        self.values = list(values.items())
        self.folded = [tx.fold(" ".join(v.split())) for v, _ in self.values]
        self.by_word: dict[str, list[int]] = {}
        self.by_shape: dict[tuple[str, int], list[int]] = {}
        for i, folded in enumerate(self.folded):
            for word in set(folded.split()):
                if len(word) > 2:
                    self.by_word.setdefault(word, []).append(i)
            self.by_shape.setdefault((folded[:1], len(folded)), []).append(i)

    def candidates(self, wanted: str) -> set[int]:
        """Values sharing a word with ``wanted``, or of about its length and first letter."""
        found: set[int] = set()
        for word in wanted.split():
            found.update(self.by_word.get(word, ()))
        slack = max(2, len(wanted) // 3)
        for size in range(len(wanted) - slack, len(wanted) + slack + 1):
            found.update(self.by_shape.get((wanted[:1], size), ()))
        return found

    def nearest(self, facet: FacetName, value: str, *, limit: int = HINTS) -> FilterHint:
        """The values most like ``value`` (spelling, accents, word order aside), best first,
        then most articles. A value sharing a word with ``value`` is offered even when the
        rest differs ("Lavrov" → "Sergei Lavrov")."""
        wanted = tx.fold(" ".join(value.split()))
        wanted_words = {w for w in wanted.split() if len(w) > 2}
        matcher = difflib.SequenceMatcher(b=wanted, autojunk=False)
        scored: list[tuple[float, int, str]] = []
        for i in self.candidates(wanted):
            folded = self.folded[i]
            matcher.set_seq1(folded)
            ratio = matcher.ratio()
            if wanted_words & set(folded.split()):
                ratio = max(ratio, HINT_CUTOFF)
            if ratio >= HINT_CUTOFF:
                candidate, n = self.values[i]
                scored.append((ratio, n, candidate))
        scored.sort(key=lambda r: (-r[0], -r[1], r[2]))
        return FilterHint(
            facet=facet,
            value=value,
            suggestions=tuple(FacetValue(c, n) for _, n, c in scored[:limit]),
        )


def nearest_values(
    facet: FacetName, value: str, values: Counter[str], *, limit: int = HINTS
) -> FilterHint:
    """The values of a facet most like ``value`` (see :meth:`ValueIndex.nearest`)."""
    return ValueIndex(values).nearest(facet, value, limit=limit)


__all__ = [
    "HINTS",
    "ValueIndex",
    "assemble",
    "bucket_bounds",
    "bucket_key",
    "histogram",
    "nearest_values",
    "pick_interval",
    "top_values",
]
