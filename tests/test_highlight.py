"""Fragments show the words as written, with exact offsets and safe HTML."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from searchlib.backends.whoosh.schema import WORD, fold, text_analyzer
from searchlib.highlight import (
    TermMatcher,
    fragments,
    render_ansi,
    render_html,
    render_plain,
    whole,
)
from searchlib.model import Span

ANALYZER = text_analyzer()


def analyze(word: str) -> str | None:
    return next((t.text for t in ANALYZER(word)), None)


def matcher(terms: Collection[str]) -> TermMatcher:
    return TermMatcher(terms, analyze, word=WORD, fold=fold)


def reference_spans(text: str, terms: Collection[str]) -> list[Span]:
    """The slow way: run the analyzer over the whole text and keep matching tokens."""
    return [
        Span(t.startchar, t.endchar)
        for t in ANALYZER(text, chars=True, mode="index")
        if t.text in terms
    ]


def test_matches_are_the_words_as_written_not_stems() -> None:
    text = "The militants exited. Government troops exit too, and the exits were closed."
    spans = matcher({"exit"})(text)
    assert [text[s.start : s.end] for s in spans] == ["exited", "exit", "exits"]


def test_fragment_offsets_point_at_the_matches() -> None:
    body = (
        "Opening line without the word.\n\nRussia is ready to let Al-Nusra militants exit Aleppo. "
        "Nothing here. Later, Aleppo was quiet."
    )
    frags = fragments(body, matcher({"aleppo", "nusra"}))
    assert frags, "expected fragments"
    for f in frags:
        assert f.text in body
        assert all(f.text[s.start : s.end].lower() in ("aleppo", "nusra") for s in f.spans)
    assert frags[0].matches == ("Nusra", "Aleppo")
    assert "Opening line" not in " ".join(f.text for f in frags)


def test_fragments_in_document_order_and_limited() -> None:
    body = " ".join(f"Sentence {i} mentions aid." for i in range(20))
    frags = fragments(body, matcher({"aid"}), max_fragments=3)
    assert len(frags) == 3
    positions = [body.index(f.text) for f in frags]
    assert positions == sorted(positions)


def test_long_sentences_are_trimmed_on_word_boundaries() -> None:
    body = ("word " * 200) + "target " + ("word " * 200)
    (frag,) = fragments(body, matcher({"target"}), max_chars=120)
    assert len(frag.text) <= 120
    assert frag.matches == ("target",)
    assert not frag.text.startswith("ord") and not frag.text.endswith("wor")


def test_no_match_gives_the_opening_sentence() -> None:
    (frag,) = fragments("First sentence. Second sentence.", matcher({"zebra"}))
    assert frag.text == "First sentence." and frag.spans == ()


def test_html_is_escaped_and_marked() -> None:
    frag = whole('<script>alert("x")</script> Aleppo & Idlib', matcher({"aleppo"}))
    assert (
        frag.html
        == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Aleppo</mark> &amp; Idlib"
    )
    assert render_html("a<b", [Span(0, 1)]) == "<mark>a</mark>&lt;b"


def test_plain_and_ansi_renderings() -> None:
    frag = whole("Convoy reaches Aleppo", matcher({"aleppo", "convoi"}))
    assert render_plain(frag) == "[Convoy] reaches [Aleppo]"
    assert render_ansi(frag) == "\x1b[1;33mConvoy\x1b[0m reaches \x1b[1;33mAleppo\x1b[0m"


def test_accents_fold_but_text_keeps_them() -> None:
    terms = {t.text for t in text_analyzer()("Geneve")}
    frag = whole("Réunion à Genève", matcher(terms))
    assert frag.matches == ("Genève",)


def test_fast_matching_equals_analysing_the_whole_text() -> None:
    """The prefix shortcut finds exactly what the full analyzer finds, on real-looking text."""
    seed = (Path(__file__).resolve().parents[1] / "seeds" / "000_8685ec8866dbeeaa.txt").read_text()
    text = seed + " Agencies denied; happily the U.S. agreed. Genève, RÉUNION, naïve cafés, 3.5%."
    words = {t.text for t in ANALYZER(text)}
    for terms in [words, {"agenc", "deni", "happili", "agre", "genev", "reunion"}, {"u.s", "3.5"}]:
        assert matcher(terms)(text) == reference_spans(text, terms)
