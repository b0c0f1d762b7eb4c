"""The query language, parsed once into searchlib's own query tree.

Words are ANDed by default; ``OR``, ``AND``, ``NOT`` (and ``ANDNOT``) combine them, in capitals;
parentheses group. ``"phrases"`` (``"..."~N`` allows N words between), ``'literal words'``,
``wild*`` and ``w?ld``, fuzzy ``term~`` (``term~2`` for two edits, ``term~2/3`` keeping the first
three letters), boosts ``term^2``, field scopes (``title:``, ``body:``, ``person:``, ``org:``,
``location:``, ``misc:``, ``tag:``, ``source:``, ``id:``, with aliases such as ``people:`` and
``place:``; ``title:(a OR b)`` scopes a group) and dates (``date:2016``, ``date:2016-10``,
``date:2016-10-07``, ``date:[2016-10-01 to 2016-10-31]``, open ends ``date:[2016-10-01 to]``,
``{}`` to exclude a bound). As in Whoosh, an explicit ``AND`` binds tighter than ``OR``, and
``OR`` tighter than the implicit AND between words: ``a b OR c`` is ``a AND (b OR c)``.

Everything the parser cannot honour exactly is a :class:`~searchlib.errors.QueryError`, never a
silently different query: an unknown field name, an impossible date, a range whose start is
after its end, a query with nothing searchable. An empty query, or a lone ``*``, matches every
article.

The tree (:class:`Term`, :class:`Phrase`, :class:`Prefix`, :class:`Wildcard`, :class:`Fuzzy`,
:class:`TermRange`, :class:`DateRange`, :class:`Every`, :class:`And`, :class:`Or`, :class:`Not`)
holds the words as typed *and* their analysed forms (:mod:`searchlib.text`: folded,
stop words dropped, stemmed in the title and body), so every backend matches the same terms.
Multi-word terms (wildcards, fuzzy terms, ranges of words) are expanded by
:func:`expand` against the words *as written* in the index (a backend's spelling lexicon), and
then matched in their analysed forms: ``negotiat*`` finds "negotiations" and "negotiated".

The search policy works on the tree: :func:`clauses`, :func:`relaxed` (AND turned into OR)
and :func:`without_words` (a question's function words left out).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

from . import text as tx
from .dates import parse_date_bound
from .errors import QueryError

#: The longest query string accepted, in characters.
MAX_QUERY_CHARS = 4096
#: The most terms (words, words of phrases, wildcards...) a query may hold.
MAX_QUERY_TERMS = 256
#: A wildcard, fuzzy term or range may stand for at most this many indexed words.
MAX_EXPANSION = 1000

FieldName = Literal[
    "text", "title", "body", "person", "org", "location", "misc", "tag", "source", "id"
]
"""Where a term is searched: ``text`` is the title and the body (words without a field)."""

#: How the values of each field are analysed: ``text`` (folded, stop words dropped, stemmed),
#: ``name`` (folded words: entity names, tags, sources) or ``exact`` (the id as given).
FIELD_ANALYSIS: dict[str, Literal["text", "name", "exact"]] = {
    "text": "text",
    "title": "text",
    "body": "text",
    "person": "name",
    "org": "name",
    "location": "name",
    "misc": "name",
    "tag": "name",
    "source": "name",
    "id": "exact",
}

#: Field names a query may use (``title:aleppo``), and other names users may type for them.
FIELD_ALIASES: dict[str, str] = {
    "title": "title",
    "headline": "title",
    "body": "body",
    "person": "person",
    "people": "person",
    "per": "person",
    "org": "org",
    "organisation": "org",
    "organization": "org",
    "orgs": "org",
    "location": "location",
    "place": "location",
    "places": "location",
    "loc": "location",
    "misc": "misc",
    "tag": "tag",
    "tags": "tag",
    "topic": "tag",
    "source": "source",
    "outlet": "source",
    "id": "id",
    "date": "date",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # read as spaces


# -- the tree ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word (or a quoted literal) in one field.

    ``terms`` are its analysed forms: usually one; several when the word splits ("al-nusra"),
    and then all of them must be in the same field of an article; none for a stop word.
    ``start``/``end`` locate it in the query text (-1 when it was made by expansion).
    """

    field: FieldName
    text: str
    terms: tuple[str, ...]
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """Words that must appear in this order, at most ``slop - 1`` words apart."""

    field: FieldName
    text: str
    terms: tuple[str, ...]
    slop: int = 1
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    """Every word that starts with ``text`` (``negotiat*``); expanded before searching."""

    field: FieldName
    text: str
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class Wildcard:
    """Every word matching ``pattern`` (``*`` any characters, ``?`` one); expanded."""

    field: FieldName
    pattern: str
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class Fuzzy:
    """Every word within ``maxdist`` edits of ``text`` sharing its first ``prefix`` letters."""

    field: FieldName
    text: str
    maxdist: int = 1
    prefix: int = 1
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class TermRange:
    """Every word between ``low`` and ``high`` in alphabetical order; expanded."""

    field: FieldName
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class DateRange:
    """Articles dated from ``first`` to ``last`` inclusive (either may be open)."""

    first: dt.date | None
    last: dt.date | None
    start: int = -1
    end: int = -1
    boost: float = 1.0


@dataclass(frozen=True)
class Every:
    """Every article."""

    boost: float = 1.0


@dataclass(frozen=True)
class And:
    """All of ``children`` (a :class:`Not` child excludes)."""

    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Or:
    """Any of ``children``; scores add up. ``Or(())`` matches nothing."""

    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Not:
    """Articles that do not match ``child`` (inside an :class:`And`, it excludes)."""

    child: Node
    boost: float = 1.0


Node: TypeAlias = (
    "Term | Phrase | Prefix | Wildcard | Fuzzy | TermRange | DateRange | Every | And | Or | Not"
)
MultiTerm: TypeAlias = "Prefix | Wildcard | Fuzzy | TermRange"
Leaf: TypeAlias = "Term | Phrase | Prefix | Wildcard | Fuzzy | TermRange | DateRange"
NOTHING = Or(())
"""The query that matches nothing (a wildcard that stands for no indexed word)."""


@dataclass(frozen=True)
class QueryWord:
    """A plain word of the query as the user typed it, and where (for "did you mean")."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the tree, the text, and its plain words."""

    text: str
    tree: Node
    words: tuple[QueryWord, ...] = field(default=())

    @property
    def match_all(self) -> bool:
        """True for the empty query (or ``*``): every article, newest first."""
        return isinstance(self.tree, Every)


# -- analysis ------------------------------------------------------------------------------------


def analyse(field: str, text: str) -> tuple[str, ...]:
    """The terms ``text`` becomes in ``field`` (see :data:`FIELD_ANALYSIS`)."""
    how = FIELD_ANALYSIS[field]
    if how == "exact":
        return (text,) if text else ()
    if how == "name":
        return tuple(t.text for t in tx.plain_terms(text))
    return tuple(t.text for t in tx.terms(text))


# -- the parser ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<range>[\[{][^\]}]*[\]}])
  | (?P<phrase>"[^"]*")(?:~(?P<slop>\d+))?
  | (?P<single>'[^']*')
  | (?P<word>[^\s()"]+)
  | (?P<stray>")
    """,
    re.VERBOSE,
)
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT"}
_BOOST = re.compile(r"\^(\d+(?:\.\d+)?)$")
_FUZZY = re.compile(r"^(?P<text>.*[^~])~(?:(?P<dist>\d)(?:/(?P<prefix>\d+))?)?$")
_FIELD = re.compile(r"^(?P<name>[^\s:]+):(?P<rest>.*)$", re.DOTALL)
_RANGE = re.compile(r"^(?P<lo>[\[{])(?P<inner>.*)(?P<hi>[\]}])$", re.DOTALL)
_TO = re.compile(r"(?:^|\s+)to(?:\s+|$)", re.IGNORECASE)


def _range_parts(text: str) -> tuple[str, str, str, str] | None:
    """(opening bracket, low, high, closing bracket) of ``[low to high]``, or None."""
    m = _RANGE.match(text)
    if m is None:
        return None
    parts = _TO.split(m["inner"].strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    return m["lo"], parts[0].strip(), parts[1].strip(), m["hi"]


@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    end: int
    slop: int = 1
    field: str | None = None  # a "name:" scope written before it


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    pending: tuple[str, int] | None = None  # a field scope waiting for its value
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # the word alternative matches any other character
        kind: str = m.lastgroup if m.lastgroup not in (None, "slop") else "phrase"
        pos = m.end()
        if kind in ("space", "stray"):
            if pending is not None:
                out.append(_Tok("word", pending[0] + ":", pending[1], m.start()))
                pending = None
            continue
        raw = m.group(kind)
        if kind == "word":
            scope = _FIELD.match(raw)
            if scope is not None and _field_name(scope["name"]) is not None:
                name = scope["name"]
                rest = scope["rest"]
                if rest[:1] in ("[", "{", "'"):
                    pending = (name, m.start())
                    pos = m.start() + len(name) + 1  # read the value as its own token
                    continue
                if rest:
                    out.append(_Tok("word", rest, m.start() + len(name) + 1, m.end(), field=name))
                else:
                    pending = (name, m.start())
                continue
        tok = _Tok(kind, raw, m.start(), m.end())
        if kind == "phrase" and m.group("slop"):
            tok.slop = max(1, int(m.group("slop")))
        if pending is not None:
            tok.field = pending[0]
            pending = None
        out.append(tok)
    if pending is not None:
        out.append(_Tok("word", pending[0] + ":", pending[1], len(text)))
    return out


def _field_name(name: str) -> str | None:
    """The field a ``name:`` scope names; None when it is not a field at all (``10:30``).

    Raises QueryError for a name that looks like a field but is not one (``colour:red``).
    """
    found = FIELD_ALIASES.get(name.lower())
    if found is not None:
        return found
    if name[:1].isalpha():
        fields = ", ".join(sorted(set(FIELD_ALIASES.values())))
        raise QueryError(
            f"unknown field '{name}:' (fields: {fields}); "
            f"put the words in quotes to search for them as text"
        )
    return None


class _Parser:
    """Recursive descent over the tokens; see the module docstring for the grammar."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_op(self, name: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.field is None and tok.text == name

    def parse(self) -> Node | None:
        node = self.sequence(None, top=True)
        return node

    def sequence(self, scope: str | None, *, top: bool = False) -> Node | None:
        parts: list[Node] = []
        while self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            if tok.kind == "close":
                self.i += 1
                if top:
                    continue  # an unmatched ")" is ignored
                break
            node = self.disjunction(scope)
            if node is not None:
                parts.append(node)
        return _combine(And, parts)

    def disjunction(self, scope: str | None) -> Node | None:
        parts = [self.conjunction(scope)]
        while self.is_op("OR"):
            self.i += 1
            parts.append(self.conjunction(scope))
        return _combine(Or, [p for p in parts if p is not None])

    def conjunction(self, scope: str | None) -> Node | None:
        parts = [self.unary(scope)]
        while self.is_op("AND") or self.is_op("ANDNOT"):
            negate = self.peek().text == "ANDNOT"  # type: ignore[union-attr]
            self.i += 1
            node = self.unary(scope)
            parts.append(Not(node) if negate and node is not None else node)
        return _combine(And, [p for p in parts if p is not None])

    def unary(self, scope: str | None) -> Node | None:
        if self.is_op("NOT"):
            self.i += 1
            node = self.unary(scope)
            return Not(node) if node is not None else None
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text in _OPERATORS:
            self.i += 1  # a dangling operator ("a AND", "OR a") is ignored
            return None
        return self.atom(scope)

    def atom(self, scope: str | None) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        self.i += 1
        field = _field_name(tok.field) if tok.field else scope
        if tok.kind == "open":
            node = self.sequence(field)
            return _boosted(node, self._group_boost())
        if tok.kind == "close":
            return None
        return _leaf(tok, field or "text", self.text)

    def _group_boost(self) -> float:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.field is None:
            m = re.fullmatch(r"\^(\d+(?:\.\d+)?)", tok.text)
            if m:
                self.i += 1
                return float(m[1])
        return 1.0


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return kind(tuple(parts))


def _boosted(node: Node | None, boost: float) -> Node | None:
    if node is None or boost == 1.0:
        return node
    return replace(node, boost=boost)


def _leaf(tok: _Tok, field: str, text: str) -> Node | None:
    raw, start, end = tok.text, tok.start, tok.end
    if field == "date":
        return _date_leaf(tok)
    if tok.kind == "phrase":
        inner = raw[1:-1]
        return Phrase(field, inner, analyse(field, inner), tok.slop, start, end)  # type: ignore[arg-type]
    if tok.kind == "single":
        inner = raw[1:-1]
        return Term(field, inner, analyse(field, inner), start, end)  # type: ignore[arg-type]
    if tok.kind == "range":
        return _term_range(tok, field)
    boost = 1.0
    m = _BOOST.search(raw)
    if m and m.start() > 0:
        boost = float(m[1])
        raw = raw[: m.start()]
    node = _word(raw, field, start, start + len(raw))
    return _boosted(node, boost)


def _word(raw: str, field: str, start: int, end: int) -> Node | None:
    f: FieldName = field  # type: ignore[assignment]
    if field != "id":
        fuzzy = _FUZZY.match(raw)
        if fuzzy and not any(c in fuzzy["text"] for c in "*?"):
            dist = int(fuzzy["dist"]) if fuzzy["dist"] else 1
            prefix = int(fuzzy["prefix"]) if fuzzy["prefix"] else 1
            word = _one_word(fuzzy["text"])
            if word is None:
                return None
            return Fuzzy(f, word, max(1, min(dist, 2)), prefix, start, end)
    if "*" in raw or "?" in raw:
        folded = raw if field == "id" else tx.fold(raw)
        if field != "id" and not re.search(r"\w", folded):
            if set(raw) <= {"*", "+", "-"}:
                return Every()
            if "?" not in folded:
                return None
        if field != "id":
            folded = re.sub(r"[^\w*?.]", "", folded)
        if folded.endswith("*") and "*" not in folded[:-1] and "?" not in folded:
            if not folded[:-1]:
                return Every()
            return Prefix(f, folded[:-1], start, end)
        return Wildcard(f, folded, start, end)
    terms = analyse(field, raw)
    if not terms:
        return None
    return Term(f, raw, terms, start, end)


def _one_word(raw: str) -> str | None:
    found = [t.text for t in tx.plain_terms(raw)]
    return found[0] if len(found) == 1 else (" ".join(found) if found else None)


def _term_range(tok: _Tok, field: str) -> Node | None:
    parts = _range_parts(tok.text)
    if parts is None:
        return _word(tok.text, field, tok.start, tok.end)
    opening, low_text, high_text, closing = parts
    low, high = low_text or None, high_text or None
    if field != "id":
        low = tx.fold(low) if low else None
        high = tx.fold(high) if high else None
    return TermRange(
        field,  # type: ignore[arg-type]
        low,
        high,
        opening == "[",
        closing == "]",
        tok.start,
        tok.end,
    )


def _date_leaf(tok: _Tok) -> Node:
    if tok.kind == "range":
        parts = _range_parts(tok.text)
        if parts is None:
            raise QueryError("date: takes a date (2016-10-07) or a range ([2016-10 to 2016-12])")
        opening, low, high, closing = parts
        first = parse_date_bound(low, upper=opening == "{") if low else None
        last = parse_date_bound(high, upper=closing == "]") if high else None
        if first and opening == "{":
            first += dt.timedelta(days=1)
        if last and closing == "}":
            last -= dt.timedelta(days=1)
        if first and last and first > last:
            raise QueryError(f"date range [{low} to {high}] starts after it ends")
        return DateRange(first, last, tok.start, tok.end)
    value = tok.text.strip("\"'")
    if not value or value.endswith(":"):
        raise QueryError("date: takes a date (2016-10-07) or a range ([2016-10 to 2016-12])")
    return DateRange(
        parse_date_bound(value, upper=False),
        parse_date_bound(value, upper=True),
        tok.start,
        tok.end,
    )


# -- normalising -----------------------------------------------------------------------------------


def simplify(node: Node | None) -> Node | None:
    """Drop empty parts: stop words, empty groups; flatten nested And/Or; None if nothing is left.

    A group that is only ``NOT`` clauses keeps them (``NOT a`` is every article without a).
    An ``Every`` inside an AND with other clauses is dropped (it adds nothing).
    """
    if node is None:
        return None
    if isinstance(node, (Term, Phrase)):
        return node if node.terms else None
    if isinstance(node, Not):
        child = simplify(node.child)
        return replace(node, child=child) if child is not None else None
    if isinstance(node, (And, Or)):
        kind = type(node)
        kids: list[Node] = []
        for child in node.children:
            c = simplify(child)
            if c is None:
                continue
            if type(c) is kind and c.boost == 1.0:
                kids.extend(c.children)
            else:
                kids.append(c)
        if kind is And and len(kids) > 1:
            kids = [k for k in kids if not isinstance(k, Every)] or [Every()]
        kids = _distinct(kids)
        if not kids:
            return None
        if len(kids) == 1 and node.boost == 1.0:
            return kids[0]
        return kind(tuple(kids), node.boost)
    return node


def _same(node: Node) -> object:
    """What makes two clauses the same query, wherever and however they were typed ("use"
    and "using" are both the term "us")."""
    if isinstance(node, Term):
        return ("term", node.field, node.terms, node.boost)
    if isinstance(node, Phrase):
        return ("phrase", node.field, node.terms, node.slop, node.boost)
    if isinstance(node, (Prefix, Wildcard, Fuzzy, TermRange, DateRange)):
        return replace(node, start=-1, end=-1)
    return node


def _distinct(kids: list[Node]) -> list[Node]:
    """The clauses without repeats (a word typed twice counts once, as in Whoosh)."""
    seen: set[object] = set()
    out = []
    for kid in kids:
        key = _same(kid)
        if key not in seen:
            seen.add(key)
            out.append(kid)
    return out


def leaves(node: Node) -> Iterator[Leaf]:
    """Every leaf of the tree (terms, phrases, multi-terms, date ranges), NOT parts included."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from leaves(child)
    elif isinstance(node, Not):
        yield from leaves(node.child)
    elif not isinstance(node, Every):
        yield node


def positive_leaves(node: Node) -> Iterator[Leaf]:
    """The leaves that are not under a :class:`Not`."""
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from positive_leaves(child)
    elif isinstance(node, (Not, Every)):
        return
    else:
        yield node


def _place(leaf: Leaf) -> object:
    return (leaf.start, leaf.end) if leaf.start >= 0 else id(leaf)


def _words(tree: Node) -> tuple[QueryWord, ...]:
    seen: dict[tuple[int, int], QueryWord] = {}
    for leaf in positive_leaves(tree):
        if isinstance(leaf, Term) and leaf.field == "text" and leaf.start >= 0:
            seen.setdefault((leaf.start, leaf.end), QueryWord(leaf.text, leaf.start, leaf.end))
    return tuple(sorted(seen.values(), key=lambda w: w.start))


def parse_query(text: str) -> ParsedQuery:
    """Parse a user's query. An empty (or all-blank) query, or ``*``, matches every article.

    Control characters are read as spaces. Raises :class:`QueryError` for queries that are too
    long (:data:`MAX_QUERY_CHARS`) or have too many terms (:data:`MAX_QUERY_TERMS`), name unknown
    fields, hold bad dates, or contain nothing searchable (only stop words or operators).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})",
            query=text[:200],
        )
    text = _CONTROL.sub(" ", text)
    if not text.strip():
        return ParsedQuery(text, Every())
    try:
        tree = simplify(_Parser(text).parse())
    except QueryError as exc:
        raise QueryError(exc.message, query=text) from None
    except RecursionError:
        raise QueryError("the query is nested too deeply", query=text) from None
    if tree is None or (isinstance(tree, Not) and False):
        raise QueryError(
            f"nothing to search for in {text!r}: it has only stop words, operators or punctuation",
            query=text,
        )
    terms = len({_place(leaf) for leaf in leaves(tree)})
    if terms > MAX_QUERY_TERMS:
        raise QueryError(f"query has {terms} terms; the limit is {MAX_QUERY_TERMS}", query=text)
    if isinstance(tree, Not):
        tree = And((Every(), tree))
    return ParsedQuery(text, tree, _words(tree))


# -- expansion -------------------------------------------------------------------------------------

Expander = Callable[["MultiTerm", int], Sequence[str]]
"""Lists the indexed words (as written, folded) a multi-term stands for, up to a limit."""


def expand(tree: Node, lookup: Expander, *, limit: int = MAX_EXPANSION) -> Node:
    """Replace each wildcard, prefix, fuzzy term and word range by the words it stands for.

    ``lookup(node, limit + 1)`` lists the indexed words as written (a backend reads them from
    its spelling lexicon for the title and body, or from the field's own words); each becomes a
    :class:`Term` with its analysed forms, so ``negotiat*`` matches every inflection indexed.
    A multi-term that stands for no word matches nothing; one that stands for more than
    ``limit`` words raises :class:`QueryError`.
    """
    if isinstance(tree, (Prefix, Wildcard, Fuzzy, TermRange)):
        found = list(lookup(tree, limit + 1))
        if len(found) > limit:
            raise QueryError(
                f"{_describe(tree)} matches more than {limit:,} different words; "
                "make it more specific"
            )
        terms: list[Node] = []
        seen: set[tuple[str, ...]] = set()
        for word in found:
            analysed = analyse(tree.field, word)
            if analysed and analysed not in seen:
                seen.add(analysed)
                terms.append(Term(tree.field, word, analysed, tree.start, tree.end))
        if not terms:
            return NOTHING
        return (
            Or(tuple(terms), tree.boost) if len(terms) > 1 else replace(terms[0], boost=tree.boost)
        )
    if isinstance(tree, (And, Or)):
        return replace(tree, children=tuple(expand(c, lookup, limit=limit) for c in tree.children))
    if isinstance(tree, Not):
        return replace(tree, child=expand(tree.child, lookup, limit=limit))
    return tree


def _describe(node: MultiTerm) -> str:
    scope = "" if node.field == "text" else f"{node.field}:"
    if isinstance(node, Prefix):
        return f"{scope}{node.text}*"
    if isinstance(node, Wildcard):
        return f"{scope}{node.pattern}"
    if isinstance(node, Fuzzy):
        return f"{scope}{node.text}~{node.maxdist}"
    return f"{scope}[{node.low or ''} to {node.high or ''}]"


def has_multiterms(tree: Node) -> bool:
    """True when the tree holds a wildcard, prefix, fuzzy term or word range."""
    return any(isinstance(leaf, (Prefix, Wildcard, Fuzzy, TermRange)) for leaf in leaves(tree))


# -- the search policy's transformations -------------------------------------------------------


def clauses(tree: Node) -> tuple[Node, ...]:
    """The positive top-level clauses a partial match is counted against."""
    if isinstance(tree, And):
        return tuple(c for c in tree.children if not isinstance(c, Not))
    return (tree,)


def relaxed(tree: Node) -> Node | None:
    """The query with its top-level AND turned into OR, or None if it cannot be relaxed.

    Only a top-level conjunction of two or more positive clauses relaxes; ``NOT`` clauses stay
    required.
    """
    if not isinstance(tree, And):
        return None
    positives = [c for c in tree.children if not isinstance(c, Not)]
    negatives = [c for c in tree.children if isinstance(c, Not)]
    if len(positives) < 2:
        return None
    ored = Or(tuple(positives))
    return And((ored, *negatives), tree.boost) if negatives else ored


def without_words(parsed: ParsedQuery, drop: frozenset[str]) -> ParsedQuery:
    """The query without its top-level plain words that are in ``drop`` (lower case).

    Used to take the function words out of a question ("what", "does", "about"). Returns the
    query unchanged when it is not a conjunction or when nothing positive would be left.
    """
    tree = parsed.tree
    if not isinstance(tree, And) or not drop:
        return parsed

    def droppable(clause: Node) -> bool:
        return (
            isinstance(clause, Term)
            and clause.field == "text"
            and clause.start >= 0
            and clause.text.lower() in drop
        )

    kept = [c for c in tree.children if not droppable(c)]
    if len(kept) == len(tree.children) or not any(not isinstance(c, Not) for c in kept):
        return parsed
    new_tree = kept[0] if len(kept) == 1 else And(tuple(kept), tree.boost)
    words = tuple(w for w in parsed.words if w.text.lower() not in drop)
    return ParsedQuery(parsed.text, new_tree, words)


def split_dates(tree: Node) -> tuple[Node, dt.date | None, dt.date | None]:
    """Take the required date clauses out of the tree: (the rest, first day, last day).

    A query that is only a date range becomes "every article" within that range.
    """
    first: dt.date | None = None
    last: dt.date | None = None

    def narrow(node: DateRange) -> None:
        nonlocal first, last
        if node.first is not None:
            first = max(first, node.first) if first else node.first
        if node.last is not None:
            last = min(last, node.last) if last else node.last

    if isinstance(tree, DateRange):
        narrow(tree)
        return Every(), first, last
    if not isinstance(tree, And):
        return tree, None, None
    rest: list[Node] = []
    for child in tree.children:
        if isinstance(child, DateRange):
            narrow(child)
        else:
            rest.append(child)
    if len(rest) == len(tree.children):
        return tree, None, None
    if not rest:
        return Every(), first, last
    if all(isinstance(c, Not) for c in rest):
        rest.insert(0, Every())
    new = rest[0] if len(rest) == 1 else And(tuple(rest), tree.boost)
    return new, first, last


__all__ = [
    "FIELD_ALIASES",
    "FIELD_ANALYSIS",
    "MAX_EXPANSION",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "NOTHING",
    "And",
    "DateRange",
    "Every",
    "Expander",
    "FieldName",
    "Fuzzy",
    "Leaf",
    "MultiTerm",
    "Node",
    "Not",
    "Or",
    "ParsedQuery",
    "Phrase",
    "Prefix",
    "QueryWord",
    "Term",
    "TermRange",
    "Wildcard",
    "analyse",
    "clauses",
    "expand",
    "has_multiterms",
    "leaves",
    "parse_query",
    "positive_leaves",
    "relaxed",
    "simplify",
    "split_dates",
    "without_words",
]
