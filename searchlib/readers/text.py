"""The seed plain-text format: one article per file.

The layout (see ``DESIGN.md`` and ``seeds/``)::

    <blank lines>
    Title line
    <blank>
    07/10/2016                      <- optional date line (order per ReadOptions.date_order)
    <blank>
    First paragraph, possibly over
    several lines.
    <blank>
    Trends [Syria unrest](#)        <- tags, not body
    <blank>
    Read more [Other title](#)      <- related article titles, not body
    <blank>
    A paragraph with an [interview](#) link and *"emphasis"*.

* The title is the first non-blank line. A file whose first line is a date has no title: an error.
  So is a title over :data:`~searchlib.model.MAX_TITLE_CHARS` characters (a file that is one
  long line).
* The next non-blank line is the date when it looks like one
  (:func:`~searchlib.dates.looks_like_date`); an impossible date is an error naming it, never a
  silent day/month swap, and so is a date more than a year in the future
  (:func:`~searchlib.dates.check_plausible`). Otherwise (BBC layout) the article has no date and
  that line starts the body.
* Paragraphs are separated by blank lines; the lines of a paragraph are joined with a space and
  runs of whitespace collapsed; the body is the paragraphs joined with ``"\\n\\n"``.
* Links ``[text](target)`` become ``text``; emphasis ``*x*``, ``**x**``, ``_x_`` loses its marks.
  Square brackets not followed by ``(...)`` are the author's and are kept.
* A file over :data:`~searchlib.readers.MAX_FILE_BYTES` is refused before it is read, a body over
  :data:`~searchlib.readers.MAX_BODY_CHARS` characters is refused, and a NUL byte anywhere makes
  the file binary, not text (reported at its line).

Every step takes time proportional to the length of the file, whatever it holds.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from searchlib.dates import DateOrder, check_plausible, looks_like_date, parse_date
from searchlib.errors import InputError
from searchlib.model import MAX_TITLE_CHARS, Article, ReadError, ReadEvent
from searchlib.readers.decode import (
    ByteMeter,
    decoded,
    normalize_newlines,
    os_reason,
    read_limited,
    squash,
)
from searchlib.readers.discover import Source
from searchlib.readers.options import ReadOptions
from searchlib.readers.records import check_body, with_metadata

_URL = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)"
_LINK = re.compile(r"!?\[(?P<text>[^\[\]]*)\]" + _URL)
_LINK_SHAPE = r"!?\[[^\[\]]*\]" + _URL
# One way only to split the space between links ("\s*[,;|·•]?\s*" could split a run of spaces
# in many ways, and backtracked exponentially on a long line of links that did not match).
_LINK_LIST = rf"{_LINK_SHAPE}(?:\s*(?:[,;|·•]\s*)?{_LINK_SHAPE})*"
_TRENDS = re.compile(rf"trends:?\s+{_LINK_LIST}", re.IGNORECASE)
_READ_MORE = re.compile(rf"read\s+more:?\s+{_LINK_LIST}", re.IGNORECASE)
# Emphasis: the opening mark (a run of one to three marks) is not preceded by a word character,
# the mark or a backslash, and is followed by a non-space; the closing mark, a run of as many
# marks, is preceded by a non-space that is not the mark or a backslash, and is not followed by a
# word character or the mark. So "5 * 3", "2*3*4" and snake_case stay as they are. The pairing is
# done by _strip_emphasis in O(n log n) time: the single regular expression it replaces,
# (?<![\w*\\])(\*{1,3})(?![\s*])(.+?)(?<![\s*\\])\1(?![\w*]), took quadratic time on a
# line with many unclosed marks ("*a *a *a ...": 80 s for 160 kB).
_OPENERS = {
    "*": re.compile(r"(?<![\w*\\])\*{1,3}(?![\s*])"),
    "_": re.compile(r"(?<![\w\\])_{1,3}(?![\s_])"),
}
_NEWLINE = re.compile("\n")
_CLOSERS = {
    "*": re.compile(r"(?<![\s*\\])\*{1,3}(?![\w*])"),
    "_": re.compile(r"(?<![\s_\\])_{1,3}(?!\w)"),
}


class _TextError(InputError):
    """An input error at a known line of the file."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def clean_inline(text: str) -> str:
    """Remove inline markup from one line of text: links become their text, emphasis loses marks.

    ``[interview](#)`` becomes ``interview``, ``*"atrocious"*`` becomes ``"atrocious"`` and
    ``**bold**`` becomes ``bold``; editorial brackets (``[from it]``) and lone asterisks
    (``5 * 3``) are kept. Whitespace runs are collapsed to one space.
    """
    if "[" in text:
        text = _LINK.sub(lambda m: squash(m["text"]), text)
    for _ in range(3):  # nested emphasis such as **_x_**
        before = text
        if "*" in text:
            text = _strip_emphasis(text, "*")
        if "_" in text:
            text = _strip_emphasis(text, "_")
        if text == before:
            break
    return squash(text)


def _strip_emphasis(text: str, mark: str) -> str:
    """Remove one level of ``mark`` emphasis (``*x*``, ``**x**``, ``___x___``) from ``text``.

    Scanning left to right, an opening run is paired with the nearest closing run of the same
    length after it on the same line (see :data:`_OPENERS` and :data:`_CLOSERS`), and both are
    dropped; scanning resumes after the closing run. An opening run without a partner is kept.
    Runs are found by two linear scans and paired by binary search, so the time is
    O(n log n) whatever the text.
    """
    closers: dict[int, list[int]] = {1: [], 2: [], 3: []}
    for match in _CLOSERS[mark].finditer(text):
        closers[match.end() - match.start()].append(match.start())
    if not any(closers.values()):
        return text
    newlines = [m.start() for m in _NEWLINE.finditer(text)] if "\n" in text else []
    out: list[str] = []
    done = 0  # text[:done] is copied or dropped already
    for match in _OPENERS[mark].finditer(text):
        start, end = match.span()
        if start < done:
            continue
        ends = closers[end - start]
        k = bisect_left(ends, end + 1)  # at least one character of content
        if k == len(ends):
            continue
        close = ends[k]
        if newlines and bisect_right(newlines, start) != bisect_right(newlines, close):
            continue  # emphasis does not cross a line end
        out.append(text[done:start])
        out.append(text[end:close])
        done = close + (end - start)
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _link_texts(line: str) -> list[str]:
    return [t for t in (clean_inline(m["text"]) for m in _LINK.finditer(line)) if t]


def parse_text(
    text: str,
    *,
    id: str,
    origin: str | None = None,
    date_order: DateOrder | str = DateOrder.DMY,
) -> Article:
    """Parse one article in the seed plain-text format (see the module docs).

    ``text`` may use any line ends and start with a BOM. Raises
    :class:`~searchlib.errors.InputError` for an empty text, a missing or too long title, a bad
    or implausible date, a body over its limit or NUL characters; its ``line`` attribute, when
    present, is the 1-based line at fault.
    """
    lines = normalize_newlines(text.lstrip("\ufeff")).split("\n")
    if "\x00" in text:
        at = next(n for n, line in enumerate(lines, 1) if "\x00" in line)
        raise _TextError("binary file, not text (contains NUL bytes)", at)
    i = _skip_blank(lines, 0)
    if i == len(lines):
        raise _TextError("empty file")
    title = _title(lines[i].strip(), i + 1)
    i = _skip_blank(lines, i + 1)
    date = None
    if i < len(lines) and looks_like_date(lines[i]):
        try:
            date = parse_date(lines[i], order=date_order)
            check_plausible(date, text=lines[i])
        except InputError as error:
            raise _TextError(str(error), i + 1) from None
        i += 1
    body, tags, related = _body(lines[i:])
    return Article(
        id=id,
        title=title,
        body=body,
        date=date,
        tags=tags,
        related=related,
        origin=origin,
    )


def _skip_blank(lines: list[str], i: int) -> int:
    """The index of the first non-blank line from ``i`` on (``len(lines)`` if none)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _title(first: str, line: int) -> str:
    """The title from the first non-blank line (``line`` is its 1-based number)."""
    if looks_like_date(first):
        raise _TextError(f"no title: the first line is a date ({' '.join(first.split())!r})", line)
    title = clean_inline(first)
    if not title:
        raise _TextError("no title: the first line has no text", line)
    if len(title) > MAX_TITLE_CHARS:
        raise _TextError(
            f"title is {len(title):,} characters long (limit {MAX_TITLE_CHARS:,}); "
            "the first line of a text file is its title",
            line,
        )
    return title


def _body(lines: list[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The body, the tags (``Trends`` lines) and related titles (``Read more`` lines)."""
    paragraphs: list[str] = []
    tags: dict[str, None] = {}
    related: dict[str, None] = {}
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(clean_inline(" ".join(current)))
                current = []
            continue
        if stripped[0] in "TtRr" and "](" in stripped:
            if _TRENDS.fullmatch(stripped):
                tags.update(dict.fromkeys(_link_texts(stripped)))
                continue
            if _READ_MORE.fullmatch(stripped):
                related.update(dict.fromkeys(_link_texts(stripped)))
                continue
        current.append(stripped)
    if current:
        paragraphs.append(clean_inline(" ".join(current)))
    body = "\n\n".join(p for p in paragraphs if p)
    try:
        check_body(body)
    except InputError as error:
        raise _TextError(str(error)) from None
    return body, tuple(tags), tuple(related)


def read_text(
    source: Source,
    options: ReadOptions = ReadOptions(),  # noqa: B008 (frozen, immutable)
    meter: ByteMeter | None = None,
) -> Iterator[ReadEvent]:
    """Read one seed-format text file: yield its article, or a :class:`ReadError` for the file.

    A file that is not valid UTF-8 is read as cp1252 (or Latin-1) after a :class:`ReadWarning`
    naming the encoding, yielded before the article. Empty, whitespace-only and binary files are
    errors, and so is a file over :data:`~searchlib.readers.MAX_FILE_BYTES` (not read into
    memory). The id is ``options.id_prefix`` plus the path relative to the source's root; the
    options' source and tags are added (:func:`~searchlib.readers.records.with_metadata`).
    ``meter`` is told the bytes read.
    """
    origin = source.origin
    try:
        data = read_limited(source.path)
    except OSError as error:
        yield ReadError(origin, f"cannot read file: {os_reason(error)}")
        return
    except InputError as error:
        yield ReadError(origin, str(error))
        return
    if meter is not None:
        meter.update(len(data))
    text = yield from decoded(data, origin)
    if text is None:
        return
    try:
        article = parse_text(
            text, id=options.id_prefix + origin, origin=origin, date_order=options.date_order
        )
    except InputError as error:
        yield ReadError(origin, str(error), getattr(error, "line", None))
        return
    yield with_metadata(article, source, options)


__all__ = ["clean_inline", "parse_text", "read_text"]
