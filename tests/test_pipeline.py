"""The one write path: every way of adding an article validates, hashes, skips unchanged
content and extracts entities the same way (``searchlib.pipeline``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from searchlib import Article, Entity, Index, InputError, ReadOptions, content_hash, ingest
from searchlib.pipeline import with_entities

TALKS = Article(id="wire-2", title="Talks in Geneva", body="Staffan de Mistura met the envoys.")


@pytest.mark.parametrize("how", ["writer", "add", "update", "ingest"])
def test_every_write_path_extracts_entities(tmp_path: Path, how: str) -> None:
    """``index.writer().add(article)`` indexed articles without entities (the README's second
    example printed ``()``); every path now extracts."""
    with Index(tmp_path / "ix", create=True) as ix:
        if how == "writer":
            with ix.writer() as w:
                w.add(TALKS)
        elif how == "add":
            ix.add(TALKS)
        elif how == "update":
            ix.add(Article(id="wire-2", title="Old", body="Old text."))
            ix.update(TALKS)
        else:
            source = tmp_path / "talks.jsonl"
            source.write_text(
                '{"id": "wire-2", "title": "Talks in Geneva", '
                '"body": "Staffan de Mistura met the envoys."}\n'
            )
            ingest(ix, [source])
        assert ix.get("wire-2").entities_of("person") == ("Staffan de Mistura",)
        assert ix.search("", person="Staffan de Mistura").total == 1


def test_given_entities_are_kept_and_mapped_kinds_are_not_extracted() -> None:
    from searchlib import default_extractor

    extractor = default_extractor()
    given = Article(
        id="a",
        title="Lavrov in Moscow",
        body="Sergey Lavrov met John Kerry in Moscow.",
        entities=(Entity("location", "Kremlin"),),
    )
    assert with_entities(given, extractor, None) is given  # the library keeps what it is given
    filled = with_entities(given, extractor, frozenset({"location"}))
    assert filled.entities_of("location") == ("Kremlin",)  # mapped: as given
    assert "Sergey Lavrov" in filled.entities_of("person")  # not mapped: extracted


def test_unchanged_content_is_skipped_and_changed_content_updated(tmp_path: Path) -> None:
    a = Article(id="x", title="Convoy", body="Aid convoy.", date=dt.date(2016, 1, 1))
    with Index(tmp_path / "ix", create=True) as ix:
        assert ix.add(a).indexed == 1
        assert ix.add(a).unchanged == 1
        assert ix.add(Article(id="x", title="Convoy", body="Changed.")).updated == 1
        with ix.writer() as w:
            assert w.status("x", content_hash(a, ix.extractor.name)) == "updated"
            with pytest.raises(InputError, match="no title and no body"):
                w.add(Article(id="empty", title=" "))
            w.add(Article(id="y", title="One", body="One."))
            with pytest.raises(InputError, match="already written in this batch"):
                w.add(Article(id="y", title="Two", body="Two."))


def _folder(root: Path) -> Path:
    for sub, n in (("tech", 3), ("sport", 2)):
        (root / sub).mkdir(parents=True)
        for i in range(n):
            (root / sub / f"{i:03d}.txt").write_text(f"{sub} story {i}\n\nThe {sub} body {i}.\n")
    return root


def test_indexing_a_subfolder_again_reports_copies_instead_of_doubling(tmp_path: Path) -> None:
    """Ids are paths relative to the folder given: indexing ``bbc/tech`` after ``bbc/`` used to
    add ``000.txt`` beside ``tech/000.txt``; now the copy is skipped and reported."""
    root = _folder(tmp_path / "bbc")
    with Index(tmp_path / "ix", create=True) as ix:
        first = ingest(ix, [root])
        assert first.indexed == 5 and first.copies == 0
        again = ingest(ix, [root / "tech"])
        assert (again.indexed, again.copies) == (0, 3)
        assert ("000.txt", "tech/000.txt") in again.copy_examples
        assert ix.count() == 5
        prefixed = ingest(ix, [root], options=ReadOptions(id_prefix="x/"))
        assert prefixed.copies == 5 and ix.count() == 5
        kept = ingest(ix, [root / "tech"], copies="keep")
        assert kept.indexed == 3 and ix.count() == 8


def test_copies_within_one_run_are_kept(tmp_path: Path) -> None:
    """A corpus's own duplicates (the same story in two files) are both indexed."""
    root = tmp_path / "src"
    root.mkdir()
    for name in ("a.txt", "b.txt"):
        (root / name).write_text("Same story\n\nThe same body.\n")
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [root], batch_size=1)  # even across batches of the run
        assert report.indexed == 2 and report.copies == 0
