"""searchlib.text against Whoosh's own analysers: the same terms, positions and offsets.

``searchlib.text`` must not import Whoosh, yet the index is written and queried with Whoosh's
analysers; these tests pin the two together, on random Unicode text (hypothesis) and on real
news text (``../shared/corpora``, skipped when absent; the whole corpora under ``slow``).
"""

from __future__ import annotations

import ast
import gzip
import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import corpus
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as whoosh_stem
from whoosh.support.charset import accent_map

from searchlib import text


def whoosh_text_analyzer() -> Analyzer:
    """The chain of the title and body fields (``schema.text_analyzer``)."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


def whoosh_plain_analyzer() -> Analyzer:
    """The chain of the entity, tag and source name fields (``schema.plain_analyzer``)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


TEXT = whoosh_text_analyzer()
PLAIN = whoosh_plain_analyzer()


def _whoosh(analyzer: Analyzer, value: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in analyzer(value, positions=True, chars=True, mode="index")
    ]


def _whoosh_words(value: str) -> list[tuple[str, int, int]]:
    return [
        (t.text, t.startchar, t.endchar)
        for t in RegexTokenizer()(value, positions=True, chars=True)
    ]


def _whoosh_spell_text(value: str) -> str:
    # searchlib's spelling field value, computed with Whoosh's tokenizer and map
    words = dict.fromkeys(t.text.lower() for t in RegexTokenizer()(value))
    return " ".join(words).translate(accent_map)


def assert_same_analysis(value: str) -> None:
    """Every function of searchlib.text agrees with Whoosh on ``value``."""
    assert [tuple(t) for t in text.terms(value)] == _whoosh(TEXT, value)
    assert [tuple(t) for t in text.plain_terms(value)] == _whoosh(PLAIN, value)
    expected_words = _whoosh_words(value)
    assert [tuple(w) for w in text.words(value)] == expected_words
    assert text.tokens(value) == [w for w, _, _ in expected_words]
    assert text.fold(value) == value.lower().translate(accent_map)
    assert text.spell_text(value) == _whoosh_spell_text(value)
    for word, _, _ in expected_words:
        analysed = [t.text for t in TEXT(word)]
        assert text.analyse(word) == (analysed[0] if analysed else None)


# -- the pieces are Whoosh's ----------------------------------------------------------------


def test_the_index_analysers_are_the_ones_pinned_here() -> None:
    """The chains this file compares with are the chains the index schema uses."""
    try:
        from searchlib import schema
    except ImportError:  # moved behind the engine boundary
        from searchlib.backends.whoosh import schema  # type: ignore[no-redef]
    assert schema.text_analyzer() == TEXT
    assert schema.plain_analyzer() == PLAIN


def test_vendored_tables_equal_whooshs() -> None:
    assert text.WORD.pattern == RegexTokenizer().expression.pattern
    assert text.WORD.flags == RegexTokenizer().expression.flags
    assert text.STOP_WORDS == STOP_WORDS
    assert dict(text.ACCENT_MAP) == accent_map
    stop = StopFilter()
    assert (stop.min, stop.max, stop.renumber) == (text.MIN_TERM_LENGTH, None, True)


def test_text_does_not_import_whoosh() -> None:
    tree = ast.parse(Path(text.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "whoosh" not in imported


# -- examples a reader can check by eye -----------------------------------------------------


def test_examples() -> None:
    value = "The U.S. Prices of 3.141 cafés, Zürich's *rates*"
    # "the" and "of" are stop words, "s" is too short; "*" belongs to words; dots join words
    assert [(t.text, t.pos) for t in text.terms(value)] == [
        ("u.", 1),
        ("price", 2),
        ("3.141", 3),
        ("cafe", 4),
        ("zurich", 5),
        ("*rates*", 6),
    ]
    assert [t.text for t in text.plain_terms(value)] == [
        "the", "u.s", "prices", "of", "3.141", "cafes", "zurich", "s", "*rates*",
    ]  # fmt: skip
    assert_same_analysis(value)
    # stop words at the start: the first kept word keeps its position, later ones follow it
    assert [(t.text, t.pos) for t in text.terms("the of and oil prices")] == [
        ("oil", 3),
        ("price", 4),
    ]
    assert [(t.text, t.pos) for t in text.terms("oil of the prices")] == [("oil", 0), ("price", 1)]
    assert [t.text for t in text.plain_terms("Staffan de MISTURA")] == ["staffan", "de", "mistura"]
    assert text.words("Al-Nusra 3.5") == [("Al", 0, 2), ("Nusra", 3, 8), ("3.5", 9, 12)]
    assert text.stem("fundamentally") == "fundament"
    assert text.analyse("The") is None and text.analyse("x") is None
    assert text.spell_text("Café cafe CAFÉ") == "cafe cafe"


# -- random text ------------------------------------------------------------------------------

# Pieces that exercise every rule: accents and the accent map's own quirks, digits and dots,
# apostrophes and asterisks, stop words, Greek final sigma, Turkish dotted I, German sharp s,
# full-width forms, CJK, emoji, combining marks, and separators of every kind.
_PIECES = [
    *STOP_WORDS,
    *sorted(text.STOP_WORDS)[:5],
    "Prices", "RATES", "Zürich", "café", "naïve", "Ĺand", "ÆTHER", "straße", "İstanbul",
    "ΟΔΥΣΣΕΥΣ", "Σ", "İ", "日本語", "Ｆｕｌｌ", "１２３", "😀", "e\u0301", "3.141", "U.S.", "a.b.c",
    "don't", "*wild*", "x", "I", "running", "generalizations", "yesterday", "oil", "_under_",
    "é", "ŉ", "ǅ", "ﬁ", "Ⅻ", "٣", "\u200b", "\u00a0",
]  # fmt: skip
_SEPARATORS = [" ", "  ", "\n", "\t", ", ", ". ", "-", "'", "...", "/", "\x1f", "", "*"]

pieces_text = st.lists(
    st.tuples(st.sampled_from(_PIECES), st.sampled_from(_SEPARATORS)), max_size=40
).map(lambda parts: "".join(p + s for p, s in parts))
alphabet_text = st.text(
    alphabet=st.sampled_from(
        list(string.ascii_letters + string.digits + " .'*-\n")
        + [chr(c) for c in sorted(accent_map)][::7]
        + ["ß", "İ", "Σ", "ς", "😀", "日", "\u0301", "\u0307", "Ⅻ"]
    ),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(pieces_text, alphabet_text, st.text(max_size=120)))
def test_random_text_is_analysed_as_whoosh_does(value: str) -> None:
    assert_same_analysis(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20))
def test_stem_is_whooshs_porter(word: str) -> None:
    lowered = word.lower()
    assert text.stem(lowered) == whoosh_stem(lowered)


# -- real news text ---------------------------------------------------------------------------


def _corpus_texts(limit: int | None) -> Iterator[str]:
    sources = [
        corpus("reuters21578", "reuters21578-dev.jsonl.gz"),
        corpus("bbc", "bbc.jsonl.gz"),
    ]
    for path in sources:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for n, line in enumerate(f):
                if limit is not None and n >= limit:
                    break
                record: dict[str, Any] = json.loads(line)
                for key in ("title", "body"):
                    value = record.get(key)
                    if isinstance(value, str):
                        yield value


def test_real_news_text_sample() -> None:
    for value in _corpus_texts(limit=300):
        assert_same_analysis(value)


@pytest.mark.slow
def test_real_news_text_all() -> None:
    for value in _corpus_texts(limit=None):
        assert_same_analysis(value)
