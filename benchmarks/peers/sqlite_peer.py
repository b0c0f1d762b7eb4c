"""SQLite FTS5 from the standard library's ``sqlite3``.

* ``fts``: an FTS5 table ``(title, body, id UNINDEXED, date UNINDEXED)`` with
  ``tokenize='porter unicode61 remove_diacritics 2'``; its ``rank`` is configured as
  ``bm25(fts, 2.0, 1.0)`` (title weight 2), so ``ORDER BY rank LIMIT 10`` lets FTS5 sort and
  compute ``snippet()`` only for the rows returned.
* ``facets(doc, kind, value)``: one row per (article, facet, value), indexed on
  ``(doc, kind, value)``; facet counts are a ``GROUP BY`` over it joined to the matches.
* Queries quote every word (``"oil" "price"``): FTS5 ANDs them, each in any column.
* Modes (c) and (d) put the matching rowids in a temporary table once, then count, group the
  facets and the months (``substr(date, 1, 7)``) from it.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from searchlib import Article, ReadOptions

from . import FACETS, Answer, DateRange, facet_values, read_and_extract, top

TOKENIZE = "porter unicode61 remove_diacritics 2"
SNIPPET_TOKENS = 40  # about 240 characters, searchlib's fragment size

SCHEMA = f"""
CREATE VIRTUAL TABLE fts USING fts5(title, body, id UNINDEXED, date UNINDEXED,
                                    tokenize='{TOKENIZE}');
INSERT INTO fts(fts, rank) VALUES('rank', 'bm25(2.0, 1.0)');
CREATE TABLE facets(doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
"""


def match_expression(query: str) -> str:
    """The FTS5 query for plain words, all required: each word quoted."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in query.split())


class SqliteSession:
    """One connection to the database."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path))
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("CREATE TEMP TABLE matches(doc INTEGER PRIMARY KEY)")

    def search(self, query: str, mode: str, dates: DateRange | None) -> Answer:
        """The top 10 (``ORDER BY rank``), then the count, facets and months of the matches."""
        match = match_expression(query)
        ranged = mode == "d" and dates is not None
        where = "fts MATCH ?" + (" AND date BETWEEN ? AND ?" if ranged else "")
        params: tuple[str, ...] = (match,)
        if ranged and dates:
            params = (match, dates[0].isoformat(), dates[1].isoformat())
        if mode == "a":
            rows = self.db.execute(
                f"SELECT id, title, rank FROM fts WHERE {where} ORDER BY rank LIMIT 10", params
            ).fetchall()
            snippets: list[str] = []
        else:
            rows = self.db.execute(
                f"SELECT id, title, rank, snippet(fts, 1, '<mark>', '</mark>', '…', "
                f"{SNIPPET_TOKENS}) FROM fts WHERE {where} ORDER BY rank LIMIT 10",
                params,
            ).fetchall()
            snippets = [row[3] for row in rows]
        answer = Answer(total=0, ids=[row[0] for row in rows], snippets=snippets)
        if mode in ("a", "b"):
            answer.total = self.db.execute(
                f"SELECT count(*) FROM fts WHERE {where}", params
            ).fetchone()[0]
            return answer
        self.db.execute("DELETE FROM matches")
        self.db.execute(f"INSERT INTO matches SELECT rowid FROM fts WHERE {where}", params)
        answer.total = self.db.execute("SELECT count(*) FROM matches").fetchone()[0]
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for kind, value, n in self.db.execute(
            "SELECT kind, value, count(*) FROM matches JOIN facets ON facets.doc = matches.doc "
            "GROUP BY kind, value"
        ):
            counts[kind][value] = n
        answer.facets = {name: top(counts.get(name, {})) for name in FACETS}
        answer.months = {
            month: n
            for month, n in self.db.execute(
                "SELECT substr(fts.date, 1, 7) AS month, count(*) FROM matches "
                "JOIN fts ON fts.rowid = matches.doc WHERE fts.date IS NOT NULL GROUP BY month"
            )
        }
        return answer

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


class SqlitePeer:
    """SQLite FTS5 (single-threaded writer)."""

    name = "sqlite-fts5"
    facet_method = (
        "the matching rowids go into a temporary table once (INSERT ... SELECT rowid FROM fts "
        "WHERE fts MATCH ?); facets: SELECT kind, value, count(*) FROM matches JOIN facets "
        "ON facets.doc = matches.doc GROUP BY kind, value over a side table facets(doc, kind, "
        "value) indexed on (doc, kind, value), top 10 per facet taken in Python; months: "
        "SELECT substr(date, 1, 7), count(*) over the matches joined back to fts (date is an "
        "UNINDEXED fts column)"
    )
    notes = (
        "fts5(title, body, id UNINDEXED, date UNINDEXED, tokenize='porter unicode61 "
        "remove_diacritics 2'), rank = bm25(fts, 2.0, 1.0), ORDER BY rank LIMIT 10; every "
        "query word quoted (AND); total by SELECT count(*) in modes (a)/(b); one snippet() "
        f"of {SNIPPET_TOKENS} tokens from the body per hit; date range as 'date BETWEEN ? AND "
        "?' on the ISO date; indexed in one transaction, then the FTS 'optimize' command; "
        "single-threaded (no procs=2 run)"
    )

    def version(self) -> str:
        """The SQLite library's version."""
        return sqlite3.sqlite_version

    def supports_procs(self, procs: int) -> bool:
        """SQLite has one writer thread."""
        return procs == 1

    def build(self, path: Path, articles: Iterable[Article], procs: int) -> int:
        """One transaction, then merge the FTS b-trees ('optimize')."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path))
        n = 0
        try:
            db.executescript(SCHEMA)
            with db:
                for rowid, article in enumerate(articles, start=1):
                    db.execute(
                        "INSERT INTO fts(rowid, title, body, id, date) VALUES (?, ?, ?, ?, ?)",
                        (
                            rowid,
                            article.title,
                            article.body,
                            article.id,
                            article.date.isoformat() if article.date else None,
                        ),
                    )
                    db.executemany(
                        "INSERT INTO facets(doc, kind, value) VALUES (?, ?, ?)",
                        [
                            (rowid, kind, value)
                            for kind, values in facet_values(article).items()
                            for value in values
                        ],
                    )
                    n += 1
            db.execute("CREATE INDEX facets_doc ON facets(doc, kind, value)")
            db.execute("INSERT INTO fts(fts) VALUES('optimize')")
            db.commit()
        finally:
            db.close()
        return n

    def ingest(self, path: Path, corpus: Path, options: ReadOptions, procs: int) -> int:
        """Read with searchlib's readers, extract with its default extractor, index."""
        return self.build(path, read_and_extract(corpus, options), procs)

    def open(self, path: Path) -> SqliteSession:
        """Open the database for searching."""
        return SqliteSession(path)
