"""Reading an existing whoosh3 segment in bulk, for merging it into the segment being written.

Whoosh merges a segment by walking every posting through a matcher and re-adding every
document's stored fields one by one. The batched writer reads the same data a block or a file
at a time instead: each posting block is unpickled once, the stored-fields column is copied as
it is (its values stay compressed), and the length and value columns are read as arrays.
Deleted documents are left out and the others renumbered, exactly as Whoosh's merge does.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from dataclasses import dataclass
from itertools import accumulate, repeat
from typing import Any

import numpy as np
from whoosh import columns
from whoosh.codec.whoosh3 import W3Codec

from .codec_columns import read_fixed_rows, read_var_bytes
from .codec_pickle import I64, U8, Ragged
from .codec_postings import PostingTable
from .segwriter_fields import FieldPlan

_INT = struct.Struct("!i")
_MAGIC = b"W3Bl"


@dataclass
class SegmentSource:
    """An existing segment to merge: which of its documents live, and their new numbers."""

    segment: Any
    #: local document numbers of the live documents, ascending
    live: I64
    #: the new number of the first live document
    base: int

    @property
    def doccount(self) -> int:
        """Documents (deleted ones included) in the segment."""
        return int(self.segment.doc_count_all())

    def new_numbers(self) -> I64:
        """Old document number -> new number (-1 for a deleted document)."""
        lookup = np.full(self.doccount, -1, dtype=np.int64)
        lookup[self.live] = self.base + np.arange(len(self.live), dtype=np.int64)
        return lookup


class SegmentFiles:
    """The files of one segment (inside its compound file when it has one)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        self.segment = segment
        self._compound = segment.open_compound_file(storage) if segment.is_compound() else None
        self._files = self._compound if self._compound is not None else storage
        self._records: dict[int, list[tuple[bytes, bytes]]] | None = None
        self._postings: bytes | None = None
        self.fieldmap: dict[str, int] = {}

    def name(self, ext: str) -> str:
        """The file name of this segment's file with extension ``ext``."""
        return str(self.segment.make_filename(ext))

    def exists(self, ext: str) -> bool:
        """True if the segment has the file with this extension."""
        return bool(self._files.file_exists(self.name(ext)))

    def read(self, ext: str) -> bytes:
        """The whole file with this extension."""
        f = self._files.open_file(self.name(ext))
        try:
            return bytes(f.read())
        finally:
            f.close()

    def column(self, name: str) -> bytes | None:
        """The bytes of a column file, or None when the segment has no such column."""
        ext = W3Codec.column_filename(self.segment, name)[len(self.segment.segment_id()) :]
        return self.read(ext) if self.exists(ext) else None

    def term_records(self) -> dict[int, list[tuple[bytes, bytes]]]:
        """The term index's (term bytes, term info) records per field number, in order
        (the whole file is read once and parsed here)."""
        if self._records is None:
            raw = self.read(W3Codec.TERMS_EXT)
            extras_len = _INT.unpack_from(raw, len(raw) - 4)[0]
            directory_at = len(raw) - 4 - extras_len - 256 * _DIR_ENTRY.size
            data_end = _DIR_ENTRY.unpack_from(raw, directory_at)[0]
            extras = pickle.loads(raw[len(raw) - 4 - extras_len :])
            self.fieldmap = dict(extras["fieldmap"])
            records: dict[int, list[tuple[bytes, bytes]]] = {}
            unpack = _LENGTHS.unpack_from
            pos = _HASH_HEADER
            while pos < data_end:
                keylen, vallen = unpack(raw, pos)
                key_at = pos + 8
                key = raw[key_at : key_at + keylen]
                field = (key[0] << 8) | key[1]
                found = records.get(field)
                if found is None:
                    found = records[field] = []
                found.append((key[2:], raw[key_at + keylen : key_at + keylen + vallen]))
                pos = key_at + keylen + vallen
            self._records = records
        return self._records

    def postings(self) -> memoryview:
        """The segment's whole postings file (read once, sliced per term)."""
        if self._postings is None:
            self._postings = self.read(W3Codec.POSTS_EXT)
        return memoryview(self._postings)

    def close(self) -> None:
        """Close the files."""
        self._records = None
        self._postings = None
        if self._compound is not None:
            self._compound.close()


# -- postings ------------------------------------------------------------------------------------


class _Postings:
    """One field's postings of one segment as they are read: flat arrays, one term at a time."""

    def __init__(self, fixed_size: int | None) -> None:
        self.fixed_size = fixed_size
        self.keys: list[bytes] = []
        self.counts: array[int] = array("q")
        self.ids: array[int] = array("q")
        self.weights: array[float] = array("d")
        self.values: list[bytes] = []
        self.value_lengths: array[int] = array("q")

    def add_block(self, n: int, ids: Any, weights: Any, values: Any) -> None:
        self.ids.extend(accumulate(ids))
        if weights is None:
            self.weights.extend(repeat(1.0, n))
        elif isinstance(weights, float):
            self.weights.extend(repeat(weights, n))
        else:
            self.weights.extend(weights)
        fixed = self.fixed_size
        if fixed is None:
            if len(values) != n:
                raise ValueError("a posting block has empty posting values")
            self.values.extend(values)
            self.value_lengths.extend(map(len, values))
        elif fixed:
            self.values.append(bytes(values))
            self.value_lengths.extend(repeat(fixed, n))


def _read_blocks(acc: _Postings, buf: memoryview) -> int:
    """Read one term's posting blocks into ``acc``; returns the number of postings."""
    if bytes(buf[:4]) != _MAGIC:
        raise ValueError("not a whoosh3 posting list")
    pos = 4
    total = 0
    load, loads, decompress = pickle.load, pickle.loads, zlib.decompress
    while True:
        size = int.from_bytes(buf[pos : pos + 4], "big", signed=True)
        pos += 4
        last = size < 0
        if last:
            size = -size
        f = io.BytesIO(buf[pos : pos + size])
        info = load(f)
        data = buf[pos + f.tell() : pos + size]
        n = int(info[0])
        ids, weights, values = loads(decompress(data) if info[3] else data)
        acc.add_block(n, ids, weights, values)
        total += n
        pos += size
        if last:
            return total


def read_postings(files: SegmentFiles, plan: FieldPlan, source: SegmentSource) -> PostingTable:
    """One field's postings of the live documents of a segment, renumbered."""
    records = files.term_records()
    acc = _Postings(plan.fixed_size)
    number = files.fieldmap.get(plan.name)
    if number is not None and number in records:
        pst = files.postings()
        for key, info in records[number]:
            if info[0]:  # postings inlined in the term info (whoosh3 never writes these)
                ids, weights, values = pickle.loads(info[_TERMINFO.size :])
                acc.add_block(len(ids), _delta(ids), tuple(weights), tuple(values))
                n = len(ids)
            else:
                offset, length = _EXTENT.unpack_from(info, _TERMINFO.size)
                n = _read_blocks(acc, pst[offset : offset + length])
            acc.keys.append(key)
            acc.counts.append(n)
    return _table(acc, source.new_numbers(), plan)


_TERMINFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")
_LENGTHS = struct.Struct("!ii")
_DIR_ENTRY = struct.Struct("!qi")
_HASH_HEADER = 13  # magic, hash type, two spare ints


def _delta(ids: Any) -> list[int]:
    out, base = [], 0
    for i in ids:
        out.append(i - base)
        base = i
    return out


def _table(acc: _Postings, renumber: I64, plan: FieldPlan) -> PostingTable:
    counts = np.frombuffer(acc.counts, dtype=np.int64)
    term = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    doc = renumber[np.frombuffer(acc.ids, dtype=np.int64)] if len(acc.ids) else term
    weight = np.frombuffer(acc.weights, dtype=np.float64).copy()
    values = None
    if plan.fixed_size != 0:
        values = Ragged(
            np.frombuffer(b"".join(acc.values), dtype=np.uint8),
            np.frombuffer(acc.value_lengths, dtype=np.int64).copy(),
        )
    live = doc >= 0
    keys = acc.keys
    if not live.all():
        # deleted documents go, and with them any term left without postings
        term, doc, weight = term[live], doc[live], weight[live]
        if values is not None:
            values = values.take(np.flatnonzero(live))
        kept = np.unique(term)
        keys = [keys[i] for i in kept.tolist()]
        term = np.searchsorted(kept, term).astype(np.int64)
    return PostingTable(keys, term, doc, weight, values)


# -- per-document data ---------------------------------------------------------------------------


def read_stored(files: SegmentFiles, source: SegmentSource) -> tuple[bytes, I64, I64]:
    """The stored-fields column's raw (compressed) values of the live documents: the data,
    and each one's offset and length in it."""
    raw = files.column("_stored") or b""
    data, starts, lengths = read_var_bytes(raw, source.doccount)
    return data, starts[source.live], lengths[source.live]


def read_length_bytes(files: SegmentFiles, fieldname: str, source: SegmentSource) -> U8 | None:
    """The live documents' length bytes of a field (None when the segment has none)."""
    raw = files.column(f"_{fieldname}_len")
    if raw is None:
        return None
    rows = read_fixed_rows(raw, 1, b"\x00", source.doccount)
    out: U8 = rows[source.live, 0]
    return out


def read_column(
    files: SegmentFiles, fieldname: str, column: Any, source: SegmentSource
) -> tuple[I64, list[Any]] | None:
    """The live documents' values of a column (new numbers, values), None when absent.

    Fixed-width columns are read as rows and copied as raw values; any other column type
    through its Whoosh reader.
    """
    raw = files.column(fieldname)
    if raw is None:
        return None
    new_docs = source.base + np.arange(len(source.live), dtype=np.int64)
    kind = type(column)
    if kind is columns.NumericColumn:
        width = struct.calcsize(column._typecode)
        default = struct.pack("!" + column._typecode, column._default)
        rows = read_fixed_rows(raw, width, default, source.doccount)[source.live]
        values = rows.view(">" + column._typecode).reshape(-1).tolist()
        return new_docs, values
    if kind is columns.FixedBytesColumn:
        rows = read_fixed_rows(raw, column._fixedlen, column._default, source.doccount)
        picked = rows[source.live]
        return new_docs, [r.tobytes() for r in picked]
    from whoosh.filedb.structfile import BufferFile

    reader = column.reader(BufferFile(raw), 0, len(raw), source.doccount)
    if isinstance(reader, columns.TranslatingColumnReader):
        reader = reader.raw_column()
    return new_docs, [reader[d] for d in source.live.tolist()]
