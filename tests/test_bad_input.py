"""The catalogue of bad inputs: each one indexes correctly, or fails alone with a clear reason.

``tests/data/bad/`` holds one small file per kind of bad input; :data:`CATALOGUE` below says what
each must give. Inputs too big to commit (a 50 MB single line, a 10 MB article, a file over
:data:`~searchlib.readers.MAX_FILE_BYTES`) and those git cannot hold (a symbolic link loop, an
unreadable file) are made at test time.

Every entry is tested at two levels:

* the reader: exactly the articles, failures (file, line, reason) and warnings
  :func:`~searchlib.readers.read_paths` yields for it;
* end to end: ``searchlib index`` on a directory holding the entry and a known-good article,
  checking the summary line, each listed failure, the exit status (0 when everything was read,
  3 when something failed) and that the good article is searchable afterwards.

One more test indexes the whole catalogue directory at once, in a real subprocess, and again to
check that a re-run reports the same failures and finds every article unchanged.

The unreadable file is tested for real even as root (as in CI): a subprocess imports searchlib,
then drops to uid/gid 65534 and reads a mode-000 file in a world-traversable temporary
directory. (``subprocess.run(..., user=65534)`` cannot be used: it drops privileges before
``exec``, and the interpreter may live where nobody else can run it, such as ``/root``.)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import Index
from searchlib.cli import main
from searchlib.model import Article, ReadError, ReadEvent, ReadWarning
from searchlib.readers import MAX_FILE_BYTES, read_paths

BAD = Path(__file__).resolve().parent / "data" / "bad"

GOOD_NAME = "good.txt"
GOOD_TEXT = (
    "Quokka census completed on Rottnest Island\n\n07/10/2016\n\n"
    "Rangers counted every quokka on the island over three days.\n"
)
"""The known-good article indexed beside each bad entry; "quokka" finds it and nothing else."""

Line = tuple[int | None, str]
"""A failure or warning: its line (None for the whole file) and its reason."""


@dataclass(frozen=True)
class Outcome:
    """What one catalogue entry must give when read on its own.

    ``articles`` are the (id, title) of every article read, in order; ``failures`` and ``warnings``
    the (line, reason) of each :class:`ReadError` and :class:`ReadWarning`, in order.
    """

    articles: tuple[tuple[str, str], ...] = ()
    failures: tuple[Line, ...] = ()
    warnings: tuple[Line, ...] = ()


CATALOGUE: dict[str, Outcome] = {
    "empty.txt": Outcome(failures=((None, "empty file"),)),
    "png_image.txt": Outcome(failures=((None, "binary file, not text (PNG image)"),)),
    "gzip_archive.txt": Outcome(failures=((None, "binary file, not text (gzip data)"),)),
    "gzip_binary.jsonl.gz": Outcome(
        failures=((None, "gzip file holds binary data, not text (contains NUL bytes)"),)
    ),
    "nul_bytes.txt": Outcome(failures=((None, "binary file, not text (contains NUL bytes)"),)),
    # The first NUL is past the 8 kB sniffed at the start: found anyway, with its line.
    "nul_bytes_late.txt": Outcome(failures=((305, "binary file, not text (contains NUL bytes)"),)),
    "invalid_utf8.txt": Outcome(
        articles=(("invalid_utf8.txt", "Café talks resume in Genève"),),
        warnings=((None, "not valid UTF-8 (byte 0xE9 on line 1); read as cp1252"),),
    ),
    "utf8_bom.txt": Outcome(articles=(("utf8_bom.txt", "BOM article title"),)),
    "crlf.txt": Outcome(articles=(("crlf.txt", "CRLF article title"),)),
    "title_only.txt": Outcome(articles=(("title_only.txt", "A title and nothing else"),)),
    "body_only.txt": Outcome(failures=((1, "no title: the first line is a date ('07/10/2016')"),)),
    "body_only.jsonl": Outcome(articles=(("body_only.jsonl#1", "A record with a body only"),)),
    "impossible_date.txt": Outcome(
        failures=((3, "impossible date '31/02/2016' (day/month order dmy)"),)
    ),
    "future_date.txt": Outcome(
        failures=(
            (3, "implausible date '07/10/2916' (2916-10-07): more than a year in the future"),
        )
    ),
    "truncated.jsonl": Outcome(
        articles=(("t-1", "First record"), ("t-3", "Third record")),
        failures=(
            (2, "invalid JSON: Unterminated string starting at column 43"),
            (4, "invalid JSON: Unterminated string starting at column 24"),
        ),
    ),
    "wrong_type.jsonl": Outcome(
        articles=(("w-1", "Right types"),),
        failures=((2, "field 'date' must be a string, not a number"),),
    ),
    # 100,000 nested lists; 100,000 nested objects; a record whose body is 100,000 nested lists.
    "deeply_nested.jsonl.gz": Outcome(
        articles=(("n-1", "Before the junk"), ("n-5", "After the junk")),
        failures=(
            (2, "invalid JSON: nested too deeply"),
            (3, "invalid JSON: nested too deeply"),
            (4, "invalid JSON: nested too deeply"),
        ),
    ),
    "missing_column.csv": Outcome(
        articles=(("missing_column.csv#2", "A complete row"),),
        failures=((2, "row has 2 cells but the header has 3"),),
    ),
    "missing_text_columns.csv": Outcome(
        failures=(
            (
                None,
                "CSV header has no title or body column (columns: id, date, source); map them "
                "with --field title=COLUMN --field body=COLUMN "
                '(fields={"title": ..., "body": ...} in Python)',
            ),
        )
    ),
    "quoted_newline.csv": Outcome(
        articles=(
            ("quoted_newline.csv#1", "Quoted, with a comma"),
            ("quoted_newline.csv#2", "Next row"),
        )
    ),
    "unclosed_quote.csv": Outcome(
        articles=(("unclosed_quote.csv#1", "First row"),),
        failures=(
            (
                3,
                "row has 1 cell but the header has 3; it runs from line 3 to the end of the "
                "file (line 5): is a closing quote missing?",
            ),
        ),
    ),
}


# -- helpers -------------------------------------------------------------------------------------


def split(found: Sequence[ReadEvent]) -> tuple[list[Article], list[ReadError], list[ReadWarning]]:
    """The articles, errors and warnings among reader events."""
    return (
        [e for e in found if isinstance(e, Article)],
        [e for e in found if isinstance(e, ReadError)],
        [e for e in found if isinstance(e, ReadWarning)],
    )


def assert_read(found: Sequence[ReadEvent], name: str, outcome: Outcome) -> None:
    """The reader events for one entry are exactly ``outcome``, all naming the file ``name``."""
    read, failed, warned = split(found)
    assert [(a.id, a.title) for a in read] == list(outcome.articles), found
    assert [(e.origin, e.line, e.reason) for e in failed] == [
        (name, line, reason) for line, reason in outcome.failures
    ]
    assert [(w.origin, w.line, w.message) for w in warned] == [
        (name, line, message) for line, message in outcome.warnings
    ]


def index_cli(paths: Sequence[Path], index: Path) -> tuple[int, str]:
    """Run ``searchlib index PATHS --index INDEX`` in-process; its exit status and stderr."""
    args = ["index", *map(str, paths), "--index", str(index)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stderr


def problem_lines(entries: Sequence[tuple[str, Outcome]]) -> tuple[list[str], list[str]]:
    """The ``failed: ...`` and ``warning: ...`` lines ``searchlib index`` must print."""

    def where(name: str, line: int | None) -> str:
        return name if line is None else f"{name}:{line}"

    failed = [f"failed: {where(n, line)}: {why}" for n, o in entries for line, why in o.failures]
    warned = [f"warning: {where(n, line)}: {why}" for n, o in entries for line, why in o.warnings]
    return failed, warned


def assert_run(
    code: int,
    stderr: str,
    entries: Sequence[tuple[str, Outcome]],
    *,
    good: int = 1,
    unchanged: int = 0,
) -> None:
    """The exit status, listed failures and warnings, and summary of an index run are right.

    ``good`` known-good articles were read besides the entries'; on a re-run, ``unchanged`` of
    all the articles were already indexed.
    """
    articles = good + sum(len(o.articles) for _, o in entries)
    failures = sum(len(o.failures) for _, o in entries)
    failed, warned = problem_lines(entries)
    lines = stderr.splitlines()
    assert [line for line in lines if line.startswith("failed: ")] == failed, stderr
    assert [line for line in lines if line.startswith("warning: ")] == warned, stderr
    assert "Traceback" not in stderr
    assert re.fullmatch(
        rf"indexed {articles - unchanged}, updated 0, unchanged {unchanged}, "
        rf"failed {failures} in \d+\.\ds",
        lines[-1],
    ), stderr
    assert code == (3 if failures else 0), stderr


def assert_good_searchable(index: Path, *ids: str) -> None:
    """The known-good article is the one hit for "quokka", and each article in ``ids`` is stored."""
    with Index(index) as ix:
        assert [hit.id for hit in ix.search("quokka", fragments=0).hits] == [GOOD_NAME]
        for ident in ids:
            assert ix.get(ident).id == ident


def batch_with(tmp_path: Path, *names: str) -> Path:
    """A directory holding the known-good article and copies of the named catalogue entries."""
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    for name in names:
        shutil.copyfile(BAD / name, batch / name)
    return batch


# -- the committed catalogue ---------------------------------------------------------------------


def test_the_catalogue_lists_every_file() -> None:
    """No file in tests/data/bad goes untested, and none is large."""
    on_disk = {p.name for p in BAD.iterdir()}
    assert on_disk == set(CATALOGUE)
    assert all(p.stat().st_size < 64 * 1024 for p in BAD.iterdir())


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_reader(name: str) -> None:
    """What the readers yield for each entry, given as a file."""
    assert_read(list(read_paths([BAD / name])), name, CATALOGUE[name])


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_end_to_end(name: str, tmp_path: Path) -> None:
    """``searchlib index`` on the entry beside a good article: summary, failures, exit status."""
    outcome = CATALOGUE[name]
    code, stderr = index_cli([batch_with(tmp_path, name)], tmp_path / "index")
    assert_run(code, stderr, [(name, outcome)])
    assert_good_searchable(tmp_path / "index", *(ident for ident, _ in outcome.articles))


def test_contents_of_the_entries_that_index() -> None:
    """The entries that index keep their text right: encodings, BOM, line ends, quoted newlines."""
    read = {a.id: a for a in split(list(read_paths([BAD])))[0]}
    assert read["invalid_utf8.txt"].body == "Déjà vu: the envoys met again – at last."
    bom = read["utf8_bom.txt"]
    assert not bom.title.startswith("\ufeff") and bom.body == "A body after a byte order mark."
    crlf = read["crlf.txt"]
    assert crlf.body == "First paragraph, over two lines.\n\nSecond paragraph."
    assert "\r" not in crlf.title + crlf.body and str(crlf.date) == "2016-10-07"
    assert read["title_only.txt"].body == ""
    body_only = read["body_only.jsonl#1"]
    assert body_only.body.startswith(body_only.title) and str(body_only.date) == "2016-10-07"
    quoted = read["quoted_newline.csv#1"]
    assert quoted.body == "First line\nsecond line\n\nthird line"
    assert quoted.origin == "quoted_newline.csv:2"
    assert read["quoted_newline.csv#2"].origin == "quoted_newline.csv:6"  # lines still counted


def test_whole_catalogue_at_once_in_a_subprocess(tmp_path: Path) -> None:
    """The whole directory in one real ``searchlib index`` run, then again (nothing new)."""
    good = tmp_path / "good"
    good.mkdir()
    (good / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    index = tmp_path / "index"
    command = [sys.executable, "-m", "searchlib", "index", str(BAD), str(good / GOOD_NAME)]
    command += ["--index", str(index)]
    entries = sorted(CATALOGUE.items())
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert_run(first.returncode, first.stderr, entries)
    ids = [ident for _, o in entries for ident, _ in o.articles]
    assert_good_searchable(index, *ids)
    with Index(index) as ix:
        assert ix.count() == len(ids) + 1
        assert ix.stats().date_max is not None and ix.stats().date_max.year == 2016

    query = [sys.executable, "-m", "searchlib", "query", "quokka", "--index", str(index)]
    found = subprocess.run(
        [*query, "--format", "json"], capture_output=True, text=True, timeout=60, check=True
    )
    assert [hit["id"] for hit in json.loads(found.stdout)["hits"]] == [GOOD_NAME]

    again = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert_run(again.returncode, again.stderr, entries, unchanged=len(ids) + 1)


# -- made at test time: too big to commit --------------------------------------------------------

BIG_LINE_CHARS = 50 * 1024 * 1024
TEN_MB = 10 * 1000 * 1000


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ``one_line.txt`` (one 50 MiB line of words) and ``long.txt`` (10 MB)."""
    folder = tmp_path_factory.mktemp("big")
    unit = "lorem ipsum dolor sit amet "
    line = (unit * (BIG_LINE_CHARS // len(unit) + 1))[: BIG_LINE_CHARS - 1] + "x"
    (folder / "one_line.txt").write_text(line + "\n", encoding="utf-8")
    paragraph = " ".join(["The convoy reached the city after long talks with officials."] * 16)
    count = TEN_MB // (len(paragraph) + 2) + 1
    body = "\n\n".join([paragraph] * count)
    text = f"A very long report\n\n07/10/2016\n\n{body}\n\nThe last word is zyzzyva.\n"
    (folder / "long.txt").write_text(text, encoding="utf-8")
    return folder


def test_reader_50mb_single_line(big_inputs: Path) -> None:
    """A file that is one 50 MB line fails quickly: its first line, the title, is too long."""
    started = time.perf_counter()
    found = list(read_paths([big_inputs / "one_line.txt"]))
    assert found == [
        ReadError(
            "one_line.txt",
            "title is 52,428,800 characters long (limit 1,000); "
            "the first line of a text file is its title",
            1,
        )
    ]
    assert time.perf_counter() - started < 10


def test_reader_10mb_article(big_inputs: Path) -> None:
    """A 10 MB article is read whole."""
    (article,) = read_paths([big_inputs / "long.txt"])
    assert isinstance(article, Article)
    assert article.title == "A very long report" and str(article.date) == "2016-10-07"
    assert len(article.body) > TEN_MB and article.body.endswith("The last word is zyzzyva.")


def test_end_to_end_big_inputs(big_inputs: Path, tmp_path: Path) -> None:
    """The 50 MB line fails, the 10 MB article and the good one are indexed and searchable."""
    batch = batch_with(tmp_path)
    for name in ("one_line.txt", "long.txt"):
        os.symlink(big_inputs / name, batch / name)
    code, stderr = index_cli([batch], tmp_path / "index")
    reason = (
        "title is 52,428,800 characters long (limit 1,000); the first line of a text file is "
        "its title"
    )
    assert_run(code, stderr, [("one_line.txt", Outcome(failures=((1, reason),)))], good=2)
    assert_good_searchable(tmp_path / "index", "long.txt")
    with Index(tmp_path / "index") as ix:
        assert [hit.id for hit in ix.search("zyzzyva", fragments=0).hits] == ["long.txt"]


def test_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    """A text file over MAX_FILE_BYTES fails before it is read (here a sparse file: no disk)."""
    batch = batch_with(tmp_path)
    with (batch / "huge.txt").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    reason = f"file is {MAX_FILE_BYTES + 1:,} bytes long (limit {MAX_FILE_BYTES:,} for one article)"
    assert list(read_paths([batch / "huge.txt"])) == [ReadError("huge.txt", reason)]
    code, stderr = index_cli([batch], tmp_path / "index")
    assert_run(code, stderr, [("huge.txt", Outcome(failures=((None, reason),)))])
    assert_good_searchable(tmp_path / "index")


# -- made at test time: symbolic link loops and unreadable files ---------------------------------

LOOP = "cannot access: symbolic link loop (too many levels of symbolic links)"


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs POSIX links")
def test_symlink_loops(tmp_path: Path) -> None:
    """A link to itself fails, given or found; a link back up the tree is followed once."""
    batch = batch_with(tmp_path)
    (batch / "again").symlink_to(batch, target_is_directory=True)  # a directory loop
    (batch / "loop").symlink_to(batch / "loop")  # a link to itself
    given = tmp_path / "given-loop"
    given.symlink_to(given)

    assert list(read_paths([given])) == [ReadError(str(given), LOOP)]
    read, failed, _ = split(list(read_paths([batch])))
    assert [a.id for a in read] == [GOOD_NAME]
    assert failed == [ReadError("loop", LOOP)]

    code, stderr = index_cli([batch, given], tmp_path / "index")
    loop = Outcome(failures=((None, LOOP),))
    assert_run(code, stderr, [("loop", loop), (str(given), loop)])
    assert_good_searchable(tmp_path / "index")


@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    """A temporary directory anyone can enter and write to (``tmp_path`` is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="searchlib-unreadable-"))
    try:
        path.chmod(0o777)
        for parent in path.parents:
            if not parent.stat().st_mode & 0o001:
                pytest.skip(f"{parent} is not world-traversable, so another user cannot test here")
        yield path
    finally:
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        shutil.rmtree(path)


def unreadable_batch(base: Path) -> Path:
    """The good article, a mode-000 article and a mode-000 folder, all readable by anyone else."""
    batch = base / "batch"
    batch.mkdir()
    (batch / GOOD_NAME).write_text(GOOD_TEXT, encoding="utf-8")
    (batch / "secret.txt").write_text("Secret\n\nNobody may read this.\n", encoding="utf-8")
    (batch / "private").mkdir()
    (batch / "private" / "inside.txt").write_text("Inside\n\nOr this.\n", encoding="utf-8")
    (batch / GOOD_NAME).chmod(0o644)
    batch.chmod(0o755)
    (batch / "secret.txt").chmod(0)
    (batch / "private").chmod(0)
    return batch


UNREADABLE = Outcome(failures=((None, "cannot read file: permission denied"),))
UNLISTABLE = Outcome(failures=((None, "cannot list directory: permission denied"),))


def describe(event: ReadEvent) -> list[object]:
    """A reader event as JSON-ready data: kind, origin, line and reason (None for an article)."""
    if isinstance(event, Article):
        return ["Article", event.id, None, None]
    if isinstance(event, ReadError):
        return ["ReadError", event.origin, event.line, event.reason]
    return ["ReadWarning", event.origin, event.line, event.message]


_AS_NOBODY = textwrap.dedent(
    """
    import json, os, sys
    from click.testing import CliRunner
    from searchlib.cli import main
    from searchlib.readers import read_paths

    base = sys.argv[1]
    # Warm up as root, so that whatever is imported lazily is in memory before the interpreter's
    # own files may become unreadable.
    warm = CliRunner().invoke(main, ["index", base + "/batch/good.txt", "--index", base + "/warm"])
    assert warm.exit_code == 0, warm.output
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    except OSError as error:
        print(json.dumps({"skip": f"cannot drop privileges: {error}"}))
        sys.exit(0)
    try:
        open(base + "/batch/secret.txt", "rb").close()
        print(json.dumps({"skip": "uid 65534 can still read a mode-000 file"}))
        sys.exit(0)
    except PermissionError:
        pass

    def events(path):  # as tests/test_bad_input.py's describe()
        return [["Article", e.id, None, None] if hasattr(e, "title")
                else [type(e).__name__, e.origin, e.line, getattr(e, "reason", None)]
                for e in read_paths([path])]

    given = events(base + "/batch/secret.txt")
    walked = events(base + "/batch")
    run = CliRunner().invoke(main, ["index", base + "/batch", "--index", base + "/index"])
    print(json.dumps({"uid": os.getuid(), "given": given, "walked": walked,
                      "code": run.exit_code, "stderr": run.stderr}))
    """
)


def test_unreadable_file_and_folder(shared_dir: Path) -> None:
    """Files and folders the user may not read fail alone; as root, checked as uid 65534."""
    batch = unreadable_batch(shared_dir)
    entries = [("private", UNLISTABLE), ("secret.txt", UNREADABLE)]
    if os.name == "posix" and os.geteuid() == 0:
        done = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, str(shared_dir)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if "skip" in report:
            pytest.skip(report["skip"])
        assert report["uid"] == 65534
        given, walked = report["given"], report["walked"]
        code, stderr = report["code"], report["stderr"]
    else:  # plain chmod 000 stops an ordinary user
        given = [describe(e) for e in read_paths([batch / "secret.txt"])]
        walked = [describe(e) for e in read_paths([batch])]
        code, stderr = index_cli([batch], shared_dir / "index")

    denied = UNREADABLE.failures[0][1]
    assert given == [["ReadError", str(batch / "secret.txt"), None, denied]]
    assert walked == [
        ["Article", GOOD_NAME, None, None],
        ["ReadError", "private", None, UNLISTABLE.failures[0][1]],
        ["ReadError", "secret.txt", None, denied],
    ]
    assert_run(code, stderr, entries)
    assert_good_searchable(shared_dir / "index")
