"""Finding the inputs: walking directories, glob patterns, and formats judged by extension.

:func:`discover` turns the paths a user gave into :class:`Source` values (one file each, with its
format and size) and the :class:`~searchlib.model.ReadError` / :class:`~searchlib.model.ReadWarning`
events for what cannot or will not be read. It reads no file's content.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searchlib.model import ReadError, ReadWarning
from searchlib.readers.decode import os_reason
from searchlib.readers.options import ReadOptions

EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".jsonl.gz", "jsonl"),
    (".ndjson.gz", "jsonl"),
    (".csv.gz", "csv"),
    (".txt", "text"),
    (".text", "text"),
    (".md", "text"),
    (".jsonl", "jsonl"),
    (".ndjson", "jsonl"),
    (".csv", "csv"),
)
"""File-name endings (lower case, longest first) and the format each one means."""

Matcher = Callable[[str, str], bool]
"""A glob test: ``(path relative to the directory, file name) -> bool``."""

Found = Iterator["Source | ReadError | ReadWarning"]


@dataclass(frozen=True, slots=True)
class Source:
    """One input file to read: its path, the directory its id is relative to, its format, and
    its size in bytes when it was found (the total a byte progress bar counts to)."""

    path: Path
    root: Path
    format: str
    size: int

    @property
    def origin(self) -> str:
        """The path relative to ``root`` with ``/`` separators (the path itself if outside)."""
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return str(self.path)

    @property
    def folder(self) -> str | None:
        """The name of the folder holding the file, relative to ``root``: ``business`` for
        ``business/001.txt``; None for a file directly in ``root`` or outside it."""
        try:
            parts = self.path.relative_to(self.root).parts
        except ValueError:
            return None
        return parts[-2] if len(parts) > 1 else None


def format_for(path: str | os.PathLike[str]) -> str | None:
    """The format of a file, judged by its extension (case-insensitively), or None if unknown.

    ``.txt``, ``.text`` and ``.md`` are ``"text"``; ``.jsonl``, ``.jsonl.gz``, ``.ndjson`` (and
    ``.ndjson.gz``) are ``"jsonl"``; ``.csv`` and ``.csv.gz`` are ``"csv"``.
    """
    return _format_of(os.path.basename(os.fspath(path)).lower())


def _format_of(name: str) -> str | None:
    """The format for a file name's extension, compared exactly (callers choose the case)."""
    for suffix, fmt in EXTENSIONS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return fmt
    return None


def discover(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
) -> Iterator[Source | ReadError | ReadWarning]:
    """Find the files to read under ``paths``, in a deterministic order.

    A file is taken as given, whatever its name, with its parent directory as root (so its id is
    its name); its format is ``options.format`` or judged by extension, and an unknown one is a
    :class:`ReadError`. A directory is walked recursively in name order with itself as root,
    keeping the files that match ``options.glob`` (default: every file with a known extension,
    in lower case, so a dataset's ``README.TXT`` is not taken for an article) and skipping hidden
    entries (``.git``, ``.DS_Store``). Files the default left out are named in one
    :class:`ReadWarning` per directory, yielded before that directory's sources (so it can be
    shown before reading starts). A directory with nothing to read is a :class:`ReadError`; when
    it held only files of unknown types, the error says nothing could be read and names them.
    Symbolic links are followed, but a directory reached twice (a symlink loop) is read once. A
    path that does not exist or cannot be read or listed yields a :class:`ReadError`. A single
    path may be passed instead of a list.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    matcher = _glob_matcher(options.glob) if options.glob is not None else None
    for given in paths:
        path = Path(given)
        shown = os.fspath(given)
        try:
            info = path.stat()
        except FileNotFoundError:
            reason = "broken symbolic link" if path.is_symlink() else "no such file or directory"
            yield ReadError(shown, reason)
            continue
        except OSError as error:
            yield ReadError(shown, f"cannot access: {os_reason(error)}")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _directory(path, shown, (info.st_dev, info.st_ino), options, matcher)
        elif stat.S_ISREG(info.st_mode):
            yield _given_file(path, shown, info.st_size, options)
        else:
            yield ReadError(shown, "not a regular file or directory")


def _given_file(path: Path, shown: str, size: int, options: ReadOptions) -> Source | ReadError:
    """A file named by the user: its source, or why it cannot be read."""
    fmt = options.format or format_for(path)
    if fmt is None:
        return ReadError(shown, _unknown_format(path))
    if not os.access(path, os.R_OK):
        return ReadError(shown, "cannot read file: permission denied")
    return Source(path, path.parent, fmt, size)


def _directory(
    path: Path,
    shown: str,
    key: tuple[int, int],
    options: ReadOptions,
    matcher: Matcher | None,
) -> Found:
    """The events for one directory given by the user: the skipped-files warning (or the error
    when nothing is readable) first, then its sources and errors in walk order."""
    skipped: list[str] = []
    found = list(_walk(path, path, "", options, matcher, {key}, skipped))
    names = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
    if found and skipped:
        yield ReadWarning(
            shown,
            f"skipped {len(skipped)} file(s) without a known lower-case extension "
            f"({names}); choose files with --glob (and --format) to read them",
        )
    elif skipped:
        yield ReadError(
            shown,
            f"nothing could be read: {len(skipped)} file(s) of unknown type skipped ({names}); "
            "choose files with --glob (and --format) to read them",
        )
    elif not found:
        wanted = f"matching {options.glob!r}" if options.glob else "with a known extension"
        yield ReadError(shown, f"no files {wanted} in this directory")
    yield from found


def _walk(
    root: Path,
    directory: Path,
    prefix: str,
    options: ReadOptions,
    matcher: Matcher | None,
    seen: set[tuple[int, int]],
    skipped: list[str],
) -> Found:
    """Yield the sources under ``directory`` (``prefix`` is its path relative to ``root``).

    Without a glob, files with no known (lower-case) extension are added to ``skipped``.
    """
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        where = prefix.rstrip("/") or os.fspath(directory)
        yield ReadError(where, f"cannot list directory: {os_reason(error)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = prefix + entry.name
        try:
            if entry.is_dir():
                info = entry.stat()
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    sub = Path(entry.path)
                    yield from _walk(root, sub, rel + "/", options, matcher, seen, skipped)
                continue
        except OSError as error:
            yield ReadError(rel, f"cannot access: {os_reason(error)}")
            continue
        yield from _entry(root, entry, rel, options, matcher, skipped)


def _entry(
    root: Path,
    entry: os.DirEntry[str],
    rel: str,
    options: ReadOptions,
    matcher: Matcher | None,
    skipped: list[str],
) -> Found:
    """The source for one directory entry that is not a directory, or why it is not read."""
    name = entry.name
    if matcher is not None:
        if not matcher(rel, name):
            return
        fmt = options.format or format_for(name)
    else:
        known = _format_of(name)
        if known is None:
            skipped.append(rel)
            return
        fmt = options.format or known
    try:
        if not entry.is_file():
            if entry.is_symlink():
                yield ReadError(rel, "broken symbolic link")
            return
        if fmt is None:
            yield ReadError(rel, _unknown_format(Path(name)))
            return
        size = entry.stat().st_size
    except OSError as error:
        yield ReadError(rel, f"cannot access: {os_reason(error)}")
        return
    yield Source(Path(entry.path), root, fmt, size)


def _glob_matcher(pattern: str) -> Matcher:
    """A test ``(relative_path, name) -> bool`` for a glob pattern (see :class:`ReadOptions`)."""
    pattern = pattern.strip().replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    regex = re.compile(_translate_glob(pattern))
    if "/" not in pattern:
        return lambda rel, name: regex.fullmatch(name) is not None
    return lambda rel, name: regex.fullmatch(rel) is not None


def _translate_glob(pattern: str) -> str:
    """A regular expression for a glob where ``*`` stays inside one folder and ``**/`` spans any."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2 if pattern.startswith(("[!", "[]"), i) else i + 1)
            if end < 0:
                out.append(re.escape(char))
                i += 1
                continue
            inner = pattern[i + 1 : end]
            if inner.startswith("!"):
                inner = "^" + inner[1:]
            out.append("[" + inner.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _unknown_format(path: Path) -> str:
    suffix = "".join(path.suffixes[-2:]) or "(no extension)"
    return (
        f"unknown format for {suffix} files (known: .txt, .text, .md, .jsonl, .jsonl.gz, "
        f".ndjson, .csv, .csv.gz); pass format='text', 'jsonl' or 'csv'"
    )


__all__ = ["EXTENSIONS", "Source", "discover", "format_for"]
