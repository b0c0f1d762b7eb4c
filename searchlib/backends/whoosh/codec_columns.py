"""Per-document column files of a segment, written in bulk in whoosh3's column formats.

Whoosh writes each column (stored fields, field lengths, sortable values) one document at a
time through ``whoosh.columns`` writers. The files are simple: fixed-width rows up to the last
document that differs from the column's default, or, for variable-length values, the values
end to end followed by their lengths. These functions produce the same bytes from whole
arrays; ``tests/test_segwriter.py`` compares them with the files Whoosh's writer makes.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from whoosh import columns
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import byte_to_length

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

#: ``byte_to_length(b)`` for every length byte ``b``.
LENGTH_TABLE: Final = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)
LENGTH_TABLE.flags.writeable = False

#: Documents above which a variable-length column also writes its offsets
#: (``VarBytesColumn(write_offsets_cutoff=2**15)``).
OFFSETS_CUTOFF: Final = 2**15


def length_bytes(lengths: I64) -> U8:
    """``whoosh.util.numeric.length_to_byte`` of each length (0 for 0, 255 from 106374)."""
    return np.minimum(np.searchsorted(LENGTH_TABLE, lengths, side="left"), 255).astype(np.uint8)


def byte_lengths(codes: U8) -> I64:
    """``byte_to_length`` of each length byte."""
    return LENGTH_TABLE[codes.astype(np.int64)]


def _growable_typecode(largest: int) -> str:
    """The typecode a ``GrowableArray(allow_longs=False)`` ends with for this largest value."""
    if largest < 2**8:
        return "B"
    if largest < 2**16:
        return "H"
    if largest < 2**31:
        return "i"
    if largest < 2**32:
        return "I"
    raise OverflowError(f"{largest} is too big for a column")


def fixed_rows(rows: npt.NDArray[Any], written: npt.NDArray[np.bool_]) -> bytes:
    """A fixed-width column's file: its rows up to the last one that was written."""
    last = np.flatnonzero(written)
    if not len(last):
        return b""
    return rows[: int(last[-1]) + 1].tobytes()


def numeric_column(
    column: columns.NumericColumn, doccount: int, docs: I64, values: Sequence[Any]
) -> list[bytes]:
    """The file of a ``NumericColumn`` holding ``values`` for ``docs`` (others: the default)."""
    typecode = column._typecode
    default = column._default
    dtype = np.dtype(">" + typecode)
    rows = np.full(doccount, default, dtype=dtype)
    vals = np.asarray(values, dtype=dtype)
    rows[docs] = vals
    written = np.zeros(doccount, dtype=np.bool_)
    written[docs[vals != default]] = True
    return [fixed_rows(rows, written)]


def fixed_bytes_column(
    column: columns.FixedBytesColumn, doccount: int, docs: I64, values: Sequence[bytes]
) -> list[bytes]:
    """The file of a ``FixedBytesColumn`` holding ``values`` for ``docs``, as pieces (the
    values themselves, and the default between them: nothing is copied)."""
    width = column._fixedlen
    default = column._default
    if any(len(v) != width for v in values):
        raise ValueError(f"a value of a {width}-byte column has another length")
    pieces: list[bytes] = [default] * doccount
    last = -1
    for doc, value in zip(docs.tolist(), values, strict=True):
        pieces[doc] = value
        if value != default and doc > last:
            last = doc
    del pieces[last + 1 :]
    return pieces


def var_bytes_trailer(doccount: int, docs: I64, lengths: I64) -> bytes:
    """What follows the values in a ``VarBytesColumn`` file: the lengths (and, for many
    documents, the offsets) of each document's value, ``docs`` ascending."""
    per_doc = np.zeros(doccount, dtype=np.int64)
    per_doc[docs] = lengths
    offsets = np.zeros(doccount, dtype=np.int64)
    if doccount:
        np.cumsum(per_doc[:-1], out=offsets[1:])
    lcode = _growable_typecode(int(per_doc.max()) if doccount else 0)
    out = [per_doc.astype(">" + lcode).tobytes()]
    with_offsets = doccount > OFFSETS_CUTOFF
    if with_offsets:
        ocode = _growable_typecode(int(offsets.max()))
        out.append(offsets.astype(">" + ocode).tobytes())
    out.append(lcode.encode("ascii"))
    if with_offsets:
        out.append(ocode.encode("ascii") + b"X")
    return b"".join(out)


def var_bytes_column(doccount: int, docs: I64, values: Sequence[bytes]) -> list[bytes]:
    """The file of a ``VarBytesColumn`` (the stored fields' column is one) with these values,
    as pieces (the values themselves, then the lengths and offsets)."""
    if len(docs) > 1 and bool(np.any(np.diff(docs) <= 0)):
        order = np.argsort(docs, kind="stable")
        docs = docs[order]
        values = [values[i] for i in order.tolist()]
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    return [*values, var_bytes_trailer(doccount, docs, lengths)]


def generic_column(
    column: columns.Column, doccount: int, docs: Sequence[int], values: Sequence[Any]
) -> list[bytes]:
    """Any other column type, written by its own Whoosh writer (documents in order)."""
    buffer = io.BytesIO()
    f = StructFile(buffer)
    writer = column.writer(f)
    for doc, value in sorted(zip(docs, values, strict=True), key=lambda p: p[0]):
        writer.add(doc, value)
    writer.finish(doccount)
    return [buffer.getvalue()]


def column_file(
    column: columns.Column, doccount: int, docs: Sequence[int] | I64, values: Sequence[Any]
) -> bytes:
    """The bytes of a column file (see :func:`column_pieces`)."""
    return b"".join(column_pieces(column, doccount, docs, values))


def column_pieces(
    column: columns.Column, doccount: int, docs: Sequence[int] | I64, values: Sequence[Any]
) -> list[bytes]:
    """A column file as pieces to write one after the other, by the fastest writer that
    reproduces ``column``'s."""
    doc_array = np.asarray(docs, dtype=np.int64)
    kind = type(column)
    if kind is columns.NumericColumn:
        return numeric_column(column, doccount, doc_array, values)
    if kind is columns.FixedBytesColumn:
        return fixed_bytes_column(column, doccount, doc_array, values)
    if (
        kind is columns.VarBytesColumn
        and column.allow_offsets
        and column.write_offsets_cutoff == OFFSETS_CUTOFF
    ):
        return var_bytes_column(doccount, doc_array, values)
    return generic_column(column, doccount, list(doc_array.tolist()), values)


_RAW_INT: Final = struct.Struct("!i")


def read_var_bytes(raw: bytes, doccount: int) -> tuple[bytes, I64, I64]:
    """The data, per-document offsets and lengths of a ``VarBytesColumn`` file."""
    if not raw:
        zeros = np.zeros(doccount, dtype=np.int64)
        return b"", zeros, zeros
    end = len(raw) - 1
    code = chr(raw[end])
    offsets = None
    if code == "X":
        code = chr(raw[end - 2])
        ocode = chr(raw[end - 1])
        size = struct.calcsize(ocode)
        ostart = end - 2 - doccount * size
        offsets = np.frombuffer(raw, dtype=">" + ocode, count=doccount, offset=ostart)
        end = ostart
    size = struct.calcsize(code)
    lstart = end - doccount * size
    lengths = np.frombuffer(raw, dtype=">" + code, count=doccount, offset=lstart).astype(np.int64)
    if offsets is None:
        starts = np.zeros(doccount, dtype=np.int64)
        if doccount:
            np.cumsum(lengths[:-1], out=starts[1:])
    else:
        starts = offsets.astype(np.int64)
    return raw[:lstart], starts, lengths


def read_fixed_rows(raw: bytes, width: int, default: bytes, doccount: int) -> U8:
    """The ``doccount`` rows of a fixed-width column file (missing rows: the default)."""
    rows = np.tile(np.frombuffer(default, dtype=np.uint8), (doccount, 1))
    present = min(len(raw) // width, doccount)
    if present:
        rows[:present] = np.frombuffer(raw, dtype=np.uint8, count=present * width).reshape(
            present, width
        )
    return rows
