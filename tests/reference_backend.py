"""A reference backend: a small, brute-force, in-memory engine over a list of articles.

It implements :class:`searchlib.backend.Backend` in the plainest way there is: every search walks
every article, matches the query tree against the article's analysed fields
(:mod:`searchlib.text`), counts facets and days with a ``Counter``, and ranks with a textbook
BM25 over the title and body. It shares no code with the Whoosh backend, so when both give the
same totals, filters, facets, histograms, date order and paging through the same
:class:`searchlib.Index` front, the boundary is real; and every later backend has an oracle.

Relevance scores differ from Whoosh's (the ranking model is not part of the contract); tests
compare orders only where the contract fixes them (date order, paging, coverage first).
"""

from __future__ import annotations

import contextlib
import fnmatch
import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from searchlib import dedup
from searchlib import text as tx
from searchlib.backend import (
    BackendStats,
    Candidate,
    Damage,
    MatchRequest,
    MatchSet,
    Signatures,
)
from searchlib.errors import IndexLocked
from searchlib.model import ENTITY_KINDS, Article, FacetName, Suggestion, SuggestionKind
from searchlib.query import (
    And,
    DateRange,
    Every,
    Fuzzy,
    MultiTerm,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    TermRange,
    Wildcard,
)
from searchlib.ranking import NO_DAY
from searchlib.suggestions import edit_distance

K1, B = 1.2, 0.75


def _clean(value: str) -> str:
    return " ".join(value.split())


@dataclass
class _Doc:
    """An article with its analysed fields, as the reference matches them."""

    article: Article
    digest: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, article: Article, digest: str) -> _Doc:
        doc = cls(article, digest)
        doc.fields["title"] = [t.text for t in tx.terms(article.title)]
        doc.fields["body"] = [t.text for t in tx.terms(article.body)]
        facet_values: dict[str, list[str]] = {
            kind: list(dict.fromkeys(_clean(n) for n in article.entities_of(kind) if _clean(n)))
            for kind in ENTITY_KINDS
        }
        facet_values["tag"] = list(dict.fromkeys(_clean(t) for t in article.tags if _clean(t)))
        facet_values["source"] = [_clean(article.source)] if article.source else []
        doc.values = facet_values
        for name, names in facet_values.items():
            doc.fields[name] = [t.text for n in names for t in tx.plain_terms(n)]
        doc.fields["id"] = [article.id]
        return doc

    @property
    def day(self) -> int:
        return self.article.date.toordinal() if self.article.date else NO_DAY

    def spelling(self) -> set[str]:
        return {tx.fold(w) for w in tx.tokens(f"{self.article.title}\n{self.article.body}")}


def _has(seq: list[str], terms: Sequence[str]) -> bool:
    return all(t in seq for t in terms)


def _phrase(seq: list[str], terms: Sequence[str], slop: int) -> bool:
    positions = [[i for i, t in enumerate(seq) if t == term] for term in terms]
    if not all(positions):
        return False

    def extend(k: int, at: int) -> bool:
        if k == len(terms):
            return True
        return any(at < p <= at + slop and extend(k + 1, p) for p in positions[k])

    return any(extend(1, p) for p in positions[0])


def _fields(name: str) -> tuple[str, ...]:
    return ("title", "body") if name == "text" else (name,)


def matches(node: Node, doc: _Doc) -> bool:
    """Whether an article matches a query tree (no multi-terms left)."""
    if isinstance(node, Term):
        return any(_has(doc.fields[f], node.terms) for f in _fields(node.field))
    if isinstance(node, Phrase):
        return any(_phrase(doc.fields[f], node.terms, node.slop) for f in _fields(node.field))
    if isinstance(node, DateRange):
        d = doc.article.date
        return (
            d is not None
            and (node.first is None or d >= node.first)
            and (node.last is None or d <= node.last)
        )
    if isinstance(node, Every):
        return True
    if isinstance(node, Not):
        return not matches(node.child, doc)
    if isinstance(node, And):
        return all(matches(c, doc) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, doc) for c in node.children)
    raise TypeError(type(node).__name__)


def _positive_terms(node: Node) -> list[str]:
    if isinstance(node, (Term, Phrase)) and node.field in ("text", "title", "body"):
        return list(node.terms)
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in _positive_terms(c)]
    return []


class ReferenceReader:
    """A snapshot of the reference index."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.docs = docs
        self.n = len(docs)
        self.avg = {
            f: (sum(len(d.fields[f]) for d in docs) / self.n if self.n else 1.0)
            for f in ("title", "body")
        }

    def _idf(self, field: str, term: str) -> float:
        df = sum(1 for d in self.docs if term in d.fields[field])
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _score(self, terms: list[str], doc: _Doc) -> float:
        total = 0.0
        for f in ("title", "body"):
            length = len(doc.fields[f])
            for term in terms:
                tf = doc.fields[f].count(term)
                if tf:
                    norm = tf + K1 * (1 - B + B * length / (self.avg[f] or 1.0))
                    total += self._idf(f, term) * tf * (K1 + 1) / norm
        return total

    def _candidates(self, request: MatchRequest) -> list[int]:
        out = []
        lowered = [(f, v.casefold()) for f, v in request.include]
        excluded = [(f, v.casefold()) for f, v in request.exclude]
        for i, doc in enumerate(self.docs):
            values = {f: {v.casefold() for v in vs} for f, vs in doc.values.items()}
            if any(v not in values[f] for f, v in lowered):
                continue
            if any(v in values[f] for f, v in excluded):
                continue
            d = doc.article.date
            if request.date_from or request.date_to:
                if d is None:
                    continue
                if request.date_from and d < request.date_from:
                    continue
                if request.date_to and d > request.date_to:
                    continue
            if matches(request.tree, doc):
                out.append(i)
        return out

    def _unknown(self, request: MatchRequest) -> tuple[tuple[FacetName, str], ...]:
        known = {(f, v.casefold()) for d in self.docs for f, vs in d.values.items() for v in vs}
        return tuple((f, v) for f, v in request.include if (f, v.casefold()) not in known)

    def search(self, request: MatchRequest) -> MatchSet:
        found = self._candidates(request)
        facets: dict[str, Counter[str]] = {f: Counter() for f in request.facets}
        days: Counter[int] = Counter()
        for i in found:
            doc = self.docs[i]
            for f in request.facets:
                facets[f].update(doc.values[f])
            if request.histogram and doc.day != NO_DAY:
                days[doc.day] += 1
        terms = _positive_terms(request.tree)
        ranked = []
        for i in found:
            doc = self.docs[i]
            score = self._score(terms, doc) if request.scored else 1.0
            coverage = sum(1 for c in request.clauses if matches(c, doc))
            if request.coverage == "factor" and request.clauses:
                score *= (coverage / len(request.clauses)) ** request.ranking.coordination
            first = coverage if request.coverage == "first" else 0
            ranked.append((i, score, doc.day, first))
        if request.sort == "date":
            ranked.sort(key=lambda r: (-r[2], -r[1], r[0]))
        else:
            ranked.sort(key=lambda r: (-r[3], -r[1], r[0]))
        return MatchSet(
            total=len(found),
            ranked=tuple(
                Candidate(i, round(s, 6), day) for i, s, day, _ in ranked[: request.depth]
            ),
            facets=facets,
            days=days,
            unknown=self._unknown(request),
        )

    def count(self, request: MatchRequest) -> int:
        return len(self._candidates(request))

    def articles(self, keys: Sequence[Any]) -> list[Article]:
        return [self.docs[int(k)].article for k in keys]

    def signatures(self, keys: Sequence[Any]) -> Signatures:
        rows = [
            dedup.signature(self.docs[int(k)].article.title, self.docs[int(k)].article.body)
            for k in keys
        ]
        return np.asarray(rows, dtype=np.uint32).reshape(len(keys), dedup.NUM_PERM)

    def get(self, article_id: str) -> Article | None:
        return next((d.article for d in self.docs if d.article.id == article_id), None)

    def _vocabulary(self, node: MultiTerm) -> set[str]:
        if node.field in ("text", "title", "body"):
            return set().union(*(d.spelling() for d in self.docs)) if self.docs else set()
        return {w for d in self.docs for w in d.fields[node.field]}

    def expand(self, node: MultiTerm, limit: int) -> list[str]:
        words = sorted(self._vocabulary(node))
        if isinstance(node, Prefix):
            found = [w for w in words if w.startswith(node.text)]
        elif isinstance(node, Wildcard):
            found = [w for w in words if fnmatch.fnmatchcase(w, node.pattern)]
        elif isinstance(node, Fuzzy):
            found = [
                w
                for w in words
                if w[: node.prefix] == node.text[: node.prefix]
                and edit_distance(w, node.text) <= node.maxdist
            ]
        else:
            assert isinstance(node, TermRange)
            found = [
                w
                for w in words
                if (node.low is None or w > node.low or (node.include_low and w == node.low))
                and (node.high is None or w < node.high or (node.include_high and w == node.high))
            ]
        return found[:limit]

    def word_frequency(self, word: str) -> int:
        return sum(1 for d in self.docs if word in d.spelling())

    def near_words(self, word: str, maxdist: int) -> list[tuple[str, int]]:
        vocabulary: Counter[str] = Counter()
        for d in self.docs:
            vocabulary.update(d.spelling())
        return [
            (w, n)
            for w, n in vocabulary.items()
            if w != word and w[:1] == word[:1] and edit_distance(w, word) <= maxdist
        ]

    def facet_values(self, facet: FacetName) -> Counter[str]:
        out: Counter[str] = Counter()
        for d in self.docs:
            out.update(d.values[facet])
        return out

    def similar(self, article_id: str, *, limit: int, deadline: float) -> list[Candidate] | None:
        me = next((i for i, d in enumerate(self.docs) if d.article.id == article_id), None)
        if me is None:
            return None
        mine = set(self.docs[me].fields["body"])
        scored = [
            (len(mine & set(d.fields["body"])), i)
            for i, d in enumerate(self.docs)
            if i != me and mine & set(d.fields["body"])
        ]
        scored.sort(key=lambda r: (-r[0], r[1]))
        return [Candidate(i, float(s), self.docs[i].day) for s, i in scored[:limit]]

    def suggest(
        self, folded: str, *, limit: int, kinds: frozenset[SuggestionKind] | None
    ) -> list[Suggestion]:
        out: list[Suggestion] = []
        for kind in ("person", "org", "location", "misc", "tag", "source"):
            if kinds is not None and kind not in kinds:
                continue
            for value, n in self.facet_values(kind).items():  # type: ignore[arg-type]
                words = [w.text for w in tx.plain_terms(value)]
                if any(" ".join(words[i:]).startswith(folded) for i in range(len(words))):
                    out.append(Suggestion(value, kind, n))  # type: ignore[arg-type]
        return out


class ReferenceWriter:
    """A batch of changes to the reference index, applied at commit."""

    def __init__(self, backend: ReferenceBackend) -> None:
        self.backend = backend
        self.start = dict(backend.docs)
        self.changes: dict[str, _Doc | None] = {}

    def stored_hash(self, article_id: str) -> str | None:
        doc = self.start.get(article_id)
        return doc.digest if doc is not None else None

    def ids_with_hash(self, digest: str) -> list[str]:
        return [i for i, d in self.start.items() if d.digest == digest]

    def write(self, article: Article, digest: str, *, replace: bool) -> None:
        self.changes[article.id] = _Doc.of(article, digest)

    def delete(self, ids: Iterable[str]) -> int:
        gone = 0
        for article_id in ids:
            if article_id in self.start or self.changes.get(article_id) is not None:
                self.changes[article_id] = None
                gone += 1
        return gone

    def commit(self, **_options: object) -> None:
        with self.backend.lock:
            for article_id, doc in self.changes.items():
                self.backend.docs.pop(article_id, None)
                if doc is not None:
                    self.backend.docs[article_id] = doc
            self.backend.generation_number += 1
        self.backend.writing.release()

    def cancel(self) -> None:
        self.backend.writing.release()


class ReferenceBackend:
    """The whole reference index: a dict of analysed articles, in the order written."""

    location = "memory://reference"

    def __init__(self) -> None:
        self.docs: dict[str, _Doc] = {}
        self.lock = threading.Lock()
        self.writing = threading.Lock()
        self.generation_number = 0

    @contextlib.contextmanager
    def reader(self) -> Iterator[ReferenceReader]:
        with self.lock:
            snapshot = list(self.docs.values())
        yield ReferenceReader(snapshot)

    def writer(self, *, timeout: float, **_options: object) -> ReferenceWriter:
        if not self.writing.acquire(timeout=timeout):
            raise IndexLocked("{index} is locked by another writer", index=self.location)
        return ReferenceWriter(self)

    def count(self) -> int:
        return len(self.docs)

    def generation(self) -> int | None:
        return self.generation_number

    def stats(self) -> BackendStats:
        dates = [d.article.date for d in self.docs.values() if d.article.date]
        return BackendStats(
            documents=len(self.docs),
            date_min=min(dates) if dates else None,
            date_max=max(dates) if dates else None,
            undated=len(self.docs) - len(dates),
            size_bytes=None,
            generation=self.generation_number,
            details={"engine": "reference"},
        )

    def verify(self) -> list[Damage]:
        return []

    def optimize(self, *, timeout: float) -> None:
        return None

    def settle(self, *, timeout: float) -> None:
        return None

    def close(self) -> None:
        return None
