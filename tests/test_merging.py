"""The tiered merge policy: segments merged as commits go, in tiers of about equal size."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from searchlib import Article, Index
from searchlib.backends.whoosh import merging


def test_pick_merges_a_full_tier_and_everything_below_it() -> None:
    f = merging.FACTOR
    small = [(10, 10)] * (f - 1)
    assert merging.pick(small) == set()  # not full yet
    assert merging.pick([*small, (10, 10)]) == set(range(f))
    # a full tier 1 (1,000..7,999 live) takes tier 0 with it, not tier 2
    sizes = [(9000, 9000), *[(2000, 2000)] * f, (10, 10)]
    assert merging.pick(sizes) == set(range(1, f + 2))
    # half deleted: merged for its space whatever its tier
    assert merging.pick([(100_000, 100_000), (5000, 10_000)]) == {1}


def test_many_commits_keep_few_segments_and_every_article(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        for batch in range(30):
            ix.add(
                Article(
                    id=f"a{batch}-{i}",
                    title=f"Convoy {batch}",
                    body=f"aid convoy {i}",
                    date=dt.date(2016, 1, 1 + batch % 28),
                )
                for i in range(3)
            )
            assert ix.stats().backend["segments"] <= merging.FACTOR
        assert ix.count() == 90
        assert ix.search("convoy", limit=100).total == 90
        ix.delete([f"a{b}-{i}" for b in range(20) for i in range(3)])
        ix.add([Article(id="last", title="Last convoy", body="aid")])
        assert ix.count() == 31
        assert ix.search("convoy", limit=100).total == 31
        ix.optimize()
        assert ix.stats().backend["segments"] == 1
        assert ix.search("convoy", limit=100).total == 31
