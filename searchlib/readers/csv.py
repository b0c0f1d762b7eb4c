"""CSV with a header row (``.csv``, ``.csv.gz``): one article per data row.

:attr:`ReadOptions.fields` maps our field names to column names, e.g. for FA-KES::

    ReadOptions(fields={"title": "article_title", "body": "article_content"}, date_order="mdy")

Fields that are not mapped are looked up by column name, case-insensitively: ``id``, ``title``
(or ``headline``), ``date``, ``body`` (or ``text``, ``content``), ``source``, ``url``, ``tags``
(comma-separated). A mapped column missing from the header, or a header with neither a title nor a
body column, is one :class:`ReadError` for the file. A row with the wrong number of cells is an
error for that row (numbered by its first CSV line) and reading goes on. Quoted cells may span
lines; a quote that is never closed makes the rest of the file one row, and its error says so.
Record rules (derived titles, dates and their plausibility, size limits, ids ``relpath#N`` with N
the 1-based data row) are those of :mod:`searchlib.readers.jsonl`.

The file is decoded as a whole with the text reader's fallback (UTF-8, else cp1252 or Latin-1 after
a :class:`ReadWarning`). Because articles can be long, reading a CSV file raises the process-wide
:func:`csv.field_size_limit` when that file is bigger than the limit (to the file's length, at
most 2**31 - 1); the limit is never lowered, so this is a one-time, monotonic change.
"""

from __future__ import annotations

import csv as _csv
import gzip
import io
import zlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from searchlib.model import ReadError, ReadEvent, ReadWarning
from searchlib.readers import (
    FIELDS,
    ReadOptions,
    Source,
    _decoded,
    _labels,
    _os_reason,
    _record_event,
)

_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "id": ("id",),
        "title": ("title", "headline"),
        "date": ("date",),
        "body": ("body", "text", "content"),
        "source": ("source",),
        "url": ("url",),
        "tags": ("tags",),
    }
)
_MAX_FIELD_LIMIT = 2**31 - 1


def read_csv(
    source: Source,
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
) -> Iterator[ReadEvent]:
    """Read a CSV file with a header row: one article per data row, errors per row or file."""
    origin = source.origin
    try:
        data = source.path.read_bytes()
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {_os_reason(error)}")
        return
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            yield ReadError(origin, f"corrupt gzip data: {error}")
            return
    text = yield from _decoded(data, origin)
    if text is None:
        return
    _allow_fields_up_to(len(text))
    yield from _read_rows(text, origin, options)


def _allow_fields_up_to(size: int) -> None:
    """Raise :func:`csv.field_size_limit` so no field of a ``size``-character file is too big."""
    wanted = min(size + 1, _MAX_FIELD_LIMIT)
    if _csv.field_size_limit() < wanted:
        _csv.field_size_limit(wanted)


def _read_rows(text: str, origin: str, options: ReadOptions) -> Iterator[ReadEvent]:
    stream = io.StringIO(text, newline="")
    reader = _csv.reader(stream)
    header: list[str] | None = None
    while header is None:
        try:
            row = next(reader)
        except StopIteration:
            yield ReadError(origin, "empty file")
            return
        except _csv.Error as error:
            yield ReadError(origin, f"bad CSV header: {error}", reader.line_num)
            return
        if any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]

    columns = _columns(header, options)
    if isinstance(columns, str):
        yield ReadError(origin, columns)
        return
    width = len(header)
    labels = _labels(options)
    data_row = 0
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            if data_row == 0:
                yield ReadWarning(origin, "CSV file has a header but no rows")
            return
        except _csv.Error as error:
            data_row += 1
            yield ReadError(origin, f"bad CSV row: {error}", start)
            if reader.line_num < start:
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        data_row += 1
        if len(row) != width:
            cells = f"{len(row)} cell" + ("" if len(row) == 1 else "s")
            reason = f"row has {cells} but the header has {width}"
            end = reader.line_num
            if end > start and stream.tell() == len(text):
                reason += (
                    f"; it runs from line {start} to the end of the file (line {end}): "
                    "is a closing quote missing?"
                )
            yield ReadError(origin, reason, start)
            continue
        values = {name: row[index] for name, index in columns.items()}
        yield _record_event(
            values,
            labels=labels,
            default_id=f"{origin}#{data_row}",
            origin=origin,
            line=start,
            options=options,
        )


def _columns(header: list[str], options: ReadOptions) -> dict[str, int] | str:
    """Map our field names to column indices, or return why the header cannot be used."""
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    for position, name in enumerate(header):
        exact.setdefault(name, position)
        folded.setdefault(name.casefold(), position)
    listing = ", ".join(header)
    columns: dict[str, int] = {}
    missing: list[str] = []
    for name, column in options.fields.items():
        found = exact.get(column, folded.get(column.casefold()))
        if found is None:
            missing.append(f"{column!r} (for {name})")
        else:
            columns[name] = found
    if missing:
        return (
            f"mapped column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"not in the CSV header (columns: {listing})"
        )
    used = set(columns.values())
    for name in FIELDS:
        if name in columns or name in options.fields:
            continue
        for alias in _ALIASES[name]:
            candidate = folded.get(alias)
            if candidate is not None and candidate not in used:
                columns[name] = candidate
                used.add(candidate)
                break
    if "title" not in columns and "body" not in columns:
        return (
            f"CSV header has no title or body column (columns: {listing}); "
            "map them with --field title=COLUMN --field body=COLUMN "
            '(fields={"title": ..., "body": ...} in Python)'
        )
    return columns


__all__ = ["read_csv"]
