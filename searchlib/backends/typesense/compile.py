"""searchlib's query tree compiled for Typesense 0.24: an exact filter, and a ranking query.

**Matching** is a ``filter_by`` expression over the analysed term arrays
(:mod:`.documents`), so it is boolean and exact, as on Whoosh: a word without a field is
``(t_title:=w || t_body:=w)``; a word that analyses into several terms needs all of them in the
same field; ``NOT`` is pushed down to the leaves (De Morgan) and becomes ``:!=``; ``id:`` is the
exact id; dates are a range on the day number.

**Ranking** is Typesense's own ``text_match`` on a ``q`` made of the positive words of the
title and body (their analysed terms), with typo tolerance and prefix matching off.

What Typesense 0.24 cannot express raises :class:`~searchlib.errors.QueryError` naming the
feature: a phrase inside ``OR`` or ``NOT`` (a phrase is only a ``q`` clause), a phrase with a slop
(``"..."~N``), phrases in different fields in one query, a filter value holding a backtick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import QueryError
from ...query import And, DateRange, Every, Node, Not, Or, Phrase, Term
from .documents import FACET_FIELD, WORDS_FIELD, clean

#: Stands for "every document" and "no document" while compiling.
TRUE, FALSE = "\x00true", "\x00false"

#: The Typesense fields that each query field matches, for filters.
TERM_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("t_title", "t_body"),
    "title": ("t_title",),
    "body": ("t_body",),
    "id": ("aid",),
    **{name: (field,) for name, field in WORDS_FIELD.items()},
}

#: The Typesense fields that each query field ranks and phrases on.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("title_a", "body_a"),
    "title": ("title_a",),
    "body": ("body_a",),
    **{name: (field,) for name, field in FACET_FIELD.items()},
}

BACKEND = "the typesense backend"


def quote(value: str) -> str:
    """A value for a filter, in backticks (Typesense 0.24 has no escape for a backtick)."""
    if "`" in value:
        raise QueryError(
            f"a filter value with a backtick (`) cannot be sent to Typesense: {value[:80]!r}"
        )
    return f"`{value}`"


def _any(parts: list[str]) -> str:
    if TRUE in parts:
        return TRUE
    parts = [p for p in parts if p != FALSE]
    if not parts:
        return FALSE
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _all(parts: list[str]) -> str:
    if FALSE in parts:
        return FALSE
    parts = [p for p in parts if p != TRUE]
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"


def _names(field: str, terms: tuple[str, ...]) -> tuple[str, ...]:
    """The fields a word is looked for in: one word of the title or body is one clause on
    ``t_text`` (their union); a word of several terms needs them in the same field."""
    return ("t_text",) if field == "text" and len(terms) == 1 else TERM_FIELDS[field]


def _term(field: str, terms: tuple[str, ...], negate: bool) -> str:
    names = _names(field, terms)
    if negate:  # in no field does it have every term
        return _all([_any([f"{n}:!=[{quote(t)}]" for t in terms]) for n in names])
    return _any([_all([f"{n}:=[{quote(t)}]" for t in terms]) for n in names])


def to_filter(node: Node, negate: bool = False) -> str:
    """The filter for a tree without multi-terms: a string, :data:`TRUE` or :data:`FALSE`.

    Phrases filter on their terms only (the order is checked by the ranking query).
    """
    if isinstance(node, Every):
        return FALSE if negate else TRUE
    if isinstance(node, Term):
        return _term(node.field, node.terms, negate)
    if isinstance(node, Phrase):
        if negate:
            raise QueryError(f"a phrase after NOT is not supported by {BACKEND}")
        return _term(node.field, node.terms, False)
    if isinstance(node, DateRange):
        low = node.first.toordinal() if node.first else 1
        high = node.last.toordinal() if node.last else 99_999_999
        if negate:
            return f"(date_sort:<{low} || date_sort:>{high})"
        return f"date_sort:[{low}..{high}]"
    if isinstance(node, Not):
        return to_filter(node.child, not negate)
    if isinstance(node, And):
        if negate:  # NOT (a AND b) = NOT a OR NOT b
            return _any(_grouped(node.children, True))
        return _all([to_filter(c) for c in node.children])
    if isinstance(node, Or):
        if not negate:
            return _any(_grouped(node.children, False))
        return _all([to_filter(c, True) for c in node.children])
    raise QueryError(f"{type(node).__name__} must be expanded before searching on {BACKEND}")


def _grouped(children: tuple[Node, ...], negate: bool) -> list[str]:
    """The alternatives of an OR (or of a negated AND). Positive one-term words of one field
    become one clause per Typesense field (``t_body:=[a,b,c]``): Typesense 0.24 refuses long
    chains of ``||``, and the short form is faster."""
    if negate:
        return [to_filter(c, True) for c in children]
    words: dict[str, list[str]] = {}
    rest: list[str] = []
    for child in children:
        if isinstance(child, Term) and len(child.terms) == 1:
            words.setdefault(child.field, []).append(child.terms[0])
        else:
            rest.append(to_filter(child))
    for field, terms in words.items():
        listed = ",".join(quote(t) for t in dict.fromkeys(terms))
        rest.append(_any([f"{n}:=[{listed}]" for n in _names(field, (terms[0],))]))
    return rest


#: The most parts (clauses, operators, parentheses) a Typesense 0.24 filter may have.
MAX_FILTER_PARTS = 100

_PARTS = re.compile(r"&&|\|\||[()]|\w+:(?:!=|=|<|>|\[)")


def check_size(expr: str) -> str:
    """``expr``, or :class:`QueryError` when Typesense would refuse it as too long."""
    parts = len(_PARTS.findall(expr))
    if parts > MAX_FILTER_PARTS:
        raise QueryError(
            f"the query is too long for {BACKEND}: its filter has {parts} parts "
            f"(Typesense's limit is {MAX_FILTER_PARTS}); use fewer words or filters"
        )
    return expr


def facet_filter(facet: str, value: str, *, exclude: bool = False) -> str:
    """A facet filter clause (Typesense matches facet values ignoring case)."""
    op = ":!=" if exclude else ":="
    return f"{FACET_FIELD[facet]}{op}[{quote(clean(value))}]"


@dataclass(frozen=True)
class Ranking:
    """The ``q`` of a tree: its text, the fields it searches, and whether the tree needs it to
    match (a phrase: the filter alone cannot check word order)."""

    q: str
    fields: tuple[str, ...]
    required: bool
    all_words: bool


def _phrases(node: Node) -> list[Phrase]:
    """The phrases of a tree, which must be required clauses (the root or under the top AND)."""
    top = node.children if isinstance(node, And) else (node,)
    found = []
    for clause in top:
        if isinstance(clause, Phrase) and len(clause.terms) > 1:
            found.append(clause)
    nested = _nested_phrases(node) - {id(p) for p in found}
    if nested:
        raise QueryError(f"a phrase inside OR or NOT is not supported by {BACKEND}")
    for phrase in found:
        if phrase.slop > 1:
            raise QueryError(f'a phrase with a slop ("..."~N) is not supported by {BACKEND}')
        if phrase.field == "id":
            raise QueryError(f"a phrase in id: is not supported by {BACKEND}")
    return found


def _nested_phrases(node: Node) -> set[int]:
    if isinstance(node, Phrase):
        return {id(node)} if len(node.terms) > 1 else set()
    if isinstance(node, (And, Or)):
        return set().union(*(_nested_phrases(c) for c in node.children))
    if isinstance(node, Not):
        return _nested_phrases(node.child)
    return set()


def _words(node: Node) -> list[Term]:
    """The positive words of the title and body (not under NOT)."""
    if isinstance(node, Term):
        return [node] if node.field in ("text", "title", "body") else []
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in _words(c)]
    return []


def _is_conjunction(node: Node) -> bool:
    """True when every positive word is required (no OR above a word)."""
    if isinstance(node, Or):
        return len(node.children) <= 1 and all(_is_conjunction(c) for c in node.children)
    if isinstance(node, And):
        return all(_is_conjunction(c) for c in node.children)
    return True


def ranking_query(node: Node) -> Ranking | None:
    """The ranking query of a tree, or None when it has no positive word or phrase."""
    phrases = _phrases(node)
    words = _words(node)
    if phrases:
        field_sets = {TEXT_FIELDS[p.field] for p in phrases}
        if len(field_sets) > 1:
            raise QueryError(
                f"phrases in different fields in one query are not supported by {BACKEND}"
            )
        phrase_fields = next(iter(field_sets))
        parts = [f'"{" ".join(p.terms)}"' for p in phrases]
        if set(phrase_fields) <= {"title_a", "body_a"} and _is_conjunction(node):
            parts += [t for w in words for t in w.terms]
        q = " ".join(dict.fromkeys(parts))
        return Ranking(q, phrase_fields, True, _is_conjunction(node))
    if not words:
        return None
    fields = tuple(
        f for f in ("title_a", "body_a") if any(f in TEXT_FIELDS[w.field] for w in words)
    )
    terms = list(dict.fromkeys(t for w in words for t in w.terms))
    return Ranking(" ".join(terms), fields, False, _is_conjunction(node))


__all__ = ["FALSE", "TRUE", "Ranking", "facet_filter", "quote", "ranking_query", "to_filter"]
