"""CSV with a header row (``.csv``, ``.csv.gz``): one article per data row.

:attr:`ReadOptions.fields` maps our field names to column names, e.g. for FA-KES::

    ReadOptions(fields={"title": "article_title", "body": "article_content"}, date_order="mdy")

Fields that are not mapped are looked up by column name, case-insensitively: ``id``, ``title``
(or ``headline``), ``date``, ``body`` (or ``text``, ``content``), ``source``, ``url``, ``tags``
(split on ``ReadOptions.list_separator``). The entity kinds are read only from mapped columns
(``--field person=people --field location=places``), split like ``tags``; a cell holding a
JSON list of strings (``["Aleppo", "Idlib"]``) is taken item by item. A mapped column missing
from the header, or a header with neither a title nor a body column, is one :class:`ReadError`
for the file. A row with the wrong number of cells is an error for that row (numbered by its
first CSV line) and reading goes on. Quoted cells may span lines; a quote that is never closed
makes the rest of the file one row, and its error says so. Record rules (derived titles, dates
and their plausibility, size limits, ids ``relpath#N`` with N the 1-based data row) are those of
:mod:`searchlib.readers.records`.

The file is decoded as a whole with the text reader's fallback (UTF-8, else cp1252 or Latin-1
after a :class:`ReadWarning`, yielded before any article of the file). Progress is told the
bytes of the file as its rows are read (in proportion to the text read). Because articles can be
long, reading a CSV file raises the process-wide :func:`csv.field_size_limit` when that file is
bigger than the limit (to the file's length, at most 2**31 - 1); the limit is never lowered, so
this is a one-time, monotonic change.
"""

from __future__ import annotations

import csv as _csv
import gzip
import io
import zlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from searchlib.model import ReadError, ReadEvent, ReadWarning
from searchlib.readers.decode import GZIP_MAGIC, ByteMeter, decoded, os_reason
from searchlib.readers.discover import Source
from searchlib.readers.options import ARTICLE_FIELDS, ReadOptions
from searchlib.readers.records import ArticleBuilder

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
    meter: ByteMeter | None = None,
) -> Iterator[ReadEvent]:
    """Read a CSV file with a header row: one article per data row, errors per row or file.

    ``meter`` is told the bytes consumed as rows are read.
    """
    origin = source.origin
    try:
        data = source.path.read_bytes()
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {os_reason(error)}")
        return
    size = len(data)
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            yield ReadError(origin, f"corrupt gzip data: {error}")
            return
    text = yield from decoded(data, origin)
    if text is None:
        return
    _allow_fields_up_to(len(text))
    rows = _Rows(text, size, meter or ByteMeter(0))
    yield from _read_rows(rows, ArticleBuilder(source, options), options)


def _allow_fields_up_to(size: int) -> None:
    """Raise :func:`csv.field_size_limit` so no field of a ``size``-character file is too big."""
    wanted = min(size + 1, _MAX_FIELD_LIMIT)
    if _csv.field_size_limit() < wanted:
        _csv.field_size_limit(wanted)


class _Rows:
    """The CSV rows of a decoded file, with the meter following the bytes they came from."""

    __slots__ = ("_meter", "_scale", "length", "reader", "stream")

    def __init__(self, text: str, size: int, meter: ByteMeter) -> None:
        self.stream = io.StringIO(text, newline="")
        self.reader = _csv.reader(self.stream)
        self.length = len(text)
        self._scale = size / max(1, len(text))  # bytes on disk per character
        self._meter = meter

    @property
    def line(self) -> int:
        """The number of CSV lines read so far."""
        return self.reader.line_num

    def next(self) -> list[str]:
        """The next row (raises StopIteration or :class:`csv.Error`)."""
        row = next(self.reader)
        if self._meter.active:
            self._meter.update(int(self.stream.tell() * self._scale))
        return row

    def at_end(self) -> bool:
        """Whether the whole text has been read."""
        return self.stream.tell() == self.length


def _header(rows: _Rows, origin: str) -> list[str] | ReadError:
    """The header (the first row with a non-blank cell, cells stripped), or the error."""
    while True:
        try:
            row = rows.next()
        except StopIteration:
            return ReadError(origin, "empty file")
        except _csv.Error as error:
            return ReadError(origin, f"bad CSV header: {error}", rows.line)
        if any(cell.strip() for cell in row):
            return [cell.strip() for cell in row]


def _read_rows(rows: _Rows, builder: ArticleBuilder, options: ReadOptions) -> Iterator[ReadEvent]:
    origin = builder.origin
    header = _header(rows, origin)
    if isinstance(header, ReadError):
        yield header
        return
    columns = _columns(header, options)
    if isinstance(columns, str):
        yield ReadError(origin, columns)
        return
    width = len(header)
    data_row = 0
    while True:
        start = rows.line + 1
        try:
            row = rows.next()
        except StopIteration:
            if data_row == 0:
                yield ReadWarning(origin, "CSV file has a header but no rows")
            return
        except _csv.Error as error:
            data_row += 1
            yield ReadError(origin, f"bad CSV row: {error}", start)
            if rows.line < start:
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        data_row += 1
        if len(row) != width:
            yield ReadError(origin, _width_reason(rows, len(row), width, start), start)
            continue
        values = {name: row[index] for name, index in columns.items()}
        yield builder.record(values, line=start, default_id=f"{origin}#{data_row}")


def _width_reason(rows: _Rows, cells: int, width: int, start: int) -> str:
    """Why a row of ``cells`` cells starting at line ``start`` does not fit the header."""
    reason = f"row has {cells} cell{'' if cells == 1 else 's'} but the header has {width}"
    end = rows.line
    if end > start and rows.at_end():
        reason += (
            f"; it runs from line {start} to the end of the file (line {end}): "
            "is a closing quote missing?"
        )
    return reason


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
    for name in ARTICLE_FIELDS:
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
