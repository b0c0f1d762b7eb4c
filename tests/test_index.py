"""The Index: create/open, add/update/delete, idempotency, stats, locking, errors, threads."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from searchlib import (
    Article,
    DocumentNotFound,
    Entity,
    Index,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    InputError,
    UsageError,
    content_hash,
)


def art(i: int, **kw: object) -> Article:
    base = {"id": f"a{i}", "title": f"Title {i} convoy", "body": f"Body {i} about the aid convoy."}
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_missing_index_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="does not exist"):
        Index(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_directory_with_other_files_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(IndexNotFound, match="not a searchlib index"):
        Index(tmp_path)
    with pytest.raises(UsageError, match="not empty"):
        Index(tmp_path, create=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing left behind
    assert (tmp_path / "notes.txt").read_text() == "hello"


def test_file_instead_of_directory(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(IndexNotFound, match="is a file"):
        Index(f, create=True)


def test_damaged_index_is_index_corrupt(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(art(1))
    for toc in (tmp_path / "ix").glob("*.toc"):
        toc.write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="damaged"):
        Index(tmp_path / "ix")


def test_add_get_update_delete(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        report = ix.add(
            [art(1, date=dt.date(2016, 10, 7), source="rt", tags=("Syria unrest",)), art(2)]
        )
        assert (report.indexed, report.updated, report.unchanged) == (2, 0, 0)
        got = ix.get("a1")
        assert got.title == "Title 1 convoy" and got.date == dt.date(2016, 10, 7)
        assert got.source == "rt" and got.tags == ("Syria unrest",)

        again = ix.add(
            [art(1, date=dt.date(2016, 10, 7), source="rt", tags=("Syria unrest",)), art(2)]
        )
        assert (again.indexed, again.updated, again.unchanged) == (0, 0, 2)
        assert ix.count() == 2

        changed = ix.update(art(2, title="New title"))
        assert changed.updated == 1 and ix.count() == 2
        assert ix.get("a2").title == "New title"
        assert ix.search("new title").total == 1

        with pytest.raises(DocumentNotFound):
            ix.update(art(9))
        assert ix.delete(["a1", "missing"]) == 1
        assert ix.count() == 1 and "a1" not in ix and "a2" in ix
        with pytest.raises(DocumentNotFound):
            ix.get("a1")


def test_entities_are_extracted_when_absent_and_kept_when_given(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(art(1, body="Sergey Lavrov spoke in Moscow on Friday."))
        ix.add(art(2, entities=(Entity("person", "Jane Doe"),)))
        assert "Sergey Lavrov" in ix.get("a1").entities_of("person")
        assert ix.get("a2").entities_of("person") == ("Jane Doe",)


def test_writer_commits_on_success_and_cancels_on_error(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        with ix.writer() as w:
            w.add(art(1))
        assert ix.count() == 1
        with pytest.raises(RuntimeError), ix.writer() as w:
            w.add(art(2))
            raise RuntimeError("boom")
        assert ix.count() == 1 and "a2" not in ix


def test_writer_rejects_bad_articles(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix, ix.writer() as w:
        with pytest.raises(InputError):
            w.add(Article(id="", title="x"))
        with pytest.raises(InputError):
            w.add(Article(id="x", title="", body=""))
        with pytest.raises(InputError, match="more than a year in the future"):
            w.add(art(7, date=dt.date(2916, 10, 7)))
        with pytest.raises(InputError, match="title is 1,001 characters long"):
            w.add(art(8, title="t" * 1001))
        with pytest.raises(InputError, match="tag is"):
            w.add(art(9, tags=("x" * 5000,)))
        w.add(art(1))
        with pytest.raises(InputError, match="already written"):
            w.add(art(1, title="dup"))


def test_second_writer_waits_then_raises_index_locked(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True, lock_timeout=0.3) as ix:
        with ix.writer(), pytest.raises(IndexLocked, match="locked by another writer"):
            ix.writer()
        # once the first writer is done, the lock is free again
        ix.add(art(1))
        assert ix.count() == 1


def test_second_writer_succeeds_when_first_finishes_in_time(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True, lock_timeout=5) as ix:
        first = ix.writer()
        first.add(art(1))
        timer = threading.Timer(0.3, first.commit)
        timer.start()
        ix.add(art(2))  # waits for the first writer
        timer.join()
        assert ix.count() == 2


def test_long_lived_index_sees_commits_from_another_object(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as reader_side:
        assert reader_side.search("convoy").total == 0
        with Index(tmp_path / "ix") as writer_side:
            writer_side.add(art(1))
        assert reader_side.search("convoy").total == 1


def test_stats(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        empty = ix.stats()
        assert empty.documents == 0 and empty.date_min is None
        ix.add([art(1, date=dt.date(2016, 1, 5)), art(2, date=dt.date(2017, 3, 1))])
        ix.add([art(3)])
        stats = ix.stats()
    assert stats.documents == 3 and stats.undated == 1
    assert stats.date_min == dt.date(2016, 1, 5) and stats.date_max == dt.date(2017, 3, 1)
    assert stats.backend["segments"] >= 1 and (stats.size_bytes or 0) > 0


def test_procs_2_indexing(tmp_path: Path) -> None:
    articles = [art(i) for i in range(300)]
    with Index(tmp_path / "ix", create=True) as ix:
        with ix.writer(procs=2) as w:
            for a in articles:
                w.add(a)
        assert ix.count() == 300
        assert ix.search("convoy", limit=1).total == 300


def test_threads_share_one_index(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add([art(i, body=f"convoy number {i} and aid") for i in range(50)])
        expected = ix.search("convoy aid", limit=5).hits
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(20):
                    got = ix.search("convoy aid", limit=5)
                    assert got.total == 50 and got.hits == expected
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_content_hash_ignores_id_and_origin_but_not_content() -> None:
    a = art(1)
    assert content_hash(a) == content_hash(art(1, id="other", origin="x.txt"))
    assert content_hash(a) != content_hash(art(1, body="changed"))
    assert content_hash(a, "extractor-1") != content_hash(a, "extractor-2")


def test_closed_index_refuses_use(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix", create=True)
    ix.close()
    with pytest.raises(Exception, match="closed"):
        ix.search("x")


def test_search_retries_once_on_a_vanished_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchlib.backends.whoosh.matching as index_module

    real = index_module.run
    calls: list[int] = []

    def flaky(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_x.seg")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(art(1))
        monkeypatch.setattr(index_module, "run", flaky)
        assert ix.search("convoy").total == 1 and len(calls) == 2

        def broken(*args: object, **kwargs: object) -> object:
            raise FileNotFoundError(2, "No such file or directory", "_MAIN_x.seg")

        monkeypatch.setattr(index_module, "run", broken)
        with pytest.raises(IndexCorrupt, match="is damaged"):
            ix.search("convoy")


def test_cancelled_multiprocess_writer_leaves_no_worker_behind(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True, lock_timeout=2) as ix:
        w = ix.writer(procs=2)
        for i in range(250):  # enough to start the worker processes
            w.add(art(i))
        workers = list(w._writer._writer.tasks)
        assert workers
        w.cancel()
        assert not any(t.is_alive() for t in workers)
        with ix.writer(timeout=2) as again:
            again.add(art(1))
        assert ix.count() == 1
