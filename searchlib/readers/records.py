"""From one record (a mapping of field values) to an :class:`~searchlib.model.Article`.

A JSON Lines object or a CSV row is first turned into a mapping of *our* field names to the values
read (the format module does that, following :attr:`ReadOptions.fields`); :class:`ArticleBuilder`
then makes the article, or the :class:`~searchlib.model.ReadError` saying why not:

* ``id``: the record's own id (a string or an integer), else the default the reader gives
  (``relpath#N``); ``ReadOptions.id_prefix`` is prepended.
* ``title``: whitespace collapsed; when missing or empty, derived from the body by
  :func:`derive_title`. A record with neither a title nor a body is an error.
* ``body``: line ends normalised to LF.
* ``date``: a string parsed by :func:`~searchlib.dates.parse_date` in the options' day/month
  order, and refused when more than a year in the future.
* ``tags`` and the entity kinds (``person``, ``org``, ``location``, ``misc``): a list of strings,
  a JSON list of strings written as a string, or one string split on
  ``ReadOptions.list_separator``; each item has its whitespace collapsed, empty ones are dropped
  and repeats removed, in order. Entity names become :class:`~searchlib.model.Entity` values.
* Metadata from the options: ``ReadOptions.source`` when the record has no source of its own,
  then the folder tag (``ReadOptions.tag_from_folder``) and ``ReadOptions.tags`` after the
  record's own tags.

A value of the wrong type is an error naming the field as the input calls it
(``field 'headline' (title) must be a string, not a number``), and so is a title, body, tag or
entity name over its limit (:data:`~searchlib.model.MAX_TITLE_CHARS`,
:data:`~searchlib.model.MAX_BODY_CHARS`, :data:`~searchlib.model.MAX_VALUE_CHARS`) or holding NUL
characters.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from searchlib.dates import check_plausible, parse_date
from searchlib.errors import InputError
from searchlib.model import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    MAX_VALUE_CHARS,
    Article,
    Entity,
    ReadError,
    check_text,
)
from searchlib.readers.decode import normalize_newlines, squash
from searchlib.readers.discover import Source
from searchlib.readers.options import ARTICLE_FIELDS, ReadOptions

_JSON_TYPES: Mapping[type, str] = MappingProxyType(
    {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}
)


def type_name(value: object) -> str:
    """How a value's type is named in messages: ``an object``, ``a number``, ``str``..."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def check_title(title: str) -> None:
    """:func:`~searchlib.model.check_text` for a title: at most :data:`MAX_TITLE_CHARS`."""
    check_text("title", title, MAX_TITLE_CHARS)


def check_body(body: str) -> None:
    """:func:`~searchlib.model.check_text` for a body: at most :data:`MAX_BODY_CHARS`."""
    check_text("body", body, MAX_BODY_CHARS)


def record_keys(options: ReadOptions) -> tuple[tuple[str, str], ...]:
    """``(our field, the input's key)`` for every field a record is read for.

    The article fields are read under their own name unless mapped; the entity kinds only when
    mapped.
    """
    keys = [(name, options.fields.get(name, name)) for name in ARTICLE_FIELDS]
    keys.extend((kind, options.fields[kind]) for kind in options.entity_kinds)
    return tuple(keys)


def folder_tags(source: Source, options: ReadOptions) -> tuple[str, ...]:
    """The tags every article of ``source`` gets from the options: its folder's name (when
    ``tag_from_folder``), then ``options.tags``."""
    tags: dict[str, None] = {}
    if options.tag_from_folder:
        folder = source.folder
        name = squash(folder) if folder is not None else ""
        if name:
            tags[name] = None
    tags.update(dict.fromkeys(options.tags))
    return tuple(tags)


def add_metadata(article: Article, default_source: str | None, tags: tuple[str, ...]) -> Article:
    """The article with ``default_source`` when it has no source of its own, and ``tags`` added
    after its own (repeats dropped); the same article when that changes nothing."""
    source = article.source or default_source
    merged = tuple(dict.fromkeys(article.tags + tags)) if tags else article.tags
    if source == article.source and merged == article.tags:
        return article
    return replace(article, source=source, tags=merged)


def with_metadata(article: Article, source: Source, options: ReadOptions) -> Article:
    """:func:`add_metadata` with what ``options`` give the articles of ``source`` (its default
    source, the folder tag and the extra tags), for a reader that builds articles itself."""
    if options.source is None and not options.tags and not options.tag_from_folder:
        return article
    return add_metadata(article, options.source, folder_tags(source, options))


class ArticleBuilder:
    """Makes the articles of one multi-record source file (JSON Lines, CSV) from its records.

    Build one per file: it holds what is the same for every record of the file (the labels used
    in messages, the tags from the options and the folder).
    """

    __slots__ = ("_extra_tags", "_kinds", "_labels", "_options", "origin")

    def __init__(self, source: Source, options: ReadOptions) -> None:
        self.origin = source.origin
        self._options = options
        self._kinds = options.entity_kinds
        self._extra_tags = folder_tags(source, options)
        self._labels = {name: _label(name, key) for name, key in record_keys(options)}

    def record(
        self, values: Mapping[str, object], *, line: int, default_id: str
    ) -> Article | ReadError:
        """The article for one record (our field name -> value as read) at ``line`` of the file,
        or the :class:`ReadError` for that line. The article's origin is ``file:line``."""
        try:
            article = self._build(values, default_id=default_id, origin=f"{self.origin}:{line}")
        except InputError as error:
            return ReadError(self.origin, str(error), line)
        return add_metadata(article, self._options.source, self._extra_tags)

    def _build(self, values: Mapping[str, object], *, default_id: str, origin: str) -> Article:
        """The article for one record; raises :class:`InputError` naming the field at fault."""
        ident = self._ident(values.get("id"), default_id)
        title, body = self._title_and_body(values)
        return Article(
            id=self._options.id_prefix + ident,
            title=title,
            body=body,
            date=self._date(values.get("date")),
            source=self._value(values, "source"),
            url=self._value(values, "url"),
            tags=self._list(values, "tags"),
            entities=self._entities(values),
            origin=origin,
        )

    def _ident(self, raw: object, default_id: str) -> str:
        if raw is None or raw == "":
            return default_id
        if isinstance(raw, str):
            return raw.strip() or default_id
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        label = self._labels["id"]
        raise InputError(f"{label} must be a string or an integer, not {type_name(raw)}")

    def _title_and_body(self, values: Mapping[str, object]) -> tuple[str, str]:
        title = self._string(values, "title")
        body = self._string(values, "body")
        if body is not None:
            body = normalize_newlines(body)
            check_body(body)
        if title is not None:
            title = squash(title)
            check_title(title)
        elif body is not None:
            title = derive_title(body)
        else:
            raise InputError("no title or body")
        return title, body or ""

    def _date(self, raw: object) -> _dt.date | None:
        label = self._labels["date"]
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise InputError(f"{label} must be a string, not {type_name(raw)}")
        if not raw.strip():
            return None
        try:
            date = parse_date(raw, order=self._options.date_order)
            check_plausible(date, text=raw)
        except InputError as error:
            raise InputError(f"{label}: {error}") from None
        return date

    def _string(self, values: Mapping[str, object], name: str) -> str | None:
        """A field's value as a stripped string, None when absent or empty."""
        value = values.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"{self._labels[name]} must be a string, not {type_name(value)}")
        return value.strip() or None

    def _value(self, values: Mapping[str, object], name: str) -> str | None:
        """A short value (source, url): as :meth:`_string`, within :data:`MAX_VALUE_CHARS`."""
        value = self._string(values, name)
        if value is not None:
            check_text(self._labels[name], value, MAX_VALUE_CHARS)
        return value

    def _list(self, values: Mapping[str, object], name: str) -> tuple[str, ...]:
        """A list field (tags, entity names) as clean, distinct items in order."""
        value = values.get(name)
        if value is None:
            return ()
        label = self._labels[name]
        items = split_list(value, self._options.list_separator)
        if items is None:
            raise InputError(
                f"{label} must be a list of strings or a string, not {type_name(value)}"
            )
        clean: dict[str, None] = {}
        for item in items:
            if not isinstance(item, str):
                raise InputError(f"{label} must hold strings, not {type_name(item)}")
            text = squash(item)
            if text:
                check_text(f"{label} value", text, MAX_VALUE_CHARS)
                clean[text] = None
        return tuple(clean)

    def _entities(self, values: Mapping[str, object]) -> tuple[Entity, ...]:
        if not self._kinds:
            return ()
        return tuple(
            Entity(kind=kind, name=name)
            for kind in self._kinds
            for name in self._list(values, kind)
        )


def split_list(value: object, separator: str) -> list[object] | None:
    """The items of a list field: a list as it is; a string holding a JSON list of strings, that
    list; any other string split on ``separator``. None for a value of another type."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
            return parsed
    return list(value.split(separator))


def _label(name: str, key: str) -> str:
    """How a field is named in messages: ``field 'title'`` or ``field 'article_title' (title)``."""
    return f"field {key!r}" if key == name else f"field {key!r} ({name})"


_TITLE_LIMIT = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*(?=\s)")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Za-z]|(?:[A-Za-z]\.)+[A-Za-z]|Mr|Mrs|Ms|Dr|Prof|St|Inc|Co|Corp|Ltd|Jr|Sr|No|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.$"
)


def derive_title(body: str, limit: int = _TITLE_LIMIT) -> str:
    """A title for an article that has none: the first sentence of the body's first line.

    A sentence longer than ``limit`` characters is cut at a word boundary and ends with "…". This
    is how records without a title (e.g. Reuters ``UNPROC`` items) get one. The time taken does not
    depend on the body's length beyond one pass over its first line.
    """
    first = squash(body.lstrip().split("\n", 1)[0])
    for match in _SENTENCE_END.finditer(first):
        if match.start() > limit + 1:
            break  # any later sentence end is cut at ``limit`` too, exactly as ``first`` is
        head = first[: match.start()]
        if len(head) >= 3 and not _ABBREVIATION.search(head):
            first = head[:-1] if head.endswith(".") else head
            break
    if len(first) <= limit:
        return first
    cut = first[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


__all__ = [
    "ArticleBuilder",
    "add_metadata",
    "check_body",
    "check_title",
    "derive_title",
    "folder_tags",
    "record_keys",
    "split_list",
    "type_name",
    "with_metadata",
]
