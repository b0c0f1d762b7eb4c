"""Byte progress, warnings as soon as they are known, and a folder with nothing readable."""

from __future__ import annotations

import gzip
import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib.cli import main
from searchlib.model import Article, ReadError, ReadEvent, ReadWarning
from searchlib.readers import ReadOptions, Source, discover, read_paths, read_source
from searchlib.readers.decode import PROGRESS_STEP, ByteMeter

DATA = Path(__file__).resolve().parent / "data" / "readers"


def source_of(path: Path) -> Source:
    (found,) = discover([path])
    assert isinstance(found, Source)
    return found


def jsonl_lines(n: int, *, bad_at: int | None = None) -> bytes:
    """``n`` records of about 300 bytes of text that gzip cannot shrink much; line ``bad_at``
    (1-based) is cp1252, not UTF-8."""
    rng = random.Random(n)
    out = []
    for i in range(1, n + 1):
        body = " ".join(f"{rng.getrandbits(32):08x}" for _ in range(30))
        line = json.dumps({"title": f"Title {i}", "body": body}).encode()
        if i == bad_at:
            line = line.replace(b"Title", b"Caf\xe9")
        out.append(line + b"\n")
    return b"".join(out)


class Recorder:
    """A progress callback that notes each call and how many events had been seen by then."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.events_seen: list[int] = []
        self.events = 0

    def __call__(self, n: int) -> None:
        self.calls.append(n)
        self.events_seen.append(self.events)

    def read(self, source: Source, options: ReadOptions = ReadOptions()) -> list[ReadEvent]:  # noqa: B008
        out = []
        for event in read_source(source, options, progress=self):
            self.events += 1
            out.append(event)
        return out


def test_source_carries_its_size_in_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"Title\n\nBody\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_bytes(jsonl_lines(3))
    found = [s for s in discover([tmp_path]) if isinstance(s, Source)]
    assert [(s.origin, s.size) for s in found] == [
        ("a.txt", 12),
        ("sub/b.jsonl", os.path.getsize(tmp_path / "sub" / "b.jsonl")),
    ]
    assert source_of(tmp_path / "a.txt").size == 12


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_big_jsonl_file_reports_bytes_as_it_goes(tmp_path: Path, compressed: bool) -> None:
    data = jsonl_lines(3000)  # about 870 kB (about 480 kB gzipped)
    path = tmp_path / ("a.jsonl.gz" if compressed else "a.jsonl")
    path.write_bytes(gzip.compress(data, compresslevel=1) if compressed else data)
    source = source_of(path)
    recorder = Recorder()
    events = recorder.read(source)
    assert len(events) == 3000 and all(isinstance(e, Article) for e in events)
    assert sum(recorder.calls) == source.size  # exactly the file's bytes, compressed or not
    assert all(n > 0 for n in recorder.calls)
    if not compressed:
        assert len(recorder.calls) >= source.size // PROGRESS_STEP
        assert all(n >= PROGRESS_STEP for n in recorder.calls[:-1])  # throttled
    # The bar moves while articles come out, not all at the end.
    assert len(recorder.calls) >= 2
    assert recorder.events_seen[0] < 3000 // 2
    assert sorted(recorder.events_seen) == recorder.events_seen


def test_a_big_csv_file_reports_bytes_as_it_goes(tmp_path: Path) -> None:
    rows = "".join(f"Title {i},{'word ' * 55}\n" for i in range(3000))
    path = tmp_path / "a.csv"
    path.write_text("title,body\n" + rows)
    source = source_of(path)
    recorder = Recorder()
    events = recorder.read(source)
    assert len(events) == 3000
    assert sum(recorder.calls) == source.size
    assert len(recorder.calls) >= source.size // PROGRESS_STEP
    assert recorder.events_seen[0] < 3000 // 2


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", b"Title\n\nBody\n"),
        ("b.txt", b"\x89PNG\r\n\x1a\n" + bytes(100)),  # an error: the bar still completes
        ("c.jsonl", b'{"title": "cut'),
        ("d.csv", b"a,b\n1,2\n"),  # no title or body column: one error for the file
    ],
)
def test_every_file_reports_its_whole_size_once_read(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    recorder = Recorder()
    recorder.read(source_of(path))
    assert sum(recorder.calls) == len(content)


def test_progress_through_read_paths_and_without_a_callback(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"Title\n\nBody\n")
    (tmp_path / "b.jsonl").write_bytes(jsonl_lines(10))
    calls: list[int] = []
    events = list(read_paths([tmp_path], progress=calls.append))
    assert len(events) == 11
    assert sum(calls) == 12 + os.path.getsize(tmp_path / "b.jsonl")
    assert list(read_paths([tmp_path])) == events


def test_byte_meter_never_reports_past_the_total() -> None:
    calls: list[int] = []
    meter = ByteMeter(100, calls.append, step=10)
    meter.update(5)
    meter.update(50)
    meter.update(500)  # the file grew after it was found
    meter.finish()
    meter.finish()
    assert calls == [50, 50]
    ByteMeter(100).update(50)  # no callback: nothing happens


def test_jsonl_encoding_warning_comes_as_soon_as_it_is_known(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl_lines(3000, bad_at=1500))
    source = source_of(path)
    reported: list[int] = []
    reader = read_source(source, progress=reported.append)
    before = []
    for event in reader:
        if isinstance(event, ReadWarning):
            break
        before.append(event)
    else:
        pytest.fail("no warning")
    assert event == ReadWarning("a.jsonl", "not valid UTF-8; read as cp1252", 1500)
    assert len(before) == 1499  # right before the article of the line it concerns
    assert sum(reported) < source.size  # and before the rest of the file is read
    after = next(reader)
    assert isinstance(after, Article) and after.title == "Café 1500"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", "Price\n\nIt cost £5.\n".encode("cp1252")),
        ("a.csv", "title,body\nFirst,plain\nSecond,£5\n".encode("cp1252")),
    ],
)
def test_whole_file_encoding_warnings_come_before_its_articles(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    events = list(read_source(source_of(path)))
    assert isinstance(events[0], ReadWarning) and events[0].message.endswith("read as cp1252")
    assert events[1:] and all(isinstance(e, Article) for e in events[1:])


def test_skipped_files_warning_comes_before_the_folders_articles(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Title\n\nBody\n")
    (tmp_path / "notes.json").write_text("{}")
    events = list(read_paths([tmp_path]))
    assert [type(e) for e in events] == [ReadWarning, Article, Article]
    assert isinstance(events[0], ReadWarning) and "notes.json" in events[0].message


def test_a_folder_of_unknown_types_is_an_error_naming_them() -> None:
    found = list(discover([DATA / "unknown_only"]))
    assert found == [
        ReadError(
            str(DATA / "unknown_only"),
            "nothing could be read: 3 file(s) of unknown type skipped (notes.json, "
            "picture.gif, sub/README); choose files with --glob (and --format) to read them",
        )
    ]
    # With --glob the user chooses, and the files are read or fail one by one.
    chosen = list(read_paths([DATA / "unknown_only"], ReadOptions(glob="*.json", format="jsonl")))
    assert [type(e) for e in chosen] == [Article]


def test_cli_index_of_nothing_readable_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["index", str(DATA / "unknown_only"), "--index", str(tmp_path / "ix")],
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    assert "nothing could be read" in result.output
