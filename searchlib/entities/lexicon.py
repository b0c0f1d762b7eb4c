"""The word lists behind the rules: places, aliases, demonyms, given names, surnames, words.

Everything is read once per process from ``data/`` (packaged with the library) by
:func:`load_lexicon`, which is cached; the result is immutable, so threads and extractor
instances share it safely. See ``data/SOURCES.md`` for where each file comes from.
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from searchlib.model import EntityKind

MEMO_LIMIT = 100_000  # answers remembered by a lexicon (see Lexicon.memo): about 40 MB at most

PlaceClass = Literal["country", "continent", "region", "state", "capital", "city"]

# The higher, the more a place name is trusted when it could also be something else.
_CLASS_RANK: dict[str, int] = {
    "country": 6,
    "continent": 5,
    "region": 4,
    "state": 4,
    "capital": 3,
    "city": 1,
}

# What norm_key does to characters (replacing them one kind at a time is much faster than
# str.translate with a table that deletes characters).
_DROPPED = (".", "'", "\u2019", "`")
_AS_SPACE = ("-", "\u2010", "\u2011", "\u2013", "\t", "\n", "\u00a0")


def norm_key(text: str) -> str:
    """The lookup key of a name: dots and apostrophes dropped, hyphens as spaces.

    Names of four or more characters (spaces aside) are also case-folded ("Al-Nusra" =
    "al nusra"); shorter ones keep their case, so that "US" and "us", or "IS" and "is", stay
    apart.
    """
    if text.isalnum():
        return text.casefold() if len(text) >= 4 else text
    key = text
    if not key.replace(" ", "").isalnum():  # else only letters, digits and spaces
        for ch in _DROPPED:
            if ch in key:
                key = key.replace(ch, "")
        for ch in _AS_SPACE:
            if ch in key:
                key = key.replace(ch, " ")
    if "  " in key or key[:1] == " " or key[-1:] == " ":
        key = " ".join(key.split())
    return key.casefold() if len(key) - key.count(" ") >= 4 else key


@dataclass(frozen=True, slots=True)
class Place:
    """A place name from the gazetteer."""

    canonical: str
    cls: PlaceClass
    population: int

    @property
    def rank(self) -> int:
        """How much this name is trusted as a place (country 6 ... small city 1)."""
        if self.cls == "city" and self.population >= 100_000:
            return 2
        return _CLASS_RANK[self.cls]


@dataclass(frozen=True, slots=True)
class Known:
    """A curated entity: its kind and canonical name."""

    kind: EntityKind
    canonical: str


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All the lists, ready for lookups. Build it with :func:`load_lexicon`."""

    places: dict[str, Place]
    """Exact place names (and their variants) -> place."""
    places_folded: dict[str, Place]
    """The same, keyed by :func:`norm_key` case-folded (for upper-case headlines)."""
    known: dict[str, Known]
    """Curated organisations, people, events and their aliases, keyed by :func:`norm_key`."""
    demonyms: dict[str, str]
    """Nationality and group words ("Syrian", "Syrians", "Shiite") -> place name or ""."""
    given_names: frozenset[str]
    surnames: frozenset[str]
    words: frozenset[str]
    """Lower-case English words: a capitalised one at the start of a sentence is not a name."""
    companies: dict[str, str]
    """Company names from US exchange listings, keyed by :func:`norm_key` -> facet value.
    One-word names that are also English words, places, nationalities or given names are
    left out ("Apple", "Target"): only context can tell those."""
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    """Answers the rules worked out once and may reuse in any article, shared by every
    document: name lookups (a name such as "Syria" is looked up once per process, not once per
    article) and the typing of a run of capitalised words together with everything the rules
    read around it. The answers depend only on their keys, so the memo changes no output.
    Bounded: cleared when it reaches :data:`MEMO_LIMIT` entries."""

    def is_word(self, token: str) -> bool:
        """True when ``token`` is (the capitalised form of) a common English word."""
        return token.lower() in self.words


def _read_text(name: str) -> str:
    data = resources.files("searchlib.entities") / "data" / name
    raw = data.read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in _read_text(name).splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _better(new: Place, old: Place | None) -> bool:
    if old is None:
        return True
    return (new.rank, new.population) > (old.rank, old.population)


@functools.cache
def load_lexicon() -> Lexicon:
    """Read every data file once per process and return the (immutable) lexicon."""
    places = _load_places()
    # A variant spelling takes its city's canonical name ("Kiev" -> "Kyiv").
    folded: dict[str, Place] = {}
    for surface, place in places.items():
        key = norm_key(surface).casefold()
        if _better(place, folded.get(key)):
            folded[key] = place
    known: dict[str, Known] = {}
    for row in _rows("aliases.tsv"):
        kind, canonical = row[0], row[1]
        others = [a for a in row[2].split("|") if a] if len(row) > 2 else []
        entry = Known(kind, canonical)  # type: ignore[arg-type]
        for surface in [canonical, *others]:
            known.setdefault(norm_key(surface), entry)
    demonyms = _load_demonyms()
    given_names = frozenset(_read_text("given_names.txt.gz").split())
    words = frozenset(_read_text("words.txt.gz").split())
    companies: dict[str, str] = {}
    for row in _rows("companies.tsv.gz"):
        form, canonical = row[0], row[1]
        if " " not in form and (
            form.lower() in words
            or form in places
            or form in demonyms
            or form in given_names
            or (form.isupper() and len(form) <= 3)
        ):
            continue  # "Apple", "Target", "Jordan", "AAR": a word or a ticker-like acronym
        key = norm_key(form)
        if key not in known:
            companies.setdefault(key, canonical)
    return Lexicon(
        places=places,
        places_folded=folded,
        known=known,
        demonyms=demonyms,
        given_names=given_names,
        surnames=frozenset(_read_text("surnames.txt.gz").split()),
        words=words,
        companies=companies,
    )


def _load_places() -> dict[str, Place]:
    """The gazetteer and the curated extra places, every surface form -> its best place."""
    places: dict[str, Place] = {}

    def add_place(surface: str, place: Place) -> None:
        if _better(place, places.get(surface)):
            places[surface] = place

    for row in _rows("places.tsv.gz"):
        add_place(row[0], Place(row[1], row[2], int(row[3])))  # type: ignore[arg-type]
    for row in _rows("places_extra.tsv"):
        canonical, cls = row[0], row[1]
        others = [a for a in row[2].split("|") if a] if len(row) > 2 else []
        # The population of the city the names mean: the largest GeoNames entry among them
        # ("Montreal" is GeoNames' "Montréal", "Venice" its "Venezia", not Venice, Florida).
        pop = max(
            (b.population for n in [canonical, *others] if (b := places.get(n)) is not None),
            default=0,
        )
        place = Place(canonical, cls, pop)  # type: ignore[arg-type]
        for surface in [canonical, *others]:
            add_place(surface, place)
    return places


def _load_demonyms() -> dict[str, str]:
    """Nationality and group words with their plurals -> place name ("" when none)."""
    demonyms: dict[str, str] = {}
    for row in _rows("demonyms.tsv"):
        word, place_name = row[0], row[1]
        target = "" if place_name == "-" else place_name
        demonyms[word] = target
        if word.endswith(("ese", "ish", "ss", "sh", "ch", "ic")):
            continue
        if word.endswith("man"):
            demonyms[word[:-3] + "men"] = target
        else:
            demonyms.setdefault(word + "s", target)
    return demonyms
