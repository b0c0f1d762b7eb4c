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
* ``tags``: a list of strings or one comma-separated string.

Blank lines are skipped. A line that is not valid JSON (truncated, say), is nested too deeply for
the parser, is not an object, has a field of the wrong type, a bad or implausible date, or a title
or body over its limit (:data:`~searchlib.readers.MAX_TITLE_CHARS`,
:data:`~searchlib.readers.MAX_BODY_CHARS`) is a :class:`ReadError` for that line, and reading goes
on. A line longer than :data:`~searchlib.readers.MAX_FILE_BYTES` is an error too, and is skipped
without being held in memory. Gzipped files (detected by their magic number, whatever the name) are
decompressed as a stream; one that holds binary data is one error for the file, and corrupt gzip
data ends the file with an error, keeping the articles read before it. Lines should be UTF-8; one
that is not is read as cp1252 (or Latin-1), with one :class:`ReadWarning` per file at the first
such line.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator

from searchlib.model import ReadError, ReadEvent, ReadWarning
from searchlib.readers import (
    FIELDS,
    MAX_FILE_BYTES,
    ReadOptions,
    Source,
    _binary_kind,
    _binary_reason,
    _fallback_decode,
    _labels,
    _os_reason,
    _record_event,
    _type_name,
)

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 8192


def read_jsonl(
    source: Source,
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
) -> Iterator[ReadEvent]:
    """Read a JSON Lines file (gzipped or not): one article per object line, errors per line."""
    origin = source.origin
    try:
        raw = source.path.open("rb")
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {_os_reason(error)}")
        return
    with raw:
        try:
            head = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
        except OSError as error:
            yield ReadError(origin, f"cannot read file: {_os_reason(error)}")
            return
        compressed = head.startswith(_GZIP_MAGIC)
        if not compressed:
            reason = _binary_reason(head)
            if reason:
                yield ReadError(origin, reason)
                return
        stream: io.BufferedIOBase = raw
        if compressed:
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
            try:
                kind = _binary_kind(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES])
            except (OSError, EOFError, zlib.error) as error:
                yield ReadError(origin, f"corrupt gzip data: {error}")
                return
            if kind:
                yield ReadError(origin, f"gzip file holds binary data, not text ({kind})")
                return
        yield from _read_lines(stream, origin, compressed, options)


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
    stream: io.BufferedIOBase, origin: str, compressed: bool, options: ReadOptions
) -> Iterator[ReadEvent]:
    keys = [(name, options.fields.get(name, name)) for name in FIELDS]
    labels = _labels(options)
    prefix = f"{origin}#"
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
        if isinstance(raw_line, int):
            seen_any = True
            reason = f"line is {raw_line:,} bytes long (limit {MAX_FILE_BYTES:,} for one record)"
            yield ReadError(origin, reason, lineno)
            continue
        if not raw_line.strip():
            continue
        seen_any = True
        raw_line = raw_line.rstrip(b"\r\n")  # so a truncated line reads as "unterminated"
        try:
            try:
                record = json.loads(raw_line)
            except UnicodeDecodeError:
                text, encoding = _fallback_decode(raw_line)
                if encoding not in fallbacks:  # once per file, at the first such line
                    fallbacks.add(encoding)
                    yield ReadWarning(origin, f"not valid UTF-8; read as {encoding}", lineno)
                record = json.loads(text)
        except RecursionError:
            # The parser recurses once per level of nesting: [[[[...]]]] 100,000 deep cannot be
            # read, and must not end the run.
            yield ReadError(origin, "invalid JSON: nested too deeply", lineno)
            continue
        except ValueError as error:
            yield ReadError(origin, _json_reason(error), lineno)
            continue
        if not isinstance(record, dict):
            yield ReadError(origin, f"expected a JSON object, got {_type_name(record)}", lineno)
            continue
        values = {name: record.get(key) for name, key in keys}
        yield _record_event(
            values,
            labels=labels,
            default_id=f"{prefix}{lineno}",
            origin=origin,
            line=lineno,
            options=options,
        )
    if not seen_any:
        yield ReadError(origin, "empty file")


def _json_reason(error: ValueError) -> str:
    """A parse error as a reason: ``invalid JSON: Unterminated string starting at column 18``."""
    if isinstance(error, json.JSONDecodeError):
        if error.msg.endswith(" at"):
            return f"invalid JSON: {error.msg} column {error.colno}"
        return f"invalid JSON: {error.msg} (column {error.colno})"
    return f"invalid JSON: {error}"


__all__ = ["read_jsonl"]
