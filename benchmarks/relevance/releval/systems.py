"""The systems compared: searchlib, plain Whoosh, SQLite FTS5 and the reference BM25.

Every system indexes the same documents (title and body) and gets the same query string for
each question: :func:`~.collection.sanitise` of it, the words only, lower-cased (what a user
would type). Each returns a ranked list of document ids, at most ``depth`` long.

* **searchlib**, public API only: ``Index(path, create=True)``, one ``index.writer()`` batch of
  ``Article(id, title, body, date)`` (``IndexWriter.add`` indexes articles as given, so no
  entity extraction runs: Cranfield is not news), then ``index.search(q, limit=depth,
  facets=(), histogram=False, fragments=0, suggest=False, ...)``; its ranking knobs
  (``Ranking``, ``match=``) are passed when this searchlib has them.
* **plain Whoosh**: title and body ``TEXT(analyzer=StemmingAnalyzer())``, default ``BM25F()``
  (B=0.75, K1=1.2, no field boost), ``MultifieldParser(["title", "body"])`` with its default
  ``AndGroup`` or with ``OrGroup``; ``searcher.search(q, limit=depth)``.
* **SQLite FTS5**: stdlib ``sqlite3``, ``fts5(title, body, tokenize='porter unicode61')``,
  ``ORDER BY bm25(fts)`` (k1=1.2, b=0.75, both columns weight 1), every query word quoted and
  joined with ``OR``.
* **reference**: :class:`~.bm25.ReferenceBM25`, OR of the query words, and with Anserini-style
  RM3 feedback (:meth:`~.bm25.ReferenceBM25.rank_rm3`);
* **chosen**: the model chosen in issue 14 (:mod:`.model`), in a match mode.
"""

from __future__ import annotations

import datetime as dt
import inspect
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .bm25 import BM25Params, Mode, ReferenceBM25
from .collection import Collection, Doc, query_words, sanitise
from .model import Match, Model, ReferenceIndex


@dataclass
class Result:
    """One query's answer: ranked ids and scores; ``error`` when the system refused it."""

    ids: list[str]
    scores: list[float] = field(default_factory=list)
    error: str | None = None


class System(Protocol):
    """A ranker under test."""

    name: str
    description: str

    def search(self, text: str, depth: int) -> Result:
        """The best ``depth`` documents for a natural-language question."""
        ...


# -- searchlib -------------------------------------------------------------------------------


def build_searchlib(docs: Sequence[Doc], path: Path) -> float:
    """Index ``docs`` into a new searchlib index at ``path``; returns the seconds it took."""
    import searchlib

    started = time.perf_counter()
    with searchlib.Index(path, create=True) as index, index.writer() as w:
        for d in docs:
            date = None
            if d.date:
                try:
                    date = dt.date.fromisoformat(d.date[:10])
                except ValueError:
                    date = None
            w.add(searchlib.Article(id=d.id, title=d.title, body=d.body, date=date))
    return time.perf_counter() - started


def searchlib_knobs() -> dict[str, bool]:
    """Which ranking knobs this searchlib offers: ``Ranking`` and ``search(match=...)``."""
    import searchlib

    init_params = inspect.signature(searchlib.Index.__init__).parameters
    return {
        "ranking": hasattr(searchlib, "Ranking") and "ranking" in init_params,
        "match": "match" in search_options(),
    }


def search_options() -> dict[str, Any]:
    """The options of ``Index.search`` with their defaults (the fields of ``SearchRequest``,
    or the keywords of ``search`` in versions without it)."""
    import dataclasses

    import searchlib

    request = getattr(searchlib, "SearchRequest", None)
    if request is not None:
        return {f.name: f.default for f in dataclasses.fields(request)}
    params = inspect.signature(searchlib.Index.search).parameters
    return {name: p.default for name, p in params.items()}


@dataclass(frozen=True)
class SearchlibConfig:
    """searchlib's ranking knobs (None: leave searchlib's default)."""

    k1: float | None = None
    b: float | None = None
    title_weight: float | None = None
    proximity: float | None = None
    match: str | None = None

    def ranking_kwargs(self) -> dict[str, float]:
        """The ``Ranking(...)`` arguments that are set."""
        names = ("k1", "b", "title_weight", "proximity")
        return {n: v for n in names if (v := getattr(self, n)) is not None}

    def label(self) -> str:
        """``k1=.. b=.. title_weight=.. proximity=.. match=..`` (only what is set)."""
        parts = [f"{k}={v:g}" for k, v in self.ranking_kwargs().items()]
        if self.match:
            parts.append(f"match={self.match}")
        return " ".join(parts) or "defaults"


class SearchlibSystem:
    """searchlib through its public API."""

    def __init__(
        self,
        path: Path,
        name: str,
        config: SearchlibConfig | None = None,
        *,
        drop_words: frozenset[str] = frozenset(),
    ) -> None:
        import searchlib

        self.config = config or SearchlibConfig()
        self.drop_words = drop_words
        knobs = searchlib_knobs()
        kwargs: dict[str, Any] = {}
        ranking = self.config.ranking_kwargs()
        if ranking:
            if not knobs["ranking"]:
                raise RuntimeError("this searchlib has no Ranking knobs yet")
            kwargs["ranking"] = searchlib.Ranking(**ranking)
        self.search_kwargs: dict[str, Any] = {}
        if self.config.match:
            if not knobs["match"]:
                raise RuntimeError("this searchlib's search() has no match= yet")
            self.search_kwargs["match"] = self.config.match
        self.index = searchlib.Index(path, **kwargs)
        self.name = name
        self.description = (
            f"searchlib {searchlib.__version__} ({self.config.label()}); "
            "index.search(q, limit=depth, facets=(), histogram=False, fragments=0, "
            f"suggest=False{''.join(f', {k}={v!r}' for k, v in self.search_kwargs.items())})"
            + (f"; {len(drop_words)} stop words dropped from queries first" if drop_words else "")
        )
        self.relaxed = 0

    def search(self, text: str, depth: int) -> Result:
        import searchlib

        query = sanitise(text)
        if self.drop_words:
            kept = [w for w in query.split() if w not in self.drop_words]
            query = " ".join(kept) if kept else query
        try:
            results = self.index.search(
                query,
                limit=depth,
                facets=(),
                histogram=False,
                fragments=0,
                suggest=False,
                **self.search_kwargs,
            )
        except searchlib.QueryError as exc:
            return Result([], [], str(exc))
        self.relaxed += bool(results.relaxed)
        return Result([h.id for h in results.hits], [h.score for h in results.hits])

    def close(self) -> None:
        """Release the index."""
        self.index.close()


# -- plain Whoosh ----------------------------------------------------------------------------


def build_whoosh(docs: Sequence[Doc], path: Path) -> float:
    """A plain Whoosh index of title and body with ``StemmingAnalyzer``; returns seconds."""
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in

    started = time.perf_counter()
    path.mkdir(parents=True, exist_ok=True)
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer()),
        body=TEXT(analyzer=StemmingAnalyzer()),
    )
    ix = create_in(str(path), schema)
    writer = ix.writer()
    for d in docs:
        writer.add_document(id=d.id, title=d.title, body=d.body)
    writer.commit()
    return time.perf_counter() - started


class WhooshSystem:
    """Plain Whoosh as its documentation teaches (default BM25F)."""

    def __init__(self, path: Path, group: str) -> None:
        from whoosh.index import open_dir
        from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

        self.ix = open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(
            ["title", "body"], self.ix.schema, group=OrGroup if group == "or" else AndGroup
        )
        self.name = f"whoosh-{group}"
        grouping = "OrGroup" if group == "or" else "AndGroup"
        self.description = (
            "plain Whoosh, StemmingAnalyzer, BM25F() defaults, "
            f"MultifieldParser(['title', 'body'], group={grouping})"
        )

    def search(self, text: str, depth: int) -> Result:
        q = self.parser.parse(sanitise(text))
        hits = self.searcher.search(q, limit=depth)
        return Result([h["id"] for h in hits], [float(h.score) for h in hits])

    def close(self) -> None:
        """Release the searcher."""
        self.searcher.close()


# -- SQLite FTS5 -----------------------------------------------------------------------------


class SqliteSystem:
    """SQLite FTS5 with its ``bm25()`` ranking and the porter tokenizer, words ORed."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        started = time.perf_counter()
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='porter unicode61')"
        )
        self.db.executemany(
            "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
            ((i, d.title, d.body) for i, d in enumerate(docs)),
        )
        self.db.commit()
        self.ids = [d.id for d in docs]
        self.index_seconds = time.perf_counter() - started
        self.name = "sqlite-fts5"
        self.description = (
            f"SQLite {sqlite3.sqlite_version} FTS5, tokenize='porter unicode61', "
            "ORDER BY bm25(fts), words quoted and ORed"
        )

    @staticmethod
    def match_expression(text: str) -> str:
        """``"w1" OR "w2" ...``: every distinct word, quoted (so nothing is FTS5 syntax)."""
        words = dict.fromkeys(query_words(text))
        return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)

    def search(self, text: str, depth: int) -> Result:
        match = self.match_expression(text)
        if not match:
            return Result([], [], "no words")
        rows = self.db.execute(
            "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?",
            (match, depth),
        ).fetchall()
        return Result([self.ids[r] for r, _ in rows], [-float(s) for _, s in rows])

    def close(self) -> None:
        """Close the database."""
        self.db.close()


# -- the reference ---------------------------------------------------------------------------


class ReferenceSystem:
    """The harness's own BM25 (:mod:`.bm25`)."""

    def __init__(
        self,
        collection: Collection,
        params: BM25Params,
        name: str,
        mode: Mode = "or",
        model: ReferenceBM25 | None = None,
    ) -> None:
        started = time.perf_counter()
        self.model = model or ReferenceBM25(collection.docs, params)
        self.index_seconds = time.perf_counter() - started
        self.mode = mode
        self.name = name
        self.description = f"reference BM25 ({params.label()}), {mode.upper()} of the words"

    def search(self, text: str, depth: int) -> Result:
        ranked = self.model.rank(sanitise(text), depth=depth, mode=self.mode)
        return Result(ranked.ids, ranked.scores)

    def close(self) -> None:
        """Nothing to release."""


class ReferenceRM3System:
    """The harness's own BM25 with RM3 feedback (Anserini's defaults)."""

    def __init__(
        self,
        collection: Collection,
        name: str = "reference-okapi+rm3",
        model: ReferenceBM25 | None = None,
    ) -> None:
        started = time.perf_counter()
        self.model = model or ReferenceBM25(collection.docs, BM25Params())
        self.index_seconds = time.perf_counter() - started
        self.name = name
        self.description = (
            f"reference BM25 ({self.model.params.label()}) with RM3 as Anserini runs it: "
            "10 feedback documents, 10 terms, original query weight 0.5, feedback terms in "
            "at most 10% of the documents; OR of the words"
        )

    def search(self, text: str, depth: int) -> Result:
        ranked = self.model.rank_rm3(sanitise(text), depth=depth)
        return Result(ranked.ids, ranked.scores)

    def close(self) -> None:
        """Nothing to release."""


class ChosenSystem:
    """The chosen model (:mod:`.model`), the reference searchlib's ranking is to match."""

    def __init__(
        self,
        collection: Collection,
        match: Match,
        *,
        model: Model | None = None,
        index: ReferenceIndex | None = None,
    ) -> None:
        started = time.perf_counter()
        self.index = index or ReferenceIndex((d.title, d.body) for d in collection.docs)
        self.index_seconds = time.perf_counter() - started
        self.ids = [d.id for d in collection.docs]
        self.model = model or Model()
        self.match: Match = match
        self.name = "chosen" if match == "auto" else f"chosen match={match}"
        self.description = f"the chosen model (releval.model, {self.model}), match={match!r}"
        self.relaxed = 0
        self.expanded = 0

    def search(self, text: str, depth: int) -> Result:
        r = self.index.search(sanitise(text), self.model, match=self.match, depth=depth)
        self.relaxed += r.relaxed
        self.expanded += bool(r.expansion)
        return Result([self.ids[d] for d in r.docs], r.scores)

    def close(self) -> None:
        """Nothing to release."""
