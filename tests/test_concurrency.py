"""Several writers, killed writers, readers during writes, and threads sharing one Index."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchlib import Article, Index, IndexLocked


def _jsonl(path: Path, prefix: str, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            record = {
                "id": f"{prefix}{i:04d}",
                "title": f"Convoy report {prefix} {i}",
                "body": f"The aid convoy {i} reached the city. Talks went on in Geneva. " * 5,
                "date": f"2016-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                "source": prefix,
            }
            f.write(json.dumps(record) + "\n")
    return path


def _index_cmd(source: Path, index: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "searchlib", "index", str(source), "--index", str(index), *extra]


def test_four_writers_at_once_into_a_new_index(tmp_path: Path) -> None:
    inputs = [_jsonl(tmp_path / f"in{k}.jsonl", f"w{k}-", 150) for k in range(4)]
    index = tmp_path / "shared-index"
    procs = [
        subprocess.Popen(
            _index_cmd(src, index, "--batch-size", "25", "--lock-timeout", "120"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for src in inputs
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in outcomes:
        assert "Traceback" not in err
        assert code == 0, err
        assert "indexed 150" in err
    with Index(index) as ix:
        assert ix.count() == 600
        for k in range(4):
            assert ix.search("", source=f"w{k}-", facets=None).total == 150


def test_a_writer_that_cannot_get_the_lock_says_so(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", "x", 5)
    with Index(tmp_path / "ix", create=True) as ix, ix.writer():
        started = time.perf_counter()
        proc = subprocess.run(
            _index_cmd(source, tmp_path / "ix", "--lock-timeout", "0.5"),
            capture_output=True,
            text=True,
        )
        assert time.perf_counter() - started < 30
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("Error: index at ")
    assert "locked by another writer; gave up after 0.5s" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_killed_writers_lock_does_not_block(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, searchlib\n"
            f"w = searchlib.Index({str(tmp_path / 'ix')!r}).writer()\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with Index(tmp_path / "ix", lock_timeout=0.2) as ix:
        with pytest.raises(IndexLocked):
            ix.writer()
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.perf_counter()
        with ix.writer(timeout=5) as w:  # the OS released the dead process's lock
            assert time.perf_counter() - started < 2
            w.delete(["nothing"])


def _live_members(pgid: int) -> list[int]:
    """Processes of a process group that are still running (zombies excluded); Linux only."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_killing_a_multiprocess_writer_frees_the_lock_and_its_workers(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", "m", 3000)
    with Index(tmp_path / "ix", create=True):
        pass
    proc = subprocess.Popen(
        _index_cmd(source, tmp_path / "ix", "--procs", "2", "--batch-size", "3000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(_live_members(proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # wait for the worker processes to start
    assert len(_live_members(proc.pid)) >= 3, "the writer did not start its workers"
    proc.send_signal(signal.SIGKILL)  # the writing process only
    proc.wait()
    with Index(tmp_path / "ix", lock_timeout=10) as ix, ix.writer() as w:
        w.delete(["nothing"])  # the lock is free again
    deadline = time.monotonic() + 10
    while _live_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _live_members(proc.pid) == [], "workers outlived the killed writer"


def test_readers_see_consistent_snapshots_while_a_writer_commits(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", "r", 600)
    with Index(tmp_path / "ix", create=True) as ix:
        writer = subprocess.Popen(
            _index_cmd(source, tmp_path / "ix", "--batch-size", "20"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen: list[int] = []
        errors: list[BaseException] = []

        def read() -> None:
            mine: list[int] = []
            try:
                while writer.poll() is None or len(mine) < 5:
                    r = ix.search("", limit=1, fragments=0, facets=("source",), interval="year")
                    counted = sum(v.count for v in r.facets["source"])
                    assert counted == r.total == sum(b.count for b in r.histogram)
                    assert r.total % 20 == 0 or r.total == 600  # whole commits only
                    assert not mine or r.total >= mine[-1]  # never goes back
                    mine.append(r.total)
                    convoy = ix.search("convoy aid", limit=3, facets=None)
                    assert convoy.total <= r.total or convoy.total <= ix.count()
            except BaseException as exc:
                errors.append(exc)
            seen.extend(mine)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert writer.wait() == 0, writer.stderr.read() if writer.stderr else ""
        assert errors == []
        assert len(set(seen)) > 3, "readers should have seen several generations"
        assert ix.search("", limit=1).total == 600  # the long-lived Index sees the last commit


def test_sixteen_threads_share_one_index_during_writes(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "in.jsonl", "t", 300)
    with Index(tmp_path / "ix", create=True) as ix:
        from searchlib import ingest

        ingest(ix, [source], batch_size=100)
        expected = [h.id for h in ix.search("convoy geneva", limit=10).hits]
        extra = _jsonl(tmp_path / "extra.jsonl", "u", 200)
        errors: list[BaseException] = []
        stop = threading.Event()

        def search() -> None:
            try:
                while not stop.is_set():
                    r = ix.search("convoy geneva", limit=10, source="t", date_to="2017")
                    # scores move as the collection grows (BM25 statistics); the filtered set
                    # and its order do not
                    assert r.total == 300 and [h.id for h in r.hits] == expected
                    assert ix.search("Genva").suggestion in (None, "Geneva")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=search) for _ in range(16)]
        for t in threads:
            t.start()
        ingest(ix, [extra], batch_size=20)  # commits from a thread of the same process
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        assert errors == []
        assert ix.count() == 500


def test_cold_index_builds_each_table_once_under_concurrent_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent first searches wait for one build of a segment's tables instead of each
    building them (under load that pushed every search past its time budget, empty)."""


    from searchlib.backends.whoosh import docvalues

    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(Article(id=f"a{i}", title=f"Report {i}", body=f"word{i} convoy") for i in range(500))
    built: list[int] = []
    original = docvalues.SegmentValues.__init__

    def counting(self: docvalues.SegmentValues, reader: object) -> None:
        built.append(1)
        time.sleep(0.2)  # a big segment: long enough for every search to arrive meanwhile
        original(self, reader)

    monkeypatch.setattr(docvalues.SegmentValues, "__init__", counting)
    cold = Index(tmp_path / "ix")
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(16)

    def search(i: int) -> None:
        barrier.wait()
        found = cold.search(f"word{i}", facets=("person",))
        results.append((found.total, found.partial))

    threads = [threading.Thread(target=search, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(1, False)] * 16
    assert len(built) == cold.stats().backend["segments"]
