"""searchlib's query tree compiled for Whoosh: a Whoosh query, or a plan for the vectorised scorer.

Words without a field search the title and the body (the title's matches multiplied by the
ranking's ``title_weight``), as Whoosh's ``MultifieldParser`` would: a word is
``title:w OR body:w``; a word that analyses into several terms ("al-nusra") needs all of them in
the same field; a phrase is a phrase in the title or in the body. Entity, tag and source scopes
search their word fields; ``id:`` the exact id.
"""

from __future__ import annotations

import datetime as dt

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


def _fields(field: str, title_weight: float) -> list[tuple[str, float]]:
    names = FIELDS[field]
    if field != "text":
        return [(names[0], 1.0)]
    return [(name, title_weight if name == sf.TITLE else 1.0) for name in names]


def _with_boost(q: wq.Query, boost: float) -> wq.Query:
    if boost != 1.0:
        q.boost = q.boost * boost
    return q


def to_whoosh(node: Node, *, title_weight: float = 1.0) -> wq.Query:
    """The Whoosh query for a tree without multi-terms."""
    if isinstance(node, Term):
        per_field: list[wq.Query] = []
        for name, weight in _fields(node.field, title_weight):
            terms = [wq.Term(name, t, boost=weight) for t in node.terms]
            per_field.append(terms[0] if len(terms) == 1 else wq.And(terms))
        q = per_field[0] if len(per_field) == 1 else wq.Or(per_field)
        return _with_boost(q, node.boost)
    if isinstance(node, Phrase):
        if len(node.terms) == 1:
            return to_whoosh(
                Term(node.field, node.text, node.terms, boost=node.boost), title_weight=title_weight
            )
        phrases = [
            wq.Phrase(name, list(node.terms), slop=node.slop, boost=weight)
            for name, weight in _fields(node.field, title_weight)
        ]
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
        return _with_boost(wq.Not(to_whoosh(node.child, title_weight=title_weight)), node.boost)
    if isinstance(node, And):
        kids = [to_whoosh(c, title_weight=title_weight) for c in node.children]
        return _with_boost(wq.And(kids), node.boost)
    if isinstance(node, Or):
        if not node.children:
            return wq.NullQuery
        kids = [to_whoosh(c, title_weight=title_weight) for c in node.children]
        return _with_boost(wq.Or(kids), node.boost)
    raise TypeError(f"cannot compile {type(node).__name__}: expand multi-terms first")


def to_plan(node: Node, *, title_weight: float = 1.0) -> scoring.Node | None:
    """The vectorisable form of a tree, or None if it needs Whoosh's matchers.

    Everything that scores must be a word in the title or body, combined with AND and OR, with
    no boosts; ``NOT`` clauses may hold anything (they only remove articles).
    """
    if isinstance(node, Term):
        if node.field not in ("text", "title", "body") or node.boost != 1.0:
            return None
        per_field: list[scoring.Node] = []
        for name, weight in _fields(node.field, title_weight):
            terms = [scoring.TermNode(name, t, weight) for t in node.terms]
            per_field.append(terms[0] if len(terms) == 1 else scoring.AndNode(tuple(terms)))
        return per_field[0] if len(per_field) == 1 else scoring.OrNode(tuple(per_field))
    if getattr(node, "boost", 1.0) != 1.0:
        return None
    if isinstance(node, Or):
        options = [to_plan(c, title_weight=title_weight) for c in node.children]
        if not options or any(o is None for o in options):
            return None
        return scoring.OrNode(tuple(o for o in options if o is not None))
    if isinstance(node, And):
        required: list[scoring.Node] = []
        excluded: list[scoring.Node | wq.Query] = []
        for child in node.children:
            if isinstance(child, Not):
                inner = child.child
                excluded.append(
                    to_plan(inner, title_weight=title_weight)
                    or to_whoosh(inner, title_weight=title_weight)
                )
                continue
            plan = to_plan(child, title_weight=title_weight)
            if plan is None:
                return None
            required.append(plan)
        if not required:
            return None
        return scoring.AndNode(tuple(required), tuple(excluded))
    return None


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
