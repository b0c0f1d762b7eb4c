"""JSON Lines: one JSON object per line, maybe gzipped (``.jsonl``, ``.jsonl.gz``, ``.ndjson``).

Each object is one article. The fields ``id``, ``title``, ``date``, ``body``, ``source``, ``url``
and ``tags`` are read under those keys unless :attr:`ReadOptions.fields` maps them to others
(``{"body": "text"}``); other keys are ignored.

* ``id``: the record's own id (a string or an integer), else ``relpath#N`` with N the 1-based
  line number.
* ``title``: when missing or empty, derived from the first sentence of the body's first line (at
  most ~100 characters, cut at a word boundary with "…"), e.g. for Reuters ``UNPROC`` records.
  A record with neither a title nor a body is an error; a title without a body is a valid article.
* ``date``: a string parsed by :func:`~searchlib.dates.parse_date` (ISO is always ISO);
  ``null`` means undated; a date that cannot be parsed is an error for that line.
* ``tags``: a list of strings or one string split on ``ReadOptions.list_separator`` (``,``).
* ``person``, ``org``, ``location``, ``misc``: read only when mapped
  (``ReadOptions(fields={"person": "people"})``), as lists like ``tags``.

Blank lines are skipped. A line that is not valid JSON (truncated, say), is nested too deeply for
the parser, is not an object, has a field of the wrong type, a bad or implausible date, or a title
or body over its limit (:data:`~searchlib.readers.MAX_TITLE_CHARS`,
:data:`~searchlib.readers.MAX_BODY_CHARS`) is a :class:`ReadError` for that line, and reading goes
on. A line longer than :data:`~searchlib.readers.MAX_FILE_BYTES` is an error too, and is skipped
without being held in memory. Gzipped files (detected by their magic number, whatever the name) are
decompressed as a stream; one that holds binary data is one error for the file, and corrupt gzip
data ends the file with an error, keeping the articles read before it. Lines should be UTF-8; one
that is not is read as cp1252 (or Latin-1), with one :class:`ReadWarning` per file at the first
such line, before that line's article. Progress is told the bytes of the file consumed (compressed
bytes for a gzipped file) as lines are read.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Generator, Iterator

from searchlib.model import ReadError, ReadEvent, ReadWarning
from searchlib.readers.decode import (
    GZIP_MAGIC,
    MAX_FILE_BYTES,
    SNIFF_BYTES,
    ByteMeter,
    binary_kind,
    binary_reason,
    fallback_decode,
    os_reason,
)
from searchlib.readers.discover import Source
from searchlib.readers.options import ReadOptions
from searchlib.readers.records import ArticleBuilder, record_keys, type_name


def read_jsonl(
    source: Source,
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
    meter: ByteMeter | None = None,
) -> Iterator[ReadEvent]:
    """Read a JSON Lines file (gzipped or not): one article per object line, errors per line.

    ``meter`` is told the bytes consumed as lines are read.
    """
    origin = source.origin
    try:
        raw = source.path.open("rb")
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {os_reason(error)}")
        return
    with raw:
        stream = yield from _open_stream(raw, origin)
        if stream is None:
            return
        builder = ArticleBuilder(source, options)
        yield from _read_lines(stream, raw, builder, options, meter or ByteMeter(0))


def _open_stream(
    raw: io.BufferedReader, origin: str
) -> Generator[ReadError, None, io.BufferedIOBase | None]:
    """The stream of lines (``raw`` itself, or a decompressing stream over it if gzipped), or
    None after yielding the error that makes the file unreadable (binary data, corrupt gzip)."""
    try:
        head = raw.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {os_reason(error)}")
        return None
    if not head.startswith(GZIP_MAGIC):
        reason = binary_reason(head)
        if reason:
            yield ReadError(origin, reason)
            return None
        return raw
    stream = gzip.GzipFile(fileobj=raw, mode="rb")
    try:
        kind = binary_kind(stream.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    except (OSError, EOFError, zlib.error) as error:
        yield ReadError(origin, f"corrupt gzip data: {error}")
        return None
    if kind:
        yield ReadError(origin, f"gzip file holds binary data, not text ({kind})")
        return None
    return stream


def _bounded_lines(stream: io.BufferedIOBase) -> Iterator[bytes | int]:
    """Yield the lines of ``stream``; for one longer than :data:`MAX_FILE_BYTES`, its length.

    A line that is too long is skipped in chunks, so it is never held in memory whole.
    """
    while True:
        line = stream.readline(MAX_FILE_BYTES + 1)
        if not line:
            return
        if len(line) <= MAX_FILE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while not line.endswith(b"\n"):
            line = stream.readline(1 << 20)
            if not line:
                break
            size += len(line)
        yield size


def _read_lines(
    stream: io.BufferedIOBase,
    raw: io.BufferedReader,
    builder: ArticleBuilder,
    options: ReadOptions,
    meter: ByteMeter,
) -> Iterator[ReadEvent]:
    """The events for every line of ``stream``, read from the file ``raw`` (the same stream,
    or the compressed data under it): the meter follows the position in ``raw``."""
    origin = builder.origin
    compressed = stream is not raw
    keys = record_keys(options)
    lineno = 0
    seen_any = False
    fallbacks: set[str] = set()
    lines = _bounded_lines(stream)
    while True:
        try:
            raw_line = next(lines)
        except StopIteration:
            break
        except (OSError, EOFError, zlib.error) as error:
            what = "corrupt gzip data" if compressed else "cannot read file"
            yield ReadError(origin, f"{what}: {error}", lineno + 1)
            return
        lineno += 1
        if meter.active:
            meter.update(raw.tell())
        if isinstance(raw_line, int):
            seen_any = True
            reason = f"line is {raw_line:,} bytes long (limit {MAX_FILE_BYTES:,} for one record)"
            yield ReadError(origin, reason, lineno)
            continue
        if not raw_line.strip():
            continue
        seen_any = True
        record = yield from _parse(raw_line, origin, lineno, fallbacks)
        if record is not None:
            values = {name: record.get(key) for name, key in keys}
            yield builder.record(values, line=lineno, default_id=f"{origin}#{lineno}")
    if not seen_any:
        yield ReadError(origin, "empty file")


def _parse(
    raw_line: bytes, origin: str, lineno: int, fallbacks: set[str]
) -> Generator[ReadEvent, None, dict[str, object] | None]:
    """One line's JSON object; yields the encoding warning (once per file, at the first line
    that is not UTF-8) or the error that makes the line unreadable (then returns None)."""
    raw_line = raw_line.rstrip(b"\r\n")  # so a truncated line reads as "unterminated"
    try:
        try:
            record = json.loads(raw_line)
        except UnicodeDecodeError:
            text, encoding = fallback_decode(raw_line)
            if encoding not in fallbacks:
                fallbacks.add(encoding)
                yield ReadWarning(origin, f"not valid UTF-8; read as {encoding}", lineno)
            record = json.loads(text)
    except RecursionError:
        # The parser recurses once per level of nesting: [[[[...]]]] 100,000 deep cannot be
        # read, and must not end the run.
        yield ReadError(origin, "invalid JSON: nested too deeply", lineno)
        return None
    except ValueError as error:
        yield ReadError(origin, _json_reason(error), lineno)
        return None
    if not isinstance(record, dict):
        yield ReadError(origin, f"expected a JSON object, got {type_name(record)}", lineno)
        return None
    return record


def _json_reason(error: ValueError) -> str:
    """A parse error as a reason: ``invalid JSON: Unterminated string starting at column 18``."""
    if isinstance(error, json.JSONDecodeError):
        if error.msg.endswith(" at"):
            return f"invalid JSON: {error.msg} column {error.colno}"
        return f"invalid JSON: {error.msg} (column {error.colno})"
    return f"invalid JSON: {error}"


__all__ = ["read_jsonl"]
