"""Durable commits: before a commit's TOC is renamed into place, every file it lists and the TOC
itself are on disk; the rename itself is flushed before the commit returns.

A power cut cannot be staged in a test; what makes a commit survive one can: the order of the
system calls. These tests record every ``fsync`` (by the path of the file or directory synced)
and every rename, and check the order a power cut needs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from searchlib import Article, Index
from searchlib.backends.whoosh.store import WhooshBackend


def art(i: int) -> Article:
    return Article(
        id=f"d{i}", title=f"Convoy {i}", body=f"aid convoy number {i}", date=dt.date(2016, 1, 5)
    )


class Journal:
    """The fsyncs and renames made while recording, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, str]] = []
        real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

        def fsync(fd: int) -> None:
            self.events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
            real_fsync(fd)

        def rename(a: Any, b: Any, *args: Any, **kwargs: Any) -> None:
            self.events.append(("rename", os.fspath(b)))
            real_rename(a, b, *args, **kwargs)

        def replace(a: Any, b: Any, *args: Any, **kwargs: Any) -> None:
            self.events.append(("rename", os.fspath(b)))
            real_replace(a, b, *args, **kwargs)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "rename", rename)
        monkeypatch.setattr(os, "replace", replace)

    def synced(self, before: int) -> set[str]:
        return {p for kind, p in self.events[:before] if kind == "fsync"}


pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")


@pytest.mark.parametrize("batched", [True, False])
def test_a_commit_is_on_disk_before_it_is_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batched: bool
) -> None:
    path = tmp_path / "ix"
    with Index(path, create=True) as ix:
        ix.add([art(i) for i in range(20)])
        journal = Journal(monkeypatch)
        with ix.writer(batched=batched) as w:
            for i in range(20, 40):
                w.add(art(i))
        monkeypatch.undo()
        assert ix.count() == 40
    folder = os.path.realpath(path)
    renames = [n for n, (kind, p) in enumerate(journal.events) if kind == "rename"]
    toc_at = next(n for n in renames if journal.events[n][1].endswith(".toc"))
    toc = journal.events[toc_at][1]
    # every file of the generation the new TOC names is on disk before the rename
    files = {str(p) for p in Path(folder).glob("MAIN_*.seg")}
    assert files and files <= journal.synced(toc_at)
    temporaries = [p for kind, p in journal.events[:toc_at] if p.startswith(toc + ".")]
    assert temporaries, "the TOC was not flushed under its temporary name"
    # the directory (the rename) is flushed after it, before the commit returns
    assert ("fsync", folder) in journal.events[toc_at + 1 :]


def test_durable_false_writes_without_flushing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        journal = Journal(monkeypatch)
        with ix.writer(durable=False) as w:
            w.add(art(1))
        monkeypatch.undo()
        assert ix.count() == 1
    assert not [e for e in journal.events if e[0] == "fsync"]


def test_durable_is_the_default_and_a_backend_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = WhooshBackend(tmp_path / "ix", create=True, durable=False)
    assert not backend.durable
    journal = Journal(monkeypatch)
    with Index.using(backend) as ix:
        ix.add([art(1)])
    assert not [e for e in journal.events if e[0] == "fsync"]
    with Index(tmp_path / "ix") as ix:
        ix.add([art(2)])
        assert ix.count() == 2
    assert [e for e in journal.events if e[0] == "fsync"]


def test_creation_is_flushed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = Journal(monkeypatch)
    Index(tmp_path / "ix", create=True).close()
    synced = journal.synced(len(journal.events))
    folder = os.path.realpath(tmp_path / "ix")
    assert folder in synced
    assert any(p.endswith(".toc") for p in synced)
    assert any(p.endswith("searchlib.json") for p in synced)
