"""Posting lists of a whole segment, written in the whoosh3 codec's on-disk format.

``whoosh.codec.whoosh3.W3FieldWriter`` receives postings one by one and, per term, writes
``b"W3Bl"`` and then blocks of at most 128 postings, each block an ``int`` length (negative
for the last block of the term), a pickled info tuple ``(count, last id, max weight,
compression, min length byte, max length byte)`` and the pickled (zlib-compressed from 80
bytes) data tuple; the term index then maps ``field number + term bytes`` to a packed
``W3TermInfo``. This module writes the same structures for a whole field at once, from the
numpy arrays of a :class:`PostingTable`: the statistics are array reductions and the block
payloads come from :mod:`.codec_pickle`, so the Python work is per block, not per posting.

Reading needs nothing of this module: stock whoosh3 reads the files (``tests/test_segwriter``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np

from .codec_pickle import (
    F64,
    I64,
    U8,
    Ragged,
    block_infos,
    block_payloads,
    exclusive_cumsum,
    scatter,
)
from .codec_terms import terminfo_values

#: Postings per block (``W3Codec(blocklimit=128)``).
BLOCK_LIMIT: Final = 128
#: Payloads from this size are zlib-compressed. Whoosh compresses from 80 bytes
#: (``whoosh.codec.whoosh3.COMPRESSION_MIN_SIZE``); each call costs ~11 us whatever the size,
#: and blocks of 80-255 bytes (half of them on Reuters) gain little, so they stay as they are
#: (the reader honours each block's compression flag).
COMPRESSION_MIN_SIZE: Final = 256
#: zlib level (``W3Codec(compression=3)``).
COMPRESSION_LEVEL: Final = 3
#: Postings encoded at once (bounds the memory of the numpy work on large fields).
CHUNK_POSTINGS: Final = 1 << 16

_MAGIC: Final = b"W3Bl"


@dataclass
class PostingTable:
    """The postings of one field, sorted by term then document.

    ``keys`` are the field's distinct term bytes in ascending order; posting ``i`` is of term
    ``keys[term[i]]`` in document ``doc[i]`` with weight ``weight[i]`` (the weight Whoosh's
    writer is handed: the codec stores it as float32) and value ``values.item(i)`` (None when
    the field's format stores no values).
    """

    keys: list[bytes]
    term: I64
    doc: I64
    weight: F64
    values: Ragged | None

    def __len__(self) -> int:
        return len(self.term)


def write_postings(
    table: PostingTable,
    *,
    fixed_size: int | None,
    length_bytes: U8 | None,
    write: Callable[[bytes], None],
    offset: int,
    compression: int = COMPRESSION_LEVEL,
    compress_from: int = COMPRESSION_MIN_SIZE,
) -> tuple[Ragged, int]:
    """Write ``table``'s posting lists through ``write`` (the postings file is at ``offset``).

    ``fixed_size`` is the format's ``fixed_value_size()``; ``length_bytes`` holds each
    document's field length byte in the new segment (None for a field without lengths): the
    blocks record the smallest and largest. Returns each term's packed ``W3TermInfo``, in key
    order, and the new offset.
    """
    nterms = len(table.keys)
    if not nterms:
        return terminfo_values(*([np.zeros(0, np.int64)] * 9)), offset
    df = np.bincount(table.term, minlength=nterms).astype(np.int64)
    if int(df.min()) < 1:
        raise ValueError("every term of a posting table needs a posting")
    term_first = exclusive_cumsum(df)
    infos = []
    t0 = 0
    while t0 < nterms:
        # a chunk of whole terms, about CHUNK_POSTINGS postings
        t1 = int(np.searchsorted(term_first, term_first[t0] + CHUNK_POSTINGS, side="left"))
        t1 = min(max(t1, t0 + 1), nterms)
        p0 = int(term_first[t0])
        p1 = int(term_first[t1]) if t1 < nterms else len(table.term)
        values = table.values.slice(p0, p1) if table.values is not None else None
        info, offset = _write_chunk(
            df[t0:t1],
            table.doc[p0:p1],
            table.weight[p0:p1],
            values,
            fixed_size,
            length_bytes,
            write,
            offset,
            compression,
            compress_from,
        )
        infos.append(info)
        t0 = t1
    return Ragged.concat(infos), offset


def _reduce_lengths(lb: I64, firsts: I64) -> tuple[I64, I64]:
    """Smallest non-zero (0 when none) and largest length byte of each group."""
    smallest = np.minimum.reduceat(np.where(lb > 0, lb, 256), firsts)
    return np.where(smallest == 256, 0, smallest), np.maximum.reduceat(lb, firsts)


def _block_frames(
    info: Ragged, data_len: I64, term_blocks: I64, nblocks: I64
) -> tuple[U8, I64, I64]:
    """Each block's frame (the magic before a term's first block, the block's signed length,
    negative for a term's last block, and its info), end to end; with where each starts and
    its length."""
    count = len(data_len)
    first_block = np.zeros(count, dtype=np.bool_)
    first_block[term_blocks] = True
    last_block = np.zeros(count, dtype=np.bool_)
    last_block[term_blocks + nblocks - 1] = True
    size = info.length + data_len
    frame_len = 4 * first_block + 4 + info.length
    frame_at = exclusive_cumsum(frame_len)
    frames = np.zeros(int(frame_len.sum()), dtype=np.uint8)
    magic_at = frame_at[first_block]
    for k, byte in enumerate(_MAGIC):
        frames[magic_at + k] = byte
    length_at = frame_at + 4 * first_block
    signed = np.where(last_block, -size, size).astype(">i4").view(np.uint8).reshape(-1, 4)
    for k in range(4):
        frames[length_at + k] = signed[:, k]
    scatter(frames, length_at + 4, info)
    return frames, frame_at, frame_len


def _write_chunk(
    df: I64,
    doc: I64,
    weight: F64,
    values: Ragged | None,
    fixed_size: int | None,
    length_bytes: U8 | None,
    write: Callable[[bytes], None],
    offset: int,
    compression: int,
    compress_from: int,
) -> tuple[Ragged, int]:
    nterms = len(df)
    # blocks: each term's postings cut into runs of BLOCK_LIMIT
    nblocks = (df + BLOCK_LIMIT - 1) // BLOCK_LIMIT
    term_blocks = exclusive_cumsum(nblocks)
    block_term = np.repeat(np.arange(nterms, dtype=np.int64), nblocks)
    block_rank = np.arange(len(block_term), dtype=np.int64) - term_blocks[block_term]
    counts = np.minimum(BLOCK_LIMIT, df[block_term] - block_rank * BLOCK_LIMIT)
    firsts = exclusive_cumsum(counts)
    stored = weight.astype(np.float32).astype(np.float64)
    payloads = block_payloads(counts, doc, stored, values, fixed_size)
    # block statistics, as W3PostingsWriter keeps them
    max_weight = np.maximum(np.maximum.reduceat(weight, firsts), 0.0)
    if length_bytes is not None:
        min_lb, max_lb = _reduce_lengths(length_bytes[doc].astype(np.int64), firsts)
    else:
        min_lb = max_lb = np.zeros(len(counts), dtype=np.int64)
    # zlib for payloads of compress_from bytes or more
    raw = payloads.data.tobytes()
    payload_len = payloads.length
    del payloads
    data_start = exclusive_cumsum(payload_len).tolist()
    data_end = (exclusive_cumsum(payload_len) + payload_len).tolist()
    data_len = payload_len.copy()
    comp = np.zeros(len(counts), dtype=np.int64)
    packed: dict[int, bytes] = {}
    if compression:
        squeeze = zlib.compress
        for b in np.flatnonzero(payload_len >= compress_from).tolist():
            packed[b] = squeeze(raw[data_start[b] : data_end[b]], compression)
            data_len[b] = len(packed[b])
            comp[b] = compression
    info = block_infos(counts, doc[firsts + counts - 1], max_weight, comp, min_lb, max_lb)
    # the stream: per term b"W3Bl", then per block its signed length, info and data
    frames, frame_at, frame_len = _block_frames(info, data_len, term_blocks, nblocks)
    frame_bytes = frames.tobytes()
    frame_start = frame_at.tolist()
    frame_end = (frame_at + frame_len).tolist()
    parts: list[bytes] = []
    append = parts.append
    get = packed.get
    for b in range(len(data_start)):
        append(frame_bytes[frame_start[b] : frame_end[b]])
        found = get(b)
        append(found if found is not None else raw[data_start[b] : data_end[b]])
    out = b"".join(parts)
    del parts, raw
    write(out)
    at = exclusive_cumsum(frame_len + data_len)
    # term statistics, as W3TermInfo accumulates them from its blocks
    block_sum = np.add.reduceat(stored, firsts)
    term_min_lb, _ = _reduce_lengths(min_lb, term_blocks)
    term_at = offset + at[term_blocks]
    term_end = offset + np.append(at[term_blocks[1:]], len(out))
    infos = terminfo_values(
        np.add.reduceat(block_sum, term_blocks),
        df,
        term_min_lb,
        np.maximum.reduceat(max_lb, term_blocks),
        np.maximum.reduceat(max_weight, term_blocks),
        doc[exclusive_cumsum(df)],
        doc[exclusive_cumsum(df) + df - 1],
        term_at,
        term_end - term_at,
    )
    return infos, offset + len(out)
