"""The merge policy of searchlib's Whoosh index: tiered, as commits go.

Each commit adds a segment; searches slow down as segments pile up, and one big merge at the
end of a bulk load costs as much as a good part of the load. The tiered policy merges as it
goes instead, so that a merge is always of segments of about the same size and each article is
merged about log_8(articles / 1,000) times in all:

* a segment's tier is how many times :data:`FACTOR` goes into its live documents over
  :data:`FLOOR` (segments under 1,000 live documents are tier 0);
* when the lowest tier with :data:`FACTOR` segments or more exists, those segments and every
  segment of a lower tier are merged into the commit's new segment;
* a segment that has lost half its documents to deletions is merged too (its space back).

:meth:`~searchlib.backends.whoosh.store.WhooshBackend.optimize` still merges everything into
one segment.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

__all__ = ["FACTOR", "FLOOR", "pick", "tiered"]

#: Segments of one tier merged together.
FACTOR = 8
#: Live documents below which a segment is of the lowest tier.
FLOOR = 1000


def _tier(live: int) -> int:
    tier, size = 0, FLOOR
    while live >= size:
        tier += 1
        size *= FACTOR
    return tier


def pick(sizes: list[tuple[int, int]]) -> set[int]:
    """Which segments to merge, given each one's (live, all) document counts (by position)."""
    tiers: defaultdict[int, list[int]] = defaultdict(list)
    chosen: set[int] = set()
    for i, (live, total) in enumerate(sizes):
        tiers[_tier(live)].append(i)
        if total and live * 2 <= total:
            chosen.add(i)
    full = [t for t, members in tiers.items() if len(members) >= FACTOR]
    if full:
        top = min(full)
        for t, members in tiers.items():
            if t <= top:
                chosen.update(members)
    return chosen


def tiered(writer: Any, segments: list[Any]) -> list[Any]:
    """A Whoosh merge function (``commit(mergetype=tiered)``): merges the segments
    :func:`pick` chooses into the writer's new segment; returns the ones kept."""
    from whoosh.reading import SegmentReader

    chosen = pick([(int(s.doc_count()), int(s.doc_count_all())) for s in segments])
    kept = []
    for i, segment in enumerate(segments):
        if i not in chosen:
            kept.append(segment)
            continue
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return kept
