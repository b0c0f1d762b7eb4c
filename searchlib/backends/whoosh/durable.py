"""Durable commits: what a commit writes reaches the disk before the commit becomes visible.

Whoosh commits by writing a new table of contents (``_MAIN_<generation>.toc``) under a
temporary name and renaming it into place: readers take the newest TOC, so the rename is the
moment the commit happens. Renaming is atomic for processes, but not against a power cut: the
kernel may write the rename to disk before the data it points at, and after the cut the newest
TOC (or a segment it lists) is empty or partly zeros, and the index cannot be opened.

:func:`commit_toc` closes that gap. Before the rename it flushes to disk every file of every
segment the new TOC lists, and the TOC itself; after the rename it flushes the directory, so
the rename itself is on disk when the commit returns. After a power cut the index is then
either the previous commit or this one, whole. Files that are already on disk cost a system
call each; the cost is the time to write the new segment's bytes out, which the kernel would
do a few seconds later anyway.
"""

from __future__ import annotations

import os
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files

__all__ = ["commit_toc", "fsync_directory", "fsync_path"]


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flush one file's data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(path: str | os.PathLike[str]) -> None:
    """Flush a directory's entries (the names created, renamed and removed in it) to disk."""
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals renames
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _SyncingStorage:
    """A FileStorage whose new files are flushed to disk as they close and whose renames are
    flushed to disk as they happen (what ``TOC.write`` is given)."""

    def __init__(self, storage: FileStorage) -> None:
        self._storage = storage

    def create_file(self, name: str, **kwargs: Any) -> Any:
        def synced(sfile: Any) -> None:
            sfile.file.flush()
            os.fsync(sfile.file.fileno())

        return self._storage.create_file(name, onclose=synced, **kwargs)

    def rename_file(self, frm: str, to: str, safe: bool = False) -> None:
        self._storage.rename_file(frm, to, safe=safe)
        fsync_directory(self._storage.folder)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def commit_toc(writer: Any, segments: list[Any], *, durable: bool) -> None:
    """Write the new TOC of a Whoosh segment writer (what ``SegmentWriter._commit_toc`` does),
    durably when ``durable`` and the index is in a directory: the segments' files (their search
    tables, :mod:`.tables`, written here when missing, included), then the TOC under its
    temporary name, then (after the rename) the directory are flushed to disk."""
    from . import tables

    storage = writer.storage
    toc = TOC(writer.schema, segments, writer.generation)
    # the search tables of new segments (and of older ones without them) are written first,
    # so that a commit's segments always come with them
    tables.write_missing(storage, segments, writer.schema, durable=durable)
    if durable and isinstance(storage, FileStorage):
        prefixes = tuple(f"{segment.segment_id()}." for segment in segments)
        for name in storage.list():
            if name.startswith(prefixes):
                fsync_path(os.path.join(storage.folder, name))
        # the segment files' names are in the directory before the TOC that lists them
        fsync_directory(storage.folder)
        toc.write(_SyncingStorage(storage), writer.indexname)
    else:
        toc.write(storage, writer.indexname)
    clean_files(storage, writer.indexname, writer.generation, segments)
