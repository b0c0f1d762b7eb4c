"""Per-segment search tables on disk (``<segment>.sltab``): written at commit, mapped at open,
equal to the tables built from the segment's postings, ignored when missing or damaged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader

from searchlib import Article, Entity, Index
from searchlib.backends.whoosh import tables as st
from searchlib.backends.whoosh.complete import SegmentNames
from searchlib.backends.whoosh.docvalues import DocValues, SegmentValues, field_lengths
from searchlib.backends.whoosh.store import INDEX_NAME

WORDS = [
    "oil",
    "prices",
    "opec",
    "talks",
    "aleppo",
    "ceasefire",
    "bank",
    "rate",
    "coffee",
    "gold",
    "trade",
    "zurich",
]
PEOPLE = ["Sergey Lavrov", "John Kerry", "Bashar al-Assad", "Ángela Müller"]
ORGS = ["OPEC", "Nusra Front", "World Bank"]


def articles(n: int, seed: int = 5, prefix: str = "a") -> list[Article]:
    rng = random.Random(seed)
    return [
        Article(
            id=f"{prefix}{i}",
            title=" ".join(rng.choices(WORDS, k=4)),
            body=" ".join(rng.choices(WORDS, k=rng.randint(0, 40))),
            date=dt.date(2015 + i % 3, 1 + i % 12, 1 + i % 28) if i % 5 else None,
            source=rng.choice(["reuters", "bbc", None]),
            tags=tuple(rng.sample(["syria", "energy", "markets"], k=i % 3)),
            entities=(
                Entity("person", rng.choice(PEOPLE)),
                *((Entity("org", rng.choice(ORGS)),) if i % 2 else ()),
            ),
        )
        for i in range(n)
    ]


def build_history(path: Path) -> None:
    with Index(path, create=True) as ix:
        ix.add(articles(120))
        with ix.writer() as w:
            for a in articles(60, seed=6, prefix="b"):
                w.add(a)
            w.add(dataclasses.replace(articles(120)[3], title="gold gold gold"))
            w.delete(["a5", "a6", "b1"])
        ix.add(articles(30, seed=7, prefix="c"))


def segments(path: Path) -> tuple[Any, list[Any]]:
    ix = FileStorage(str(path)).open_index(INDEX_NAME)
    return ix, ix._segments()


def assert_tables_equal_built(path: Path) -> None:
    ix, segs = segments(path)
    assert segs
    for segment in segs:
        sid = segment.segment_id()
        loaded = st.load(st.table_path(path, sid), sid, segment.doc_count_all())
        assert loaded is not None, f"no tables for {sid}"
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            built = SegmentValues.built(reader)  # Whoosh's postings leave deleted documents out
            assert built.size == loaded.size
            live = np.zeros(loaded.size, dtype=bool)
            live[list(reader.all_doc_ids())] = True
            for field, table in built.facets.items():
                vocab, docs, vals = loaded.facets[field]
                assert vocab == table.vocab
                assert docs[live[docs]].tolist() == table.docs.tolist()
                assert vals[live[docs]].tolist() == table.vals.tolist()
            assert loaded.days[live].tolist() == built.days[live].tolist()
            for field, lengths in field_lengths(reader).items():
                assert loaded.lengths[field].tolist() == lengths.tolist()
            from_file = SegmentNames.build(reader, DocValues())
            made = SegmentNames.build(reader, DocValues(files=False))
            for prefix in ("", "s", "lav", "opec", "al", "müller", "mul", "bank", "zz"):
                assert list(from_file.lookup(prefix)) == list(made.lookup(prefix))
        finally:
            reader.close()


def answers(path: Path) -> list[Any]:
    out: list[Any] = []
    with Index(path) as ix:
        for q in ("oil prices", "", "gold", "person:lavrov", "opec OR zurich"):
            for options in ({}, {"facets": ("person", "org", "tag", "source")}, {"sort": "date"}):
                r = ix.search(q, **options)  # type: ignore[arg-type]
                out.append(dataclasses.replace(r, elapsed_ms=0.0))
        out += [ix.suggest(p) for p in ("la", "s", "op", "mu", "ban")]
        out.append(ix.stats().documents)
    return out


def test_commits_write_tables_equal_to_the_segments(tmp_path: Path) -> None:
    build_history(tmp_path / "ix")
    assert_tables_equal_built(tmp_path / "ix")
    with Index(tmp_path / "ix") as ix:
        ix.optimize()
    assert_tables_equal_built(tmp_path / "ix")
    # merged-away segments' tables went with them
    _, segs = segments(tmp_path / "ix")
    names = {p.name for p in (tmp_path / "ix").glob(f"*{st.EXT}")}
    assert names == {f"{s.segment_id()}{st.EXT}" for s in segs}


def test_searches_answer_the_same_without_the_files(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    build_history(path)
    with_files = answers(path)
    for f in path.glob(f"*{st.EXT}"):
        f.unlink()
    assert answers(path) == with_files  # an older index: tables built from the postings
    with Index(path) as ix:  # its next commit writes them
        ix.add(articles(3, seed=9, prefix="d"))
    _, segs = segments(path)
    assert all(st.table_path(path, s.segment_id()).exists() for s in segs)
    assert_tables_equal_built(path)


def test_a_damaged_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    build_history(path)
    expected = answers(path)
    for f in path.glob(f"*{st.EXT}"):
        data = bytearray(f.read_bytes())
        data[len(data) // 2] ^= 0x55
        f.write_bytes(bytes(data))
        _, segs = segments(path)
        sid = f.name[: -len(st.EXT)]
        size = next(s.doc_count_all() for s in segs if s.segment_id() == sid)
        assert st.load(f, sid, size) is None
    assert answers(path) == expected
    (next(path.glob(f"*{st.EXT}"))).write_bytes(b"")  # truncated
    assert answers(path) == expected


def test_opening_maps_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    build_history(path)
    _, segs = segments(path)
    s = segs[0]
    loaded = st.load(st.table_path(path, s.segment_id()), s.segment_id(), s.doc_count_all())
    assert loaded is not None
    assert not loaded.days.flags.writeable  # a view on the mapped file, not a copy
    assert isinstance(loaded.days.base, (memoryview, np.ndarray)) or loaded.days.base is not None


def test_readers_map_the_files(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    build_history(path)
    ix, segs = segments(path)
    reader = SegmentReader(ix.storage, ix.schema, segs[0])
    try:
        assert st.load_for(reader) is not None
        assert DocValues().names(reader) is not None
        assert DocValues(files=False).names(reader) is None
    finally:
        reader.close()
