"""searchlib's query tree compiled for Whoosh: a Whoosh query, or a plan for the vectorised scorer.

Words without a field search the title and the body, as Whoosh's ``MultifieldParser`` would: a
word matches ``title:w OR body:w``; a word that analyses into several terms ("al-nusra") needs
all of them in the same field; a phrase is a phrase in the title or in the body. Entity, tag and
source scopes search their word fields; ``id:`` the exact id.

:func:`to_whoosh` gives the Whoosh query (for Whoosh's matchers: they find the same articles);
:func:`to_plan` the plan that :mod:`.scoring` matches and scores with searchlib's ranking model
(a word without a field is one BM25F term over title and body, see :mod:`.scoring`). Every tree
has a plan; leaves that need positions (phrases) are matched by Whoosh inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from whoosh import query as wq

from ...query import And, DateRange, Every, Node, Not, Or, Phrase, Term
from . import schema as sf
from . import scoring

#: The Whoosh field that each query field searches (``text`` searches title and body).
FIELDS: dict[str, tuple[str, ...]] = {
    "text": sf.DEFAULT_FIELDS,
    "title": (sf.TITLE,),
    "body": (sf.BODY,),
    "id": (sf.ID,),
    **{name: (pair[0],) for name, pair in sf.FACET_FIELDS.items()},
}


def to_whoosh(node: Node) -> wq.Query:
    """The Whoosh query for a tree without multi-terms (for matching: boosts are kept, but
    searchlib's scores come from the plan, :func:`to_plan`)."""
    if isinstance(node, Term):
        per_field: list[wq.Query] = []
        for name in FIELDS[node.field]:
            terms = [wq.Term(name, t) for t in node.terms]
            per_field.append(terms[0] if len(terms) == 1 else wq.And(terms))
        q = per_field[0] if len(per_field) == 1 else wq.Or(per_field)
        return _with_boost(q, node.boost)
    if isinstance(node, Phrase):
        if len(node.terms) == 1:
            return to_whoosh(Term(node.field, node.text, node.terms, boost=node.boost))
        phrases = [wq.Phrase(name, list(node.terms), slop=node.slop) for name in FIELDS[node.field]]
        q = phrases[0] if len(phrases) == 1 else wq.Or(phrases)
        return _with_boost(q, node.boost)
    if isinstance(node, DateRange):
        lo = dt.datetime.combine(node.first, dt.time.min) if node.first else None
        hi = dt.datetime.combine(node.last, dt.time.max) if node.last else None
        q = wq.Every(sf.DATE) if lo is None and hi is None else wq.DateRange(sf.DATE, lo, hi)
        return _with_boost(q, node.boost)
    if isinstance(node, Every):
        return _with_boost(wq.Every(), node.boost)
    if isinstance(node, Not):
        return _with_boost(wq.Not(to_whoosh(node.child)), node.boost)
    if isinstance(node, And):
        return _with_boost(wq.And([to_whoosh(c) for c in node.children]), node.boost)
    if isinstance(node, Or):
        if not node.children:
            return wq.NullQuery
        return _with_boost(wq.Or([to_whoosh(c) for c in node.children]), node.boost)
    raise TypeError(f"cannot compile {type(node).__name__}: expand multi-terms first")


def _with_boost(q: wq.Query, boost: float) -> wq.Query:
    if boost != 1.0:
        q.boost = q.boost * boost
    return q


def _scored_terms(field: str, terms: tuple[str, ...]) -> list[scoring.Node]:
    """The term scores of ``terms`` searched in ``field`` (a field name of the query tree)."""
    if field == "text":
        return [scoring.WordNode(t) for t in terms]
    name = FIELDS[field][0]
    return [scoring.TermNode(name, t) for t in terms]


def _all_of(parts: list[scoring.Node], boost: float = 1.0) -> scoring.Node:
    if len(parts) == 1:
        part = parts[0]
        assert isinstance(part, (scoring.WordNode, scoring.TermNode))
        return replace(part, boost=boost) if boost != 1.0 else part
    return scoring.AndNode(tuple(parts), boost=boost)


def to_plan(node: Node) -> scoring.Node:
    """The plan of a tree without multi-terms: how :mod:`.scoring` matches and scores it.

    A word without a field is a :class:`~.scoring.WordNode` (BM25F over title and body); a
    word in one field a :class:`~.scoring.TermNode`; a word of several terms must have them all
    in one field and scores their sum; a phrase is matched by Whoosh and scores its terms' sum;
    ``AND``, ``OR`` and ``NOT`` combine; boosts multiply.
    """
    if isinstance(node, Term):
        scored = _scored_terms(node.field, node.terms)
        if len(node.terms) == 1 or node.field != "text":
            return _all_of(scored, node.boost)
        same_field = scoring.OrNode(
            tuple(
                scoring.AndNode(tuple(scoring.TermNode(name, t) for t in node.terms))
                for name in FIELDS["text"]
            )
        )
        return scoring.MatchNode(same_field, scoring.AndNode(tuple(scored)), node.boost)
    if isinstance(node, Phrase):
        if len(node.terms) == 1:
            return to_plan(Term(node.field, node.text, node.terms, boost=node.boost))
        phrase = to_whoosh(replace(node, boost=1.0))
        scored = _scored_terms(node.field, node.terms)
        return scoring.MatchNode(phrase, scoring.AndNode(tuple(scored)), node.boost)
    if isinstance(node, DateRange):
        return scoring.MatchNode(to_whoosh(replace(node, boost=1.0)), None, node.boost)
    if isinstance(node, Every):
        return scoring.EveryNode(node.boost)
    if isinstance(node, Not):
        return scoring.AndNode((scoring.EveryNode(),), (to_plan(node.child),), node.boost)
    if isinstance(node, Or):
        return scoring.OrNode(tuple(to_plan(c) for c in node.children), node.boost)
    if isinstance(node, And):
        required = [to_plan(c) for c in node.children if not isinstance(c, Not)]
        excluded = [to_plan(c.child) for c in node.children if isinstance(c, Not)]
        if not required:
            required = [scoring.EveryNode()]
        return scoring.AndNode(tuple(required), tuple(excluded), node.boost)
    raise TypeError(f"cannot plan {type(node).__name__}: expand multi-terms first")


def proximity_terms(node: Node) -> list[str]:
    """The analysed terms of the tree's plain words in the order typed (for proximity)."""
    from ...query import positive_leaves

    words = [
        leaf
        for leaf in positive_leaves(node)
        if isinstance(leaf, Term) and leaf.field == "text" and leaf.start >= 0
    ]
    seen: dict[tuple[int, int], Term] = {}
    for w in sorted(words, key=lambda t: t.start):
        seen.setdefault((w.start, w.end), w)
    return [t for w in seen.values() for t in w.terms]


__all__ = ["FIELDS", "proximity_terms", "to_plan", "to_whoosh"]
