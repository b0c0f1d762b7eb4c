"""From bytes to text: size limits, binary detection, decoding, whitespace, and byte progress.

* :func:`read_limited` reads a file that holds one article, refusing one over
  :data:`MAX_FILE_BYTES` before it is read into memory.
* :func:`binary_kind` / :func:`binary_reason` tell a PNG, a zip or a file with NUL bytes from
  text by its first bytes.
* :func:`decode` turns a whole file into text: a UTF-32/UTF-16 BOM is honoured, UTF-8 (with or
  without BOM) is tried next, and anything else is read as cp1252, else Latin-1, with a note that
  becomes a :class:`~searchlib.model.ReadWarning`. :func:`decoded` does that for a reader,
  yielding the warning (before any article of the file) or the error.
* :func:`squash` and :func:`normalize_newlines` tidy whitespace in linear time.
* :class:`ByteMeter` tells a progress callback how many bytes of a file have been consumed.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
from collections.abc import Callable, Generator
from pathlib import Path

from searchlib.errors import InputError
from searchlib.model import ReadError, ReadEvent, ReadWarning

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The most bytes read into memory for one article: a whole text-format file, or one JSON Lines
line. A larger one is refused before it is read."""

SNIFF_BYTES = 8192
"""How many bytes at the start of a file are examined to tell binary data from text."""

GZIP_MAGIC = b"\x1f\x8b"
"""The first bytes of gzip data, whatever the file is called."""

PROGRESS_STEP = 1 << 16
"""A :class:`ByteMeter` reports at most once per this many bytes (and once at the end)."""

ByteProgress = Callable[[int], None]
"""A progress callback, called with the number of bytes just consumed (a delta, not a total)."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (GZIP_MAGIC, "gzip data"),
    (b"PK\x03\x04", "zip archive"),
    (b"%PDF-", "PDF document"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office document"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\xfd7zXZ\x00", "xz data"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_IRREGULAR_SPACE = re.compile(r"\s{2,}|[^\S ]")


def binary_kind(head: bytes) -> str | None:
    """What the start of a file shows it is ("PNG image", "contains NUL bytes"), or None if text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head[:SNIFF_BYTES]:
        return "contains NUL bytes"
    return None


def binary_reason(head: bytes) -> str | None:
    """Why the start of a file shows it is binary, or None if it may be text."""
    kind = binary_kind(head)
    return f"binary file, not text ({kind})" if kind else None


def os_reason(error: OSError) -> str:
    """An OS error as a short lower-case reason ("permission denied", "symbolic link loop")."""
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    return (error.strerror or str(error)).lower()


def read_limited(path: Path) -> bytes:
    """Read a whole file that holds one article, refusing one over :data:`MAX_FILE_BYTES`.

    The size is checked on the open file before reading, and again while reading (a file can grow,
    and some report no size). Raises :class:`OSError`, or :class:`InputError` for a file too big.
    """
    limit = f"(limit {MAX_FILE_BYTES:,} for one article)"
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file is {size:,} bytes long {limit}")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"file is more than {MAX_FILE_BYTES:,} bytes long {limit}")
    return data


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode a whole text file: UTF-8 (with or without BOM), else cp1252, else Latin-1.

    Returns the text with line ends left as they are, and a warning message when the file was
    not UTF-8 (naming the first bad byte and its line). Raises :class:`InputError` for an empty or
    binary file.
    """
    if not data.strip():
        raise InputError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError:
                raise InputError(f"invalid {encoding.upper()} text") from None
    reason = binary_reason(data[:SNIFF_BYTES])
    if reason:
        raise InputError(reason)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        where = f"byte 0x{data[error.start]:02X} on line {line}"
    text, encoding = fallback_decode(data)
    return text, f"not valid UTF-8 ({where}); read as {encoding}"


def decoded(data: bytes, origin: str) -> Generator[ReadEvent, None, str | None]:
    """:func:`decode` for a reader: yields the error or the encoding warning, returns the text.

    Use it as ``text = yield from decoded(data, origin)``; ``None`` means the file failed. The
    warning is yielded as soon as it is known, before any article of the file.
    """
    try:
        text, note = decode(data)
    except InputError as error:
        yield ReadError(origin, str(error))
        return None
    if note:
        yield ReadWarning(origin, note)
    return text


def fallback_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8 as cp1252, else Latin-1; return the text and encoding."""
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends: ``" ".join(text.split())``.

    Done with one regular expression that rewrites only irregular whitespace, so a long line does
    not become a list of all its words (a 50 MB line has 9 million, and 800 MB of them).
    """
    return _IRREGULAR_SPACE.sub(" ", text).strip()


def normalize_newlines(text: str) -> str:
    """Normalise CRLF and CR line ends to LF."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class ByteMeter:
    """Tells a progress callback how many bytes of one file a reader has consumed.

    A reader calls :meth:`update` with its position in the file (in bytes on disk: compressed
    bytes for a gzipped file) as it goes; the callback gets the bytes consumed since its last
    call, at most once per :data:`PROGRESS_STEP` bytes. :meth:`finish` reports the rest, so the
    callback has been given exactly ``total`` bytes in all (a file that changed size while being
    read is reported as the size it had when it was found). Without a callback it does nothing.
    """

    __slots__ = ("_callback", "_reported", "_step", "_total")

    def __init__(
        self, total: int, callback: ByteProgress | None = None, *, step: int = PROGRESS_STEP
    ) -> None:
        self._total = max(0, total)
        self._callback = callback
        self._reported = 0
        self._step = max(1, step)

    @property
    def active(self) -> bool:
        """Whether anyone listens (a reader may skip computing its position when not)."""
        return self._callback is not None

    @property
    def reported(self) -> int:
        """The bytes reported so far."""
        return self._reported

    def update(self, position: int) -> None:
        """The file has been consumed up to byte ``position``: report it if a step has passed."""
        if self._callback is None:
            return
        position = min(position, self._total)
        if position - self._reported >= self._step:
            delta, self._reported = position - self._reported, position
            self._callback(delta)

    def finish(self) -> None:
        """The reader is done: report every byte not reported yet."""
        if self._callback is not None and self._reported < self._total:
            delta, self._reported = self._total - self._reported, self._total
            self._callback(delta)


__all__ = [
    "GZIP_MAGIC",
    "MAX_FILE_BYTES",
    "PROGRESS_STEP",
    "SNIFF_BYTES",
    "ByteMeter",
    "ByteProgress",
    "binary_kind",
    "binary_reason",
    "decode",
    "decoded",
    "fallback_decode",
    "normalize_newlines",
    "os_reason",
    "read_limited",
    "squash",
]
