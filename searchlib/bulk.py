"""Bulk indexing of files: read them, write them through the pipeline, count what happened.

This is what ``searchlib index`` runs: :mod:`searchlib.readers` turn paths into articles, and
an :class:`~searchlib.pipeline.ArticleWriter` writes them in batches. A batch is committed every
``batch_size`` articles and at least every ``commit_seconds`` of work, so a long run that is
stopped (or interrupted with Ctrl-C) keeps what it committed, and re-running the same command
finishes it cheaply: unchanged articles are skipped by content hash before entity extraction.
Bad inputs are reported (as they happen, to ``on_problem``), counted and skipped; the run goes on
unless ``strict``.

Articles whose content an earlier run indexed under other ids (the same folder indexed from
another root, or again with another ``--id-prefix``) are skipped and reported, unless
``copies="keep"``.

With ``procs`` > 1, entity extraction and the engine's documents (near-duplicate signatures,
spelling text) are made by ``procs`` worker processes (:class:`~searchlib.pipeline.Workers`)
while this process reads, checks content hashes and writes with the one writer; articles are
written in the order they were read, and at most a few hundred are in flight.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import InputError
from .index import Index
from .model import Article, EntityKind, IndexReport, ReadError, ReadWarning, validate_article
from .pipeline import ArticleWriter, Copies, Prepared, Workers, content_hash
from .readers import ReadOptions, Source, discover, read_source

#: Articles per commit.
DEFAULT_BATCH = 5000
#: A batch is committed after this many seconds of work even when it is not full.
DEFAULT_COMMIT_SECONDS = 10.0

Phase = Literal["reading", "committing", "merging"]


@dataclass(frozen=True)
class IngestProgress:
    """Where a run is: articles read, committed, files and bytes done, and what it is doing."""

    articles: int
    committed: int
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    phase: Phase


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`ingest`: ``report`` counts what was committed before it."""

    def __init__(self, report: IndexReport, pending: int) -> None:
        super().__init__("interrupted")
        self.report = report
        self.pending = pending


Problem = ReadError | ReadWarning


class _Run:
    """The state of one ingest run."""

    def __init__(
        self,
        index: Index,
        options: ReadOptions,
        *,
        procs: int,
        batch_size: int,
        commit_seconds: float,
        timeout: float | None,
        copies: Copies,
        progress: Callable[[IngestProgress], None] | None,
        on_problem: Callable[[Problem], None] | None,
    ) -> None:
        self.index = index
        self.options = options
        self.procs = procs
        self.batch_size = batch_size
        self.commit_seconds = commit_seconds
        self.timeout = timeout
        self.copies = copies
        self.progress = progress
        self.on_problem = on_problem
        self.errors: list[ReadError] = []
        self.warnings: list[ReadWarning] = []
        self.counts = {"indexed": 0, "updated": 0, "unchanged": 0, "copies": 0}
        self.committed_counts = dict(self.counts)
        self.copy_examples: list[tuple[str, str]] = []
        self.seen: dict[str, str] = {}
        self.run_ids: set[str] = set()
        self.writer: ArticleWriter | None = None
        self.merge = True
        self.workers: Workers[tuple[Article, str, tuple[EntityKind, ...]]] | None = None
        self.in_batch = 0
        self.batch_started = time.perf_counter()
        self.commits = 0
        self.files_done = 0
        self.files_total = 0
        self.bytes_done = 0
        self.bytes_total = 0

    # -- reporting --

    def problem(self, event: Problem) -> None:
        if isinstance(event, ReadError):
            self.errors.append(event)
        else:
            self.warnings.append(event)
        if self.on_problem is not None:
            self.on_problem(event)

    def tell(self, phase: Phase = "reading") -> None:
        if self.progress is None:
            return
        read = sum(self.counts.values())
        self.progress(
            IngestProgress(
                articles=read,
                committed=self.committed_counts["indexed"] + self.committed_counts["updated"],
                files_done=self.files_done,
                files_total=self.files_total,
                bytes_done=self.bytes_done,
                bytes_total=self.bytes_total,
                phase=phase,
            )
        )

    def report(self, started: float, *, committed_only: bool = False) -> IndexReport:
        counts = self.committed_counts if committed_only else self.counts
        return IndexReport(
            indexed=counts["indexed"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            failed=len(self.errors),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            elapsed_s=round(time.perf_counter() - started, 3),
            copies=counts["copies"],
            copy_examples=tuple(self.copy_examples),
        )

    # -- writing --

    def _writer(self) -> ArticleWriter:
        if self.writer is None:
            self.writer = self.index.writer(
                timeout=self.timeout,
                copies=self.copies,
                run_ids=self.run_ids,
                procs=1 if self.parallel else self.procs,
            )
            self.batch_started = time.perf_counter()
        return self.writer

    @property
    def parallel(self) -> bool:
        return self.procs > 1

    def write(self, article: Article, where: str, mapped: tuple[EntityKind, ...]) -> None:
        if not self.parallel:
            self.finish(article, where, mapped, None)
            return
        writer = self._writer()
        extractor = self.index.extractor
        try:
            validate_article(article)
        except InputError as exc:
            self.problem(ReadError(where, str(exc)))
            return
        digest = content_hash(article, extractor.name)
        if writer.status(article.id, digest) == "unchanged":
            self.finish(article, where, mapped, None)  # skipped before extraction
            return
        if self.workers is None:
            make = getattr(type(self.index.backend), "prepare_document", None)
            self.workers = Workers(self.procs, extractor, make)
        kinds = frozenset(mapped) if mapped else None
        for (a, w, m), answer in self.workers.put(article, digest, kinds, (article, where, mapped)):
            self.finish(a, w, m, answer)

    def drain(self) -> None:
        """Write every article still with the workers."""
        if self.workers is not None:
            for (a, w, m), answer in self.workers.drain():
                self.finish(a, w, m, answer)

    def finish(
        self,
        article: Article,
        where: str,
        mapped: tuple[EntityKind, ...],
        answer: Prepared | str | None,
    ) -> None:
        if isinstance(answer, str):
            self.problem(ReadError(where, f"could not be prepared: {answer}"))
            return
        writer = self._writer()
        try:
            done = writer.add(article, mapped=mapped or None, prepared=answer)
        except InputError as exc:
            self.problem(ReadError(where, str(exc)))
            return
        self.counts["copies" if done == "copy" else done] += 1
        if done in ("indexed", "updated"):
            self.in_batch += 1
        if self.in_batch >= self.batch_size or (
            self.in_batch and time.perf_counter() - self.batch_started >= self.commit_seconds
        ):
            self.commit(final=False, merge=self.merge)

    def commit(self, *, final: bool, merge: bool) -> None:
        writer = self.writer
        if writer is None:
            return
        self.writer = None
        self.copy_examples.extend(writer.copy_examples[: 20 - len(self.copy_examples)])
        if not self.in_batch:
            writer.cancel()  # nothing changed: leave the index's generation alone
            self.committed_counts = dict(self.counts)
            return
        self.tell("committing")
        writer.commit(merge=merge)
        self.commits += 1
        self.in_batch = 0
        self.committed_counts = dict(self.counts)
        self.tell()

    def cancel(self) -> None:
        if self.workers is not None:
            workers, self.workers = self.workers, None
            workers.close()
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.cancel()


def ingest(
    index: Index,
    paths: Iterable[str | os.PathLike[str]],
    *,
    options: ReadOptions | None = None,
    procs: int = 1,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    commit_seconds: float = DEFAULT_COMMIT_SECONDS,
    timeout: float | None = None,
    copies: Copies = "skip",
    progress: Callable[[IngestProgress], None] | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    merge: bool = True,
) -> IndexReport:
    """Read every article under ``paths`` into ``index``; returns the counts and the problems.

    ``options`` choose the format, date order, field mapping and glob (see
    :class:`~searchlib.readers.ReadOptions`). Within one run each id may occur once: a repeated
    id is reported as a failure, and the first article with it is kept. ``strict`` stops at the
    first failure (articles read before it are still committed). ``progress`` is called as
    articles are read and committed; ``on_problem`` with each failure and warning as it
    happens (they are in the report too).

    Each commit merges segments by the backend's policy (Whoosh: tiered, see
    ``searchlib.backends.whoosh.merging``), and an index left with many segments is settled at
    the end (merged into one); ``merge=False`` skips both. Ctrl-C raises
    :class:`IngestInterrupted`, whose report counts what was committed.
    """
    started = time.perf_counter()
    run = _Run(
        index,
        options or ReadOptions(),
        procs=procs,
        batch_size=batch_size,
        commit_seconds=commit_seconds,
        timeout=timeout,
        copies=copies,
        progress=progress,
        on_problem=on_problem,
    )
    run.merge = merge
    sources = _discover(run, paths)
    try:
        stop = strict and bool(run.errors)
        for source in sources:
            if stop:
                break
            stop = _read_source(run, source, strict=strict)
            run.files_done += 1
            run.tell()
        run.drain()
        run.commit(final=True, merge=merge)
    except KeyboardInterrupt:
        pending = run.in_batch
        run.cancel()
        raise IngestInterrupted(run.report(started, committed_only=True), pending) from None
    finally:
        run.cancel()
    if merge and run.commits > 1:
        run.tell("merging")
        index.backend.settle(timeout=index.lock_timeout if timeout is None else timeout)
    return run.report(started)


def _discover(run: _Run, paths: Iterable[str | os.PathLike[str]]) -> list[Source]:
    sources: list[Source] = []
    for found in discover([Path(p) for p in paths], run.options):
        if isinstance(found, (ReadError, ReadWarning)):
            run.problem(found)
        else:
            sources.append(found)
    run.files_total = len(sources)
    run.bytes_total = sum(s.size for s in sources)
    run.tell()
    return sources


def _read_source(run: _Run, source: Source, *, strict: bool) -> bool:
    """Read one source into the run; True when a failure must stop a strict run."""
    last_tell = time.perf_counter()
    mapped = run.options.mapped_kinds(source.format)

    def consumed(n: int) -> None:
        run.bytes_done += n

    for event in read_source(source, run.options, progress=consumed):
        if isinstance(event, (ReadWarning, ReadError)):
            run.problem(event)
            if isinstance(event, ReadError) and strict:
                return True
            continue
        article: Article = event
        where = article.origin or str(source.path)
        if article.id in run.seen:
            first = run.seen[article.id]
            run.problem(ReadError(where, f"duplicate id {article.id!r} (first read from {first})"))
            if strict:
                return True
            continue
        run.seen[article.id] = where
        run.write(article, where, mapped)
        now = time.perf_counter()
        if now - last_tell > 0.1:
            last_tell = now
            run.tell()
    return False


__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_COMMIT_SECONDS",
    "IngestInterrupted",
    "IngestProgress",
    "ingest",
]
