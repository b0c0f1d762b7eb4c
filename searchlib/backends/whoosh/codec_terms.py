"""The term index of a segment (``.trm``), written in bulk in Whoosh's ordered hash format.

``whoosh.filedb.filetables.OrderedHashWriter`` stores key/value records in key order, then
256 open-addressing hash tables (a hash of the key, linear probing), a directory of the tables,
a pickled dict of extras (the field map and the record index's type and length) and the
record index itself (the position of every record, for binary search). Adding a key there
costs a dozen Python calls; here the records, the index and the tables are numpy arrays.

The hash: the format records which of its three hash functions a file uses (MD5, CRC-32 or
the CDB hash, by number) and readers use that one. ``OrderedHashWriter`` always picks MD5;
this writer picks CRC-32, which is a single C call per key (MD5 costs an object and a digest
per key, 18% of a commit's time on Reuters).

Placement in the hash tables: Whoosh inserts keys one by one in key order, each taking the
first free slot from its home slot on. Here all keys are placed at once, in rounds: in each
round every unplaced key tries its next slot and, of the keys that try the same free slot,
the first in key order takes it. Every key still sits after an unbroken run of occupied slots
from its home slot, which is all a lookup relies on (it stops at the first empty slot), so
``OrderedHashReader`` finds every key exactly as in a file Whoosh wrote.
"""

from __future__ import annotations

import hashlib
import pickle
import struct
import zlib
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from .codec_pickle import U8, Ragged, exclusive_cumsum, scatter

_MAGIC: Final = b"HSH3"
#: The hash function's number in ``whoosh.filedb.filetables._hash_functions``: 1 is CRC-32.
HASH_TYPE: Final = 1
_HEADER: Final = _MAGIC + bytes([HASH_TYPE]) + struct.pack("!ii", 0, 0)  # 2 spare ints
_POINTER: Final = np.dtype([("hash", ">u4"), ("pos", ">i8")])
_DIR_ENTRY: Final = np.dtype([("pos", ">i8"), ("slots", ">i4")])


def _index_typecode(largest: int) -> str:
    """The typecode a ``GrowableArray("H")`` of record positions ends with."""
    if largest < 2**16:
        return "H"
    if largest < 2**31:
        return "i"
    if largest < 2**32:
        return "I"
    return "q"


def md5_hashes(keys: Sequence[bytes]) -> Any:
    """Whoosh's ``md5_hash`` of each key: the last 4 bytes of its MD5 digest, big-endian."""
    md5 = hashlib.md5
    digests = b"".join([md5(k, usedforsecurity=False).digest() for k in keys])
    if not keys:
        return np.zeros(0, dtype=np.uint64)
    return np.frombuffer(digests, dtype=">u4").reshape(-1, 4)[:, 3].astype(np.uint64)


def crc_hashes(keys: Sequence[bytes]) -> Any:
    """Whoosh's ``crc_hash`` of each key: its CRC-32."""
    return np.fromiter(map(zlib.crc32, keys), dtype=np.uint64, count=len(keys))


_HASHES: Final = {0: md5_hashes, 1: crc_hashes}


def place(hashes: Any) -> tuple[Any, Any, Any]:
    """Hash-table slots for keys with these hashes.

    Returns, per bucket (256), the number of slots and the first slot's global index, and per
    key its global slot index.
    """
    n = len(hashes)
    bucket = (hashes & 255).astype(np.int64)
    per_bucket = np.bincount(bucket, minlength=256).astype(np.int64)
    slots = 2 * per_bucket
    base = exclusive_cumsum(slots)
    size = slots[bucket]
    home = ((hashes >> 8) % np.maximum(size, 1).astype(np.uint64)).astype(np.int64)
    taken = np.zeros(int(slots.sum()), dtype=np.bool_)
    slot_of = np.empty(n, dtype=np.int64)
    pending = np.arange(n, dtype=np.int64)
    probe = np.zeros(n, dtype=np.int64)
    while len(pending):
        target = base[bucket[pending]] + (home[pending] + probe[pending]) % size[pending]
        free = ~taken[target]
        # of the keys trying the same free slot, the first (in key order) takes it
        candidates = pending[free]
        slots_tried = target[free]
        _, first = np.unique(slots_tried, return_index=True)
        winners = candidates[first]
        slot_of[winners] = slots_tried[first]
        taken[slots_tried[first]] = True
        placed = np.zeros(n, dtype=np.bool_)
        placed[winners] = True
        pending = pending[~placed[pending]]
        probe[pending] += 1
    return slots, base, slot_of


def write_term_index(
    write: Any,
    keys: Sequence[bytes],
    values: Ragged,
    fieldmap: dict[str, int],
    *,
    hash_type: int = HASH_TYPE,
) -> None:
    """Write an ordered hash file of ``keys`` (ascending) and their ``values``.

    ``hash_type`` 0 hashes with MD5 as ``OrderedHashWriter`` does (the same bytes as its file
    when no two keys collide in the tables), 1 with CRC-32.
    """
    n = len(keys)
    key_lengths = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    record_lengths = 8 + key_lengths + values.length
    start = len(_HEADER) + exclusive_cumsum(record_lengths)
    body_size = int(record_lengths.sum())
    # the records (lengths, key, value), a slice of keys at a time (bounded temporaries)
    records: list[bytes] = []
    for k0 in range(0, n, _RECORDS_AT_ONCE):
        k1 = min(n, k0 + _RECORDS_AT_ONCE)
        records.append(_records(keys[k0:k1], key_lengths[k0:k1], values.slice(k0, k1)))
    # the 256 hash tables, then their directory
    hashes = _HASHES[hash_type](keys)
    slots, base, slot_of = place(hashes)
    table = np.zeros(int(slots.sum()), dtype=_POINTER)
    table["hash"][slot_of] = hashes
    table["pos"][slot_of] = start
    tables_at = len(_HEADER) + body_size
    directory = np.empty(256, dtype=_DIR_ENTRY)
    directory["pos"] = tables_at + base * _POINTER.itemsize
    directory["slots"] = slots
    # extras: the field map, and the type and length of the record index
    typecode = _index_typecode(int(start[-1]) if n else 0)
    extras = pickle.dumps(
        {"fieldmap": fieldmap, "indextype": typecode, "indexlen": n}, pickle.HIGHEST_PROTOCOL
    )
    index = start.astype(">" + typecode).tobytes()
    write(_MAGIC + bytes([hash_type]) + struct.pack("!ii", 0, 0))
    for part in records:
        write(part)
    write(table.tobytes())
    write(directory.tobytes())
    write(extras)
    write(index)
    write(struct.pack("!i", len(extras) + len(index)))


#: Records built at once.
_RECORDS_AT_ONCE: Final = 1 << 16


def _records(keys: Sequence[bytes], key_lengths: Any, values: Ragged) -> bytes:
    """Key/value records: the key's and the value's lengths (``!ii``), the key, the value."""
    n = len(keys)
    record_lengths = 8 + key_lengths + values.length
    local = exclusive_cumsum(record_lengths)
    out = np.zeros(int(record_lengths.sum()), dtype=np.uint8)
    heads = np.empty((n, 2), dtype=">i4")
    heads[:, 0] = key_lengths
    heads[:, 1] = values.length
    head_bytes = heads.view(np.uint8).reshape(n, 8)
    for k in range(8):
        out[local + k] = head_bytes[:, k]
    key_data = Ragged(np.frombuffer(b"".join(keys), dtype=np.uint8), key_lengths)
    scatter(out, local + 8, key_data)
    scatter(out, local + 8 + key_lengths, values)
    return out.tobytes()


def terminfo_values(
    weight: Any, df: Any, min_lb: Any, max_lb: Any, max_weight: Any, first: Any, last: Any,
    offset: Any, length: Any,
) -> Ragged:  # fmt: skip
    """Packed ``W3TermInfo`` records (not inlined: statistics, then offset and length)."""
    dtype = np.dtype(
        [
            ("flags", "u1"),
            ("weight", ">f4"),
            ("df", ">u4"),
            ("minlb", "u1"),
            ("maxlb", "u1"),
            ("maxweight", ">f4"),
            ("minid", ">u4"),
            ("maxid", ">u4"),
            ("offset", ">i8"),
            ("length", ">i4"),
        ]
    )
    n = len(df)
    records = np.zeros(n, dtype=dtype)
    records["weight"] = weight
    records["df"] = df
    records["minlb"] = min_lb
    records["maxlb"] = max_lb
    records["maxweight"] = max_weight
    records["minid"] = first
    records["maxid"] = last
    records["offset"] = offset
    records["length"] = length
    data: U8 = records.view(np.uint8).reshape(-1)
    return Ragged(data, np.full(n, dtype.itemsize, dtype=np.int64))
