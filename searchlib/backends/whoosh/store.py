"""A searchlib index in a directory, on Whoosh: open, create, lock, read, write, check.

:class:`WhooshBackend` is long-lived and thread-safe. Reads borrow a Whoosh searcher from a
small pool; before each read the pool checks the index's generation on disk, so commits by
other writers (threads or processes) become visible without reopening anything, and a read
sees one committed generation from start to end. Writing goes through :class:`WhooshWriter`;
only one writer holds an index at a time (an OS file lock, so a writer that dies releases it).

Every error reading the index's files (Whoosh's own, zlib, pickle, struct, OS errors...) becomes
:class:`~searchlib.errors.IndexCorrupt` naming the index and, when it can be told, the damaged
file; :meth:`WhooshBackend.verify` reads every segment and lists the damage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from whoosh import index as windex
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from ...backend import (
    BackendStats,
    Candidate,
    Damage,
    Keys,
    MatchRequest,
    MatchSet,
    Signatures,
    WordCounts,
)
from ...errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexUnavailable,
    SearchlibError,
    UsageError,
)
from ...model import Article, FacetName, Suggestion, SuggestionKind
from ...ranking import NO_DAY
from . import schema as sf
from .documents import from_stored
from .durable import commit_toc, fsync_directory, fsync_path

if TYPE_CHECKING:
    from ...query import MultiTerm
    from .complete import NameTable, SegmentNames
    from .docvalues import DocValues
    from .scoring import PostingsCache
    from .words import WordTables

# Matching, scoring and the search tables (and numpy) are imported when a search first needs
# them: opening an index to count it, read its figures or fetch one article stays cheap.

META_FILE = "searchlib.json"
CREATE_LOCK = "searchlib_CREATE"
INDEX_NAME = "MAIN"
#: After a bulk load, an index with more segments than this is merged into one.
MAX_SEGMENTS = 8

T = TypeVar("T")

#: What reading damaged index files can raise. Whoosh's own CorruptIndexError, zlib, pickle,
#: struct, EOF and OS errors are the usual ones; but a flipped byte can make any decoder fail
#: in any way (FileFormatError, TermNotFound, a ValueError from a garbage date...), so every
#: exception that is not searchlib's own is read as damage, reported with its type.
READ_ERRORS: tuple[type[BaseException], ...] = (Exception,)


SUMS_FILE = "searchlib.sums"
"""Each segment file's size and BLAKE2b digest, written at commit: ``searchlib check``
compares them, so damage is found even where the file still parses."""


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _segment_files(path: Path) -> list[Path]:
    return sorted(p for p in path.glob(f"{INDEX_NAME}_*.seg") if p.is_file())


def record_sums(path: Path, *, durable: bool = False) -> None:
    """Bring the checksums file up to date with the segment files in ``path`` (under the
    writer's lock): new files are hashed, vanished ones forgotten; ``durable`` flushes the
    file to disk."""
    sums = read_sums(path)
    fresh: dict[str, dict[str, Any]] = {}
    for f in _segment_files(path):
        known = sums.get(f.name)
        size = f.stat().st_size
        fresh[f.name] = (
            known
            if known and known.get("size") == size
            else {
                "size": size,
                "blake2b": _digest(f),
            }
        )
    tmp = path / (SUMS_FILE + ".tmp")
    tmp.write_text(json.dumps(fresh, indent=0, sort_keys=True) + "\n")
    if durable:
        fsync_path(tmp)
    os.replace(tmp, path / SUMS_FILE)
    if durable:
        fsync_directory(path)


def read_sums(path: Path) -> dict[str, dict[str, Any]]:
    """The recorded checksums ({} when there are none, as in indexes made before them)."""
    try:
        data = json.loads((path / SUMS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def damaged_file(exc: BaseException) -> str | None:
    """The index file an exception was raised reading, told from the segment reader in its
    traceback (the innermost one), or None."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        segment = getattr(owner, "_segment", None)
        if segment is not None and hasattr(segment, "segment_id"):
            with contextlib.suppress(Exception):
                found = f"{segment.segment_id()}.seg"
        tb = tb.tb_next
    return found


def _reason(exc: BaseException, location: str) -> str:
    """The exception in a few words, the index's location in it as ``{index}`` (so that a
    redacted message does not show it)."""
    text = " ".join(str(exc).split())[:160]
    text = text.replace("{", "(").replace("}", ")")
    if location:
        text = text.replace(location, "{index}")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class WhooshBackend:
    """A searchlib index in a directory, served by Whoosh.

    ``WhooshBackend(path)`` opens an existing index (raising :class:`IndexNotFound` or
    :class:`IndexCorrupt`); ``create=True`` makes it first when there is none. ``vectorized``
    (default True) runs plain-word queries on the vectorised scorer. ``durable`` (default True)
    makes each commit reach the disk before it becomes visible, so that a power cut leaves the
    index at its last commit (see :mod:`.durable`); ``writer(durable=False)`` overrides it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        lock_timeout: float = 30.0,
        vectorized: bool = True,
        k1: float = 1.2,
        b: float = 0.75,
        durable: bool = True,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.durable = durable
        self._lock = threading.Lock()
        self._pool: list[tuple[int, Searcher]] = []
        self._generation = -1
        self._vectorized = vectorized
        self._tables: tuple[DocValues, PostingsCache | None] | None = None
        self._names: tuple[tuple[tuple[str, int], ...], NameTable] | None = None
        self._names_build = threading.Lock()
        self._segment_names: dict[tuple[str, int], SegmentNames] = {}
        self._words: WordTables | None = None  # made on first use (searchlib.analysis)
        self._closed = False
        self._weighting = BM25F(B=b, K1=k1)
        self._ix = self._open(create)

    @property
    def location(self) -> str:
        """The index directory."""
        return str(self.path)

    def _search_tables(self) -> tuple[DocValues, PostingsCache | None]:
        """The doc-values tables and the postings cache, made on first use."""
        with self._lock:
            if self._tables is None:
                from .docvalues import DocValues
                from .scoring import PostingsCache

                self._tables = (
                    DocValues(),
                    PostingsCache() if self._vectorized else None,
                )
            return self._tables

    @property
    def _docvalues(self) -> DocValues:
        return self._search_tables()[0]

    @property
    def _postings(self) -> PostingsCache | None:
        return self._search_tables()[1]

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """True if a searchlib index exists at ``path``."""
        p = Path(path)
        return (p / META_FILE).is_file() and any(p.glob(f"_{INDEX_NAME}_*.toc"))

    def _corrupt(self, message: str, file: str | None = None) -> IndexCorrupt:
        return IndexCorrupt(message, index=self.location, file=file)

    def _has_toc(self) -> bool:
        try:
            return self.path.is_dir() and any(self.path.glob(f"_{INDEX_NAME}_*.toc"))
        except OSError as exc:
            raise self._corrupt(f"cannot read {{index}}: {exc.strerror}") from None

    def _open(self, create: bool) -> Any:
        p = self.path
        if not self._has_toc():
            if p.exists() and not p.is_dir():
                raise IndexNotFound("{index} is a file, not an index directory", index=str(p))
            if p.is_dir() and (p / META_FILE).exists() and _segment_files(p):
                # never made anew over the segments of a damaged index: that would lose them
                raise self._corrupt(
                    "{index} is damaged: its table of contents is missing", "_MAIN_*.toc"
                )
            if not create:
                if p.is_dir() and not (p / META_FILE).exists() and any(p.iterdir()):
                    raise IndexNotFound(
                        "{index} is not a searchlib index (it holds other files)", index=str(p)
                    )
                raise IndexNotFound("{index} does not exist", index=self.location)
            self._create()
        return self._open_existing()

    def _foreign_files(self) -> list[str]:
        p = self.path
        if not p.is_dir() or (p / META_FILE).exists():
            return []
        return [f.name for f in p.iterdir() if f.name not in (META_FILE, CREATE_LOCK, SUMS_FILE)]

    def _create(self) -> None:
        """Create the index, safely against other processes creating it at the same moment.

        Whoosh's ``create_in`` deletes the files of an index already there, so creation holds a
        lock and checks again under it. A directory holding other files is refused before
        anything is written in it. The marker file is written before the Whoosh index, so an
        interrupted creation is finished by the next one instead of looking foreign.
        """
        p = self.path
        refusal = UsageError(
            f"will not create an index in {p}: the directory is not empty", index=str(p)
        )
        try:
            if self._foreign_files():
                raise refusal
            p.mkdir(parents=True, exist_ok=True)
            had_lock_file = (p / CREATE_LOCK).exists()
            lock = FileStorage(str(p)).lock(CREATE_LOCK)
            if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
                raise IndexLocked(
                    "{index} is being created by another process; gave up", index=self.location
                )
            try:
                if self._has_toc():
                    return  # another process created it while we waited
                if self._foreign_files():
                    if not had_lock_file:
                        with contextlib.suppress(OSError):
                            (p / CREATE_LOCK).unlink()
                    raise refusal
                meta = p / META_FILE
                tmp = p / (META_FILE + ".tmp")
                tmp.write_text(json.dumps({"schema_version": sf.SCHEMA_VERSION}) + "\n")
                os.replace(tmp, meta)
                windex.create_in(str(p), sf.build_schema(), indexname=INDEX_NAME)
                if self.durable:  # the marker and the first TOC, then their names
                    for made in (meta, *p.glob(f"_{INDEX_NAME}_*.toc")):
                        fsync_path(made)
                    fsync_directory(p)
            finally:
                lock.release()
        except OSError as exc:
            raise IndexUnavailable(
                f"cannot create {{index}}: {exc.strerror or exc}", index=self.location
            ) from None

    def _open_existing(self) -> Any:
        p = self.path
        meta = p / META_FILE
        try:
            version = json.loads(meta.read_text()).get("schema_version")
        except (OSError, ValueError, AttributeError):
            raise self._corrupt(
                f"{{index}} is not a searchlib index (missing or unreadable {META_FILE})",
                META_FILE,
            ) from None
        if version != sf.SCHEMA_VERSION:
            raise self._corrupt(
                f"{{index}} has schema version {version}; this searchlib reads version "
                f"{sf.SCHEMA_VERSION}: rebuild it"
            )
        try:
            # No mmap: Whoosh copies mapped segment files into memory when a reader opens
            # (about 400 MB for 100,000 articles); plain reads keep a searcher near 20 MB.
            ix = FileStorage(str(p), supports_mmap=False).open_index(INDEX_NAME)
        except EmptyIndexError:
            raise IndexNotFound("{index} does not exist", index=self.location) from None
        except READ_ERRORS as exc:  # a damaged TOC raises struct, pickle or EOF errors
            raise self._corrupt(
                f"{{index}} is damaged and cannot be opened ({_reason(exc, self.location)})",
                self._toc_name(),
            ) from None
        if not sf.is_compatible(ix.schema):
            raise self._corrupt("{index} was not built by this searchlib: rebuild it")
        return ix

    def _toc_name(self) -> str | None:
        with contextlib.suppress(OSError):
            tocs = sorted(self.path.glob(f"_{INDEX_NAME}_*.toc"))
            return tocs[-1].name if tocs else None
        return None

    # -- reading ---------------------------------------------------------------------------

    def guarded(self, fn: Callable[[], T]) -> T:
        """Run a read, turning errors from damaged files into :class:`IndexCorrupt`."""
        try:
            return fn()
        except SearchlibError:
            raise
        except READ_ERRORS as exc:  # damage, by the definition above
            file = damaged_file(exc)
            where = f" ({file})" if file else ""
            reason = _reason(exc, self.location)
            raise self._corrupt(f"{{index}} is damaged{where}: {reason}", file) from None

    def _searcher(self) -> tuple[int, Searcher]:
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)
        try:
            generation = int(self._ix.latest_generation())
        except OSError as exc:
            raise self._corrupt(f"cannot read {{index}}: {exc.strerror}") from None
        found: Searcher | None = None
        with self._lock:
            if generation != self._generation:
                stale, self._pool = self._pool, []
                for _, old in stale:
                    old.close()
                self._generation = generation
            if self._pool:
                found = self._pool.pop()[1]
        if found is None:
            found = self.guarded(lambda: self._ix.searcher(weighting=self._weighting))
            tables = self._tables
            if tables is not None:
                from .docvalues import segment_key

                live_segments = {segment_key(r) for r, _ in found.reader().leaf_readers()}
                tables[0].retain(live_segments)
                if tables[1] is not None:
                    tables[1].retain(live_segments)
        return generation, found

    def _give_back(self, generation: int, searcher: Searcher) -> None:
        with self._lock:
            if generation == self._generation and not self._closed and len(self._pool) < 16:
                self._pool.append((generation, searcher))
                return
        searcher.close()

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """Borrow a Whoosh searcher on the latest committed generation (backend-internal)."""
        generation, found = self._searcher()
        try:
            yield found
        finally:
            self._give_back(generation, found)

    @contextlib.contextmanager
    def reader(self) -> Iterator[WhooshReader]:
        """A consistent view of the latest committed generation."""
        with self.searcher() as s:
            yield WhooshReader(self, s)

    def _changed(self) -> None:
        with self._lock:
            self._generation = -1

    def retrying(self, fn: Callable[[WhooshReader], T]) -> T:
        """Run ``fn`` on a reader; once more on the next generation if a file vanished.

        A searcher opened just before a merge may miss a file the merge removed; the next
        generation has everything.
        """
        for attempt in range(2):
            try:
                with self.reader() as r:
                    return fn(r)
            except IndexCorrupt as exc:
                if attempt or not isinstance(exc.__context__, FileNotFoundError):
                    raise
                self._changed()
        raise AssertionError("unreachable")

    def stats(self) -> BackendStats:
        """Figures about the index as it is on disk now (reads only the date column)."""

        def read() -> BackendStats:
            with self.searcher() as s:
                first = last = 0
                undated = 0
                leaves = s.reader().leaf_readers()
                for reader, _ in leaves:
                    for day in _live_days(reader):
                        if day == NO_DAY:
                            undated += 1
                        else:
                            first = min(first, day) if first else day
                            last = max(last, day)
                documents = int(s.doc_count())
                segments = len(leaves) if documents else 0
                generation = int(self._ix.latest_generation())
            size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
            return BackendStats(
                documents=documents,
                date_min=dt.date.fromordinal(first) if first else None,
                date_max=dt.date.fromordinal(last) if last else None,
                undated=undated,
                size_bytes=size,
                generation=generation,
                details={"engine": "whoosh", "segments": segments},
            )

        return self.guarded(read)

    def generation(self) -> int | None:
        """The latest committed generation on disk."""
        try:
            return int(self._ix.latest_generation())
        except OSError as exc:
            raise self._corrupt(f"cannot read {{index}}: {exc.strerror}") from None

    def count(self) -> int:
        """The number of articles (from the table of contents: nothing else is read)."""
        with self.searcher() as s:
            return int(s.doc_count())

    def segment_count(self) -> int:
        """How many segments the index has now (each commit adds one until they are merged)."""
        with self.searcher() as s:
            return len(s.leaf_searchers()) if s.doc_count_all() else 0

    def verify(self) -> list[Damage]:
        """Read every segment in full (terms, postings, stored fields, columns) and list damage."""
        damage: list[Damage] = []
        try:
            ix = FileStorage(str(self.path), supports_mmap=False).open_index(INDEX_NAME)
            segments = ix._segments()
        except READ_ERRORS as exc:
            return [Damage(self._toc_name() or "table of contents", _reason(exc, ""))]
        storage = ix.storage
        from whoosh.reading import SegmentReader

        sums = read_sums(self.path)
        for segment in segments:
            name = f"{segment.segment_id()}.seg"
            problem = self._check_sum(name, sums.get(name))
            if problem:
                damage.append(Damage(name, problem))
                continue
            try:
                reader = SegmentReader(storage, ix.schema, segment)
                try:
                    _read_everything(reader)
                finally:
                    reader.close()
            except READ_ERRORS as exc:
                damage.append(Damage(name, _reason(exc, "")))
        return damage

    def _check_sum(self, name: str, known: dict[str, Any] | None) -> str | None:
        """What is wrong with a segment file by its recorded size and digest (None: nothing,
        or nothing recorded)."""
        path = self.path / name
        if not path.is_file():
            return "the file is missing"
        if not known:
            return None
        size = path.stat().st_size
        if size != known.get("size"):
            return f"the file is {size:,} bytes; it was written with {known.get('size'):,}"
        if _digest(path) != known.get("blake2b"):
            return "the file's content changed since it was written (checksum differs)"
        return None

    # -- writing ---------------------------------------------------------------------------

    def writer(
        self,
        *,
        timeout: float | None = None,
        procs: int = 1,
        batched: bool = True,
        durable: bool | None = None,
    ) -> WhooshWriter:
        """A batch writer; waits up to ``timeout`` seconds for another writer to finish.

        Segments are written by the batched writer (:class:`.segwriter.BatchWriter`: Whoosh's
        files, written in bulk); ``batched=False`` uses Whoosh's own segment writer (the same
        index, several times slower; kept to prove the two equal). ``procs`` > 1 indexes with
        that many processes (Whoosh's multi-process writer). ``durable`` (default: the
        backend's) flushes each commit to disk before it becomes visible.
        """
        if self._closed:
            raise IndexUnavailable("{index} has been closed", index=self.location)
        wait = self.lock_timeout if timeout is None else timeout
        sync = self.durable if durable is None else durable
        try:
            if procs > 1:
                w = _MpWriter(self._ix, procs=procs, multisegment=True, timeout=wait, delay=0.05)
                w.durable = sync
            elif batched:
                from .segwriter import BatchWriter

                w = BatchWriter(self._ix, timeout=wait, delay=0.05, durable=sync)
            else:
                w = _SegmentWriter(self._ix, timeout=wait, delay=0.05)
                w.durable = sync
        except LockError:
            raise IndexLocked(
                f"{{index}} is locked by another writer; gave up after {wait:g}s",
                index=self.location,
            ) from None
        except READ_ERRORS as exc:
            raise self._write_error(exc) from None
        try:
            return WhooshWriter(self, w, durable=sync)
        except READ_ERRORS as exc:
            w.cancel()  # releases the lock
            raise self._write_error(exc) from None

    @staticmethod
    def prepare_document(article: Article, digest: str) -> dict[str, Any]:
        """The Whoosh document for an article with its entities (what :meth:`WhooshWriter.write`
        stores; a plain function, so that worker processes can make documents)."""
        from .documents import to_document

        return to_document(article, digest)

    def _write_error(self, exc: BaseException) -> SearchlibError:
        """The error for a failure to start writing: the OS refused, or a file is damaged."""
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            return IndexUnavailable(
                f"cannot write to {{index}}: {exc.strerror or exc}", index=self.location
            )
        file = damaged_file(exc)
        return self._corrupt(f"{{index}} is damaged: {_reason(exc, self.location)}", file)

    def settle(self, *, timeout: float | None = None) -> None:
        """After a bulk load: merge the index into one segment when it has more than
        :data:`MAX_SEGMENTS` (about half the size, and faster searches)."""
        if self.segment_count() > MAX_SEGMENTS:
            self.optimize(timeout=timeout)

    def optimize(self, *, timeout: float | None = None) -> None:
        """Merge all segments into one (slow on big indexes; searches are faster afterwards)."""
        self.writer(timeout=timeout).commit(optimize=True)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the searchers this object holds."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for _, s in pool:
            s.close()

    def __repr__(self) -> str:
        return f"WhooshBackend({str(self.path)!r})"


def _live_days(reader: Any) -> Iterable[int]:
    """Each live document's day number (0 undated), from the sortable date column."""
    if not reader.has_column(sf.DATE_SORT):
        return [NO_DAY] * int(reader.doc_count())
    days = reader.column_reader(sf.DATE_SORT)
    if not reader.has_deletions():
        return list(days)
    return [days[d] for d in reader.all_doc_ids()]


def _read_everything(reader: Any) -> None:
    for fieldname in reader.indexed_field_names():
        for term in reader.lexicon(fieldname):
            m = reader.postings(fieldname, term)
            while m.is_active():
                m.id()
                m.weight()
                if m.supports("positions"):
                    m.value_as("positions")
                m.next()
    for docnum in range(reader.doc_count_all()):
        reader.stored_fields(docnum)
    for fieldname in (sf.DATE_SORT, sf.DUP_SIG):
        if reader.has_column(fieldname):
            for _ in reader.column_reader(fieldname):
                pass
    for fieldname in sf.DEFAULT_FIELDS:
        for docnum in range(reader.doc_count_all()):
            reader.doc_field_length(docnum, fieldname, 0)


class WhooshReader:
    """One committed generation of a Whoosh index (see :class:`searchlib.backend.Reader`)."""

    def __init__(self, backend: WhooshBackend, searcher: Searcher) -> None:
        self.backend = backend
        self.searcher = searcher

    def search(self, request: MatchRequest) -> MatchSet:
        """Match, count and rank."""

        from . import matching

        b = self.backend
        return b.guarded(lambda: matching.run(self.searcher, request, b._docvalues, b._postings))

    def count(self, request: MatchRequest) -> int:
        """How many articles match."""

        from . import matching

        b = self.backend
        return b.guarded(lambda: matching.count(self.searcher, request, b._docvalues, b._postings))

    def articles(self, keys: Sequence[Any]) -> list[Article]:
        """The stored articles of candidates."""
        s = self.searcher
        return self.backend.guarded(lambda: [from_stored(s.stored_fields(int(k))) for k in keys])

    def signatures(self, keys: Sequence[Any]) -> Signatures:
        """The near-duplicate signatures of candidates, one row each."""

        import bisect

        import numpy as np

        from ... import dedup

        def read() -> Signatures:
            subs = [(sub.reader(), offset) for sub, offset in self.searcher.leaf_searchers()]
            offsets = [offset for _, offset in subs]
            columns: dict[int, Any] = {}
            out = np.zeros((len(keys), dedup.NUM_PERM), dtype=np.uint32)
            for row, key in enumerate(keys):
                docnum = int(key)
                seg = bisect.bisect_right(offsets, docnum) - 1
                if seg not in columns:
                    columns[seg] = subs[seg][0].column_reader(sf.DUP_SIG)
                out[row] = dedup.from_bytes(columns[seg][docnum - offsets[seg]])
            return out

        return self.backend.guarded(read)

    def docnum(self, article_id: str) -> int | None:
        """The document number of an id in this generation."""
        found = self.searcher.document_number(**{sf.ID: article_id})
        return int(found) if found is not None else None

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""

        def read() -> Article | None:
            docnum = self.docnum(article_id)
            return from_stored(self.searcher.stored_fields(docnum)) if docnum is not None else None

        return self.backend.guarded(read)

    def expand(self, node: MultiTerm, limit: int) -> list[str]:
        """The indexed words a multi-term stands for: the spelling field's words (as written)
        for the title and body, the field's own words for the others."""

        from ...query import Fuzzy, Prefix, TermRange, Wildcard
        from .compile import FIELDS

        field = sf.SPELL if node.field in ("text", "title", "body") else FIELDS[node.field][0]
        reader = self.searcher.reader()

        def read() -> list[str]:
            if field not in reader.indexed_field_names():
                return []
            found: Iterable[Any]
            if isinstance(node, Prefix):
                found = reader.expand_prefix(field, node.text)
            elif isinstance(node, Wildcard):
                found = wq.Wildcard(field, node.pattern)._btexts(reader)
            elif isinstance(node, Fuzzy):
                found = reader.terms_within(field, node.text, node.maxdist, prefix=node.prefix)
            elif isinstance(node, TermRange):
                found = wq.TermRange(
                    field, node.low, node.high, not node.include_low, not node.include_high
                )._btexts(reader)
            else:
                return []
            out: list[str] = []
            for word in found:
                out.append(word.decode("utf-8") if isinstance(word, bytes) else str(word))
                if len(out) >= limit:
                    break
            return out

        return self.backend.guarded(read)

    def word_frequency(self, word: str) -> int:
        """In how many articles a folded word occurs (title or body, as written)."""
        return self.backend.guarded(lambda: int(self.searcher.doc_frequency(sf.SPELL, word)))

    def word_counts(
        self, request: MatchRequest, *, background: MatchRequest, min_count: int
    ) -> WordCounts:
        """The words of the matches, with their foreground and background counts."""
        from .words import WordTables, word_counts

        b = self.backend
        with b._lock:
            if b._words is None:
                b._words = WordTables()
            tables = b._words
        return b.guarded(
            lambda: word_counts(
                self.searcher,
                request,
                background,
                b._docvalues,
                b._postings,
                tables,
                min_count=min_count,
            )
        )

    def keys(self, request: MatchRequest) -> Keys:
        """The document number of every match (a numpy array)."""
        from .words import match_keys

        b = self.backend
        return b.guarded(lambda: match_keys(self.searcher, request, b._docvalues, b._postings))

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        """Indexed words within ``maxdist`` edits (same first letter), with article counts."""
        s = self.searcher

        def read() -> list[tuple[str, int]]:
            return [
                (str(c), int(s.doc_frequency(sf.SPELL, c)))
                for c in s.reader().terms_within(sf.SPELL, word, maxdist, prefix=1)
                if c != word
            ]

        return self.backend.guarded(read)

    def facet_values(self, facet: FacetName) -> Counter[str]:
        """Every value of a facet with its number of (live) articles."""
        return self.backend.guarded(lambda: self._names().counts(facet))

    def _names(self) -> NameTable:
        from .complete import NameTable, SegmentNames
        from .docvalues import segment_key

        b = self.backend
        readers = [sub.reader() for sub, _ in self.searcher.leaf_searchers()]
        key = tuple((segment_key(r), int(r.doc_count())) for r in readers)
        with b._lock:
            if b._names is not None and b._names[0] == key:
                return b._names[1]
        with b._names_build:  # one build at a time: threads asking together wait for it
            with b._lock:
                if b._names is not None and b._names[0] == key:
                    return b._names[1]
            parts = []
            for reader, part_key in zip(readers, key, strict=True):
                with b._lock:
                    part = b._segment_names.get(part_key)
                if part is None:
                    part = SegmentNames.build(reader, b._docvalues)
                    with b._lock:
                        b._segment_names[part_key] = part
                parts.append(part)
            table = NameTable(parts)
            with b._lock:
                b._names = (key, table)
                for stale in [k for k in b._segment_names if k not in key]:
                    del b._segment_names[stale]
        return table

    def similar(self, article_id: str, *, limit: int, deadline: float) -> list[Candidate] | None:
        """The articles most related to one, best first; None when there is no such article."""
        from .scoring import PostingsCache
        from .similar import related

        b = self.backend

        def read() -> list[Candidate] | None:
            docnum = self.docnum(article_id)
            if docnum is None:
                return None
            postings = b._postings if b._postings is not None else PostingsCache(1 << 24)
            ranked = related(
                self.searcher, b._docvalues, postings, docnum, limit=limit, deadline=deadline
            )
            return [Candidate(doc, round(score, 6), day) for score, doc, day in ranked]

        return b.guarded(read)

    def suggest(
        self, folded: str, *, limit: int, kinds: frozenset[SuggestionKind] | None
    ) -> list[Suggestion]:
        """Names and words starting with a folded prefix, most articles first."""

        from .complete import words_for

        def read() -> list[Suggestion]:
            names = self._names()
            found = [
                Suggestion(value, kind, n)
                for kind, value, n in names.lookup(folded)
                if kinds is None or kind in kinds
            ]
            if kinds is None or "word" in kinds:
                found.extend(words_for(self.searcher.reader(), folded, found))
            return found

        return self.backend.guarded(read)


class WhooshWriter:
    """A batch of changes to a Whoosh index (see :class:`searchlib.backend.BackendWriter`)."""

    def __init__(self, backend: WhooshBackend, writer: Any, *, durable: bool = False) -> None:
        self._backend = backend
        self._writer = writer
        self._durable = durable
        self._searcher: Searcher = writer.searcher()
        self._closed = False

    def stored_hash(self, article_id: str) -> str | None:
        """The content hash stored for ``article_id`` when this batch began, or None."""

        def read() -> str | None:
            docnum = self._searcher.document_number(**{sf.ID: article_id})
            if docnum is None:
                return None
            value = self._searcher.stored_fields(docnum).get(sf.HASH)
            return str(value) if value is not None else ""

        return self._backend.guarded(read)

    def ids_with_hash(self, digest: str) -> list[str]:
        """Ids of articles stored with this content hash when the batch began."""
        s = self._searcher
        return self._backend.guarded(
            lambda: [str(s.stored_fields(d)[sf.ID]) for d in s.document_numbers(hash=digest)]
        )

    def write(self, article: Article, digest: str, *, replace: bool) -> None:
        """Store an article; ``replace`` when an article with its id exists."""

        from .documents import to_document

        doc = to_document(article, digest)
        if replace:
            self._writer.update_document(**doc)
        else:
            self._writer.add_document(**doc)

    def write_document(self, document: dict[str, Any], *, replace: bool) -> None:
        """Store an article's document made beforehand (:meth:`WhooshBackend.prepare_document`,
        in a worker process)."""
        if replace:
            self._writer.update_document(**document)
        else:
            self._writer.add_document(**document)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete the articles with these ids; returns how many existed."""
        deleted = 0
        for article_id in ids:
            if self.stored_hash(article_id) is not None:
                deleted += self._delete_one(article_id)
        return deleted

    def _delete_one(self, article_id: str) -> int:
        return int(self._backend.guarded(lambda: self._writer.delete_by_term(sf.ID, article_id)))

    def commit(self, *, merge: bool = True, optimize: bool = False) -> None:
        """Make every change visible, atomically.

        ``optimize`` merges every segment into one; otherwise segments are merged by the tiered
        policy (:mod:`.merging`), or not at all with ``merge=False`` (the batch becomes a
        segment of its own).
        """
        self._closed = True
        self._searcher.close()
        try:
            if merge and not optimize:
                from .merging import tiered

                self._writer.commit(mergetype=tiered)
            else:
                self._writer.commit(optimize=optimize, merge=merge)
            record_sums(self._backend.path, durable=self._durable)
        except OSError as exc:
            raise IndexUnavailable(
                f"cannot write to {{index}}: {exc.strerror or exc}",
                index=self._backend.location,
            ) from None
        except READ_ERRORS as exc:
            raise IndexCorrupt(
                f"{{index}} is damaged and could not be written: "
                f"{_reason(exc, self._backend.location)}",
                index=self._backend.location,
                file=damaged_file(exc),
            ) from None
        finally:
            self._backend._changed()

    def cancel(self) -> None:
        """Discard every change of this batch."""
        if self._closed:
            return
        self._closed = True
        self._searcher.close()
        self._writer.cancel()

    def __enter__(self) -> WhooshWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and not self._closed:
            self.commit()
        else:
            self.cancel()


def _subwriter_main(*args: Any) -> None:
    """Body of a worker process of a multi-process writer: Whoosh's sub-writer, plus a watchdog.

    A forked worker shares its parent's file lock. If the parent is killed, Whoosh's worker
    would wait for work forever and keep the index locked; the watchdog ends it instead.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()  # returns when the parent process has gone
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    SubWriterTask(*args).run()  # the worker loop, run in this process


class _SegmentWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, with durable commits when ``durable``."""

    durable = False

    def _commit_toc(self, segments: list[Any]) -> None:
        commit_toc(self, segments, durable=self.durable)


class _MpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multi-process writer whose workers die with the writing process (and whose
    commits are durable when ``durable``)."""

    durable = False

    def _commit_toc(self, segments: list[Any]) -> None:
        commit_toc(self, segments, durable=self.durable)

    def _new_task(self) -> Any:
        args = (
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        task = multiprocessing.Process(target=_subwriter_main, args=args, daemon=True)
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        # Whoosh's cancel cannot reach workers waiting for work; they would wait forever.
        for task in self.tasks:
            task.terminate()
        for task in self.tasks:
            task.join()
        MpWriter.cancel(self)


__all__ = ["META_FILE", "WhooshBackend", "WhooshReader", "WhooshWriter"]
