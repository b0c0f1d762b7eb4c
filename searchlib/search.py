"""One search, from a :class:`~searchlib.request.SearchRequest` to :class:`SearchResults`.

This is the engine-free policy above the backend boundary::

    SearchRequest ─parse─▶ query tree ─expand multi-terms─▶ MatchRequest ─backend─▶ MatchSet
        ─▶ relaxed retry / questions ─▶ collapse copies ─▶ page ─▶ highlights, facets,
        histogram, hints, "did you mean" ─▶ SearchResults

* **Questions** (``match="any"``): the question's function words (``ranking.QUESTION_WORDS``)
  are left out when other words remain, the rest are ORed, and each article's score is
  multiplied by the share of the words it has, to the power ``Ranking.coordination``.
* **Relaxed results**: when nothing matches every word of a ``match="all"`` search, the
  function words are left out and the articles with any of the other words come back, those
  with more of them first (``relaxed=True``).
* **Collapsing** (``collapse=True``): the ranked matches are walked and copies folded into the
  first of their group (:mod:`searchlib.collapse`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

from . import collapse as copies
from . import facets as fc
from . import highlight
from .backend import Candidate, Coverage, MatchRequest, MatchSet, Reader
from .model import Article, FacetName, FilterHint, Hit, SearchResults
from .query import (
    Every,
    Node,
    ParsedQuery,
    clauses,
    expand,
    has_multiterms,
    parse_query,
    relaxed,
    split_dates,
    without_words,
)
from .ranking import QUESTION_WORDS, Ranking
from .request import SearchRequest
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
    base: MatchRequest, tree: Node, clause_list: Sequence[Node], coverage: Coverage
) -> MatchRequest:
    from dataclasses import replace

    return replace(base, tree=tree, clauses=tuple(clause_list), coverage=coverage)


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
    attempt = base
    if request.match == "any":
        question = without_words(ParsedQuery(parsed.text, tree, parsed.words), QUESTION_WORDS)
        ored = relaxed(question.tree)
        attempt = _with_policy(
            base,
            ored if ored is not None else question.tree,
            clauses(question.tree),
            "factor" if ored is not None else "none",
        )
    found = reader.search(attempt)
    is_relaxed = False
    if found.total == 0 and request.relax and request.match == "all" and not found.partial:
        retry = _relaxed_attempt(base, ParsedQuery(parsed.text, tree, parsed.words))
        if retry is not None and not found.unknown:
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


def _relaxed_attempt(base: MatchRequest, parsed: ParsedQuery) -> MatchRequest | None:
    """Nothing has every word: likely a question. Leave out its function words and take the
    articles with any of the others, those with more of them first."""
    question = without_words(parsed, QUESTION_WORDS)
    tree = relaxed(question.tree)
    if tree is None and question is not parsed:
        tree = question.tree
    if tree is None:
        return None
    return _with_policy(base, tree, clauses(question.tree), "first")


def _page(
    reader: Reader, request: SearchRequest, attempt: MatchRequest, found: MatchSet
) -> tuple[tuple[Candidate, ...], list[list[int]]]:
    """The candidates of this page and, for each, the positions of its copies (collapsing)."""
    if not request.collapse:
        shown = found.ranked[request.offset : request.depth]
        return shown, [[] for _ in shown]
    from dataclasses import replace

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
    from dataclasses import replace

    return reader.count(replace(probe, depth=0, facets=(), histogram=False)) > 0


__all__ = ["make_hit", "match_request", "prepare", "run"]
