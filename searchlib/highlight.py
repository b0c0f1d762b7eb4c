"""Highlighted fragments: the article's own words around the query's matches.

Matching (:class:`TermMatcher`) marks every word of the stored text whose analysed form is
one of the query's terms, so a query for "exit" marks "exits" *as written*, never the stem
"exit". Fragments are whole sentences where they fit (``max_chars``), trimmed around the
matches at word boundaries where they do not. Only the hits being shown are highlighted.

Renderings: :func:`render_html` (escaped, ``<mark>``), :func:`render_ansi` (terminal colour) and
:func:`render_plain` (custom markers); they take a :class:`~searchlib.model.Fragment`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterable

from . import text as tx
from .model import Fragment, Span
from .query import Node, Phrase, Term, positive_leaves

Analyze = Callable[[str], "str | None"]
"""One word to its analysed form (the term the index holds), or None for a stop word."""

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+|\n\s*\n")

DEFAULT_FRAGMENTS = 3
DEFAULT_FRAGMENT_CHARS = 240


class TermMatcher:
    """Finds the words of a text whose analysed form is one of the query's terms.

    Analysing every word of every hit would cost more than the search. Stemming only changes
    the end of a word, so a word can only match a term it starts like: words that do not start
    with a term's stem minus its last letter are skipped after one C-level ``startswith``, and
    the others are analysed once each per search (cached), one word at a time.

    ``word`` must split text as the field's tokenizer does and ``fold`` must lower-case (and
    de-accent) as its filters do; ``analyze`` is the whole analyser applied to one word.
    """

    def __init__(
        self,
        terms: Collection[str],
        analyze: Analyze,
        *,
        word: re.Pattern[str],
        fold: Callable[[str], str],
    ) -> None:
        self.terms = frozenset(terms)
        self.prefixes = tuple({t[: max(1, len(t) - 1)] for t in self.terms})
        self.analyze = analyze
        self.word = word
        self.fold = fold
        self._seen: dict[str, bool] = {}

    def __call__(self, text: str) -> list[Span]:
        """Every span of ``text`` whose analysed form is a query term."""
        if not self.terms or not text:
            return []
        out = []
        seen, prefixes, fold = self._seen, self.prefixes, self.fold
        for m in self.word.finditer(text):
            word = m.group()
            hit = seen.get(word)  # keyed by the word as written: most words repeat
            if hit is None:
                folded = fold(word)
                hit = folded.startswith(prefixes) and self.analyze(folded) in self.terms
                seen[word] = hit
            if hit:
                out.append(Span(m.start(), m.end()))
        return out


def render_html(text: str, spans: Iterable[Span], *, tag: str = "mark") -> str:
    """``text`` escaped for HTML with each span wrapped in ``<tag>``."""
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(html.escape(text[pos : span.start]))
        out.append(f"<{tag}>{html.escape(text[span.start : span.end])}</{tag}>")
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_plain(fragment: Fragment, *, before: str = "[", after: str = "]") -> str:
    """The fragment's text with each match between ``before`` and ``after``."""
    out: list[str] = []
    pos = 0
    for span in fragment.spans:
        out += [
            fragment.text[pos : span.start],
            before,
            fragment.text[span.start : span.end],
            after,
        ]
        pos = span.end
    out.append(fragment.text[pos:])
    return "".join(out)


def render_ansi(fragment: Fragment, *, style: str = "\x1b[1;33m", reset: str = "\x1b[0m") -> str:
    """The fragment's text with matches in terminal colour (bold yellow by default)."""
    return render_plain(fragment, before=style, after=reset)


def make_fragment(text: str, spans: Iterable[Span], field: str) -> Fragment:
    """A :class:`Fragment` of ``text`` with its HTML rendering."""
    spans = tuple(spans)
    return Fragment(text=text, spans=spans, html=render_html(text, spans), field=field)


def whole(text: str, matcher: Callable[[str], list[Span]], *, field: str = "title") -> Fragment:
    """The whole of a short text (a title) with its matches marked."""
    return make_fragment(text, matcher(text), field)


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without surrounding whitespace."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _trim(text: str, start: int, end: int, spans: list[Span], max_chars: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` to at most ``max_chars`` around its first matches, on word edges."""
    if end - start <= max_chars:
        return start, end
    first = spans[0].start if spans else start
    lo = max(start, first - max_chars // 3)
    hi = min(end, lo + max_chars)
    lo = max(start, hi - max_chars)
    if lo > start:
        space = text.find(" ", lo)
        lo = space + 1 if 0 <= space < first else lo
    if hi < end:
        space = text.rfind(" ", lo, hi)
        hi = space if space > (spans[-1].end if spans and spans[-1].end <= hi else lo) else hi
    return lo, hi


def fragments(
    text: str,
    matcher: Callable[[str], list[Span]],
    *,
    max_fragments: int = DEFAULT_FRAGMENTS,
    max_chars: int = DEFAULT_FRAGMENT_CHARS,
    field: str = "body",
) -> tuple[Fragment, ...]:
    """The best fragments of ``text`` (matches found by ``matcher``), in the order they appear.

    Fragments are ranked by how many different terms they match, then by how many matches.
    When nothing matches (the article matched on its title or entities), the opening sentence
    stands in, with no spans.
    """
    if not text:
        return ()
    matches = matcher(text)
    sentences = _sentences(text)
    if not matches:
        start, end = sentences[0] if sentences else (0, len(text))
        start, end = _trim(text, start, end, [], max_chars)
        return (make_fragment(text[start:end], (), field),)

    scored: list[tuple[int, int, int, int, list[Span]]] = []
    mi = 0
    for start, end in sentences:
        while mi < len(matches) and matches[mi].start < start:
            mi += 1
        inside: list[Span] = []
        j = mi
        while j < len(matches) and matches[j].end <= end:
            inside.append(matches[j])
            j += 1
        if not inside:
            continue
        lo, hi = _trim(text, start, end, inside, max_chars)
        kept = [s for s in inside if s.start >= lo and s.end <= hi]
        distinct = len({text[s.start : s.end].lower() for s in kept})
        scored.append((distinct, len(kept), lo, hi, kept))

    best = sorted(scored, key=lambda f: (-f[0], -f[1], f[2]))[:max_fragments]
    out = []
    for _, _, lo, hi, kept in sorted(best, key=lambda f: f[2]):
        spans = [Span(s.start - lo, s.end - lo) for s in kept]
        out.append(make_fragment(text[lo:hi], spans, field))
    return tuple(out)


class Highlighter:
    """Marks the query's terms in the title and the body of a hit.

    Built from the query tree (:meth:`for_tree`): the analysed terms of its words and phrases
    that are not under ``NOT`` (wildcards already expanded), those without a field in both the
    title and the body, ``title:`` ones in the title only, ``body:`` ones in the body only.
    """

    def __init__(self, body_terms: Collection[str], title_terms: Collection[str]) -> None:
        self.body = TermMatcher(body_terms, tx.analyse, word=tx.WORD, fold=tx.fold)
        self.title = TermMatcher(title_terms, tx.analyse, word=tx.WORD, fold=tx.fold)

    @classmethod
    def for_tree(cls, tree: Node | None) -> Highlighter:
        """The highlighter of a query tree (None: nothing to mark)."""
        body: set[str] = set()
        title: set[str] = set()
        for leaf in positive_leaves(tree) if tree is not None else ():
            if not isinstance(leaf, (Term, Phrase)):
                continue
            if leaf.field in ("text", "body"):
                body.update(leaf.terms)
            if leaf.field in ("text", "title"):
                title.update(leaf.terms)
        return cls(body, title)


__all__ = [
    "Analyze",
    "Highlighter",
    "TermMatcher",
    "fragments",
    "make_fragment",
    "render_ansi",
    "render_html",
    "render_plain",
    "whole",
]
