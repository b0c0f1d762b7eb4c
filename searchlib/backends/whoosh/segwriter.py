"""A batched writer for a Whoosh index: Whoosh's segments, written many times faster.

:class:`BatchWriter` is a drop-in for ``whoosh.writing.SegmentWriter`` (what
``FileIndex.writer()`` returns), for indexes in whoosh3's default codec: it takes the same
lock the same way, adds, updates and deletes documents with the same methods, and commits
through Whoosh's own merge policies and table-of-contents writing, so a commit is as atomic
as Whoosh's. What differs is how the new segment is written:

* ``add_document`` analyses each field once (:mod:`searchlib.text`, a per-batch cache from
  each word as written to its term number, see :mod:`.segwriter_fields`), pickles and
  compresses the stored fields, and appends term numbers to flat arrays: no per-posting
  objects, no sorting pool;
* at commit, each field's postings are sorted once with numpy and written block by block in
  the codec's format (:mod:`.codec_postings`, :mod:`.codec_pickle`); columns (stored fields,
  field lengths, sortable values) are written as whole arrays (:mod:`.codec_columns`);
* segments that the merge policy merges into the new one are read in bulk
  (:mod:`.segwriter_merge`): posting blocks are unpickled once each and stored fields are
  copied still compressed.

The files are whoosh3's: stock whoosh3 opens and searches the index, and its own writer can
add to it and merge it. ``tests/test_segwriter.py`` proves the two writers write the same
index: same terms, postings (documents, weights, positions), field lengths, stored fields and
column values, and the same search results.

Where the bytes differ from Whoosh's writer's (what a reader gets does not):

* posting blocks are pickled with protocol-3 opcodes and no memo entries (``pickle.loads``
  returns the same tuples; Whoosh's protocol-2 pickles cost ~40 bytes per posting value);
* blocks are zlib-compressed from 256 bytes, not 80 (below that zlib's fixed cost buys
  little; each block records whether it is compressed);
* the term index hashes its keys with CRC-32, which its format allows (hash type 1) and its
  reader honours; Whoosh's writer picks MD5 (type 0);
* a merge copies stored fields still compressed (Whoosh unpickles and re-pickles them);
* a document whose value makes a field raise leaves nothing behind (Whoosh's writer keeps the
  postings of the fields it had already analysed).

Memory: a batch keeps its tokens (4 bytes each) and its term dictionaries, about 2 KB per
Reuters article (stored fields and fixed-width column values wait in a temporary file, as in
Whoosh's writer); a commit makes postings a range of terms at a time, so its temporaries stay
near 60 MB whatever the batch's size.

Usage (what ``searchlib.index.Index.writer`` would do)::

    w = BatchWriter(ix, timeout=30.0, delay=0.05)   # ix: an open whoosh FileIndex
    w.add_document(**doc)          # or update_document / delete_by_term
    w.commit(merge=False)          # or commit(), commit(optimize=True), cancel()
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from whoosh import columns
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3Codec
from whoosh.fields import COLUMN, UnknownFieldError
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from searchlib import text

from .codec_columns import (
    byte_lengths,
    column_pieces,
    fixed_rows,
    length_bytes,
    var_bytes_trailer,
)
from .codec_pickle import Ragged
from .codec_postings import (
    COMPRESSION_LEVEL,
    COMPRESSION_MIN_SIZE,
    PostingTable,
    write_postings,
)
from .codec_terms import write_term_index
from .durable import commit_toc
from .segwriter_fields import (
    Analysis,
    FieldBuffer,
    FieldPlan,
    Mode,
    TokenStream,
    UnsupportedSchema,
    generic_postings,
    merge_in_order,
    new_postings,
    plan_field,
    split_words,
    tokens_of,
)
from .segwriter_merge import (
    SegmentFiles,
    SegmentSource,
    read_column,
    read_length_bytes,
    read_postings,
    read_stored,
)

__all__ = ["BatchWriter", "UnsupportedSchema"]


class _Spill:
    """Byte strings of a batch kept in a temporary file instead of in memory, in order."""

    def __init__(self, storage: Any, name: str) -> None:
        self._storage = storage
        self._name = name
        self._file: Any = None
        self.docs: array[int] = array("i")
        self.lengths: array[int] = array("q")

    def add(self, doc: int, data: bytes) -> None:
        """Append one document's value."""
        if self._file is None:
            self._file = self._storage.create_file(self._name)
        self._file.write(data)
        self.docs.append(doc)
        self.lengths.append(len(data))

    def chunks(self, size: int = 1 << 22) -> Iterator[bytes]:
        """The values laid end to end, a few megabytes at a time; then the file goes."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        f = self._storage.open_file(self._name)
        try:
            while block := f.read(size):
                yield block
        finally:
            f.close()
            self._storage.delete_file(self._name)

    def values(self) -> list[bytes]:
        """Every value, in order (read back at once)."""
        data = b"".join(self.chunks())
        ends = np.cumsum(np.frombuffer(self.lengths, dtype=np.int64)).tolist()
        starts = [0, *ends[:-1]]
        return [data[a:b] for a, b in zip(starts, ends, strict=True)]

    def discard(self) -> None:
        """Drop the values and their file."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._storage.delete_file(self._name)


_STORED_LEVEL = 3


def _check_codec(codec: Any) -> None:
    if type(codec) is not W3Codec:
        raise UnsupportedSchema(f"the batched writer writes whoosh3's W3Codec, not {codec!r}")
    child: Any = getattr(STORED_COLUMN, "_child", None)
    if (
        type(STORED_COLUMN) is not columns.PickleColumn
        or type(child) is not columns.CompressedBytesColumn
        or child._level != _STORED_LEVEL
        or child._module != "zlib"
    ):
        raise UnsupportedSchema("this whoosh3 stores fields in a way the writer does not know")
    if type(LENGTHS_COLUMN) is not columns.NumericColumn or LENGTHS_COLUMN._typecode != "B":
        raise UnsupportedSchema("this whoosh3 stores lengths in a way the writer does not know")


class BatchWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer with batched analysis and bulk, vectorised segment writing.

    ``ix`` is an open Whoosh ``FileIndex``. The write lock is taken as Whoosh takes it: tried
    every ``delay`` seconds for up to ``timeout`` seconds, then ``whoosh.index.LockError``.
    ``compression`` is the zlib level of posting blocks of ``compress_from`` bytes or more
    (whoosh3 uses level 3 from 80 bytes; 0 stores every block uncompressed, which whoosh3
    reads as well). ``durable`` flushes the commit to disk before it becomes visible
    (:mod:`.durable`); Whoosh's writer does not, so neither does this one by default.

    Supported: the methods searchlib uses (``add_document``, ``update_document``,
    ``delete_by_term``/``delete_by_query``/``delete_document``, ``searcher``, ``reader``,
    ``commit(merge=..., optimize=..., mergetype=...)``, ``cancel``, use as a context manager),
    any field types, analysers and formats (the ones searchlib's schema uses take the fast
    path, others go through the field's own ``index()``). Not supported: term vectors and
    separate spelling fields (:class:`UnsupportedSchema` at construction), and
    ``add_reader`` of anything but a segment of this index (what merge policies pass).
    """

    def __init__(
        self,
        ix: Any,
        *,
        timeout: float = 0.0,
        delay: float = 0.1,
        compound: bool = True,
        compression: int = COMPRESSION_LEVEL,
        compress_from: int = COMPRESSION_MIN_SIZE,
        durable: bool = False,
    ) -> None:
        codec = default_codec()
        _check_codec(codec)
        plans = {name: plan_field(name, ix.schema[name]) for name in ix.schema.names()}
        self.writelock = ix.lock("WRITELOCK")
        if not try_for(self.writelock.acquire, timeout=timeout, delay=delay):
            self.writelock = None
            raise LockError
        try:
            self.codec = codec
            self.storage = ix.storage
            self.indexname = ix.indexname
            info = ix._read_toc()
            self.generation = info.generation + 1
            self.schema = info.schema
            self.segments = info.segments
            self.docnum = self.docbase = 0
            self._setup_doc_offsets()
            self._tempstorage = self.storage.temp_storage(f"{self.indexname}.tmp")
            self.newsegment = codec.new_segment(self.storage, self.indexname)
            self.compound = compound and self.newsegment.should_assemble()
            self.is_closed = False
            self._added = False
            self.merge = True
            self.optimize = False
            self.mergetype = None
            self._searcher = None
            self.pool = None
            self.perdocwriter = None
            self.fieldwriter = None
        except BaseException:
            self.writelock.release()
            raise
        # the schema in the TOC is the one documents are checked against
        self._plans: dict[str, FieldPlan] = {
            name: plans.get(name) or plan_field(name, self.schema[name])
            for name in self.schema.names()
        }
        self._compression = compression
        self._compress_from = compress_from
        self._durable = durable
        self._reset_batch()

    def _reset_batch(self) -> None:
        for spill in getattr(self, "_spills", {}).values():
            spill.discard()
        self._spills: dict[str, _Spill] = {}
        self._analysis = Analysis()
        self._buffers: dict[str, FieldBuffer] = {
            name: FieldBuffer() for name, plan in self._plans.items() if plan.indexed
        }
        self._column_docs: dict[str, list[int]] = defaultdict(list)
        self._column_values: dict[str, list[Any]] = defaultdict(list)
        self._column_memo: dict[str, dict[Any, Any]] = defaultdict(dict)
        self._sources: list[SegmentSource] = []
        self._new_docs = 0
        # fixed-width column values wait in a temporary file, like the stored fields
        self._fixed_columns = {
            name
            for name, plan in self._plans.items()
            if type(plan.field.column_type) is columns.FixedBytesColumn
        }
        # per field: (fast path or None when not indexed, buffer, stored?, column?, plan)
        self._slots: dict[str, tuple[Mode | None, FieldBuffer | None, bool, bool, FieldPlan]] = {
            name: (
                plan.mode if plan.indexed else None,
                self._buffers.get(name),
                bool(plan.field.stored),
                plan.field.column_type is not None,
                plan,
            )
            for name, plan in self._plans.items()
        }

    # -- adding ------------------------------------------------------------------------------

    def add_document(self, **fields: Any) -> None:
        """Add a document (field name -> value), analysed as Whoosh's writer analyses it."""
        if self.is_closed:
            self._check_state()
        if self._sources:
            raise RuntimeError("documents cannot be added after segments were merged in")
        docnum = self.docnum
        slots = self._slots
        special = False
        extra = fields.keys() - slots.keys()
        if extra:  # keyword arguments such as _boost, or fields the schema does not have
            special = any(name[:1] == "_" for name in extra)
            for name in sorted(extra):
                if name[:1] != "_":
                    raise UnknownFieldError(f"No field named {name!r} in {self.schema}")
        names = sorted(name for name in fields if name[:1] != "_") if special else sorted(fields)
        docboost = self._doc_boost(fields) if special else 1.0
        analysis = self._analysis
        text_id = analysis.text.__getitem__
        plain_id = analysis.plain.__getitem__
        term_id = analysis.vocab.__getitem__
        split = text.tokens
        pending: list[tuple[FieldBuffer, list[int], float]] = []
        pending_generic: list[tuple[FieldBuffer, list[Any], int]] = []
        stored: dict[str, Any] = {}
        cols: list[tuple[str, Any]] = []
        for name in names:
            value = fields[name]
            if value is None:
                continue
            kind, buffer, is_stored, has_column, plan = slots[name]
            if kind is not None and buffer is not None:
                ids: list[int] | None
                if type(value) is not str:
                    ids = tokens_of(plan, value, analysis)
                elif kind is Mode.TEXT:
                    ids = list(map(text_id, split(value)))
                elif kind is Mode.PLAIN:
                    ids = list(map(plain_id, split(value)))
                elif kind is Mode.REGEX:
                    ids = list(map(term_id, split_words(plan, value)))
                elif kind is Mode.ID:
                    ids = [term_id(value)]
                else:
                    ids = tokens_of(plan, value, analysis)
                boost = self._field_boost(fields, name, docboost) if special else 1.0
                if ids is None:
                    postings, length = generic_postings(plan, value, docnum, boost)
                    pending_generic.append((buffer, postings, length))
                else:
                    pending.append((buffer, ids, boost))
            if is_stored or has_column:
                customval = fields.get(f"_stored_{name}", value) if special else value
                if customval is not None:
                    if is_stored:
                        stored[name] = customval
                    if has_column:
                        cols.append((name, self._column_value(plan, customval)))
        self._record(docnum, pending, pending_generic, stored, cols)

    def _record(
        self,
        docnum: int,
        pending: list[tuple[FieldBuffer, list[int], float]],
        pending_generic: list[tuple[FieldBuffer, list[Any], int]],
        stored: dict[str, Any],
        cols: list[tuple[str, Any]],
    ) -> None:
        """Record a document found valid: its postings, stored fields and column values."""
        for buffer, ids, boost in pending:
            buffer.ids.extend(ids)
            buffer.docs.append(docnum)
            buffer.counts.append(len(ids))
            if boost != 1.0:
                buffer.boosts[docnum] = boost
        for buffer, postings, length in pending_generic:
            buffer.generic.extend(postings)
            if length:
                buffer.generic_lengths[docnum] = buffer.generic_lengths.get(docnum, 0) + length
        if stored:
            self._spill("_stored").add(
                docnum, zlib.compress(pickle.dumps(stored, 2), _STORED_LEVEL)
            )
        for name, cv in cols:
            if name in self._fixed_columns:
                self._spill(name).add(docnum, cv)
            else:
                self._column_docs[name].append(docnum)
                self._column_values[name].append(cv)
        self._added = True
        self.docnum += 1
        self._new_docs += 1

    def _spill(self, name: str) -> _Spill:
        found = self._spills.get(name)
        if found is None:
            found = self._spills[name] = _Spill(self._tempstorage, f"{name}.spill")
        return found

    def _column_value(self, plan: FieldPlan, value: Any) -> Any:
        fieldobj = plan.field
        if type(fieldobj) is COLUMN:
            return fieldobj.to_column_value(value)
        try:
            memo = self._column_memo[plan.name]
            found = memo.get(value)
            if found is None:
                found = memo[value] = fieldobj.to_column_value(value)
            return found
        except TypeError:  # an unhashable value
            return fieldobj.to_column_value(value)

    def add_reader(self, reader: Any) -> None:
        """Merge a segment of this index into the new segment (called by merge policies)."""
        self._check_state()
        segment = reader.segment() if isinstance(reader, SegmentReader) else None
        if segment is None or type(segment.codec()) is not W3Codec:
            raise UnsupportedSchema("the batched writer merges only whoosh3 segments")
        live = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        self._sources.append(SegmentSource(segment, live, self.docnum))
        self.docnum += len(live)
        self._added = True

    # -- committing --------------------------------------------------------------------------

    def _finalize_segment(self) -> Any:
        self._write_segment()
        self._assemble_segment()
        return self.get_segment()

    def _flush_segment(self) -> None:  # Whoosh's commit calls _finalize_segment instead
        self._write_segment()

    def _close_segment(self) -> None:
        self._reset_batch()

    def _commit_toc(self, segments: list[Any]) -> None:
        commit_toc(self, segments, durable=self._durable)

    def per_document_reader(self) -> Any:
        """Not available: the batched writer writes per-document data only at commit."""
        raise NotImplementedError("the batched writer has no per-document reader")

    def _write_segment(self) -> None:
        storage, segment = self.storage, self.newsegment
        doccount = self.docnum
        self._slots = {}  # let each field's tokens go once its postings are written
        files = [SegmentFiles(storage, source.segment) for source in self._sources]
        try:
            # columns first: their values (stored fields, signatures) can go before the
            # postings' temporary arrays are made
            self._write_columns(files, doccount)
            fieldlengths = self._write_postings(files, doccount)
        finally:
            for f in files:
                f.close()
        segment._fieldlengths = fieldlengths
        self._reset_batch()

    def _write_postings(self, files: list[SegmentFiles], doccount: int) -> defaultdict[str, int]:
        storage, segment = self.storage, self.newsegment
        fieldlengths: defaultdict[str, int] = defaultdict(int)
        fieldmap: dict[str, int] = {}
        all_keys: list[bytes] = []
        all_infos: list[Ragged] = []
        pst = segment.create_file(storage, W3Codec.POSTS_EXT)
        offset = 0
        try:
            for name in sorted(self._buffers):
                plan = self._plans[name]
                buffer = self._buffers[name]
                self._buffers[name] = FieldBuffer()
                streamed = not self._sources and not buffer.generic
                streamed = streamed and not (plan.scorable and plan.fmt == "existence")
                if streamed:
                    # the common case (new documents only): postings made and written a
                    # range of terms at a time
                    stream = TokenStream(plan, buffer, self._analysis.vocab, self._new_docs)
                    del buffer
                    lengths = stream.lengths
                    parts: Iterable[PostingTable] = (chunk for _, chunk in stream.chunks())
                    keys = stream.keys
                    lbytes = length_bytes(lengths) if plan.scorable else None
                else:
                    table, lengths = new_postings(
                        plan, buffer, self._analysis.vocab, self._new_docs
                    )
                    del buffer
                    tables = [table]
                    codes = [length_bytes(lengths)]
                    for source, sfiles in zip(self._sources, files, strict=True):
                        tables.append(read_postings(sfiles, plan, source))
                        if plan.scorable:
                            found = read_length_bytes(sfiles, name, source)
                            if found is None:
                                found = np.zeros(len(source.live), dtype=np.uint8)
                            codes.append(found)
                    lbytes = np.concatenate(codes) if plan.scorable else None
                    merged = merge_in_order(tables)
                    del tables
                    parts, keys = [merged], merged.keys
                if lbytes is not None:
                    merged_part = byte_lengths(lbytes[self._new_docs :])
                    total = int(lengths.sum()) + int(merged_part.sum())
                    if total:
                        fieldlengths[name] = total
                    if lbytes.any():
                        self._write_column_bytes(f"_{name}_len", fixed_rows(lbytes, lbytes > 0))
                if not keys:
                    continue
                fieldnum = fieldmap[name] = len(fieldmap)
                for part in parts:
                    infos, offset = write_postings(
                        part,
                        fixed_size=plan.fixed_size,
                        length_bytes=lbytes,
                        write=pst.write,
                        offset=offset,
                        compression=self._compression,
                        compress_from=self._compress_from,
                    )
                    all_infos.append(infos)
                prefix = fieldnum.to_bytes(2, "big")
                all_keys.extend([prefix + key for key in keys])
        finally:
            pst.close()
        trm = segment.create_file(storage, W3Codec.TERMS_EXT)
        try:
            write_term_index(trm.write, all_keys, Ragged.concat(all_infos), fieldmap)
        finally:
            trm.close()
        return fieldlengths

    def _write_column_bytes(self, name: str, data: bytes | list[bytes]) -> None:
        f = self.storage.create_file(W3Codec.column_filename(self.newsegment, name))
        try:
            if isinstance(data, bytes):
                f.write(data)
            else:
                for piece in data:
                    f.write(piece)
        finally:
            f.close()

    def _write_columns(self, files: list[SegmentFiles], doccount: int) -> None:
        # stored fields: always written, like W3PerDocWriter's "_stored" column; the new
        # documents' values come back from their temporary file, merged ones' are copied
        spill = self._spills.pop("_stored", None) or _Spill(self._tempstorage, "_stored.spill")
        pieces: list[bytes] | Iterator[bytes] = spill.chunks()
        docs = [np.frombuffer(spill.docs, dtype=np.int32).astype(np.int64)]
        lengths = [np.frombuffer(spill.lengths, dtype=np.int64)]
        f = self.storage.create_file(W3Codec.column_filename(self.newsegment, "_stored"))
        try:
            for piece in pieces:
                f.write(piece)
            for source, sfiles in zip(self._sources, files, strict=True):
                data, starts, sizes = read_stored(sfiles, source)
                for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
                    f.write(data[start : start + size])
                docs.append(source.base + np.arange(len(source.live), dtype=np.int64))
                lengths.append(sizes)
            f.write(var_bytes_trailer(doccount, np.concatenate(docs), np.concatenate(lengths)))
        finally:
            f.close()
        # the fields' own columns, when some document gave a value
        for name, plan in self._plans.items():
            column = plan.field.column_type
            if column is None:
                continue
            col_docs: list[int] = self._column_docs.pop(name, [])
            col_values: list[Any] = self._column_values.pop(name, [])
            spilled = self._spills.pop(name, None)
            if spilled is not None:
                col_docs = np.frombuffer(spilled.docs, dtype=np.int32).tolist()
                col_values = spilled.values()
            for source, sfiles in zip(self._sources, files, strict=True):
                found = read_column(sfiles, name, column, source)
                if found is not None:
                    col_docs.extend(found[0].tolist())
                    col_values.extend(found[1])
            if col_docs:
                column_bytes = column_pieces(column, doccount, col_docs, col_values)
                del col_docs, col_values
                self._write_column_bytes(name, column_bytes)

    # -- conveniences --------------------------------------------------------------------------

    def add_documents(self, documents: Iterable[dict[str, Any]]) -> int:
        """Add many documents; returns how many."""
        n = 0
        for doc in documents:
            self.add_document(**doc)
            n += 1
        return n
