"""Doc-values tables: built from postings, they give the same values as the stored articles."""

from __future__ import annotations

from collections import Counter

import numpy as np

from searchlib import Article, Index
from searchlib.backends.whoosh.docvalues import NO_DAY, count_values


def test_tables_match_the_stored_articles(generated_index: Index, generated: list[Article]) -> None:
    by_id = {a.id: a for a in generated}
    with generated_index.backend.searcher() as s:
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            table = generated_index.backend._docvalues.for_reader(reader)
            person = table.facets["f_person"]
            for doc in range(reader.doc_count_all()):
                article = by_id[reader.stored_fields(doc)["id"]]
                values = {person.vocab[v] for v in person.vals[person.docs == doc]}
                assert values == set(article.entities_of("person"))
                day = int(table.days[doc])
                assert day == (article.date.toordinal() if article.date else NO_DAY)


def test_count_values_equals_a_plain_count(
    generated_index: Index, generated: list[Article]
) -> None:
    with generated_index.backend.searcher() as s:
        segments = []
        expected: Counter[str] = Counter()
        days: Counter[int] = Counter()
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            table = generated_index.backend._docvalues.for_reader(reader)
            docs = np.arange(0, reader.doc_count_all(), 2, dtype=np.int32)  # every other one
            segments.append((table, docs))
            for doc in docs.tolist():
                stored = reader.stored_fields(doc)
                expected.update(
                    {name for kind, name, *_ in stored["s_entities"] if kind == "location"}
                )
                if table.days[doc] != NO_DAY:
                    days[int(table.days[doc])] += 1
        counters, counted_days = count_values(segments, ["location"], want_days=True)
    assert counters["location"] == expected and counted_days == days


def test_date_range_mask() -> None:
    from searchlib.backends.whoosh.docvalues import SegmentValues

    table = SegmentValues.__new__(SegmentValues)
    table.size = 4
    table.days = np.array([NO_DAY, 10, 20, 30], dtype=np.int32)
    assert table.in_date_range(15, None).tolist() == [False, False, True, True]
    assert table.in_date_range(None, 20).tolist() == [False, True, True, False]
    assert table.in_date_range(None, None).tolist() == [False, True, True, True]
