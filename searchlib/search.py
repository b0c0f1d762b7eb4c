"""One search, from a :class:`~searchlib.request.SearchRequest` to :class:`SearchResults`.

This is the engine-free policy above the backend boundary::

    SearchRequest ─parse─▶ query tree ─expand multi-terms─▶ MatchRequest ─backend─▶ MatchSet
        ─▶ relaxed retry / questions ─▶ collapse copies ─▶ page ─▶ highlights, facets,
        histogram, hints, "did you mean" ─▶ SearchResults

* **Function words** (``ranking.QUESTION_WORDS``: "what", "does", "about"...) are left out of
  the query's top-level words unless nothing else would be left, with one exception: a search
  that requires every word keeps the function word of a query that has only one ("off
  shrugs", "time here": a keyword query, taken as typed); two or more make it a question or a
  sentence ("why did the dollar fall"), and they go. A word in quotes is always kept
  (``'off' shrugs``), and so is one whose index term another word of the query also gives
  ("other" beside "others").
* **Which articles match** (``match``): ``auto`` (the default) requires every word of the
  query when it has at most ``Ranking.auto_all_upto`` (3) top-level plain words (its content
  words: no field, no quotes, no boost) and is searched as ``any`` when it has more; ``all``
  requires every clause; ``any`` any of the top-level clauses (words, phrases, field scopes,
  groups), ``NOT`` clauses still excluding. A query that is not a conjunction
  (``oil OR opec``) is searched as written.
* **Partial matches** (a search that does not require every word): the backend multiplies
  each article's score by the share of the words it has to the power
  ``Ranking.coordination``, puts the articles that have every word first
  (``coverage="all-first"``), and re-ranks the same matches with pseudo-relevance feedback
  (``feedback=True``). Totals, facets and the histogram count every match.
* **Relaxed results**: when every word is required and nothing has them all, the search is
  run again with any word (``relaxed=True``), ranked the same way: by score times
  coordination, not by the number of words first.
* **Collapsing** (``collapse=True``): the ranked matches are walked and copies folded into the
  first of their group (:mod:`searchlib.collapse`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from . import collapse as copies
from . import facets as fc
from . import highlight
from . import text as tx
from .backend import Candidate, Coverage, MatchRequest, MatchSet, Reader
from .model import Article, FacetName, FilterHint, Hit, SearchResults
from .query import (
    And,
    Every,
    Node,
    Not,
    ParsedQuery,
    Term,
    clauses,
    expand,
    has_multiterms,
    parse_query,
    relaxed,
    split_dates,
)
from .ranking import QUESTION_WORDS, Ranking
from .request import Match, SearchRequest
from .suggestions import did_you_mean


def prepare(reader: Reader, text: str) -> tuple[ParsedQuery, Node, dt.date | None, dt.date | None]:
    """Parse ``text``, expand its multi-terms, take out its required date clauses:
    (the parsed query, the tree to match, first day, last day)."""
    parsed = parse_query(text)
    tree = parsed.tree
    if has_multiterms(tree):
        tree = expand(tree, reader.expand)
        parsed = ParsedQuery(parsed.text, tree, parsed.words)
    rest, first, last = split_dates(tree)
    return parsed, rest, first, last


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return max(a, b) if a and b else a or b


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(a, b) if a and b else a or b


def match_request(
    request: SearchRequest,
    tree: Node,
    first: dt.date | None,
    last: dt.date | None,
    ranking: Ranking,
    *,
    match_all: bool,
) -> MatchRequest:
    """The backend request for the first attempt at a search."""
    sort = "date" if match_all else request.sort
    depth = copies.window(request.depth) if request.collapse else request.depth
    return MatchRequest(
        tree=tree,
        include=tuple(request.facet_filters()),
        exclude=tuple((e.facet, e.value) for e in request.exclude),
        date_from=_later(request.date_from, first),
        date_to=_earlier(request.date_to, last),
        sort=sort,
        depth=depth,
        scored=not match_all,
        recency=request.recency,
        ranking=ranking,
        facets=request.facets,
        histogram=request.histogram,
        deadline=time.perf_counter() + request.timeout,
    )


def _with_policy(
    base: MatchRequest,
    tree: Node,
    clause_list: Sequence[Node],
    coverage: Coverage,
    *,
    feedback: bool = False,
) -> MatchRequest:
    return replace(
        base, tree=tree, clauses=tuple(clause_list), coverage=coverage, feedback=feedback
    )


def _quoted(parsed: ParsedQuery, term: Term) -> bool:
    return 0 <= term.start < len(parsed.text) and parsed.text[term.start] in "'\""


def _plain_word(parsed: ParsedQuery, clause: Node) -> bool:
    """A word typed as such: no field, no boost, no quotes."""
    return (
        isinstance(clause, Term)
        and clause.field == "text"
        and clause.start >= 0
        and clause.boost == 1.0
        and not _quoted(parsed, clause)
    )


def without_function_words(parsed: ParsedQuery) -> ParsedQuery:
    """The query without its top-level function words (:data:`~searchlib.ranking.QUESTION_WORDS`).

    A plain word is left out when it is a function word, unless another word of the query
    that is not one gives the same index term ("other" beside "others"). The query is returned
    unchanged when it is not a conjunction or when nothing positive would be left.
    """
    tree = parsed.tree
    if not isinstance(tree, And):
        return parsed
    candidates = [
        c
        for c in tree.children
        if isinstance(c, Term) and c.text.lower() in QUESTION_WORDS and _plain_word(parsed, c)
    ]
    if not candidates:
        return parsed
    content_terms = {
        term
        for word in tx.tokens(parsed.text)
        if word.lower() not in QUESTION_WORDS and (term := tx.analyse(word)) is not None
    }
    dropped = [c for c in candidates if not all(t in content_terms for t in c.terms)]
    kept = [c for c in tree.children if not any(c is d for d in dropped)]
    if len(kept) == len(tree.children) or not any(not isinstance(c, Not) for c in kept):
        return parsed
    new_tree = kept[0] if len(kept) == 1 else And(tuple(kept), tree.boost)
    words = tuple(w for w in parsed.words if w.text.lower() not in QUESTION_WORDS)
    return ParsedQuery(parsed.text, new_tree, words)


def function_words(text: str) -> int:
    """How many of a query's words are function words (words the index drops included)."""
    return sum(1 for word in tx.tokens(text) if word.lower() in QUESTION_WORDS)


def first_attempt(
    base: MatchRequest, parsed: ParsedQuery, match: Match, ranking: Ranking
) -> tuple[MatchRequest, ParsedQuery, bool]:
    """The backend request for a search's first attempt, per the match rule (see the module
    docstring): (the request, the query without its function words, whether every clause is
    required and a relaxed retry can help)."""
    if parsed.match_all:
        return base, parsed, False
    question = without_function_words(parsed)
    tree = question.tree
    if match == "auto" and isinstance(tree, And):
        words = [c for c in tree.children if _plain_word(question, c)]
        if len(words) > ranking.auto_all_upto:
            match = "any"
    if match == "any":
        ored = relaxed(tree)
        base = replace(base, tree=tree)
        if ored is None:
            return base, question, False
        return _with_policy(base, ored, clauses(tree), "all-first", feedback=True), question, False
    # Every word required. A keyword query with a single function word keeps it ("off
    # shrugs"); two or more make it a question or a sentence, and they go.
    if function_words(parsed.text) < 2:
        tree = parsed.tree
    base = replace(base, tree=tree)
    return base, question, relaxed(tree) is not None or question.tree != tree


Hints = Callable[[Reader, FacetName, str], FilterHint]
"""Finds the nearest values of a filter value that matches nothing."""


def nearest(reader: Reader, facet: FacetName, value: str) -> FilterHint:
    """The nearest values of ``value`` among the facet's values (no cache)."""
    return fc.nearest_values(facet, value, reader.facet_values(facet))


def run(
    reader: Reader, request: SearchRequest, ranking: Ranking, *, hints: Hints = nearest
) -> SearchResults:
    """Run one search on one consistent view of an index. ``hints`` finds the nearest values
    of a filter value that matches nothing (an index caches what it needs per generation)."""
    started = time.perf_counter()
    parsed, tree, first, last = prepare(reader, request.query)
    base = match_request(request, tree, first, last, ranking, match_all=parsed.match_all)
    attempt, question, strict = first_attempt(
        base, ParsedQuery(parsed.text, tree, parsed.words), request.match, ranking
    )
    found = reader.search(attempt)
    is_relaxed = False
    if found.total == 0 and request.relax and strict and not found.partial and not found.unknown:
        retry = _relaxed_attempt(attempt, question)
        if retry is not None:
            again = reader.search(retry)
            if again.total:
                found, attempt, is_relaxed = again, retry, True
    ranked, groups = _page(reader, request, attempt, found)
    hits = _hits(reader, request, attempt.tree, ranked, groups)
    suggestion = None
    if request.suggest and parsed.words and time.perf_counter() < base.deadline:
        suggestion = did_you_mean(
            reader,
            parsed,
            lambda text: _has_results(reader, request, text, ranking),
            weak=is_relaxed or found.total == 0,
        )
    interval = fc.pick_interval(found.days, request.interval)
    return SearchResults(
        query=parsed.text,
        total=found.total,
        hits=hits,
        page=request.page,
        limit=request.limit,
        sort=attempt.sort,
        facets=fc.assemble(found.facets, request.facets, request.facet_limit),
        histogram=fc.histogram(found.days, interval) if request.histogram else (),
        interval=interval,
        relaxed=is_relaxed,
        suggestion=suggestion,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        partial=found.partial,
        collapsed=request.collapse,
        unmatched_filters=tuple(hints(reader, facet, value) for facet, value in found.unknown),
    )


def _relaxed_attempt(base: MatchRequest, question: ParsedQuery) -> MatchRequest | None:
    """Nothing has every word: take the articles with any of the content words, ranked by
    score times coordination (those with every word first: none here), re-ranked by
    feedback."""
    tree = relaxed(question.tree)
    if tree is None:
        if question.tree == base.tree:
            return None
        return _with_policy(base, question.tree, clauses(question.tree), "none")
    return _with_policy(base, tree, clauses(question.tree), "all-first", feedback=True)


def _page(
    reader: Reader, request: SearchRequest, attempt: MatchRequest, found: MatchSet
) -> tuple[tuple[Candidate, ...], list[list[int]]]:
    """The candidates of this page and, for each, the positions of its copies (collapsing)."""
    if not request.collapse:
        shown = found.ranked[request.offset : request.depth]
        return shown, [[] for _ in shown]
    ranked = found.ranked
    while True:
        groups = copies.collapse(ranked, reader.signatures([c.key for c in ranked]), request.depth)
        if len(groups) >= request.depth or len(ranked) < attempt.depth:
            break
        attempt = replace(attempt, depth=attempt.depth * 2, facets=(), histogram=False)
        ranked = reader.search(attempt).ranked
    kept = groups[request.offset : request.depth]
    return (
        tuple(ranked[p] for p, _ in kept),
        [[ranked[c].key for c in copies_of] for _, copies_of in kept],
    )


def _hits(
    reader: Reader,
    request: SearchRequest,
    tree: Node,
    ranked: Sequence[Candidate],
    groups: Sequence[Sequence[object]],
) -> tuple[Hit, ...]:
    if not ranked:
        return ()
    articles = reader.articles([c.key for c in ranked])
    marker = highlight.Highlighter.for_tree(None if isinstance(tree, Every) else tree)
    out = []
    for i, (candidate, article, copy_keys) in enumerate(zip(ranked, articles, groups, strict=True)):
        duplicates = tuple(a.id for a in reader.articles(list(copy_keys))) if copy_keys else ()
        out.append(
            make_hit(
                request.offset + i + 1,
                candidate.score,
                article,
                marker,
                fragments=request.fragments,
                fragment_chars=request.fragment_chars,
                duplicates=duplicates,
            )
        )
    return tuple(out)


def make_hit(
    rank: int,
    score: float,
    article: Article,
    marker: highlight.Highlighter,
    *,
    fragments: int,
    fragment_chars: int,
    duplicates: tuple[str, ...] = (),
) -> Hit:
    """A :class:`Hit` from a stored article, highlighted by ``marker``."""
    return Hit(
        rank=rank,
        id=article.id,
        score=round(float(score), 6),
        title=article.title,
        date=article.date,
        source=article.source,
        url=article.url,
        tags=article.tags,
        people=article.entities_of("person"),
        orgs=article.entities_of("org"),
        locations=article.entities_of("location"),
        title_fragment=highlight.whole(article.title, marker.title),
        fragments=highlight.fragments(
            article.body, marker.body, max_fragments=fragments, max_chars=fragment_chars
        )
        if fragments
        else (),
        duplicates=duplicates,
    )


def _has_results(reader: Reader, request: SearchRequest, text: str, ranking: Ranking) -> bool:
    parsed, tree, first, last = prepare(reader, text)
    probe = match_request(request, tree, first, last, ranking, match_all=parsed.match_all)
    attempt, _, _ = first_attempt(
        probe, ParsedQuery(parsed.text, tree, parsed.words), request.match, ranking
    )
    return reader.count(replace(attempt, depth=0, facets=(), histogram=False)) > 0


__all__ = [
    "first_attempt",
    "function_words",
    "make_hit",
    "match_request",
    "prepare",
    "run",
    "without_function_words",
]
