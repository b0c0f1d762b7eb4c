"""How to find and read inputs: :class:`ReadOptions`, the field names, and the format names.

:class:`ReadOptions` is the one value every reader takes. It is validated once, here, so a reader
never meets a bad option: a wrong one raises :class:`ReadOptionsError` (a
:class:`~searchlib.errors.SearchlibError` and a :class:`ValueError`) with a one-line message.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import cast

from searchlib.dates import DateOrder
from searchlib.errors import SearchlibError
from searchlib.model import ENTITY_KINDS, MAX_VALUE_CHARS, EntityKind

FORMATS: tuple[str, ...] = ("text", "jsonl", "csv")
"""The input formats readers understand (the keys of :data:`searchlib.readers.READERS`)."""

RECORD_FORMATS: tuple[str, ...] = ("jsonl", "csv")
"""The formats made of records with named fields, to which :attr:`ReadOptions.fields` applies."""

ARTICLE_FIELDS: tuple[str, ...] = ("id", "title", "date", "body", "source", "url", "tags")
"""The article's own fields, read from a record under their own name unless mapped."""

ENTITY_FIELDS: tuple[EntityKind, ...] = ENTITY_KINDS
"""The entity kinds a record's key or column can be mapped to (only when mapped)."""

FIELDS: tuple[str, ...] = ARTICLE_FIELDS + ENTITY_FIELDS
"""Every field name :attr:`ReadOptions.fields` accepts as a key."""

# Names people reach for first ("--field people=people"), and the field they mean.
_FIELD_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "people": "person",
        "persons": "person",
        "organisation": "org",
        "organisations": "org",
        "organization": "org",
        "organizations": "org",
        "orgs": "org",
        "place": "location",
        "places": "location",
        "locations": "location",
        "tag": "tags",
        "headline": "title",
        "text": "body",
        "content": "body",
        "link": "url",
    }
)
_SPACES = re.compile(r"\s+")


class ReadOptionsError(SearchlibError, ValueError):
    """A :class:`ReadOptions` value that cannot be used (an unknown field name, format...).

    It is a :class:`ValueError` too, as bad option values were before.
    """


class _Fields(Mapping[str, str]):
    """An immutable, hashable and picklable copy of a field mapping."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)

    def __getstate__(self) -> dict[str, str]:
        return self._items

    def __setstate__(self, state: dict[str, str]) -> None:
        self._items = dict(state)


@dataclass(frozen=True, kw_only=True)
class ReadOptions:
    """How to find and read inputs (every option is keyword-only).

    Finding files:

    * ``format`` forces one format for every file (None: judge each file by its extension).
    * ``glob`` filters the files found inside directories: a pattern without ``/`` (``"*.txt"``)
      matches file names at any depth, one with ``/`` (``"sport/*.txt"``, ``"**/*.txt"``)
      matches the path relative to the directory; ``*`` and ``?`` do not cross ``/``, ``**/``
      matches any number of folders, and matching is case-sensitive.

    Reading records (JSON Lines objects, CSV rows):

    * ``fields`` maps our field names (:data:`FIELDS`) to the input's keys or column names, e.g.
      ``{"title": "article_title"}``. The article fields (:data:`ARTICLE_FIELDS`) are read under
      their own name unless mapped. The entity kinds ``person``, ``org``, ``location`` and
      ``misc`` are read only when mapped (``{"person": "people", "location": "places"}``): each
      value becomes an :class:`~searchlib.model.Entity` of that kind. :attr:`entity_kinds` lists
      them, so that entity extraction can fill only the kinds that are not mapped. Mapping
      applies to records only; a text-format file has no fields.
    * ``list_separator`` splits a ``tags`` or entity value given as one string (``"a, b"``); a
      value given as a JSON list of strings (``["a", "b"]``, or that list written as a string in
      a CSV cell) is taken item by item.
    * ``date_order`` reads all-numeric dates such as ``07/10/2016`` (see :class:`DateOrder`); a
      string such as ``"mdy"`` is accepted too.

    Metadata given at index time:

    * ``id_prefix`` is prepended to every article id.
    * ``source`` names the source of every article that has none of its own. It does not
      override a record's own source: that names the outlet that wrote the piece (FA-KES's
      ``ahram``, ``sana``...), which is what a journalist filters and counts by; ``source``
      fills the gap, e.g. for plain-text files, which never name one.
    * ``tags`` are added to every article, after its own tags (duplicates dropped).
    * ``tag_from_folder``: the name of the folder holding the file, relative to the directory
      given, becomes a tag of the articles read from it (BBC ``business/001.txt`` gets the tag
      ``business``). A file directly in the directory given, or given itself, gets no folder tag.

    Options are immutable and hashable (``fields`` is kept as a read-only copy, ``tags`` as a
    tuple). Raises :class:`ReadOptionsError` (also a :class:`ValueError`) for an unknown format,
    date order or field name, an empty separator, or an empty or over-long source or tag.
    """

    format: str | None = None
    date_order: DateOrder = DateOrder.DMY
    fields: Mapping[str, str] = field(default_factory=dict)
    glob: str | None = None
    id_prefix: str = ""
    list_separator: str = ","
    source: str | None = None
    tags: tuple[str, ...] = ()
    tag_from_folder: bool = False

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise ReadOptionsError(
                f"unknown format {self.format!r} (use one of: {', '.join(FORMATS)})"
            )
        try:
            object.__setattr__(self, "date_order", DateOrder.coerce(self.date_order))
        except ValueError as error:
            raise ReadOptionsError(str(error)) from None
        object.__setattr__(self, "fields", _Fields(_checked_fields(self.fields)))
        if self.glob is not None and not self.glob.strip():
            raise ReadOptionsError("glob must not be empty")
        if not isinstance(self.list_separator, str) or not self.list_separator:
            raise ReadOptionsError("list_separator must be a non-empty string")
        if self.source is not None:
            object.__setattr__(self, "source", _checked_value("source", self.source))
        object.__setattr__(self, "tags", _checked_tags(self.tags))

    @property
    def entity_kinds(self) -> tuple[EntityKind, ...]:
        """The entity kinds mapped in :attr:`fields`, in :data:`~searchlib.model.ENTITY_KINDS`
        order: a pipeline should extract only the other kinds from the articles' text."""
        return tuple(kind for kind in ENTITY_KINDS if kind in self.fields)

    def mapped_kinds(self, format: str) -> tuple[EntityKind, ...]:
        """The entity kinds articles read in ``format`` take from their records.

        :attr:`entity_kinds` for a record format (:data:`RECORD_FORMATS`), none for ``text``
        (a text file has no fields, so every kind must come from extraction).
        """
        return self.entity_kinds if format in RECORD_FORMATS else ()


def _checked_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The field mapping as a plain dict, or :class:`ReadOptionsError` naming what is wrong."""
    if not isinstance(fields, Mapping):
        raise ReadOptionsError(f"fields must be a mapping, not {type(fields).__name__}")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        hints = [f"{name!r} -> {_hint(name)!r}" for name in unknown if _hint(name)]
        meant = f"; did you mean {', '.join(hints)}?" if hints else ""
        raise ReadOptionsError(
            f"unknown field name(s) in fields: {', '.join(unknown)} "
            f"(use: {', '.join(FIELDS)}){meant}"
        )
    for name, key in fields.items():
        if not isinstance(key, str) or not key.strip():
            raise ReadOptionsError(f"fields[{name!r}] must be a non-empty string, not {key!r}")
    return {name: key for name, key in fields.items()}


def _hint(name: str) -> str | None:
    """The field a mistaken name most likely means ("people" -> "person"), or None."""
    folded = name.strip().casefold()
    if folded in _FIELD_HINTS:
        return _FIELD_HINTS[folded]
    close = difflib.get_close_matches(folded, FIELDS, n=1, cutoff=0.75)
    return close[0] if close else None


def _checked_value(what: str, value: object) -> str:
    """A source or tag given as an option: whitespace collapsed, non-empty, within limits."""
    if not isinstance(value, str):
        raise ReadOptionsError(f"{what} must be a string, not {type(value).__name__}")
    cleaned = _SPACES.sub(" ", value).strip()
    if not cleaned:
        raise ReadOptionsError(f"{what} must not be empty")
    if len(cleaned) > MAX_VALUE_CHARS:
        raise ReadOptionsError(
            f"{what} is {len(cleaned):,} characters long (limit {MAX_VALUE_CHARS:,})"
        )
    if "\x00" in cleaned:
        raise ReadOptionsError(f"{what} contains NUL characters")
    return cleaned


def _checked_tags(tags: object) -> tuple[str, ...]:
    """The ``tags`` option as a tuple of clean tags, in order, without duplicates."""
    if not isinstance(tags, (tuple, list)):
        raise ReadOptionsError(
            f"tags must be a tuple or list of strings, not {type(tags).__name__}"
        )
    items = cast("tuple[object, ...]", tuple(tags))
    return tuple(dict.fromkeys(_checked_value("tag", tag) for tag in items))


__all__ = [
    "ARTICLE_FIELDS",
    "ENTITY_FIELDS",
    "FIELDS",
    "FORMATS",
    "RECORD_FORMATS",
    "DateOrder",
    "ReadOptions",
    "ReadOptionsError",
]
