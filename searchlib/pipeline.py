"""The one write path: validate → hash → status → extract → write.

Every article that reaches an index goes through :class:`ArticleWriter`, whether it comes from
files (:func:`searchlib.ingest`), from code (:meth:`searchlib.Index.add`, ``update``, and
``index.writer().add``) or over HTTP. So every article is checked the same way, skipped the same
way when its content is unchanged, and gets its entities extracted the same way:

* an article that comes with no entities gets the extractor's;
* an article that comes with entities keeps them, unless the writer was told which kinds its
  source supplies (``mapped``, from a reader's entity columns): then those kinds are kept as
  given and the extractor fills the others.

The content hash (:func:`content_hash`) covers everything an article's entry is built from and
the extractor's name, so re-writing an unchanged article is skipped before extraction.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Generic, Literal, TypeVar

from .backend import BackendWriter, Status
from .entities import Extractor
from .errors import DocumentNotFound, IndexUnavailable, InputError, UsageError
from .model import ENTITY_KINDS, Article, EntityKind, validate_article

#: Copies listed as examples in a report.
MAX_COPY_EXAMPLES = 20

Copies = Literal["keep", "skip"]
"""What to do with an article whose content is already indexed under another id: ``keep`` it
(a second entry), or ``skip`` it (and report it)."""


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


def with_entities(
    article: Article, extractor: Extractor, mapped: frozenset[EntityKind] | None
) -> Article:
    """The article with its entities: given ones kept, the rest extracted (see the module)."""
    if mapped is None:
        if article.entities:
            return article
        return replace(article, entities=extractor.extract(article.title, article.body))
    if mapped >= set(ENTITY_KINDS):
        return article
    given = tuple(e for e in article.entities if e.kind in mapped)
    found = tuple(e for e in extractor.extract(article.title, article.body) if e.kind not in mapped)
    return replace(article, entities=given + found)


class ArticleWriter:
    """A batch of changes to an index: use it as a context manager (commit on success, cancel
    on error). Made by :meth:`searchlib.Index.writer`.

    Changes become visible to searches at :meth:`commit`, all at once; :meth:`cancel` (or an
    exception inside the ``with`` block) discards them. ``copies`` says what to do with an
    article whose content is already indexed under another id by an earlier run (see
    :data:`Copies`); copies written in this same batch, or by the same run (the ids in
    ``run_ids``, shared by the batches of one run), are always kept.
    """

    def __init__(
        self,
        writer: BackendWriter,
        extractor: Extractor,
        *,
        mapped: frozenset[EntityKind] | None = None,
        copies: Copies = "keep",
        run_ids: set[str] | None = None,
    ) -> None:
        self._writer = writer
        self._extractor = extractor
        self._mapped = mapped
        self._copies = copies
        self._pending: set[str] = set()
        self._written = run_ids if run_ids is not None else set()
        self._closed = False
        self._counts = {"indexed": 0, "updated": 0, "unchanged": 0, "copies": 0}
        self.copy_examples: list[tuple[str, str]] = []

    def __enter__(self) -> ArticleWriter:
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

    def status(self, article_id: str, digest: str) -> Status:
        """Whether writing an article with this id and content hash would add, update or skip
        it."""
        stored = self._writer.stored_hash(article_id)
        if stored is None:
            return "indexed"
        return "unchanged" if stored == digest else "updated"

    def add(
        self,
        article: Article,
        *,
        digest: str | None = None,
        mapped: Iterable[EntityKind] | None = None,
        prepared: Prepared | None = None,
    ) -> Status | Literal["copy"]:
        """Add ``article``, replacing any article with the same id; skip unchanged content.

        ``mapped`` names the entity kinds this article's source supplies (for this article
        only; by default the writer's). ``prepared`` is the article made ready by a worker
        process (:class:`Workers`: its entities, and the engine's document); it is used only
        when the article is written. Raises :class:`InputError` for an article that cannot be
        indexed or whose id was already written in this batch. Returns what was done
        (``"copy"``: skipped as a copy).
        """
        self._check_open()
        validate_article(article)
        if article.id in self._pending:
            raise InputError(f"article id {article.id!r} was already written in this batch")
        digest = digest or content_hash(article, self._extractor.name)
        status = self.status(article.id, digest)
        if status == "unchanged":
            self._counts["unchanged"] += 1
            return status
        if status == "indexed" and self._copies == "skip":
            earlier = [i for i in self._writer.ids_with_hash(digest) if i not in self._written]
            if earlier:
                self._counts["copies"] += 1
                if len(self.copy_examples) < MAX_COPY_EXAMPLES:
                    self.copy_examples.append((article.id, earlier[0]))
                return "copy"
        write_document = getattr(self._writer, "write_document", None)
        if prepared is not None:
            full = prepared.article
        else:
            kinds = frozenset(mapped) if mapped is not None else self._mapped
            full = with_entities(article, self._extractor, kinds)
        if prepared is not None and prepared.document is not None and write_document:
            write_document(prepared.document, replace=status == "updated")
        else:
            self._writer.write(full, digest, replace=status == "updated")
        self._pending.add(article.id)
        self._written.add(article.id)
        self._counts[status] += 1
        return status

    def update(self, article: Article, *, digest: str | None = None) -> Status:
        """Replace an existing article; raises :class:`DocumentNotFound` for an unknown id."""
        if self._writer.stored_hash(article.id) is None:
            raise DocumentNotFound(f"no article with id {article.id!r} to update")
        done = self.add(article, digest=digest)
        assert done != "copy"  # an existing id is never a copy
        return done

    def delete(self, ids: Iterable[str]) -> int:
        """Delete the articles with these ids; returns how many existed."""
        self._check_open()
        return self._writer.delete(ids)

    def commit(self, **options: object) -> None:
        """Make every change of this batch visible, atomically. ``options`` go to the backend
        (Whoosh: ``merge``, ``optimize``)."""
        self._check_open()
        self._closed = True
        self._writer.commit(**options)
        self._pending.clear()

    def cancel(self) -> None:
        """Discard every change of this batch."""
        if self._closed:
            return
        self._closed = True
        self._writer.cancel()

    @property
    def counts(self) -> dict[str, int]:
        """How many articles this batch indexed, updated, skipped as unchanged, and skipped as
        copies so far."""
        return dict(self._counts)

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this writer has already been committed or cancelled")


# -- preparing articles in worker processes ------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Prepared:
    """An article made ready for writing by a worker process: with its entities, and (when the
    engine makes documents of its own, ``document``) the engine's document for it, which for
    Whoosh carries the near-duplicate signature and the spelling text."""

    article: Article
    document: Any = None


#: Makes the engine's document for an article and its content hash (a plain function, so
#: that it can be sent to a worker process).
MakeDocument = Callable[[Article, str], Any]

_Task = tuple[int, list[tuple[Article, str, frozenset[EntityKind] | None]]]
_Result = tuple[int, list[Prepared | str]]


def _prepare_all(extractor: Extractor, make_document: MakeDocument | None, task: _Task) -> _Result:
    """A worker's answer to one chunk: each article prepared, or why it could not be."""
    seq, items = task
    out: list[Prepared | str] = []
    for article, digest, mapped in items:
        try:
            full = with_entities(article, extractor, mapped)
            document = make_document(full, digest) if make_document is not None else None
            out.append(Prepared(full, document))
        except Exception as exc:  # reported for this article; the run goes on
            out.append(f"{type(exc).__name__}: {exc}"[:300])
    return seq, out


def _worker_main(
    extractor: Extractor,
    make_document: MakeDocument | None,
    tasks: Any,
    results: Any,
) -> None:
    """A worker process: prepare chunks until told to stop; die with the process that feeds
    it (a killed indexer leaves no worker behind). Ctrl-C is the feeding process's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    while True:
        task = tasks.get()
        if task is None:
            return
        results.put(_prepare_all(extractor, make_document, task))


def available_cores() -> int:
    """The cores this process may run on (the default number of worker processes)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Workers(Generic[T]):
    """Worker processes that prepare articles (entity extraction and the engine's document)
    while this process writes them; answers come back in the order the articles went in.

    :meth:`put` sends an article with a tag (what the caller needs to finish it) and yields the
    (tag, answer) pairs that are ready, in order; :meth:`drain` waits for all. An answer is a
    :class:`Prepared` or a one-line reason. At most ``2 × procs`` chunks of ``chunk`` articles
    are in flight, so memory stays bounded whatever the input's size. Use as a context
    manager, or call :meth:`close`.
    """

    def __init__(
        self,
        procs: int,
        extractor: Extractor,
        make_document: MakeDocument | None,
        *,
        chunk: int = 48,
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        # Load the extractor's tables here, once: forked workers share them, and need not
        # read (or be able to read) the package's data files themselves.
        prepare = getattr(extractor, "prepare", None)
        if callable(prepare):
            prepare()
        self._tasks: Any = ctx.Queue()
        self._results: Any = ctx.Queue()
        self._chunk = chunk
        self._window = 2 * procs
        self._filling: list[tuple[Article, str, frozenset[EntityKind] | None]] = []
        self._filling_tags: list[T] = []
        self._tags: dict[int, list[T]] = {}
        self._ready: dict[int, list[Prepared | str]] = {}
        self._sent = 0
        self._next = 0
        self._procs = [
            ctx.Process(
                target=_worker_main,
                args=(extractor, make_document, self._tasks, self._results),
                daemon=True,
            )
            for _ in range(procs)
        ]
        for p in self._procs:
            p.start()

    def put(
        self, article: Article, digest: str, mapped: frozenset[EntityKind] | None, tag: T
    ) -> Iterator[tuple[T, Prepared | str]]:
        """Send one article; yields the answers that are ready (in order)."""
        self._filling.append((article, digest, mapped))
        self._filling_tags.append(tag)
        if len(self._filling) >= self._chunk:
            yield from self._send()

    def drain(self) -> Iterator[tuple[T, Prepared | str]]:
        """Send what is left and yield every answer still to come, in order."""
        if self._filling:
            yield from self._send()
        while self._next < self._sent:
            yield from self._take()

    def _send(self) -> Iterator[tuple[T, Prepared | str]]:
        while self._sent - self._next >= self._window:
            yield from self._take()
        self._tasks.put((self._sent, self._filling))
        self._tags[self._sent] = self._filling_tags
        self._sent += 1
        self._filling, self._filling_tags = [], []

    def _take(self) -> Iterator[tuple[T, Prepared | str]]:
        while True:
            try:
                seq, answers = self._results.get(timeout=1.0)
                break
            except queue.Empty:
                dead = [p for p in self._procs if not p.is_alive()]
                if dead:
                    raise IndexUnavailable(
                        f"indexing stopped: a worker process died (exit code {dead[0].exitcode})"
                    ) from None
        self._ready[seq] = answers
        while self._next in self._ready:
            done = self._ready.pop(self._next)
            tags = self._tags.pop(self._next)
            self._next += 1
            yield from zip(tags, done, strict=True)

    def close(self) -> None:
        """Stop the workers (answers not yet taken are dropped)."""
        for _ in self._procs:
            self._tasks.put(None)
        for p in self._procs:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join()
        self._tasks.close()
        self._results.close()

    def __enter__(self) -> Workers[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "ArticleWriter",
    "Copies",
    "MakeDocument",
    "Prepared",
    "Workers",
    "content_hash",
    "with_entities",
]
