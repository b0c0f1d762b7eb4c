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
from collections.abc import Iterator
from dataclasses import dataclass
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
        self._terms: Any = None
        self._postings: Any = None
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

    def terms(self) -> Any:
        """The segment's term index (an ``OrderedHashReader``), opened once."""
        if self._terms is None:
            from whoosh.filedb.filetables import OrderedHashReader

            name = self.name(W3Codec.TERMS_EXT)
            self._terms = OrderedHashReader(
                self._files.open_file(name), self._files.file_length(name)
            )
            self.fieldmap = dict(self._terms.extras["fieldmap"])
        return self._terms

    def postings(self) -> bytes:
        """The segment's whole postings file (read once, sliced per term)."""
        if self._postings is None:
            self._postings = self.read(W3Codec.POSTS_EXT)
        return bytes(self._postings)

    def close(self) -> None:
        """Close the files."""
        if self._terms is not None:
            self._terms.close()
        self._postings = None
        if self._compound is not None:
            self._compound.close()


# -- postings ------------------------------------------------------------------------------------


def _blocks(buf: bytes) -> Iterator[tuple[int, Any, Any, Any]]:
    """The (count, ids, weights, values) of each block of one term's posting list."""
    if buf[:4] != _MAGIC:
        raise ValueError("not a whoosh3 posting list")
    pos = 4
    view = memoryview(buf)
    while True:
        size = _INT.unpack_from(buf, pos)[0]
        pos += 4
        last = size < 0
        size = abs(size)
        f = io.BytesIO(view[pos : pos + size])
        info = pickle.load(f)
        data = view[pos + f.tell() : pos + size]
        raw = zlib.decompress(data) if info[3] else bytes(data)
        ids, weights, values = pickle.loads(raw)
        yield int(info[0]), ids, weights, values
        pos += size
        if last:
            break


def read_postings(files: SegmentFiles, plan: FieldPlan, source: SegmentSource) -> PostingTable:
    """One field's postings of the live documents of a segment, renumbered."""
    index = files.terms()
    acc: dict[str, list[Any]] = {"keys": [], "n": [], "ids": [], "w": [], "vdata": [], "vlen": []}
    number = files.fieldmap.get(plan.name)
    if number is not None:
        prefix = struct.pack(">H", number)
        pst = files.postings()
        for keybytes, valbytes in index.items_from(prefix):
            if keybytes[:2] != prefix:
                break
            _read_term(acc, keybytes[2:], valbytes, pst, plan)
    return _table(acc, source.new_numbers(), plan)


_TERMINFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")


def _read_term(
    acc: dict[str, list[Any]], key: bytes, valbytes: bytes, pst: bytes, plan: FieldPlan
) -> None:
    if valbytes[0]:  # postings inlined in the term info (whoosh3 never writes these)
        ids_t, weights_t, values_t = pickle.loads(valbytes[_TERMINFO.size :])
        blocks: Iterator[tuple[int, Any, Any, Any]] = iter(
            [(len(ids_t), _delta(ids_t), tuple(weights_t), tuple(values_t))]
        )
    else:
        offset, length = _EXTENT.unpack_from(valbytes, _TERMINFO.size)
        blocks = _blocks(pst[offset : offset + length])
    count = 0
    for n, ids, weights, values in blocks:
        acc["ids"].append(np.cumsum(np.asarray(ids, dtype=np.int64)))
        if weights is None:
            acc["w"].append(np.ones(n, dtype=np.float64))
        elif isinstance(weights, float):
            acc["w"].append(np.full(n, weights, dtype=np.float64))
        else:
            acc["w"].append(np.asarray(weights, dtype=np.float64))
        if plan.fixed_size != 0:
            if plan.fixed_size is None:
                if len(values) != n:
                    raise ValueError(f"a block of {plan.name!r} has empty posting values")
                acc["vdata"].append(b"".join(values))
                acc["vlen"].append(np.fromiter(map(len, values), dtype=np.int64, count=n))
            else:
                acc["vdata"].append(bytes(values))
                acc["vlen"].append(np.full(n, plan.fixed_size, dtype=np.int64))
        count += n
    acc["keys"].append(key)
    acc["n"].append(count)


def _delta(ids: Any) -> list[int]:
    out, base = [], 0
    for i in ids:
        out.append(i - base)
        base = i
    return out


def _table(acc: dict[str, list[Any]], renumber: I64, plan: FieldPlan) -> PostingTable:
    counts = np.asarray(acc["n"], dtype=np.int64)
    term = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    doc = renumber[np.concatenate(acc["ids"])] if acc["ids"] else term
    weight = np.concatenate(acc["w"]) if acc["w"] else np.zeros(0, dtype=np.float64)
    values = None
    if plan.fixed_size != 0:
        values = Ragged(
            np.frombuffer(b"".join(acc["vdata"]), dtype=np.uint8),
            np.concatenate(acc["vlen"]) if acc["vlen"] else term,
        )
    live = doc >= 0
    keys: list[bytes] = acc["keys"]
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
