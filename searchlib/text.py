"""Engine-free text analysis: how searchlib splits text into words and words into terms.

This module reproduces, exactly, the two analysers the index is built with (see
``tests/test_text.py``, which pins it to Whoosh's own analysers), without importing Whoosh:

* **text terms** (``title`` and ``body``): words found by :data:`WORD`, lower-cased, folded
  by :data:`ACCENT_MAP`, stop words (:data:`STOP_WORDS`, and anything shorter than
  :data:`MIN_TERM_LENGTH` characters) removed, then Porter-stemmed (:func:`stem`). As in
  Whoosh's ``StopFilter``, positions are renumbered over the words kept: the first kept word
  keeps its position among all words, each later one gets the previous position plus one;
* **plain terms** (entity names, tags, sources, spelling): the same words, lower-cased and
  folded, nothing removed, nothing stemmed; a word's position is its index among all words.

The word pattern, the stop list, the accent map and the Porter stemmer are Whoosh's (BSD
2-clause, Copyright 2007-2011 Matt Chaput; see ``searchlib/VENDORED.md``), copied here so that
query parsing, highlighting, near-duplicate signatures and the index writer can share one
analysis that does not depend on the search engine.

Caches: :func:`stem` and :func:`analyse` are pure functions wrapped in
:func:`functools.lru_cache` with a fixed ``maxsize`` (:data:`STEM_CACHE_SIZE`,
:data:`TERM_CACHE_SIZE`), so their memory is bounded; there is no other module-level state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Final, NamedTuple

WORD: Final[re.Pattern[str]] = re.compile(r"[\w\*]+(\.?[\w\*]+)*")
"""How text is split into words: Whoosh's default ``RegexTokenizer`` pattern (runs of word
characters and ``*``, with single dots inside: ``3.141``, ``U.S``)."""

# The same matches as WORD; without a capturing group, findall returns the words themselves.
_FINDALL: Final = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*").findall

# ASCII text is split faster without the regex: every ASCII character that cannot be in a word
# becomes a space, dots that do not join two word characters too, and str.split does the rest.
_ASCII_SEPARATORS: Final = MappingProxyType(
    {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_*.")}
)

MIN_TERM_LENGTH: Final = 2
"""Text terms shorter than this (after folding) are dropped, like stop words."""

STOP_WORDS: Final[frozenset[str]] = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if",
        "in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to",
        "us", "we", "when", "will", "with", "yet", "you", "your",
    )
)  # fmt: skip
"""Whoosh's default English stop list (``whoosh.analysis.filters.STOP_WORDS``)."""

STEM_CACHE_SIZE: Final = 50_000
"""Words whose stems :func:`stem` remembers (Whoosh's ``StemFilter`` default)."""

TERM_CACHE_SIZE: Final = 100_000
"""Words whose text terms :func:`analyse` remembers."""

# Accent folding: each target character and the characters folded to it. This is Whoosh's
# ``whoosh.support.charset.accent_map`` (from Carlos Bueno's "Accent Folding for
# Auto-Complete", via Whoosh), regrouped by target, entries unchanged, quirks included (it
# folds "Ĺ" to "a" and full-width capitals to ASCII capitals, applied after lower-casing).
_FOLDED_FROM: Final[Mapping[str, str]] = MappingProxyType(
    {
        "0": "\uff10",
        "1": "\uff11",
        "2": "\uff12",
        "3": "\uff13",
        "4": "\uff14",
        "5": "\uff15",
        "6": "\uff16",
        "7": "\uff17",
        "8": "\uff18",
        "9": "\uff19",
        "A": "\uff21",
        "B": "\uff22",
        "C": "\uff23",
        "D": "\uff24",
        "E": "\uff25",
        "F": "\uff26",
        "G": "\uff27",
        "H": "\uff28",
        "I": "\uff29",
        "J": "\uff2a",
        "K": "\uff2b",
        "L": "\uff2c",
        "M": "\uff2d",
        "N": "\uff2e",
        "O": "\uff2f",
        "P": "\uff30",
        "Q": "\uff31",
        "R": "\uff32",
        "S": "\uff33",
        "T": "\uff34",
        "U": "\uff35",
        "V": "\uff36",
        "W": "\uff37",
        "X": "\uff38",
        "Y": "\uff39",
        "Z": "\uff3a",
        "a": ("ÀÁÂÃÄÅàáâãäåĀāĂăĄąĹǍǎǞǟǠǡǢǣǺǻǼǽȀȁȂȃȦȧȺḀḁẚẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặⱥ\uff41"),
        "b": "ƀƁƂƃɃɓᵬḂḃḄḅḆḇ\uff42",
        "c": "ÇçĆćĈĉĊċČčƇƈȻȼɕḈḉ\uff43",
        "d": "ðĎďĐđƉƊƋƌȡɖɗᵭḊḋḌḍḎḏḐḑḒḓ\uff44",
        "e": ("ÈÉÊËèéêëĒēĔĕĖėĘęĚěƎƏǝȄȅȆȇȨȩɆɇɚɝḔḕḖḗḘḙḚḛḜḝẸẹẺẻẼẽẾếỀềỂểỄễỆệ\uff45"),
        "f": "ƑƒᵮḞḟ\uff46",
        "g": "ĜĝĞğĠġĢģƓǤǥǦǧǴǵɠḠḡ\uff47",
        "h": "HĤĥĦħȞȟ\u0331ḢḣḤḥḦḧḨḩḪḫẖⱧⱨ\uff48",
        "i": "IiÌÍÎÏìíîïĨĩĪīĬĭĮįİıƗǏǐȈȉȊȋɨḬḭḮḯỈỉỊị\uff49",
        "j": "JĴĵǰȷɈɉɟʄʝ\u030c\uff4a",
        "k": "ĶķƘƙǨǩḰḱḲḳḴḵⱩⱪ\uff4b",
        "l": "ĺĻļĽľĿŀŁłƚȴȽɫɬɭ\u0323ḶḷḸḹḺḻḼḽⱠⱡⱢ\uff4c",
        "m": "ɱḾḿṀṁṂṃ\uff4d",
        "n": "NnÑñŃńŅņŇňƝƞǸǹȠȵɲɳṄṅṆṇṈṉṊṋ\uff4e",
        "o": ("ÒÓÔÕÖØòóôõöøŌōŎŏŐőƟƠơǑǒǪǫǬǭǾǿȌȍȎȏȪȫȬȭȮȯȰȱɵṌṍṎṏṐṑṒṓỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ\uff4f"),
        "p": "PpƤƥ\u0303ṔṕṖṗⱣ\uff50",
        "q": "Ɋɋʠ\uff51",
        "r": "ŔŕŖŗŘřȐȑȒȓɌɍɼɽɾᵲᵳṘṙṚṛṜṝṞṟⱤ\uff52",
        "s": "SsßŚśŜŝŞşŠšȘșʂ\u0329ṠṡṢṣṤṥṦṧṨṩẛ\uff53",
        "t": "TÞþŢţŤťŦŧƫƬƭƮȚțȶȾʈ\u0308ᵵṪṫṬṭṮṯṰṱẗⱦ\uff54",
        "u": ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưǓǔǕǖǗǘǙǚǛǜȔȕȖȗɄʉṲṳṴṵṶṷṸṹṺṻỤụỦủỨứỪừỬửỮữỰự\uff55"),
        "v": "ƲʋṼṽṾṿ\uff56",
        "w": "WŴŵẀẁẂẃẄẅẆẇẈẉẘ\uff57",
        "x": "ẊẋẌẍ\uff58",
        "y": "YÝýÿŶŷŸƳƴȲȳɎɏʏ\u030aẎẏẙỲỳỴỵỶỷỸỹ\uff59",
        "z": "ŹźŻżŽžƵƶƺǮǯȤȥʐʑẐẑẒẓẔẕⱫⱬ\uff5a",
    }
)

ACCENT_MAP: Final[Mapping[int, str]] = MappingProxyType(
    {ord(source): target for target, sources in _FOLDED_FROM.items() for source in sources}
)
"""Code point -> folded character, as :meth:`str.translate` takes it (707 entries)."""


class Word(NamedTuple):
    """A word as written in a text, and where: ``text == source[start:end]``."""

    text: str
    start: int
    end: int


class Term(NamedTuple):
    """An index term of a text: its text, its position and the characters it came from."""

    text: str
    pos: int
    start: int
    end: int


def tokens(text: str) -> list[str]:
    """The words of ``text`` as written, in order (:data:`WORD` matches, without offsets)."""
    if not text.isascii():
        return _FINDALL(text)
    spaced = text.translate(_ASCII_SEPARATORS)
    if "." in spaced:
        # a run of dots separates words; so does a dot at a word's start or end
        spaced = f" {spaced} ".replace("..", "  ").replace(" .", "  ").replace(". ", "  ")
    return spaced.split()


def words(text: str) -> list[Word]:
    """The words of ``text`` as written, with their character offsets."""
    return [Word(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def fold(text: str) -> str:
    """Lower-case and de-accent ``text`` as both analysers do."""
    lowered = text.lower()
    if lowered.isascii():
        # the map sends every lower-case ASCII character it holds to itself
        return lowered
    return lowered.translate(ACCENT_MAP)


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem(word: str) -> str:
    """The Porter stem of ``word`` (already lower-cased), as Whoosh's ``StemFilter`` gives it.

    A pure function behind a bounded LRU cache (:data:`STEM_CACHE_SIZE` entries).
    """
    return _porter(word)


@lru_cache(maxsize=TERM_CACHE_SIZE)
def analyse(word: str) -> str | None:
    """The text term of one word as written (``"Prices"`` -> ``"price"``), or None when the
    word is a stop word or too short.

    A pure function behind a bounded LRU cache (:data:`TERM_CACHE_SIZE` entries).
    """
    folded = fold(word)
    if len(folded) < MIN_TERM_LENGTH or folded in STOP_WORDS:
        return None
    return stem(folded)


def terms(text: str) -> list[Term]:
    """The terms of ``text`` as the ``title`` and ``body`` fields index them."""
    out: list[Term] = []
    pos = -1
    for i, m in enumerate(WORD.finditer(text)):
        term = analyse(m.group())
        if term is None:
            continue
        pos = i if pos < 0 else pos + 1
        out.append(Term(term, pos, m.start(), m.end()))
    return out


def plain_terms(text: str) -> list[Term]:
    """The terms of ``text`` as the entity, tag and source name fields index them."""
    return [Term(fold(m.group()), i, m.start(), m.end()) for i, m in enumerate(WORD.finditer(text))]


def spell_text(text: str) -> str:
    """The distinct words of ``text`` as the spelling field indexes them: lower-cased and
    folded like :func:`plain_terms`, once each (distinct before folding), separated by spaces.
    """
    # Lower-casing the joined words equals lower-casing each: a space ends a word's context.
    lowered = " ".join(tokens(text)).lower()
    if not lowered:
        return ""
    distinct = " ".join(dict.fromkeys(lowered.split(" ")))
    return distinct if distinct.isascii() else distinct.translate(ACCENT_MAP)


# -- the Porter stemmer ------------------------------------------------------------------------
# Whoosh's ``whoosh.lang.porter`` (BSD 2-clause, Matt Chaput), unchanged but for names and
# types; its quirks are kept on purpose (``re.match`` anchors the step-1b patterns at the
# start of the word), because the index must hold exactly the stems Whoosh would write.

_STEP2: Final[Mapping[str, str]] = MappingProxyType(
    {
        "ational": "ate",
        "tional": "tion",
        "enci": "ence",
        "anci": "ance",
        "izer": "ize",
        "bli": "ble",
        "alli": "al",
        "entli": "ent",
        "eli": "e",
        "ousli": "ous",
        "ization": "ize",
        "ation": "ate",
        "ator": "ate",
        "alism": "al",
        "iveness": "ive",
        "fulness": "ful",
        "ousness": "ous",
        "aliti": "al",
        "iviti": "ive",
        "biliti": "ble",
        "logi": "log",
    }
)
_STEP3: Final[Mapping[str, str]] = MappingProxyType(
    {
        "icate": "ic",
        "ative": "",
        "alize": "al",
        "iciti": "ic",
        "ical": "ic",
        "ful": "",
        "ness": "",
    }
)

_CONS_SEQ = "[^aeiouy]+"
_VOWEL_SEQ = "[aeiou]+"
_MGR0: Final = re.compile("^(" + _CONS_SEQ + ")?" + _VOWEL_SEQ + _CONS_SEQ)  # m > 0
_MEQ1: Final = re.compile(
    "^(" + _CONS_SEQ + ")?" + _VOWEL_SEQ + _CONS_SEQ + "(" + _VOWEL_SEQ + ")?$"
)  # m == 1
_MGR1: Final = re.compile(
    "^(" + _CONS_SEQ + ")?" + _VOWEL_SEQ + _CONS_SEQ + _VOWEL_SEQ + _CONS_SEQ
)  # m > 1
_S_V: Final = re.compile("^(" + _CONS_SEQ + ")?" + "[aeiouy]")  # a vowel in the stem
_C_V: Final = re.compile("^" + _CONS_SEQ + "[aeiouy]" + "[^aeiouwxy]$")
_ED_ING: Final = re.compile("^(.*)(ed|ing)$")
_AT_BL_IZ: Final = re.compile("(at|bl|iz)$")
_STEP1B: Final = re.compile("([^aeiouylsz])\\1$")
_STEP2_RE: Final = re.compile(
    "^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism"
    "|iveness|fulness|ousness|aliti|iviti|biliti|logi)$"
)
_STEP3_RE: Final = re.compile("^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$")
_STEP4_1: Final = re.compile(
    "^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$"
)
_STEP4_2: Final = re.compile("^(.+?)(s|t)(ion)$")
_STEP5: Final = re.compile("^(.+?)e$")


def _porter(w: str) -> str:
    """The Porter stemming algorithm, exactly as ``whoosh.lang.porter.stem``."""
    if len(w) < 3:
        return w

    first_is_y = w[0] == "y"
    if first_is_y:
        w = "Y" + w[1:]

    # Step 1a
    if w.endswith("s"):
        if w.endswith("sses") or w.endswith("ies"):
            w = w[:-2]
        elif w[-2] != "s":
            w = w[:-1]

    # Step 1b
    if w.endswith("eed"):
        if _MGR0.match(w[:-3]):
            w = w[:-1]
    else:
        m = _ED_ING.match(w)
        if m:
            base = m.group(1)
            if _S_V.match(base):
                w = base
                if _AT_BL_IZ.match(w):
                    w += "e"
                elif _STEP1B.match(w):
                    w = w[:-1]
                elif _C_V.match(w):
                    w += "e"

    # Step 1c
    if w.endswith("y"):
        base = w[:-1]
        if _S_V.match(base):
            w = base + "i"

    # Step 2
    m = _STEP2_RE.match(w)
    if m:
        base, suffix = m.group(1), m.group(2)
        if _MGR0.match(base):
            w = base + _STEP2[suffix]

    # Step 3
    m = _STEP3_RE.match(w)
    if m:
        base, suffix = m.group(1), m.group(2)
        if _MGR0.match(base):
            w = base + _STEP3[suffix]

    # Step 4
    m = _STEP4_1.match(w)
    if m:
        base = m.group(1)
        if _MGR1.match(base):
            w = base
    else:
        m = _STEP4_2.match(w)
        if m:
            base = m.group(1) + m.group(2)
            if _MGR1.match(base):
                w = base

    # Step 5
    m = _STEP5.match(w)
    if m:
        base = m.group(1)
        if _MGR1.match(base) or (_MEQ1.match(base) and not _C_V.match(base)):
            w = base

    if w.endswith("ll") and _MGR1.match(w):
        w = w[:-1]

    if first_is_y:
        w = "y" + w[1:]

    return w


__all__ = [
    "ACCENT_MAP",
    "MIN_TERM_LENGTH",
    "STEM_CACHE_SIZE",
    "STOP_WORDS",
    "TERM_CACHE_SIZE",
    "WORD",
    "Term",
    "Word",
    "analyse",
    "fold",
    "plain_terms",
    "spell_text",
    "stem",
    "terms",
    "tokens",
    "words",
]
