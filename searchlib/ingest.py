"""Index files: read them, extract entities, write them, and count what happened.

This is the pipeline behind ``searchlib index``: ``readers`` turn paths into articles, the
index's extractor adds entities, and an :class:`~searchlib.index.IndexWriter` stores them in
batches (each batch is one commit, so a long run that is stopped keeps every batch it
finished). An article whose content hash is already in the index is skipped before entity
extraction. Bad inputs are reported, counted and skipped; the run goes on unless ``strict``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .index import Index, content_hash
from .model import Article, IndexReport, ReadError, ReadWarning
from .readers import ReadOptions, Source, discover, read_source

#: Articles per commit.
DEFAULT_BATCH = 5000
#: After a run of several commits, an index with more segments than this is merged into one.
MAX_SEGMENTS = 8

Progress = Callable[[int], None]
"""Called with the number of input files just finished (for a progress bar)."""


def ingest(
    index: Index,
    paths: Iterable[str | os.PathLike[str]],
    *,
    options: ReadOptions | None = None,
    procs: int = 1,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    timeout: float | None = None,
    progress: Progress | None = None,
    on_sources: Callable[[int], None] | None = None,
    on_commit: Callable[[int], None] | None = None,
    merge: bool = True,
) -> IndexReport:
    """Read every article under ``paths`` into ``index``; returns the counts and the problems.

    ``options`` choose the format, date order, field mapping and glob (see
    :class:`~searchlib.readers.ReadOptions`). Within one run each id may occur once: a repeated
    id is reported as a failure, and the first article with it is kept. ``strict`` stops at the
    first failure (articles read before it are still committed). ``on_sources`` is told how many
    input files were found, before reading starts; ``on_commit`` is told, after each commit, how
    many articles this run has committed so far.

    Full batches are committed without merging (Whoosh's default policy would leave them
    apart anyway) and the last one with Whoosh's small-segment merging. When the run made
    several commits and the index ends with more than :data:`MAX_SEGMENTS` segments, it is
    merged into one at the end (``merge=False`` skips that), which halves the size of a
    freshly built index and makes searches faster.
    """
    started = time.perf_counter()
    options = options or ReadOptions()
    sources: list[Source] = []
    errors: list[ReadError] = []
    warnings: list[ReadWarning] = []
    for found in discover([Path(p) for p in paths], options):
        if isinstance(found, ReadError):
            errors.append(found)
        elif isinstance(found, ReadWarning):
            warnings.append(found)
        else:
            sources.append(found)
    if on_sources is not None:
        on_sources(len(sources))

    counts = {"indexed": 0, "updated": 0, "unchanged": 0}
    seen: dict[str, str] = {}
    extractor = index.extractor
    stop = strict and bool(errors)
    writer = None
    in_batch = 0
    commits = 0
    try:
        for source in sources:
            if stop:
                break
            for event in read_source(source, options):
                if isinstance(event, ReadWarning):
                    warnings.append(event)
                    continue
                if isinstance(event, ReadError):
                    errors.append(event)
                    if strict:
                        stop = True
                        break
                    continue
                article: Article = event
                where = article.origin or str(source.path)
                if article.id in seen:
                    errors.append(
                        ReadError(
                            where,
                            f"duplicate id {article.id!r} (first read from {seen[article.id]})",
                        )
                    )
                    if strict:
                        stop = True
                        break
                    continue
                seen[article.id] = where
                if writer is None:
                    writer = index.writer(timeout=timeout, procs=procs)
                digest = content_hash(article, extractor.name)
                if writer.status(article.id, digest) == "unchanged":
                    counts["unchanged"] += 1
                    continue
                if not article.entities:
                    article = replace(
                        article, entities=extractor.extract(article.title, article.body)
                    )
                try:
                    counts[writer.add(article, digest=digest)] += 1
                except InputError as exc:
                    errors.append(ReadError(where, str(exc)))
                    continue
                in_batch += 1
                if in_batch >= batch_size:
                    writer.commit(merge=False)
                    commits += 1
                    writer, in_batch = None, 0
                    if on_commit is not None:
                        on_commit(counts["indexed"] + counts["updated"])
            if progress is not None:
                progress(1)
        if writer is not None:
            if in_batch:
                writer.commit(merge=merge)
                commits += 1
                if on_commit is not None:
                    on_commit(counts["indexed"] + counts["updated"])
            else:
                writer.cancel()  # nothing changed: leave the index's generation alone
            writer = None
    finally:
        if writer is not None:
            writer.cancel()
    if merge and commits > 1 and index.segment_count() > MAX_SEGMENTS:
        index.optimize(timeout=timeout)
    return IndexReport(
        indexed=counts["indexed"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        failed=len(errors),
        errors=tuple(errors),
        warnings=tuple(warnings),
        elapsed_s=round(time.perf_counter() - started, 3),
    )


__all__ = ["DEFAULT_BATCH", "Progress", "ingest"]
