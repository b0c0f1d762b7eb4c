"""Named entities: the :class:`Extractor` protocol and the default offline extractor.

An extractor turns an article's title and body into canonical, de-duplicated
:class:`~searchlib.model.Entity` values (people, organisations, places and, optionally, other
names such as nationalities), in order of first appearance::

    >>> from searchlib.entities import default_extractor
    >>> ex = default_extractor()
    >>> [(e.kind, e.name) for e in ex.extract("Lavrov in Moscow", "Sergey Lavrov spoke.")]
    [('person', 'Sergey Lavrov'), ('location', 'Moscow')]

The default, :class:`RulesExtractor`, is pure Python with no dependency: capitalisation and
context rules over word lists shipped in ``searchlib/entities/data`` (a GeoNames gazetteer, US
given names and surnames, an English word list, curated aliases). Within one article it merges
aliases into one entity ("Lavrov" is "Sergey Lavrov" once the full name appears, "UN" is
"United Nations"); across articles it never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from searchlib.entities.boilerplate import article_text
from searchlib.entities.canonical import merge
from searchlib.entities.lexicon import load_lexicon
from searchlib.entities.rules import find_mentions
from searchlib.model import ENTITY_KINDS, Entity, EntityKind

_VERSION = "rules-4"  # bump whenever the output of extract() may change

__all__ = [
    "Extractor",
    "Mention",
    "RulesExtractor",
    "default_extractor",
]


@runtime_checkable
class Extractor(Protocol):
    """Anything that finds the entities of an article.

    ``name`` identifies the extractor and its version (e.g. ``"rules-4"``). It is part of the
    content hash of indexed articles, so it must change whenever the output may change. An
    extractor may also have a ``prepare()`` method that loads what :meth:`extract` needs; it is
    called before worker processes are forked, so that they share it.
    """

    @property
    def name(self) -> str:
        """Identity and version, e.g. ``"rules-4"`` (a plain ``name`` attribute will do)."""
        ...

    def extract(self, title: str, body: str) -> tuple[Entity, ...]:
        """The article's entities: canonical names, merged within the article, in order of
        first appearance."""
        ...


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity in a text: ``text[start:end]``, its kind and its canonical
    name within that text."""

    start: int
    end: int
    kind: EntityKind
    text: str
    canonical: str


@dataclass(frozen=True, slots=True)
class RulesExtractor:
    """The default extractor: rules, a gazetteer and word lists; pure Python, offline.

    ``misc`` chooses whether entities of kind ``"misc"`` (nationalities and groups such as
    "Syrian" or "Shiite", events such as "World Cup") are returned by :meth:`extract`. It is off
    by default: a facet of people, organisations and places should not list "Syrian";
    :meth:`mentions` always reports them. Instances hold no mutable state and load their
    word lists lazily, once per process, so they are cheap to create, safe to share between
    threads and small to pickle.
    """

    misc: bool = False

    @property
    def name(self) -> str:
        """``"rules-4"``; ``"rules-4-misc"`` when misc entities are returned too."""
        return f"{_VERSION}-misc" if self.misc else _VERSION

    def extract(self, title: str, body: str) -> tuple[Entity, ...]:
        """The entities of an article given its title and body (plain text, markup removed).

        The title is read as the first line of the text, so a name given in full only in the
        body still resolves a surname in the title, and the other way round.
        """
        text = article_text(title, body)
        if not text.strip():
            return ()
        kinds = None if self.misc else frozenset(k for k in ENTITY_KINDS if k != "misc")
        return merge(find_mentions(text, load_lexicon()), kinds)

    def prepare(self) -> None:
        """Load the word lists now (they load on first use otherwise): a process that forks
        workers calls this first, so that the workers share them."""
        load_lexicon()

    def mentions(self, text: str) -> list[Mention]:
        """Every typed mention in ``text`` with its exact character span, in order.

        Spans do not overlap and never include a possessive "'s" or a title ("President").
        """
        if not text.strip():
            return []
        return [
            Mention(c.start, c.end, c.kind, c.surface, c.canonical)
            for c in find_mentions(text, load_lexicon())
            if c.kind is not None
        ]


def default_extractor() -> RulesExtractor:
    """The extractor searchlib uses unless told otherwise: a :class:`RulesExtractor`.

    Cheap to call repeatedly: the word lists are read on first use and shared.
    """
    return RulesExtractor()
