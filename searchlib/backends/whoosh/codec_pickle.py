"""Pickle byte streams built with numpy, for the whoosh3 codec's posting blocks.

The whoosh3 codec (``whoosh.codec.whoosh3``) stores each block of a posting list as a
pickled tuple ``(delta-coded ids, weights, values)`` and each position list as a pickled list
of deltas. Its reader calls :func:`pickle.loads` on them, so any pickle of the same objects
reads back the same. Building these byte strings one posting at a time in Python is what
makes Whoosh's writer slow; this module builds thousands of them at once, as numpy arrays:

* a *ragged* array is a flat ``uint8`` buffer and the byte length of each element;
* :func:`int_items` encodes non-negative ints as the pickle opcodes ``BININT1`` / ``BININT2``
  / ``BININT`` (what :mod:`pickle` itself writes for them);
* :func:`position_values` writes Whoosh's ``Positions`` posting values byte for byte
  (``pack_uint(len(deltas)) + pickle.dumps(deltas, 2)``);
* :func:`block_payloads` writes whole block tuples with protocol-3 opcodes and no memo
  entries (bytes as ``SHORT_BINBYTES``), which ``pickle.loads`` turns into the same tuple
  Whoosh's own writer pickles.

Nothing here imports Whoosh; the layouts are checked against :mod:`pickle` in the tests.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# pickle opcodes
_MARK: Final = 0x28  # (
_TUPLE: Final = 0x74  # t
_TUPLE3: Final = 0x87
_STOP: Final = 0x2E  # .
_NONE: Final = 0x4E  # N
_BINFLOAT: Final = 0x47  # G
_BININT1: Final = 0x4B  # K
_BININT2: Final = 0x4D  # M
_BININT: Final = 0x4A  # J
_SHORT_BINBYTES: Final = 0x43  # C
_BINBYTES: Final = 0x42  # B
_APPEND: Final = 0x61  # a
_APPENDS: Final = 0x65  # e

#: What ``pickle.dumps(list_of_ints, 2)`` starts with: PROTO 2, EMPTY_LIST, BINPUT 0.
_LIST_HEAD: Final = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)

#: Lists longer than this are pickled in batches (CPython's ``BATCHSIZE``); such position
#: lists are rare and are encoded by :mod:`pickle` itself.
_BATCH: Final = 1000


@dataclass(frozen=True)
class Ragged:
    """Byte strings in one buffer: element ``i`` is ``data[start[i]:start[i] + length[i]]``.

    ``offsets`` gives each element's start; None means the elements lie end to end in order.
    """

    data: U8
    length: I64
    offsets: I64 | None = None

    @property
    def start(self) -> I64:
        """Where each element starts in :attr:`data`."""
        return self.offsets if self.offsets is not None else exclusive_cumsum(self.length)

    def __len__(self) -> int:
        return len(self.length)

    def item(self, i: int) -> bytes:
        """Element ``i`` as bytes."""
        start = int(self.start[i])
        return self.data[start : start + int(self.length[i])].tobytes()

    def slice(self, first: int, stop: int) -> Ragged:
        """Elements ``first`` to ``stop - 1``."""
        if self.offsets is not None:
            return Ragged(self.data, self.length[first:stop], self.offsets[first:stop])
        begin = int(self.length[:first].sum())
        length = self.length[first:stop]
        return Ragged(self.data[begin : begin + int(length.sum())], length)

    def take(self, index: I64) -> Ragged:
        """The elements at ``index``, in that order (a view on the same buffer)."""
        return Ragged(self.data, self.length[index], self.start[index])

    def packed(self) -> Ragged:
        """The same elements, end to end in a buffer of their own."""
        if self.offsets is None:
            return self
        return Ragged(gather(self.data, self.offsets, self.length), self.length)

    @staticmethod
    def from_bytes(items: list[bytes]) -> Ragged:
        """A ragged array of Python byte strings."""
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        return Ragged(np.frombuffer(b"".join(items), dtype=np.uint8), lengths)

    @staticmethod
    def concat(parts: list[Ragged]) -> Ragged:
        """The elements of ``parts``, one after the other (views into one new buffer)."""
        if not parts:
            return Ragged(np.zeros(0, np.uint8), np.zeros(0, np.int64))
        if all(p.offsets is None for p in parts):
            return Ragged(
                np.concatenate([p.data for p in parts]), np.concatenate([p.length for p in parts])
            )
        bases = exclusive_cumsum(np.array([len(p.data) for p in parts], dtype=np.int64))
        return Ragged(
            np.concatenate([p.data for p in parts]),
            np.concatenate([p.length for p in parts]),
            np.concatenate([p.start + b for p, b in zip(parts, bases.tolist(), strict=True)]),
        )


def exclusive_cumsum(values: I64) -> I64:
    """``[0, v0, v0 + v1, ...]`` without the grand total."""
    out = np.empty(len(values), dtype=np.int64)
    if len(values):
        out[0] = 0
        np.cumsum(values[:-1], out=out[1:])
    return out


def segment_ranks(lengths: I64) -> I64:
    """For segments of these lengths laid end to end, each element's index in its segment."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(exclusive_cumsum(lengths), lengths)


def _byte_index(starts: I64, lengths: I64) -> npt.NDArray[np.signedinteger[Any]]:
    """``starts[i] + k`` for every ``k < lengths[i]``, laid end to end: the positions of the
    bytes of ragged elements (32-bit when they fit, to halve the memory of big copies)."""
    total = int(lengths.sum())
    small = total < 2**31 and (not len(starts) or int(starts.max()) + int(lengths.max()) < 2**31)
    dtype = np.int32 if small else np.int64
    begin = np.repeat(starts.astype(dtype), lengths)
    ranks = np.arange(total, dtype=dtype) - np.repeat(
        exclusive_cumsum(lengths).astype(dtype), lengths
    )
    out: npt.NDArray[np.signedinteger[Any]] = begin + ranks
    return out


def stable_argsort(keys: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.intp]:
    """``np.argsort(keys, kind="stable")`` for non-negative keys, by 16-bit radix passes
    (numpy's stable sort of 16-bit integers is a radix sort, several times faster)."""
    if not len(keys):
        return np.zeros(0, dtype=np.intp)
    top = int(keys.max())
    if top < 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if top < 2**32:
        first = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
        second = np.argsort((keys[first] >> 16).astype(np.uint16), kind="stable")
        out: npt.NDArray[np.intp] = first[second]
        return out
    return np.argsort(keys, kind="stable")


def gather(data: U8, starts: I64, lengths: I64) -> U8:
    """The byte ranges ``data[s:s + n]`` for each (s, n), concatenated."""
    if not len(lengths):
        return np.zeros(0, dtype=np.uint8)
    out: U8 = data[_byte_index(starts, lengths)]
    return out


def scatter(out: U8, offsets: I64, source: Ragged) -> None:
    """Copy each element of ``source`` to ``out`` at the matching offset."""
    if not len(source.length):
        return
    target = _byte_index(offsets, source.length)
    if source.offsets is None:
        out[target] = source.data[: len(target)]
    else:
        out[target] = source.data[_byte_index(source.offsets, source.length)]


def int_item_lengths(values: I64) -> I64:
    """Bytes taken by each non-negative int (< 2**31) as a pickle opcode and its argument."""
    return np.where(values < 256, 2, np.where(values < 65536, 3, 5)).astype(np.int64)


def write_int_items(out: U8, offsets: I64, values: I64) -> None:
    """Write each value at its offset as ``BININT1``, ``BININT2`` or ``BININT``."""
    if not len(values):
        return
    if int(values.min()) < 0 or int(values.max()) >= 2**31:
        raise ValueError("document numbers and positions must be in [0, 2**31)")
    small = values < 256
    medium = ~small & (values < 65536)
    large = values >= 65536
    o, v = offsets[small], values[small]
    out[o] = _BININT1
    out[o + 1] = v
    o, v = offsets[medium], values[medium]
    out[o] = _BININT2
    out[o + 1] = v & 0xFF
    out[o + 2] = v >> 8
    o, v = offsets[large], values[large]
    out[o] = _BININT
    for k in range(4):
        out[o + 1 + k] = (v >> (8 * k)) & 0xFF


def int_items(values: I64) -> Ragged:
    """The pickle opcodes of each int, as a ragged array."""
    lengths = int_item_lengths(values)
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    write_int_items(out, exclusive_cumsum(lengths), values)
    return Ragged(out, lengths)


def position_values(freq: I64, deltas: I64) -> Ragged:
    """Whoosh's ``Positions.encode`` of each posting: ``pack_uint(n) + pickle.dumps(d, 2)``.

    ``freq[i]`` is the number of positions of posting ``i``; ``deltas`` holds every posting's
    position deltas (the first from 0), posting after posting.
    """
    if len(freq) and int(freq.min()) < 1:
        raise ValueError("a posting has at least one position")
    firsts = exclusive_cumsum(freq)
    item_len = int_item_lengths(deltas)
    item_start = exclusive_cumsum(item_len)
    # per posting: 4-byte count, list head, "(" when several, items, then "a." or "e."
    multi = (freq > 1).astype(np.int64)
    item_sum = np.add.reduceat(item_len, firsts) if len(freq) else item_len[:0]
    lengths = 4 + len(_LIST_HEAD) + multi + item_sum + 2
    start = exclusive_cumsum(lengths)
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    for k in range(4):
        out[start + k] = (freq >> (8 * (3 - k))) & 0xFF
    for k, byte in enumerate(_LIST_HEAD.tolist()):
        out[start + 4 + k] = byte
    out[start[multi == 1] + 9] = _MARK
    within = item_start - np.repeat(item_start[firsts] if len(freq) else item_start[:0], freq)
    write_int_items(out, np.repeat(start + 9 + multi, freq) + within, deltas)
    end = start + lengths
    out[end - 2] = np.where(freq == 1, _APPEND, _APPENDS)
    out[end - 1] = _STOP
    values = Ragged(out, lengths)
    long_lists = np.flatnonzero(freq > _BATCH)
    if len(long_lists):
        values = _replace(values, long_lists, freq, deltas)
    return values


def _replace(values: Ragged, which: npt.NDArray[np.intp], freq: I64, deltas: I64) -> Ragged:
    """``values`` with the postings in ``which`` re-encoded by :mod:`pickle` (long lists)."""
    firsts = exclusive_cumsum(freq)
    items = [values.item(i) for i in range(len(values))]
    for i in which.tolist():
        d = deltas[firsts[i] : firsts[i] + freq[i]].tolist()
        items[i] = struct.pack("!I", len(d)) + pickle.dumps(d, 2)
    return Ragged.from_bytes(items)


def _bytes_header_lengths(lengths: I64) -> I64:
    return np.where(lengths < 256, 2, 5).astype(np.int64)


def _write_bytes_headers(out: U8, offsets: I64, lengths: I64) -> None:
    short = lengths < 256
    o = offsets[short]
    out[o] = _SHORT_BINBYTES
    out[o + 1] = lengths[short]
    o, n = offsets[~short], lengths[~short]
    out[o] = _BINBYTES
    for k in range(4):
        out[o + 1 + k] = (n >> (8 * k)) & 0xFF


def _within(values: I64, firsts: I64, counts: I64) -> I64:
    """Each element's exclusive running sum of ``values`` inside its group."""
    running = exclusive_cumsum(values)
    if not len(counts):
        return running
    return running - np.repeat(running[np.minimum(firsts, len(running) - 1)], counts)


def block_payloads(
    counts: I64, ids: I64, weights: F64, values: Ragged | None, fixed_size: int | None
) -> Ragged:
    """The pickled ``(ids, weights, values)`` tuple of each posting block, as the whoosh3
    codec's ``W3PostingsWriter`` would minify them.

    ``counts[b]`` postings make block ``b``; ``ids`` are absolute document numbers (delta-coded
    here, per block), ``weights`` the stored (float32) weights. ``values`` holds the posting
    values (None when the format stores none); ``fixed_size`` is the format's
    ``fixed_value_size()``: a positive size joins a block's values into one byte string,
    None keeps them as a tuple (empty values left out, as Whoosh does).
    """
    nblocks = len(counts)
    firsts = exclusive_cumsum(counts)
    # ids, delta-coded within each block
    deltas = np.diff(ids, prepend=np.int64(0))
    if nblocks:
        deltas[firsts] = ids[firsts]
    id_len = int_item_lengths(deltas)
    id_sum = np.add.reduceat(id_len, firsts) if nblocks else id_len[:0]
    # weights: None when all 1.0, one float when all equal, else a tuple
    if nblocks:
        wmin = np.minimum.reduceat(weights, firsts)
        wmax = np.maximum.reduceat(weights, firsts)
    else:
        wmin = wmax = weights[:0]
    uniform = wmin == wmax
    wmode = np.where(uniform & (wmin == 1.0), 0, np.where(uniform, 1, 2))
    wlen = np.where(wmode == 0, 1, np.where(wmode == 1, 9, 2 + 9 * counts))
    # values
    if values is None or fixed_size == 0:
        vlen = np.ones(nblocks, dtype=np.int64)
        elem_len = None
    elif fixed_size is not None:
        data_len = np.add.reduceat(values.length, firsts) if nblocks else counts
        vlen = _bytes_header_lengths(data_len) + data_len
        elem_len = values.length
    else:
        elem_len = np.where(
            values.length > 0, _bytes_header_lengths(values.length) + values.length, 0
        )
        vlen = 2 + (np.add.reduceat(elem_len, firsts) if nblocks else counts)
    lengths = 2 + 1 + id_sum + 1 + wlen + vlen + 2
    start = exclusive_cumsum(lengths)
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    out[start] = 0x80
    out[start + 1] = 3
    out[start + 2] = _MARK
    block_of = np.repeat(np.arange(nblocks, dtype=np.int64), counts)
    write_int_items(out, np.repeat(start + 3, counts) + _within(id_len, firsts, counts), deltas)
    wstart = start + 3 + id_sum + 1
    out[wstart - 1] = _TUPLE
    _write_weights(out, wstart, wmode, weights, firsts, counts, block_of)
    vstart = wstart + wlen
    if elem_len is None:
        out[vstart] = _NONE
    elif values is not None:
        _write_values(out, vstart, vlen, values, elem_len, fixed_size, firsts, counts)
    end = start + lengths
    out[end - 2] = _TUPLE3
    out[end - 1] = _STOP
    return Ragged(out, lengths)


def _write_weights(
    out: U8, wstart: I64, wmode: I64, weights: F64, firsts: I64, counts: I64, block_of: I64
) -> None:
    """Each block's weights at ``wstart``: None (all 1.0), one float (all equal) or a tuple."""
    out[wstart[wmode == 0]] = _NONE
    as_bytes = weights.astype(">f8").view(np.uint8).reshape(-1, 8)
    single = np.flatnonzero(wmode == 1)
    out[wstart[single]] = _BINFLOAT
    for k in range(8):
        out[wstart[single] + 1 + k] = as_bytes[firsts[single], k]
    many = wmode == 2
    out[wstart[many]] = _MARK
    out[wstart[many] + 1 + 9 * counts[many]] = _TUPLE
    in_tuple = many[block_of]
    rank = np.arange(len(weights), dtype=np.int64) - firsts[block_of]
    w_off = wstart[block_of[in_tuple]] + 1 + 9 * rank[in_tuple]
    out[w_off] = _BINFLOAT
    for k in range(8):
        out[w_off + 1 + k] = as_bytes[in_tuple, k]


def _write_values(
    out: U8,
    vstart: I64,
    vlen: I64,
    values: Ragged,
    elem_len: I64,
    fixed_size: int | None,
    firsts: I64,
    counts: I64,
) -> None:
    """Each block's values at ``vstart``: one byte string (fixed size) or a tuple of them."""
    if fixed_size is not None:
        data_len = np.add.reduceat(values.length, firsts) if len(counts) else counts
        _write_bytes_headers(out, vstart, data_len)
        data_start = vstart + _bytes_header_lengths(data_len)
        scatter(out, np.repeat(data_start, counts) + _within(values.length, firsts, counts), values)
        return
    out[vstart] = _MARK
    out[vstart + vlen - 1] = _TUPLE
    e_off = np.repeat(vstart + 1, counts) + _within(elem_len, firsts, counts)
    present = values.length > 0
    _write_bytes_headers(out, e_off[present], values.length[present])
    scatter(out, e_off + _bytes_header_lengths(values.length), values)


def block_infos(
    counts: I64, last: I64, max_weight: F64, comp: I64, min_lb: I64, max_lb: I64
) -> Ragged:
    """The pickled info tuple of each block: ``(count, last id, max weight, compression,
    min length byte, max length byte)``, as ``W3PostingsWriter`` writes before each block."""
    n = len(counts)
    last_len = int_item_lengths(last)
    lengths = 3 + 2 + last_len + 9 + 2 + 2 + 2 + 2
    start = exclusive_cumsum(lengths)
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    out[start] = 0x80
    out[start + 1] = 2
    out[start + 2] = _MARK
    write_int_items(out, start + 3, counts)
    write_int_items(out, start + 5, last)
    at = start + 5 + last_len
    out[at] = _BINFLOAT
    as_bytes = max_weight.astype(">f8").view(np.uint8).reshape(-1, 8)
    for k in range(8):
        out[at + 1 + k] = as_bytes[:, k]
    at = at + 9
    for column in (comp, min_lb, max_lb):
        write_int_items(out, at, column)
        at = at + 2
    out[at] = _TUPLE
    out[at + 1] = _STOP
    del n
    return Ragged(out, lengths)
