"""Readers: turn files into :class:`~searchlib.model.Article` values, one format per module.

* :mod:`searchlib.readers.text`: the seed plain-text format (``.txt``, ``.text``, ``.md``);
* :mod:`searchlib.readers.jsonl`: JSON Lines, optionally gzipped (``.jsonl``, ``.jsonl.gz``,
  ``.ndjson``);
* :mod:`searchlib.readers.csv`: CSV with a header row and a column mapping (``.csv``, ``.csv.gz``).

They share four modules: :mod:`~searchlib.readers.options` (:class:`ReadOptions`),
:mod:`~searchlib.readers.discover` (finding files: :func:`discover`, :class:`Source`,
:func:`format_for`), :mod:`~searchlib.readers.decode` (bytes to text: size limits, binary data,
encodings, byte progress) and :mod:`~searchlib.readers.records` (a record to an article: field
mapping, types, tags and entities, derived titles). :data:`READERS` maps each format to its
reader.

:func:`discover` finds the files to read (recursing into directories), :func:`read_source` reads
one of them, and :func:`read_paths` does both. Readers never raise for bad input: they yield a
:class:`~searchlib.model.ReadError` for the file, line or row that could not be read, and go on.
A :class:`~searchlib.model.ReadWarning` (e.g. "not valid UTF-8; read as cp1252") is yielded as
soon as it is known, before the articles it concerns. Readers know nothing of the index or of
entity extraction: entities come only from mapped record fields (:attr:`ReadOptions.entity_kinds`).

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

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType

from searchlib.model import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    ReadError,
    ReadEvent,
    ReadWarning,
)
from searchlib.readers.csv import read_csv
from searchlib.readers.decode import MAX_FILE_BYTES, ByteMeter, ByteProgress
from searchlib.readers.discover import Source, discover, format_for
from searchlib.readers.jsonl import read_jsonl
from searchlib.readers.options import (
    ARTICLE_FIELDS,
    ENTITY_FIELDS,
    FIELDS,
    FORMATS,
    RECORD_FORMATS,
    DateOrder,
    ReadOptions,
    ReadOptionsError,
)
from searchlib.readers.records import derive_title
from searchlib.readers.text import read_text

Reader = Callable[[Source, ReadOptions, ByteMeter | None], Iterator[ReadEvent]]
"""A format's reader: ``reader(source, options, meter)`` yields the file's events."""

READERS: Mapping[str, Reader] = MappingProxyType(
    {
        "text": read_text,
        "jsonl": read_jsonl,
        "csv": read_csv,
    }
)
"""The reader of each format in :data:`FORMATS`."""


def read_source(
    source: Source,
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
    *,
    progress: ByteProgress | None = None,
) -> Iterator[ReadEvent]:
    """Read one file, yielding its articles, and a :class:`ReadError` for each bad part of it.

    The reader is chosen by ``source.format`` (:data:`READERS`). Nothing is raised for bad input.
    ``progress``, when given, is called with the number of bytes of the file just consumed, as
    reading goes (at most once per 64 KiB, so a single big JSON Lines or CSV file moves a
    progress bar); when the events are exhausted the calls add up to ``source.size``, whatever
    happened to the file.
    """
    reader = READERS.get(source.format)
    if reader is None:
        yield ReadError(source.origin, f"unknown format {source.format!r}")
        return
    meter = ByteMeter(source.size, progress)
    yield from reader(source, options, meter)
    meter.finish()


def read_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
    *,
    progress: ByteProgress | None = None,
) -> Iterator[ReadEvent]:
    """Read every article under ``paths``: :func:`discover` then :func:`read_source` for each file.

    Errors and warnings from finding files are passed through in order with the articles;
    ``progress`` is passed to :func:`read_source` for every file.
    """
    for found in discover(paths, options):
        if isinstance(found, (ReadError, ReadWarning)):
            yield found
        else:
            yield from read_source(found, options, progress=progress)


__all__ = [
    "ARTICLE_FIELDS",
    "ENTITY_FIELDS",
    "FIELDS",
    "FORMATS",
    "MAX_BODY_CHARS",
    "MAX_FILE_BYTES",
    "MAX_TITLE_CHARS",
    "READERS",
    "RECORD_FORMATS",
    "ByteProgress",
    "DateOrder",
    "ReadOptions",
    "ReadOptionsError",
    "Reader",
    "Source",
    "derive_title",
    "discover",
    "format_for",
    "read_paths",
    "read_source",
]
