"""From a user's query string and search options to a Whoosh query.

The query language is Whoosh's, set up for news: words are ANDed by default; ``OR``, ``NOT``,
``"phrases"``, ``wild*``, fuzzy ``term~`` (``term~2`` for two edits), field scopes
(``title:``, ``person:``, ``org:``, ``location:``, ``tag:``, ``source:``, ``id:``) and dates
(``date:2016``, ``date:2016-10``, ``date:2016-10-07``, ``date:[2016-10-01 to 2016-10-31]``, open
ends ``date:[2016-10-01 to]``). Everything the parser cannot honour exactly is a
:class:`~searchlib.errors.QueryError`, never a silently different query: an unknown field name, an
impossible date or a range whose start is after its end. An empty query matches every article
(to browse by filters and facets).

Syntax is added with Whoosh parser plugins, never by rewriting the query string.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    Plugin,
    syntax,
)

from . import schema as sf
from .errors import QueryError

#: The longest query string accepted, in characters.
MAX_QUERY_CHARS = 4096
#: The most terms (words, words of phrases, wildcards...) a query may hold.
MAX_QUERY_TERMS = 256

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # read as spaces

#: Other names users may type for a field.
FIELD_ALIASES: dict[str, list[str]] = {
    "person": ["people", "per"],
    "org": ["organisation", "organization", "orgs"],
    "location": ["place", "places", "loc"],
    "tag": ["tags", "topic"],
    "source_text": ["source", "outlet"],
    "title": ["headline"],
}

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True)
class Filters:
    """Restrictions applied on top of a query; they narrow the matches but do not score.

    Each facet filter is a sequence of canonical values (matched case-insensitively); an article
    must carry *every* value given. ``date_from`` and ``date_to`` are inclusive; articles without
    a date never pass a date filter.
    """

    person: Sequence[str] = ()
    org: Sequence[str] = ()
    location: Sequence[str] = ()
    misc: Sequence[str] = ()
    tag: Sequence[str] = ()
    source: Sequence[str] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def facet_values(self) -> Iterator[tuple[str, str]]:
        """Every (facet name, value) pair, in a stable order."""
        for name in sf.FACET_FIELDS:
            for value in getattr(self, name):
                yield name, value

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return self.date_from is None and self.date_to is None and not any(self.facet_values())


@dataclass(frozen=True)
class QueryWord:
    """A plain word of the query as the user typed it, and where (for "did you mean")."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the scored Whoosh query plus what search needs to know about it."""

    text: str
    query: wq.Query
    words: tuple[QueryWord, ...]
    match_all: bool

    def relaxed(self) -> wq.Query | None:
        """The same query with its top-level AND turned into OR, or None if it cannot be relaxed.

        Only a top-level conjunction of two or more positive clauses relaxes; ``NOT`` clauses
        stay required.
        """
        q = self.query
        if not isinstance(q, wq.And):
            return None
        positives = [s for s in q.subqueries if not isinstance(s, wq.Not)]
        negatives = [s for s in q.subqueries if isinstance(s, wq.Not)]
        if len(positives) < 2:
            return None
        ored: wq.Query = wq.Or(positives)
        return wq.And([ored, *negatives]) if negatives else ored

    def without_words(self, drop: Collection[str]) -> ParsedQuery:
        """The query without its top-level plain words that are in ``drop`` (lower case).

        Used to take the function words out of a question ("what", "does", "about"). Returns
        the query unchanged when it is not a conjunction or when nothing would be left.
        """
        q = self.query
        if not isinstance(q, wq.And) or not drop:
            return self
        spans = {(w.start, w.end): w for w in self.words if w.text.lower() in drop}

        def droppable(clause: wq.Query) -> bool:
            if isinstance(clause, wq.Not):
                return False
            places = {_place(leaf) for leaf in clause.leaves()}
            return len(places) == 1 and next(iter(places)) in spans

        kept = [c for c in q.subqueries if not droppable(c)]
        if len(kept) == len(q.subqueries) or not any(not isinstance(c, wq.Not) for c in kept):
            return self
        words = tuple(w for w in self.words if (w.start, w.end) not in spans)
        query = kept[0] if len(kept) == 1 else wq.And(kept)
        return ParsedQuery(self.text, query, words, self.match_all)

    def clauses(self) -> list[wq.Query]:
        """The positive top-level clauses a relaxed match is counted against."""
        q = self.query
        if isinstance(q, wq.And):
            return [s for s in q.subqueries if not isinstance(s, wq.Not)]
        return [q]


class _StrictFieldsPlugin(Plugin):  # type: ignore[misc]
    """Rejects ``name:`` scopes that are not searchable fields, instead of searching the text."""

    def __init__(self, allowed: Mapping[str, str]) -> None:
        self.allowed = set(allowed.values())
        self.names = sorted(allowed)

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self.check, 95)]  # after the alias plugin (90), before field assignment (100)

    def check(self, parser: Any, group: Any) -> Any:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.check(parser, node)
            elif isinstance(node, syntax.FieldnameNode):
                name = node.fieldname
                if name[:1].isalpha() and name not in self.allowed:
                    raise QueryError(
                        f"unknown field '{name}:' (fields: {', '.join(self.names)}); "
                        f"put the words in quotes to search for them as text"
                    )
        return group


class _DateRangeNode(syntax.SyntaxNode):  # type: ignore[misc]
    has_fieldname = True
    has_boost = True

    def __init__(self, fieldname: str, start: dt.date | None, end: dt.date | None) -> None:
        self.fieldname = fieldname
        self.start = start
        self.end = end
        self.boost = 1.0

    def r(self) -> str:
        return f"{self.start}..{self.end}"

    def query(self, parser: Any) -> wq.Query:
        return date_range_query(self.start, self.end)


def parse_date_bound(text: str, *, upper: bool) -> dt.date:
    """A strict ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first day it covers, or the last
    (``upper=True``): ``2016`` is 2016-01-01 as a lower bound and 2016-12-31 as an upper one.

    Raises :class:`QueryError` for anything else, or an impossible date.
    """
    m = _DATE_RE.match(text.strip())
    if not m:
        raise QueryError(f"bad date '{text}' in query: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if month is None:
            return dt.date(year, 12, 31) if upper else dt.date(year, 1, 1)
        if day is None:
            first = dt.date(year, int(month), 1)
            if not upper:
                return first
            nxt = dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(year, int(month), int(day))
    except ValueError:
        raise QueryError(f"impossible date '{text}' in query") from None


class _StrictDatePlugin(Plugin):  # type: ignore[misc]
    """Parses ``date:`` values strictly as ISO dates; anything else is a QueryError."""

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self.do_dates, 110)]

    def do_dates(self, parser: Any, group: Any) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_dates(parser, node)
                continue
            if not node.has_fieldname or node.fieldname != sf.DATE:
                continue
            if isinstance(node, syntax.RangeNode):
                start = parse_date_bound(node.start, upper=False) if node.start else None
                end = parse_date_bound(node.end, upper=True) if node.end else None
                if start and node.startexcl:
                    start = parse_date_bound(node.start, upper=True) + dt.timedelta(days=1)
                if end and node.endexcl:
                    end = parse_date_bound(node.end, upper=False) - dt.timedelta(days=1)
                if start and end and start > end:
                    raise QueryError(
                        f"date range [{node.start} to {node.end}] starts after it ends"
                    )
                new = _DateRangeNode(sf.DATE, start, end)
            elif node.has_text:
                text = node.text
                new = _DateRangeNode(
                    sf.DATE, parse_date_bound(text, upper=False), parse_date_bound(text, upper=True)
                )
            else:
                raise QueryError(
                    "date: takes a date (2016-10-07) or a range ([2016-10 to 2016-12])"
                )
            new.startchar, new.endchar = node.startchar, node.endchar
            group[i] = new
        return group


class DayRange(wq.DateRange):  # type: ignore[misc]
    """A date range in whole days, remembered as dates so search can filter by doc-values.

    Where it is a required clause of the query, search takes it out and filters with the
    per-segment day table instead (a Whoosh ``DateRange`` unions thousands of numeric terms);
    anywhere else it runs as the ``DateRange`` it is.
    """

    def __init__(self, start: dt.date | None, end: dt.date | None) -> None:
        lo = dt.datetime.combine(start, dt.time.min) if start else None
        hi = dt.datetime.combine(end, dt.time.max) if end else None
        super().__init__(sf.DATE, lo, hi)
        self.first_day = start
        self.last_day = end


def date_range_query(start: dt.date | None, end: dt.date | None) -> wq.Query:
    """A query for articles dated between ``start`` and ``end`` inclusive (either may be open)."""
    if start is None and end is None:
        return wq.Every(sf.DATE)
    return DayRange(start, end)


@dataclass(frozen=True)
class DateBounds:
    """An inclusive range of days (either end may be open)."""

    first: dt.date | None = None
    last: dt.date | None = None

    def narrow(self, first: dt.date | None, last: dt.date | None) -> DateBounds:
        """The intersection with another range."""
        lo = max((d for d in (self.first, first) if d), default=None)
        hi = min((d for d in (self.last, last) if d), default=None)
        return DateBounds(lo, hi)

    def is_open(self) -> bool:
        """True when nothing is excluded."""
        return self.first is None and self.last is None

    def is_empty(self) -> bool:
        """True when no day can be in the range."""
        return self.first is not None and self.last is not None and self.first > self.last


def split_dates(q: wq.Query) -> tuple[wq.Query, DateBounds]:
    """Take the required date clauses out of ``q``: (the rest of the query, their date range).

    A query that is only a date range becomes "everything" within that range.
    """
    bounds = DateBounds()
    if isinstance(q, DayRange):
        return wq.Every(), bounds.narrow(q.first_day, q.last_day)
    if not isinstance(q, wq.And):
        return q, bounds
    rest = []
    for sub_q in q.subqueries:
        if isinstance(sub_q, DayRange):
            bounds = bounds.narrow(sub_q.first_day, sub_q.last_day)
        else:
            rest.append(sub_q)
    if len(rest) == len(q.subqueries):
        return q, bounds
    if not rest:
        return wq.Every(), bounds
    return (rest[0] if len(rest) == 1 else wq.And(rest)), bounds


def make_parser(schema: Schema, *, title_weight: float = 1.0) -> MultifieldParser:
    """The query parser for an index's schema (reusable and safe to share between threads).

    Words without a field name search the title and the body; ``title_weight`` multiplies the
    score of their title matches.
    """
    boosts = {sf.TITLE: title_weight} if title_weight != 1.0 else None
    parser = MultifieldParser(list(sf.DEFAULT_FIELDS), schema, fieldboosts=boosts, group=AndGroup)
    parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
    parser.add_plugin(_StrictFieldsPlugin(sf.QUERY_FIELDS))
    parser.add_plugin(_StrictDatePlugin())
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def _words(q: wq.Query, text: str) -> tuple[QueryWord, ...]:
    seen: dict[tuple[int, int], QueryWord] = {}
    for leaf in q.leaves():
        if type(leaf) is not wq.Term or leaf.fieldname not in sf.DEFAULT_FIELDS:
            continue
        start, end = getattr(leaf, "startchar", None), getattr(leaf, "endchar", None)
        if start is None or end is None or (start, end) in seen:
            continue
        seen[(start, end)] = QueryWord(text[start:end], start, end)
    return tuple(sorted(seen.values(), key=lambda w: w.start))


def _place(leaf: wq.Query) -> object:
    start = getattr(leaf, "startchar", None)
    return (start, getattr(leaf, "endchar", None)) if start is not None else id(leaf)


def parse_query(parser: MultifieldParser, text: str) -> ParsedQuery:
    """Parse a user's query. An empty (or all-blank) query matches every article.

    Control characters are read as spaces. Raises :class:`QueryError` for queries that are too
    long (:data:`MAX_QUERY_CHARS`) or have too many terms (:data:`MAX_QUERY_TERMS`), name unknown
    fields, hold bad dates, or contain nothing searchable (only stop words or operators).
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query is too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})"
        )
    text = _CONTROL.sub(" ", text)
    if not text.strip():
        return ParsedQuery(text, wq.Every(), (), True)
    try:
        q = parser.parse(text)
    except QueryError:
        raise
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse query {text!r}: {exc}") from None
    q = q.normalize()
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        raise QueryError(
            f"nothing to search for in {text!r}: it has only stop words, operators or punctuation"
        )
    # a word searched in title and body is one term to the user: count places in the text
    terms = len({_place(leaf) for leaf in q.leaves()})
    if terms > MAX_QUERY_TERMS:
        raise QueryError(f"query has {terms} terms; the limit is {MAX_QUERY_TERMS}")
    return ParsedQuery(text, q, _words(q, text), isinstance(q, wq.Every))


def filter_query(values: Mapping[str, Sequence[str]]) -> wq.Query | None:
    """The filter for resolved facet values ({facet field: exact terms}).

    Every listed facet term is required. Returns None when nothing is filtered. (Date filters
    are applied by search with the per-segment day tables; see :func:`split_dates`.)
    """
    parts: list[wq.Query] = [
        wq.Term(field, term) for field, terms in values.items() for term in terms
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "DateBounds",
    "DayRange",
    "Filters",
    "ParsedQuery",
    "QueryWord",
    "date_range_query",
    "filter_query",
    "make_parser",
    "parse_date_bound",
    "parse_query",
    "split_dates",
]
