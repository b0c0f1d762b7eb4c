"""Readers: turn files into :class:`~searchlib.model.Article` values, one format per module.

* :mod:`searchlib.readers.text`: the seed plain-text format (``.txt``, ``.text``, ``.md``);
* :mod:`searchlib.readers.jsonl`: JSON Lines, optionally gzipped (``.jsonl``, ``.jsonl.gz``,
  ``.ndjson``);
* :mod:`searchlib.readers.csv`: CSV with a header row and a column mapping (``.csv``, ``.csv.gz``).

:func:`discover` finds the files to read (recursing into directories), :func:`read_source` reads
one of them, and :func:`read_paths` does both. Readers never raise for bad input: they yield a
:class:`~searchlib.model.ReadError` for the file, line or row that could not be read, and go on.
A :class:`~searchlib.model.ReadWarning` (e.g. "not valid UTF-8; read as cp1252") comes before
the article it concerns. Readers know nothing of the index or of entity extraction.

Ids are stable: a text file's id is its path relative to the directory being read
(``sport/199.txt``); a JSON Lines or CSV record's id is its own ``id`` when it has one, else
``relpath#N`` (N the 1-based line of a JSON Lines file, or the 1-based data row of a CSV file).
``ReadOptions.id_prefix`` is prepended to every id.

Limits, the same for every format, so that one bad input fails alone instead of exhausting memory
or stretching the index (each is a :class:`~searchlib.model.ReadError` naming the size and the
limit):

* :data:`MAX_TITLE_CHARS`: a title longer than 1,000 characters is refused (a text file that is
  one 50 MB line is a 52,428,800-character "title");
* :data:`MAX_BODY_CHARS`: a body longer than 16,000,000 characters is refused;
* :data:`MAX_FILE_BYTES`: a text-format file (one article) larger than 64 MiB is refused before it
  is read into memory, and so is a JSON Lines line (one record) longer than that.

A title or body holding NUL characters is refused too, and so is a date that parses but is more
than a year in the future (:func:`searchlib.dates.check_plausible`).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import errno
import os
import re
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from searchlib.dates import DateOrder, check_plausible, parse_date
from searchlib.errors import InputError
from searchlib.model import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    Article,
    ReadError,
    ReadEvent,
    ReadWarning,
    check_text,
)

FORMATS: tuple[str, ...] = ("text", "jsonl", "csv")
"""The input formats readers understand."""

FIELDS: tuple[str, ...] = ("id", "title", "date", "body", "source", "url", "tags")
"""Our field names, the keys of :attr:`ReadOptions.fields`."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The most bytes read into memory for one article: a whole text-format file, or one JSON Lines
line. A larger one is refused before it is read."""

_EXTENSIONS: tuple[tuple[str, str], ...] = (
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


def format_for(path: str | os.PathLike[str]) -> str | None:
    """The format of a file, judged by its extension (case-insensitively), or None if unknown.

    ``.txt``, ``.text`` and ``.md`` are ``"text"``; ``.jsonl``, ``.jsonl.gz``, ``.ndjson`` (and
    ``.ndjson.gz``) are ``"jsonl"``; ``.csv`` and ``.csv.gz`` are ``"csv"``.
    """
    return _format_of(os.path.basename(os.fspath(path)).lower())


def _format_of(name: str) -> str | None:
    """The format for a file name's extension, compared exactly (callers choose the case)."""
    for suffix, fmt in _EXTENSIONS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return fmt
    return None


class _Fields(Mapping[str, str]):
    """An immutable, hashable and picklable copy of a field mapping."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)

    def __getstate__(self) -> dict[str, str]:
        return self._items

    def __setstate__(self, state: dict[str, str]) -> None:
        self._items = dict(state)


@dataclass(frozen=True)
class ReadOptions:
    """How to find and read inputs.

    ``format`` forces one format for every file (None: judge each file by its extension).
    ``date_order`` reads all-numeric dates such as ``07/10/2016`` (see :class:`DateOrder`); a
    string such as ``"mdy"`` is accepted too. ``fields`` maps our field names (:data:`FIELDS`)
    to the input's keys or column names, e.g. ``{"title": "article_title"}``. ``glob`` filters
    the files found inside directories: a pattern without ``/`` (``"*.txt"``) matches file names
    at any depth, one with ``/`` (``"sport/*.txt"``, ``"**/*.txt"``) matches the path relative
    to the directory; ``*`` and ``?`` do not cross ``/``, ``**/`` matches any number of folders,
    and matching is case-sensitive. ``id_prefix`` is prepended to every article id.

    Options are immutable and hashable (``fields`` is kept as a read-only copy). Raises
    :class:`ValueError` for an unknown format, date order or field name.
    """

    format: str | None = None
    date_order: DateOrder = DateOrder.DMY
    fields: Mapping[str, str] = field(default_factory=dict)
    glob: str | None = None
    id_prefix: str = ""

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r} (use one of: {', '.join(FORMATS)})")
        object.__setattr__(self, "date_order", DateOrder.coerce(self.date_order))
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            raise ValueError(
                f"unknown field name(s) in fields: {', '.join(unknown)} (use: {', '.join(FIELDS)})"
            )
        for name, key in self.fields.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"fields[{name!r}] must be a non-empty string, not {key!r}")
        object.__setattr__(self, "fields", _Fields(self.fields))
        if self.glob is not None and not self.glob.strip():
            raise ValueError("glob must not be empty")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file to read: its path, the directory its id is relative to, format and size."""

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


# -- finding files -------------------------------------------------------------------------------


def discover(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    options: ReadOptions = ReadOptions(),
) -> Iterator[Source | ReadError | ReadWarning]:
    """Find the files to read under ``paths``, in a deterministic order.

    A file is taken as given, whatever its name, with its parent directory as root (so its id is
    its name); its format is ``options.format`` or judged by extension, and an unknown one is a
    :class:`ReadError`. A directory is walked recursively in name order with itself as root,
    keeping the files that match ``options.glob`` (default: every file with a known extension,
    in lower case, so a dataset's ``README.TXT`` is not taken for an article) and skipping hidden
    entries (``.git``, ``.DS_Store``). Files the default left out are named in one
    :class:`ReadWarning` per directory; a directory with nothing to read is a
    :class:`ReadError`. Symbolic links are followed, but a
    directory reached twice (a symlink loop) is read once. A path that does not exist or cannot
    be read or listed yields a :class:`ReadError`. A single path may be passed instead of a list.
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
            yield ReadError(shown, f"cannot access: {_os_reason(error)}")
            continue
        if stat.S_ISDIR(info.st_mode):
            seen = {(info.st_dev, info.st_ino)}
            skipped: list[str] = []
            found = 0
            for item in _walk(path, path, "", options, matcher, seen, skipped):
                found += 1
                yield item
            if skipped:
                names = ", ".join(skipped[:3]) + (", ..." if len(skipped) > 3 else "")
                yield ReadWarning(
                    shown,
                    f"skipped {len(skipped)} file(s) without a known lower-case extension "
                    f"({names}); choose files with --glob (and --format) to read them",
                )
            elif not found:
                wanted = f"matching {options.glob!r}" if options.glob else "with a known extension"
                yield ReadError(shown, f"no files {wanted} in this directory")
        elif stat.S_ISREG(info.st_mode):
            fmt = options.format or format_for(path)
            if fmt is None:
                yield ReadError(shown, _unknown_format(path))
            elif not os.access(path, os.R_OK):
                yield ReadError(shown, "cannot read file: permission denied")
            else:
                yield Source(path, path.parent, fmt, info.st_size)
        else:
            yield ReadError(shown, "not a regular file or directory")


def _walk(
    root: Path,
    directory: Path,
    prefix: str,
    options: ReadOptions,
    matcher: Callable[[str, str], bool] | None,
    seen: set[tuple[int, int]],
    skipped: list[str],
) -> Iterator[Source | ReadError]:
    """Yield the sources under ``directory`` (``prefix`` is its path relative to ``root``).

    Without a glob, files with no known (lower-case) extension are added to ``skipped``.
    """
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        where = prefix.rstrip("/") or os.fspath(directory)
        yield ReadError(where, f"cannot list directory: {_os_reason(error)}")
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        rel = prefix + name
        try:
            if entry.is_dir():
                info = entry.stat()
                key = (info.st_dev, info.st_ino)
                if key not in seen:
                    seen.add(key)
                    yield from _walk(
                        root, Path(entry.path), rel + "/", options, matcher, seen, skipped
                    )
                continue
            is_file = entry.is_file()
        except OSError as error:
            yield ReadError(rel, f"cannot access: {_os_reason(error)}")
            continue
        if matcher is not None:
            if not matcher(rel, name):
                continue
            fmt = options.format or format_for(name)
        else:
            known = _format_of(name)
            if known is None:
                skipped.append(rel)
                continue
            fmt = options.format or known
        if not is_file:
            if entry.is_symlink():
                yield ReadError(rel, "broken symbolic link")
            continue
        if fmt is None:
            yield ReadError(rel, _unknown_format(Path(name)))
            continue
        try:
            size = entry.stat().st_size
        except OSError as error:
            yield ReadError(rel, f"cannot access: {_os_reason(error)}")
            continue
        yield Source(Path(entry.path), root, fmt, size)


def _glob_matcher(pattern: str) -> Callable[[str, str], bool]:
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


def _os_reason(error: OSError) -> str:
    """An OS error as a short lower-case reason ("permission denied", "symbolic link loop")."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    return (error.strerror or str(error)).lower()


# -- reading -------------------------------------------------------------------------------------


def read_source(
    source: Source,
    options: ReadOptions = ReadOptions(),
) -> Iterator[ReadEvent]:
    """Read one file, yielding its articles, and a :class:`ReadError` for each bad part of it.

    The reader is chosen by ``source.format``. Nothing is raised for bad input.
    """
    if source.format == "text":
        from searchlib.readers.text import read_text

        return read_text(source, options)
    if source.format == "jsonl":
        from searchlib.readers.jsonl import read_jsonl

        return read_jsonl(source, options)
    if source.format == "csv":
        from searchlib.readers.csv import read_csv

        return read_csv(source, options)
    return iter([ReadError(source.origin, f"unknown format {source.format!r}")])


def read_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    options: ReadOptions = ReadOptions(),
) -> Iterator[ReadEvent]:
    """Read every article under ``paths``: :func:`discover` then :func:`read_source` for each file.

    Errors and warnings from finding files are passed through in order with the articles.
    """
    for found in discover(paths, options):
        if isinstance(found, (ReadError, ReadWarning)):
            yield found
        else:
            yield from read_source(found, options)


# -- shared by the readers -----------------------------------------------------------------------

_SNIFF_BYTES = 8192
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\x1f\x8b", "gzip data"),
    (b"PK\x03\x04", "zip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office document"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\xfd7zXZ\x00", "xz data"),
)


def _binary_kind(head: bytes) -> str | None:
    """What the start of a file shows it is ("PNG image", "contains NUL bytes"), or None if text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head[:_SNIFF_BYTES]:
        return "contains NUL bytes"
    return None


def _binary_reason(head: bytes) -> str | None:
    """Why the start of a file shows it is binary, or None if it may be text."""
    kind = _binary_kind(head)
    return f"binary file, not text ({kind})" if kind else None


def _read_limited(source: Source) -> bytes:
    """Read a whole file that holds one article, refusing one over :data:`MAX_FILE_BYTES`.

    The size is checked on the open file before reading, and again while reading (a file can grow,
    and some report no size). Raises :class:`OSError`, or :class:`InputError` for a file too big.
    """
    limit = f"(limit {MAX_FILE_BYTES:,} for one article)"
    with source.path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file is {size:,} bytes long {limit}")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file is more than {MAX_FILE_BYTES:,} bytes long {limit}")
    return data


def _check_title(title: str) -> None:
    """:func:`~searchlib.model.check_text` for a title: at most :data:`MAX_TITLE_CHARS`."""
    check_text("title", title, MAX_TITLE_CHARS)


def _check_body(body: str) -> None:
    """:func:`~searchlib.model.check_text` for a body: at most :data:`MAX_BODY_CHARS`."""
    check_text("body", body, MAX_BODY_CHARS)


def _decode(data: bytes) -> tuple[str, str | None]:
    """Decode a whole text file: UTF-8 (with or without BOM), else cp1252, else Latin-1.

    Returns the text with line ends left as they are, and a warning message when the file was
    not UTF-8. Raises :class:`InputError` for an empty or binary file.
    """
    if not data.strip():
        raise InputError("empty file")
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                raise InputError(f"invalid {encoding.upper()} text") from None
    reason = _binary_reason(data[:_SNIFF_BYTES])
    if reason:
        raise InputError(reason)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        where = f"byte 0x{data[error.start]:02X} on line {line}"
    text, encoding = _fallback_decode(data)
    return text, f"not valid UTF-8 ({where}); read as {encoding}"


def _decoded(data: bytes, origin: str) -> Generator[ReadEvent, None, str | None]:
    """:func:`_decode` for a reader: yields the error or the encoding warning, returns the text.

    Use it as ``text = yield from _decoded(data, origin)``; ``None`` means the file failed.
    """
    try:
        text, note = _decode(data)
    except InputError as error:
        yield ReadError(origin, str(error))
        return None
    if note:
        yield ReadWarning(origin, note)
    return text


def _fallback_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8 as cp1252, else Latin-1; return the text and encoding."""
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


_IRREGULAR_SPACE = re.compile(r"\s{2,}|[^\S ]")


def _squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends: ``" ".join(text.split())``.

    Done with one regular expression that rewrites only irregular whitespace, so a long line does
    not become a list of all its words (a 50 MB line has 9 million, and 800 MB of them).
    """
    return _IRREGULAR_SPACE.sub(" ", text).strip()


def _newlines(text: str) -> str:
    """Normalise CRLF and CR line ends to LF."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_JSON_TYPES: Mapping[type, str] = MappingProxyType(
    {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}
)


def _type_name(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _labels(options: ReadOptions) -> dict[str, str]:
    """How each of our fields is named in messages: ``'title'`` or ``'article_title' (title)``."""
    labels = {}
    for name in FIELDS:
        key = options.fields.get(name, name)
        labels[name] = f"field {key!r}" if key == name else f"field {key!r} ({name})"
    return labels


def _string(values: Mapping[str, object], name: str, labels: Mapping[str, str]) -> str | None:
    """A field's value as a stripped string, None when absent or empty; InputError if not text."""
    value = values.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{labels[name]} must be a string, not {_type_name(value)}")
    value = value.strip()
    return value or None


def _record_event(
    values: Mapping[str, object],
    *,
    labels: Mapping[str, str],
    default_id: str,
    origin: str,
    line: int,
    options: ReadOptions,
) -> ReadEvent:
    """:func:`_build_article` for one record of a multi-record file, or the ReadError why not.

    ``origin`` is the file; the article's own origin is ``origin:line``.
    """
    try:
        return _build_article(
            values, labels=labels, default_id=default_id, origin=f"{origin}:{line}", options=options
        )
    except InputError as error:
        return ReadError(origin, str(error), line)


def _build_article(
    values: Mapping[str, object],
    *,
    labels: Mapping[str, str],
    default_id: str,
    origin: str,
    options: ReadOptions,
) -> Article:
    """Make an article from one record's values (our field name -> value as read).

    Raises :class:`InputError` naming the field for a wrong type, a bad or implausible date, a
    title or body over its limit (see the module docs), and when the record has neither a title
    nor a body. A record without a title gets one from its body.
    """
    raw_id = values.get("id")
    if raw_id is None or raw_id == "":
        ident = default_id
    elif isinstance(raw_id, str):
        ident = raw_id.strip() or default_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        ident = str(raw_id)
    elif isinstance(raw_id, float) and raw_id.is_integer():
        ident = str(int(raw_id))
    else:
        raise InputError(f"{labels['id']} must be a string or an integer, not {_type_name(raw_id)}")

    title = _string(values, "title", labels)
    body = _string(values, "body", labels)
    if body is not None:
        body = _newlines(body)
        _check_body(body)
    if title is not None:
        title = _squash(title)
        _check_title(title)
    elif body is not None:
        title = derive_title(body)
    else:
        raise InputError("no title or body")

    raw_date = values.get("date")
    date: _dt.date | None = None
    if isinstance(raw_date, str):
        if raw_date.strip():
            try:
                date = parse_date(raw_date, order=options.date_order)
                check_plausible(date, text=raw_date)
            except InputError as error:
                raise InputError(f"{labels['date']}: {error}") from None
    elif raw_date is not None:
        raise InputError(f"{labels['date']} must be a string, not {_type_name(raw_date)}")

    return Article(
        id=options.id_prefix + ident,
        title=title,
        body=body or "",
        date=date,
        source=_string(values, "source", labels),
        url=_string(values, "url", labels),
        tags=_tags(values.get("tags"), labels),
        origin=origin,
    )


def _tags(value: object, labels: Mapping[str, str]) -> tuple[str, ...]:
    """Tags from a list of strings or a comma-separated string, cleaned and de-duplicated."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list):
        items = value
    else:
        raise InputError(
            f"{labels['tags']} must be a list of strings or a comma-separated string, "
            f"not {_type_name(value)}"
        )
    tags: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"{labels['tags']} must hold strings, not {_type_name(item)}")
        tag = _squash(item)
        if tag:
            tags[tag] = None
    return tuple(tags)


_TITLE_LIMIT = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*(?=\s)")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|(?:[A-Za-z]\.)+[A-Za-z]|Mr|Mrs|Ms|Dr|Prof|St|Inc|Co|Corp|Ltd|Jr|Sr|No|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.$"
)


def derive_title(body: str, limit: int = _TITLE_LIMIT) -> str:
    """A title for an article that has none: the first sentence of the body's first line.

    A sentence longer than ``limit`` characters is cut at a word boundary and ends with "…". This
    is how records without a title (e.g. Reuters ``UNPROC`` items) get one. The time taken does not
    depend on the body's length beyond one pass over its first line.
    """
    first = _squash(body.lstrip().split("\n", 1)[0])
    for match in _SENTENCE_END.finditer(first):
        if match.start() > limit + 1:
            break  # any later sentence end is cut at ``limit`` too, exactly as ``first`` is
        head = first[: match.start()]
        if len(head) >= 3 and not _ABBREVIATION.search(head):
            first = head[:-1] if head.endswith(".") else head
            break
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


__all__ = [
    "FIELDS",
    "FORMATS",
    "MAX_BODY_CHARS",
    "MAX_FILE_BYTES",
    "MAX_TITLE_CHARS",
    "DateOrder",
    "ReadOptions",
    "Source",
    "derive_title",
    "discover",
    "format_for",
    "read_paths",
    "read_source",
]
