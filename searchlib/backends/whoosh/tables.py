"""Per-segment search tables on disk: written at commit beside their segment, mapped at open.

Facet counts, date filters, the date histogram, vectorised BM25F and suggestions read, for
each segment, every document's facet values (as ordinals into the facet's values), its day
number, its title and body lengths, and an index of the facet values' words. Built from the
segment's postings, these tables cost about a second per 20,000 articles, which the first
search on a freshly opened index used to pay. A segment never changes, so they are built once,
when the segment is committed, and written beside it as ``<segment id>.sltab``; opening maps
the file and reads the arrays in place.

The file (little-endian): 8 magic bytes, a 4-byte header length, a JSON header (format
version, segment id, document count, CRC-32 of the data, and each array's dtype, offset and
length), then the arrays, each at an 8-byte boundary. Whoosh's clean-up removes the file with
its segment (the name matches its segment-file pattern); a file that is missing, from another
format version or damaged (its CRC differs) is ignored and the tables are built from the
segment instead, so indexes written before these files keep working, and get the files at
their next commit.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ...ranking import NO_DAY
from . import schema as sf

__all__ = [
    "EXT",
    "SegmentTables",
    "build",
    "load",
    "load_for",
    "table_path",
    "write",
    "write_missing",
]

EXT = ".sltab"
FORMAT = 1
_MAGIC = b"SLTAB\x00\x01\n"
_LEN = struct.Struct("<I")
_SEP = "\x00"


def table_path(folder: str | os.PathLike[str], segment_id: str) -> Path:
    """Where a segment's tables are."""
    return Path(folder) / f"{segment_id}{EXT}"


@dataclass(frozen=True)
class SegmentTables:
    """One segment's tables (local document numbers, deleted documents included).

    ``facets`` maps each facet field to (values by ordinal, documents, ordinals), sorted by
    document; ``days`` is each document's day number (``NO_DAY`` undated); ``lengths`` each
    document's title and body length as BM25F sees them; :meth:`name_keys` and ``name_ids``
    index the facet values by every word suffix of their folded text (sorted keys;
    ``name_ids[k]`` numbers the value across the facets in field order, then ordinal).
    """

    size: int
    facets: dict[str, tuple[tuple[str, ...], npt.NDArray[np.int32], npt.NDArray[np.int32]]]
    days: npt.NDArray[np.int32]
    lengths: dict[str, npt.NDArray[np.float64]]
    names_blob: npt.NDArray[np.uint8]
    names_count: int
    name_ids: npt.NDArray[np.int32]

    def name_keys(self) -> list[str]:
        """The sorted word suffixes of the facet values (decoded when asked for)."""
        return _split(self.names_blob, self.names_count)


def name_index(facets: Iterable[tuple[str, ...]]) -> tuple[list[str], npt.NDArray[np.int32]]:
    """Every word suffix of every facet value (folded), sorted, with the value's number."""
    keyed: list[tuple[str, int]] = []
    i = 0
    for vocab in facets:
        for value in vocab:
            words = [m.group() for m in sf.WORD.finditer(sf.fold(value))]
            for start in range(len(words)):
                keyed.append((" ".join(words[start:]), i))
            i += 1
    keyed.sort()
    return [k for k, _ in keyed], np.array([i for _, i in keyed], dtype=np.int32)


# -- building from a segment -----------------------------------------------------------------------


def build(storage: Any, segment: Any, schema: Any) -> SegmentTables:
    """Build a segment's tables from its files, reading the facet and day postings in bulk."""
    from .segwriter_fields import plan_field
    from .segwriter_merge import SegmentFiles, SegmentSource, read_length_bytes, read_postings

    size = int(segment.doc_count_all())
    source = SegmentSource(segment, np.arange(size, dtype=np.int64), 0)
    files = SegmentFiles(storage, segment)
    try:

        def postings(field: str) -> tuple[list[str], Any, Any]:
            if field not in schema.names():
                return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
            table = read_postings(files, plan_field(field, schema[field]), source)
            return [k.decode("utf-8") for k in table.keys], table.term, table.doc

        facets = {}
        for _, field in sf.FACET_FIELDS.values():
            vocab, term, doc = postings(field)
            order = np.argsort(doc, kind="stable")
            facets[field] = (
                tuple(vocab),
                doc[order].astype(np.int32),
                term[order].astype(np.int32),
            )
        days = np.full(size, NO_DAY, dtype=np.int32)
        vocab, term, doc = postings(sf.DAY)
        if vocab:
            import datetime as dt

            numbers = np.array(
                [dt.date.fromisoformat(v).toordinal() for v in vocab], dtype=np.int32
            )
            days[doc] = numbers[term]
        lengths = {}
        for field in sf.DEFAULT_FIELDS:
            codes = read_length_bytes(files, field, source)
            if codes is None:  # Whoosh's reader answers the default (1) without a column
                lengths[field] = np.ones(size, dtype=np.float64)
            else:
                lengths[field] = _BYTE_LENGTHS[codes]
    finally:
        files.close()
    keys, ids = name_index(v for v, _, _ in facets.values())
    return SegmentTables(size, facets, days, lengths, _joined(keys), len(keys), ids)


def _byte_lengths() -> npt.NDArray[np.float64]:
    from whoosh.util.numeric import byte_to_length

    return np.array([float(byte_to_length(b)) for b in range(256)], dtype=np.float64)


_BYTE_LENGTHS = _byte_lengths()


# -- the file ------------------------------------------------------------------------------------


def _joined(strings: Iterable[str]) -> npt.NDArray[np.uint8]:
    return np.frombuffer(_SEP.join(strings).encode("utf-8"), dtype=np.uint8)


def _split(blob: npt.NDArray[np.uint8], count: int) -> list[str]:
    if not count:
        return []
    out = blob.tobytes().decode("utf-8").split(_SEP)
    if len(out) != count:
        raise ValueError("a string table does not have its recorded number of strings")
    return out


def write(path: Path, segment_id: str, tables: SegmentTables, *, durable: bool) -> None:
    """Write a segment's tables file (under a temporary name, then renamed into place)."""
    arrays: dict[str, npt.NDArray[Any]] = {}
    counts: dict[str, int] = {}
    for field, (vocab, docs, vals) in tables.facets.items():
        arrays[f"{field}.vocab"] = _joined(vocab)
        counts[f"{field}.vocab"] = len(vocab)
        arrays[f"{field}.docs"] = docs.astype("<i4")
        arrays[f"{field}.vals"] = vals.astype("<i4")
    arrays["days"] = tables.days.astype("<i4")
    for field, values in tables.lengths.items():
        arrays[f"length.{field}"] = values.astype("<f8")
    arrays["names.keys"] = tables.names_blob
    counts["names.keys"] = tables.names_count
    arrays["names.ids"] = tables.name_ids.astype("<i4")
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, array in arrays.items():
        layout[name] = [array.dtype.str, offset, int(array.size), counts.get(name)]
        offset += -(-array.nbytes // 8) * 8
    data = bytearray(offset)
    for name, array in arrays.items():
        at = layout[name][1]
        data[at : at + array.nbytes] = array.tobytes()
    header = json.dumps(
        {
            "format": FORMAT,
            "segment": segment_id,
            "docs": tables.size,
            "crc32": zlib.crc32(data),
            "arrays": layout,
        }
    ).encode("utf-8")
    header += b" " * (-(len(_MAGIC) + _LEN.size + len(header)) % 8)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(_MAGIC + _LEN.pack(len(header)) + header)
        f.write(data)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: Path, segment_id: str, size: int) -> SegmentTables | None:
    """A segment's tables, mapped from its file; None when the file is missing, is from another
    format or another segment, or is damaged."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < len(_MAGIC) + _LEN.size:
                return None
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return _parse(mapped, segment_id, size)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def _parse(mapped: mmap.mmap, segment_id: str, size: int) -> SegmentTables | None:
    if mapped[: len(_MAGIC)] != _MAGIC:
        return None
    (hlen,) = _LEN.unpack_from(mapped, len(_MAGIC))
    start = len(_MAGIC) + _LEN.size
    header = json.loads(bytes(mapped[start : start + hlen]))
    if header.get("format") != FORMAT or header.get("segment") != segment_id:
        return None
    if header.get("docs") != size:
        return None
    base = start + hlen
    buffer = memoryview(mapped)[base:]
    if zlib.crc32(buffer) != header["crc32"]:
        return None

    def array(name: str) -> npt.NDArray[Any]:
        dtype, offset, count, _ = header["arrays"][name]
        return np.frombuffer(buffer, dtype=np.dtype(dtype), count=count, offset=offset)

    def strings(name: str) -> list[str]:
        return _split(array(name), header["arrays"][name][3])

    facets = {}
    for _, field in sf.FACET_FIELDS.values():
        docs, vals = array(f"{field}.docs"), array(f"{field}.vals")
        vocab = tuple(strings(f"{field}.vocab"))
        if len(docs) != len(vals) or (len(vals) and int(vals.max()) >= len(vocab)):
            return None
        if len(docs) and int(docs.max()) >= size:
            return None
        facets[field] = (vocab, docs, vals)
    days = array("days")
    lengths = {field: array(f"length.{field}") for field in sf.DEFAULT_FIELDS}
    if len(days) != size or any(len(v) != size for v in lengths.values()):
        return None
    count, ids = header["arrays"]["names.keys"][3], array("names.ids")
    if count != len(ids):
        return None
    return SegmentTables(size, facets, days, lengths, array("names.keys"), count, ids)


def load_for(reader: Any) -> SegmentTables | None:
    """The tables of a Whoosh segment reader's segment, when the index is in a directory and
    the segment has a sound tables file."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    storage = getattr(reader, "_storage", None)
    # a compound segment's reader reads through an overlay of the compound file (``a``) on
    # the index's storage (``b``)
    folder = getattr(storage, "folder", None) or getattr(
        getattr(storage, "b", None), "folder", None
    )
    if segment is None or folder is None:
        return None
    segment_id = str(segment.segment_id())
    return load(table_path(folder, segment_id), segment_id, int(reader.doc_count_all()))


def write_missing(storage: Any, segments: list[Any], schema: Any, *, durable: bool) -> None:
    """Build and write the tables of every segment in ``segments`` that has no tables file
    (called by a writer, under its lock, before the commit's TOC is written)."""
    folder = getattr(storage, "folder", None)
    if folder is None:
        return
    for segment in segments:
        segment_id = str(segment.segment_id())
        path = table_path(folder, segment_id)
        if path.exists():
            continue
        write(path, segment_id, build(storage, segment, schema), durable=durable)
