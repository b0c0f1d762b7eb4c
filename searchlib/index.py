"""The :class:`Index`: a searchlib index on disk, and the only door to it.

An ``Index`` is long-lived and thread-safe. Searches borrow a Whoosh searcher from a small pool;
before each search the pool checks the index's generation on disk, so commits by other writers
(threads or processes) become visible to the next search without reopening anything. A search
always sees one committed generation from start to end: a commit in the middle of it is not
seen half-way.

Writing goes through :meth:`Index.writer`, a context manager that commits on success and
cancels on error. Only one writer holds an index at a time: a second one waits up to
``lock_timeout`` seconds, then raises :class:`~searchlib.errors.IndexLocked`. The lock is an OS
file lock, so a writer that dies releases it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np
from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for

from . import dedup
from . import schema as sf
from .complete import NameTable, check_prefix
from .complete import suggest as complete
from .docvalues import NO_DAY, DocValues, segment_key
from .entities import Extractor, default_extractor
from .errors import (
    DocumentNotFound,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    InputError,
    QueryError,
    SearchlibError,
)
from .model import (
    ENTITY_KINDS,
    SUGGESTION_KINDS,
    Article,
    Entity,
    Hit,
    IndexReport,
    IndexStats,
    SearchResults,
    Suggestion,
    SuggestionKind,
    validate_article,
)
from .query import Filters, make_parser, parse_date_bound, parse_query
from .ranking import Match, Ranking, parse_half_life
from .scoring import PostingsCache
from .search import DEFAULT_TIMEOUT, Highlighter, SearchOptions, execute
from .search import hit as hit_from_stored
from .similar import related

META_FILE = "searchlib.json"
CREATE_LOCK = "searchlib_CREATE"
INDEX_NAME = "MAIN"
DEFAULT_LOCK_TIMEOUT = 30.0

Status = Literal["indexed", "updated", "unchanged"]


def content_hash(article: Article, extractor_name: str = "") -> str:
    """A digest of everything an article's index entry is built from (not its id or origin).

    The extractor's name is part of it, so a new extractor version re-indexes everything.
    """
    payload = json.dumps(
        [
            extractor_name,
            article.title,
            article.body,
            article.date.isoformat() if article.date else None,
            article.source,
            article.url,
            list(article.tags),
            list(article.related),
            [[e.kind, e.name, e.mentions, list(e.aliases)] for e in article.entities],
        ],
        ensure_ascii=False,
    )
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def _clean_value(value: str) -> str:
    return " ".join(value.replace(sf.VALUE_SEPARATOR, " ").split())


def to_document(article: Article, digest: str) -> dict[str, Any]:
    """The Whoosh document for an article."""
    doc: dict[str, Any] = {
        sf.ID: article.id,
        sf.HASH: digest,
        sf.ORIGIN: article.origin,
        sf.TITLE: article.title,
        sf.BODY: article.body,
        sf.SPELL: sf.spell_text(f"{article.title}\n{article.body}"),
        sf.TAGS: tuple(article.tags),
        sf.RELATED: tuple(article.related),
        sf.ENTITIES: tuple(
            (e.kind, e.name, e.mentions, tuple(e.aliases)) for e in article.entities
        ),
    }
    doc[sf.DUP_SIG] = dedup.to_bytes(dedup.signature(article.title, article.body))
    if article.date is not None:
        doc[sf.DATE] = dt.datetime.combine(article.date, dt.time.min)
        doc[sf.DAY] = article.date.isoformat()
        doc[sf.DATE_SORT] = article.date.toordinal()
    if article.source:
        doc[sf.SOURCE] = article.source
    if article.url:
        doc[sf.URL] = article.url
    values: dict[str, list[str]] = {kind: list(article.entities_of(kind)) for kind in ENTITY_KINDS}
    values["tag"] = list(article.tags)
    values["source"] = [article.source] if article.source else []
    for name, (text_field, facet_field) in sf.FACET_FIELDS.items():
        cleaned = list(dict.fromkeys(v for v in map(_clean_value, values[name]) if v))
        if cleaned:
            joined = sf.VALUE_SEPARATOR.join(cleaned)
            doc[text_field] = joined
            doc[facet_field] = joined
    return doc


def from_stored(stored: dict[str, Any]) -> Article:
    """Rebuild an :class:`Article` from a document's stored fields."""
    date = stored.get(sf.DATE)
    return Article(
        id=stored[sf.ID],
        title=stored.get(sf.TITLE, ""),
        body=stored.get(sf.BODY, ""),
        date=date.date() if isinstance(date, dt.datetime) else None,
        source=stored.get(sf.SOURCE),
        url=stored.get(sf.URL),
        tags=tuple(stored.get(sf.TAGS) or ()),
        related=tuple(stored.get(sf.RELATED) or ()),
        entities=tuple(
            Entity(kind=kind, name=name, mentions=mentions, aliases=tuple(aliases))
            for kind, name, mentions, aliases in stored.get(sf.ENTITIES) or ()
        ),
        origin=stored.get(sf.ORIGIN),
    )


def _as_values(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _as_date(value: dt.date | str | None, *, upper: bool) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date_bound(value, upper=upper)


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


class _MpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multi-process writer whose workers die with the writing process."""

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


class IndexWriter:
    """A batch of changes to an index; use it as a context manager (see :meth:`Index.writer`).

    Changes become visible to searches at :meth:`commit`, all at once; :meth:`cancel` (or an
    exception inside the ``with`` block) discards them.
    """

    def __init__(self, index: Index, writer: Any) -> None:
        self._index = index
        self._writer = writer
        self._searcher: Searcher = writer.searcher()
        self._pending: set[str] = set()
        self._closed = False
        self._counts = {"indexed": 0, "updated": 0, "unchanged": 0}

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._closed:
            return
        if exc_type is None:
            self.commit()
        else:
            self.cancel()

    def stored_hash(self, article_id: str) -> str | None:
        """The content hash stored for ``article_id`` when this batch began, or None if absent."""
        docnum = self._searcher.document_number(**{sf.ID: article_id})
        if docnum is None:
            return None
        value = self._searcher.stored_fields(docnum).get(sf.HASH)
        return str(value) if value is not None else ""

    def status(self, article_id: str, digest: str) -> Status:
        """Whether writing an article with this id and content hash would add, update or skip it."""
        stored = self.stored_hash(article_id)
        if stored is None:
            return "indexed"
        return "unchanged" if stored == digest else "updated"

    def add(
        self, article: Article, *, digest: str | None = None, extractor_name: str = ""
    ) -> Status:
        """Add ``article``, replacing any article with the same id. Unchanged content is skipped.

        ``digest`` is the article's :func:`content_hash` if the caller already computed it
        (before entity extraction, as :func:`searchlib.ingest` does).
        """
        self._check_open()
        validate_article(article)
        if article.id in self._pending:
            raise InputError(f"article id {article.id!r} was already written in this batch")
        digest = digest or content_hash(article, extractor_name)
        status = self.status(article.id, digest)
        if status != "unchanged":
            doc = to_document(article, digest)
            if status == "updated":
                self._writer.update_document(**doc)
            else:
                self._writer.add_document(**doc)
            self._pending.add(article.id)
        self._counts[status] += 1
        return status

    def update(
        self, article: Article, *, digest: str | None = None, extractor_name: str = ""
    ) -> Status:
        """Replace an existing article; raises :class:`DocumentNotFound` for an unknown id."""
        if self.stored_hash(article.id) is None:
            raise DocumentNotFound(f"no article with id {article.id!r} to update")
        return self.add(article, digest=digest, extractor_name=extractor_name)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete the articles with these ids; returns how many existed."""
        self._check_open()
        deleted = 0
        for article_id in ids:
            if self.stored_hash(article_id) is not None:
                deleted += self._writer.delete_by_term(sf.ID, article_id)
        return int(deleted)

    def commit(self, *, optimize: bool = False, merge: bool = True) -> None:
        """Make every change of this batch visible, atomically.

        ``optimize`` merges every segment into one; ``merge=False`` adds this batch as a
        segment of its own without Whoosh's small-segment merging.
        """
        self._check_open()
        self._closed = True
        self._searcher.close()
        self._writer.commit(optimize=optimize, merge=merge)
        self._index._changed()

    def cancel(self) -> None:
        """Discard every change of this batch."""
        if self._closed:
            return
        self._closed = True
        self._searcher.close()
        self._writer.cancel()

    @property
    def counts(self) -> dict[str, int]:
        """How many articles this batch indexed, updated and skipped as unchanged so far."""
        return dict(self._counts)

    def _check_open(self) -> None:
        if self._closed:
            raise SearchlibError("this writer has already been committed or cancelled")


class Index:
    """A searchlib index in a directory.

    ``Index(path)`` opens an existing index (raising :class:`IndexNotFound` or
    :class:`IndexCorrupt`); ``Index(path, create=True)`` or :meth:`Index.create` makes it first
    when it does not exist. The object is safe to share between threads and to keep open for
    the life of a process; close it with :meth:`close` or a ``with`` block.

    ``vectorized`` (default True) runs plain-word queries on :mod:`searchlib.scoring`, which
    ranks exactly as Whoosh's matchers do but reads each posting list once into arrays; False
    keeps every query on Whoosh's matchers. ``extractor`` replaces the default entity extractor
    used by :meth:`add` for articles that come without entities. ``ranking`` sets the relevance
    model (:class:`~searchlib.ranking.Ranking`: BM25F's k1 and b, the title weight, the
    proximity bonus) for every search through this object.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        extractor: Extractor | None = None,
        vectorized: bool = True,
        ranking: Ranking | None = None,
    ) -> None:
        self.path = Path(path)
        self.ranking = ranking if ranking is not None else Ranking()
        self.lock_timeout = lock_timeout
        self.extractor: Extractor = extractor if extractor is not None else default_extractor()
        self._lock = threading.Lock()
        self._pool: list[tuple[int, Searcher]] = []
        self._generation = -1
        self._docvalues = DocValues()
        self._postings = PostingsCache() if vectorized else None
        self._names: tuple[tuple[tuple[str, int], ...], NameTable] | None = None
        self._closed = False
        self._ix = self._open(create)
        self._parser = make_parser(self._ix.schema, title_weight=self.ranking.title_weight)
        self._weighting = BM25F(B=self.ranking.b, K1=self.ranking.k1)

    @classmethod
    def create(cls, path: str | os.PathLike[str], **kwargs: Any) -> Index:
        """Open the index at ``path``, creating an empty one if there is none."""
        return cls(path, create=True, **kwargs)

    @staticmethod
    def exists(path: str | os.PathLike[str]) -> bool:
        """True if a searchlib index exists at ``path``."""
        p = Path(path)
        return (p / META_FILE).is_file() and any(p.glob(f"_{INDEX_NAME}_*.toc"))

    def _has_toc(self) -> bool:
        try:
            return self.path.is_dir() and any(self.path.glob(f"_{INDEX_NAME}_*.toc"))
        except OSError as exc:
            raise IndexCorrupt(f"cannot read index at {self.path}: {exc.strerror}") from None

    def _open(self, create: bool) -> Any:
        p = self.path
        if not self._has_toc():
            if p.exists() and not p.is_dir():
                raise IndexCorrupt(f"{p} is a file, not an index directory")
            if not create:
                if p.is_dir() and not (p / META_FILE).exists() and any(p.iterdir()):
                    raise IndexCorrupt(f"{p} is not a searchlib index (it holds other files)")
                raise IndexNotFound(f"no index at {p}")
            self._create()
        return self._open_existing()

    def _create(self) -> None:
        """Create the index, safely against other processes creating it at the same moment.

        Whoosh's ``create_in`` deletes the files of an index already there, so creation holds a
        lock and checks again under it. The marker file is written before the Whoosh index, so
        an interrupted creation is finished by the next one instead of looking foreign.
        """
        p = self.path
        try:
            p.mkdir(parents=True, exist_ok=True)
            lock = FileStorage(str(p)).lock(CREATE_LOCK)
            if not try_for(lock.acquire, timeout=self.lock_timeout, delay=0.05):
                raise IndexLocked(f"index at {p} is being created by another process; gave up")
            try:
                if self._has_toc():
                    return  # another process created it while we waited
                meta = p / META_FILE
                others = [f.name for f in p.iterdir() if f.name not in (META_FILE, CREATE_LOCK)]
                if others and not meta.exists():
                    raise IndexCorrupt(
                        f"will not create an index in {p}: the directory is not empty"
                    )
                tmp = p / (META_FILE + ".tmp")
                tmp.write_text(json.dumps({"schema_version": sf.SCHEMA_VERSION}) + "\n")
                os.replace(tmp, meta)
                windex.create_in(str(p), sf.build_schema(), indexname=INDEX_NAME)
            finally:
                lock.release()
        except OSError as exc:
            raise SearchlibError(f"cannot create index at {p}: {exc.strerror or exc}") from None

    def _open_existing(self) -> Any:
        p = self.path
        meta = p / META_FILE
        try:
            version = json.loads(meta.read_text()).get("schema_version")
        except (OSError, ValueError, AttributeError):
            raise IndexCorrupt(
                f"{p} is not a searchlib index (missing or unreadable {META_FILE})"
            ) from None
        if version != sf.SCHEMA_VERSION:
            raise IndexCorrupt(
                f"index at {p} has schema version {version}; this searchlib reads version "
                f"{sf.SCHEMA_VERSION}: rebuild it"
            )
        try:
            # No mmap: Whoosh copies mapped segment files into memory when a reader opens
            # (about 400 MB for 100,000 articles); plain reads keep a searcher near 20 MB.
            ix = FileStorage(str(p), supports_mmap=False).open_index(INDEX_NAME)
        except EmptyIndexError:
            raise IndexNotFound(f"no index at {p}") from None
        except Exception as exc:  # a damaged TOC raises struct, pickle or EOF errors
            raise IndexCorrupt(f"index at {p} is damaged and cannot be opened: {exc}") from None
        if not sf.is_compatible(ix.schema):
            raise IndexCorrupt(f"index at {p} was not built by this searchlib: rebuild it")
        return ix

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """Borrow a Whoosh searcher on the latest committed generation (internal use)."""
        if self._closed:
            raise SearchlibError("the index has been closed")
        try:
            generation = self._ix.latest_generation()
        except OSError as exc:
            raise IndexCorrupt(f"cannot read index at {self.path}: {exc.strerror}") from None
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
            try:
                found = self._ix.searcher(weighting=self._weighting)
            except Exception as exc:
                raise IndexCorrupt(f"index at {self.path} cannot be read: {exc}") from None
            live_segments = {segment_key(r) for r, _ in found.reader().leaf_readers()}
            self._docvalues.retain(live_segments)
            if self._postings is not None:
                self._postings.retain(live_segments)
        try:
            yield found
        finally:
            with self._lock:
                if generation == self._generation and not self._closed and len(self._pool) < 16:
                    self._pool.append((generation, found))
                    found = None
            if found is not None:
                found.close()

    def _changed(self) -> None:
        with self._lock:
            self._generation = -1

    def search(
        self,
        query: str = "",
        *,
        person: str | Sequence[str] | None = None,
        org: str | Sequence[str] | None = None,
        location: str | Sequence[str] | None = None,
        misc: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        source: str | Sequence[str] | None = None,
        date_from: dt.date | str | None = None,
        date_to: dt.date | str | None = None,
        sort: Literal["relevance", "date"] = "relevance",
        limit: int = 10,
        page: int = 1,
        facets: Sequence[str] | None = ("person", "org", "location", "tag", "source"),
        facet_limit: int = 10,
        histogram: bool = True,
        interval: Literal["year", "month", "day", "auto"] = "month",
        fragments: int = 3,
        fragment_chars: int = 240,
        relax: bool = True,
        suggest: bool = True,
        timeout: float = DEFAULT_TIMEOUT,
        match: Match = "all",
        recency: str | float | None = None,
        collapse: bool = False,
    ) -> SearchResults:
        """Search the index.

        ``query`` uses the query language described in :mod:`searchlib.query` (words are ANDed;
        an empty query matches everything). Facet filters (``person``, ``org``, ``location``,
        ``misc``, ``tag``, ``source``) take one value or several, matched case-insensitively
        against canonical names; an article must carry all of them. ``date_from``/``date_to``
        are inclusive. ``sort`` is ``"relevance"`` (BM25F, title boosted) or ``"date"`` (newest
        first, ties by score). ``facets`` names the facets to count over *all* matches (None or
        () for none); ``histogram`` counts matches per ``interval``. When no article matches
        every word, the best partial matches are returned with ``relaxed=True`` (``relax=False``
        turns that off). A search that takes longer than ``timeout`` seconds returns what it has
        found so far with ``partial=True``.

        ``match="any"`` finds articles with any of the words (top-level AND turned into OR),
        ranked by score times the fraction of the words each has: natural-language questions
        want this. ``recency`` (a half-life such as ``"30d"``, ``"12h"``, ``"2w"``, ``"1y"``)
        multiplies each score by ``1 + 2 ** (-age / half_life)``, ``age`` counted back from the
        newest matching article; off by default, ignored by ``sort="date"``.
        ``collapse`` shows one article per group of near-duplicates (syndicated copies of one
        story): the best-ranked one, with the others' ids in :attr:`Hit.duplicates`.

        Raises :class:`~searchlib.errors.QueryError` for a bad query or option, or a wildcard
        that stands for too many words.
        """
        if self._closed:
            raise SearchlibError("the index has been closed")
        filters = Filters(
            person=_as_values(person),
            org=_as_values(org),
            location=_as_values(location),
            misc=_as_values(misc),
            tag=_as_values(tag),
            source=_as_values(source),
            date_from=_as_date(date_from, upper=False),
            date_to=_as_date(date_to, upper=True),
        )
        options = SearchOptions(
            limit=limit,
            page=page,
            sort=sort,
            facets=tuple(facets or ()),
            facet_limit=facet_limit,
            histogram=histogram,
            interval=interval,
            fragments=fragments,
            fragment_chars=fragment_chars,
            relax=relax,
            suggest=suggest,
            timeout=timeout,
            match=match,
            recency=parse_half_life(recency),
            collapse=collapse,
        )
        options.validate()
        parsed = parse_query(self._parser, query)
        for attempt in range(2):
            try:
                with self.searcher() as s:
                    return execute(
                        s,
                        self._parser,
                        parsed,
                        filters,
                        options,
                        self._docvalues,
                        self._postings,
                        self.ranking,
                    )
            except OSError as exc:
                if attempt:
                    raise IndexCorrupt(f"index at {self.path} could not be read: {exc}") from None
                # A searcher opened before a merge may miss a file the merge removed; the next
                # generation has everything, so try once more on it.
                self._changed()
        raise AssertionError("unreachable")

    def similar(
        self, article_id: str, *, limit: int = 10, timeout: float = DEFAULT_TIMEOUT
    ) -> tuple[Hit, ...]:
        """The articles most related to ``article_id``: shared key words and shared people,
        organisations and places (see :mod:`searchlib.similar`), best first.

        Copies of the article itself (its near-duplicate group) are left out. Raises
        :class:`DocumentNotFound` when there is no such article.
        """
        options = SearchOptions(limit=limit, fragments=0, timeout=timeout)
        options.validate()
        postings = self._postings if self._postings is not None else PostingsCache(1 << 24)
        with self.searcher() as s:
            docnum = s.document_number(**{sf.ID: article_id})
            if docnum is None:
                raise DocumentNotFound(f"no article with id {article_id!r} in {self.path}")
            ranked = related(
                s, self._docvalues, postings, docnum, limit=limit, timeout=timeout
            )
            quiet = Highlighter((), ())
            return tuple(
                hit_from_stored(i + 1, score, s.stored_fields(doc), quiet, options)
                for i, (score, doc) in enumerate(ranked)
            )

    def suggest(
        self,
        prefix: str,
        *,
        limit: int = 10,
        kinds: Sequence[SuggestionKind] | None = None,
    ) -> tuple[Suggestion, ...]:
        """Autocomplete ``prefix``: entity names, tags, sources and words that start with it,
        most articles first (see :mod:`searchlib.complete`).

        ``kinds`` keeps only some kinds (``"person"``, ``"org"``, ``"location"``, ``"misc"``,
        ``"tag"``, ``"source"``, ``"word"``). Raises :class:`QueryError` for a blank or
        over-long prefix or a bad limit or kind.
        """
        folded = check_prefix(prefix, limit)
        wanted = frozenset(kinds) if kinds is not None else None
        if wanted is not None and not wanted <= set(SUGGESTION_KINDS):
            bad = sorted(wanted - set(SUGGESTION_KINDS))[0]
            raise QueryError(f"unknown kind {bad!r} (kinds: {', '.join(SUGGESTION_KINDS)})")
        with self.searcher() as s:
            readers = [sub.reader() for sub, _ in s.leaf_searchers()]
            key = tuple((segment_key(r), int(r.doc_count())) for r in readers)
            with self._lock:
                cached = self._names if self._names is not None and self._names[0] == key else None
            if cached is None:
                cached = (key, NameTable.build(readers, self._docvalues))
                with self._lock:
                    self._names = cached
            return complete(cached[1], s.reader(), folded, limit=limit, kinds=wanted)

    def get(self, article_id: str) -> Article:
        """The article with this id; raises :class:`DocumentNotFound` if there is none."""
        with self.searcher() as s:
            docnum = s.document_number(**{sf.ID: article_id})
            if docnum is None:
                raise DocumentNotFound(f"no article with id {article_id!r} in {self.path}")
            return from_stored(s.stored_fields(docnum))

    def __contains__(self, article_id: object) -> bool:
        with self.searcher() as s:
            return s.document_number(**{sf.ID: article_id}) is not None

    def count(self) -> int:
        """The number of articles in the index."""
        with self.searcher() as s:
            return int(s.doc_count())

    def __len__(self) -> int:
        return self.count()

    def stats(self) -> IndexStats:
        """Documents, segments, size on disk and the date range, as they are now."""
        with self.searcher() as s:
            dated: list[Any] = []
            undated = 0
            leaves = s.leaf_searchers()
            for sub, _ in leaves:
                reader = sub.reader()
                days = self._docvalues.for_reader(reader).days
                if reader.has_deletions():
                    days = days[np.fromiter(reader.all_doc_ids(), dtype=np.int32)]
                undated += int(np.count_nonzero(days == NO_DAY))
                dated.append(days[days != NO_DAY])
            known = np.concatenate(dated) if dated else np.zeros(0, dtype=np.int32)
            first = int(known.min()) if len(known) else None
            last = int(known.max()) if len(known) else None
            documents = int(s.doc_count())
            segments = len(leaves) if documents else 0
            generation = int(self._ix.latest_generation())
        size = sum(f.stat().st_size for f in self.path.iterdir() if f.is_file())
        return IndexStats(
            path=str(self.path),
            documents=documents,
            segments=segments,
            size_bytes=size,
            date_min=dt.date.fromordinal(first) if first else None,
            date_max=dt.date.fromordinal(last) if last else None,
            undated=undated,
            generation=generation,
        )

    # -- writing ---------------------------------------------------------------------------

    def writer(self, *, timeout: float | None = None, procs: int = 1) -> IndexWriter:
        """A batch writer (a context manager: commit on success, cancel on error).

        Waits up to ``timeout`` seconds (default: the index's ``lock_timeout``) for another
        writer to finish, then raises :class:`IndexLocked`. ``procs`` > 1 indexes with that many
        processes.
        """
        if self._closed:
            raise SearchlibError("the index has been closed")
        wait = self.lock_timeout if timeout is None else timeout
        try:
            if procs > 1:
                w = _MpWriter(self._ix, procs=procs, multisegment=True, timeout=wait, delay=0.05)
            else:
                w = self._ix.writer(timeout=wait, delay=0.05)
        except LockError:
            raise IndexLocked(
                f"index at {self.path} is locked by another writer; gave up after {wait:g}s"
            ) from None
        except OSError as exc:
            raise SearchlibError(f"cannot write to index at {self.path}: {exc.strerror}") from None
        return IndexWriter(self, w)

    def add(
        self, articles: Article | Iterable[Article], *, timeout: float | None = None
    ) -> IndexReport:
        """Add or replace articles in one batch, extracting entities for those that have none."""
        batch = [articles] if isinstance(articles, Article) else list(articles)
        return self._write(batch, timeout=timeout, update_only=False)

    def update(
        self, articles: Article | Iterable[Article], *, timeout: float | None = None
    ) -> IndexReport:
        """Replace existing articles; raises :class:`DocumentNotFound` for an unknown id."""
        batch = [articles] if isinstance(articles, Article) else list(articles)
        return self._write(batch, timeout=timeout, update_only=True)

    def _write(
        self, batch: list[Article], *, timeout: float | None, update_only: bool
    ) -> IndexReport:
        from dataclasses import replace

        name = self.extractor.name
        with self.writer(timeout=timeout) as w:
            for article in batch:
                digest = content_hash(article, name)
                if not article.entities and w.status(article.id, digest) != "unchanged":
                    article = replace(
                        article, entities=self.extractor.extract(article.title, article.body)
                    )
                if update_only:
                    w.update(article, digest=digest)
                else:
                    w.add(article, digest=digest)
            counts = w.counts
        return IndexReport(
            indexed=counts["indexed"], updated=counts["updated"], unchanged=counts["unchanged"]
        )

    def delete(self, ids: str | Iterable[str], *, timeout: float | None = None) -> int:
        """Delete articles by id; returns how many were deleted."""
        with self.writer(timeout=timeout) as w:
            return w.delete([ids] if isinstance(ids, str) else ids)

    def segment_count(self) -> int:
        """How many segments the index has now (each commit adds one until they are merged)."""
        with self.searcher() as s:
            return len(s.leaf_searchers()) if s.doc_count_all() else 0

    def optimize(self, *, timeout: float | None = None) -> None:
        """Merge all segments into one (slow on big indexes; searches are faster afterwards)."""
        self.writer(timeout=timeout).commit(optimize=True)

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Release the searchers this object holds. Further use raises an error."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, []
        for _, s in pool:
            s.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"


__all__ = ["Index", "IndexWriter", "content_hash", "from_stored", "to_document"]
