"""Collapsing syndicated copies: one result per group of near-duplicates (engine-free).

The ranked matches are walked best first; a match is a copy of the first kept result it is a
near-duplicate of (:func:`searchlib.dedup.is_duplicate`, on the MinHash signatures stored with
each article) dated within :data:`COPY_WINDOW_DAYS` of it (or both undated).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import dedup
from .backend import Candidate, Signatures
from .ranking import NO_DAY

#: A collapsing search examines at least this many of the best matches for copies...
COLLAPSE_WINDOW = 200
#: ... or this many times the results asked for, whichever is more.
COLLAPSE_FACTOR = 4
#: Copies of one story are published within this many days of each other (recurring
#: template stories, such as a weekly report with new figures, are not copies).
COPY_WINDOW_DAYS = 3


def window(depth: int) -> int:
    """How many of the best matches a collapsing search first examines."""
    return max(COLLAPSE_WINDOW, COLLAPSE_FACTOR * depth)


def collapse(
    ranked: Sequence[Candidate], signatures: Signatures, depth: int
) -> list[tuple[int, list[int]]]:
    """Up to ``depth`` groups as (position of the kept match, positions of its copies).

    ``signatures`` has one row per candidate. Every candidate given is examined until
    ``depth`` results are kept.
    """
    need = dedup.THRESHOLD * dedup.NUM_PERM
    kept: list[tuple[int, list[int]]] = []
    kept_sigs = np.zeros((0, dedup.NUM_PERM), dtype=np.uint32)
    kept_days = np.zeros(0, dtype=np.int64)
    limit = window(depth)
    for position, candidate in enumerate(ranked):
        if position >= limit and len(kept) >= depth:
            break
        sig = signatures[position]
        day = candidate.day
        if not dedup.is_empty(sig) and len(kept):
            near = (
                (kept_days == NO_DAY)
                if day == NO_DAY
                else ((kept_days != NO_DAY) & (np.abs(kept_days - day) <= COPY_WINDOW_DAYS))
            )
            same = near & (np.count_nonzero(kept_sigs == sig, axis=1) >= need)
            if same.any():
                kept[int(np.argmax(same))][1].append(position)
                continue
        kept.append((position, []))
        kept_sigs = np.vstack([kept_sigs, sig[None, :]])
        kept_days = np.append(kept_days, day)
    return kept[:depth]


__all__ = ["COLLAPSE_FACTOR", "COLLAPSE_WINDOW", "COPY_WINDOW_DAYS", "collapse", "window"]
