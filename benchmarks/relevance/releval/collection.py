"""Reading an IR test collection, and turning its questions into query strings.

A collection is a directory with three files:

* ``docs.jsonl``: one document a line, ``{"id", "title", "body", "date"?}`` (other keys ignored);
* ``queries.jsonl``: one query a line, ``{"qid", "text"}``;
* ``qrels.trec``: relevance judgments, ``qid 0 docid grade`` (grade > 0 is relevant; graded).

Documents with neither a title nor a body (Cranfield has two) cannot be indexed by searchlib, so
every system leaves them out alike and the collection statistics (N, average lengths) stay
the same for all of them; their judgments still count as relevant documents nobody can find.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

#: A word as Whoosh's ``RegexTokenizer`` (and so searchlib) splits text: ``2.5`` and ``u.s``
#: stay one word, everything else that is not a letter or digit separates words.
WORD = re.compile(r"\w+(?:\.?\w+)*")

Qrels = dict[str, dict[str, int]]
"""``{qid: {docid: grade}}`` as read from ``qrels.trec``."""


@dataclass(frozen=True)
class Doc:
    """One document of the collection."""

    id: str
    title: str
    body: str
    date: str | None = None


@dataclass(frozen=True)
class Query:
    """One query (a natural-language question)."""

    qid: str
    text: str


@dataclass(frozen=True)
class Collection:
    """Documents, queries and judgments; ``skipped_docs`` are the empty documents left out."""

    name: str
    path: str
    docs: tuple[Doc, ...]
    queries: tuple[Query, ...]
    qrels: Qrels
    skipped_docs: tuple[str, ...] = ()

    def judged_queries(self) -> tuple[Query, ...]:
        """The queries with at least one relevant (grade > 0) document: the ones evaluated."""
        return tuple(
            q for q in self.queries if any(g > 0 for g in self.qrels.get(q.qid, {}).values())
        )


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    records = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            records.append(record)
    return records


def read_qrels(path: Path) -> Qrels:
    """``qid 0 docid grade`` lines (extra columns and blank lines are not allowed)."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise ValueError(f"{path}:{number}: expected 'qid 0 docid grade'")
            qid, _, docid, grade = parts
            qrels.setdefault(qid, {})[docid] = int(grade)
    return qrels


def load(directory: str | Path) -> Collection:
    """Read the collection in ``directory``."""
    root = Path(directory)
    for name in ("docs.jsonl", "queries.jsonl", "qrels.trec"):
        if not (root / name).is_file():
            raise FileNotFoundError(f"{root / name} is missing (a collection needs docs.jsonl, "
                                    "queries.jsonl and qrels.trec)")
    docs: list[Doc] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for record in _read_jsonl(root / "docs.jsonl"):
        doc_id = str(record["id"])
        if doc_id in seen:
            raise ValueError(f"{root / 'docs.jsonl'}: document id {doc_id!r} is repeated")
        seen.add(doc_id)
        title = str(record.get("title") or "").strip()
        body = str(record.get("body") or "").strip()
        if not title and not body:
            skipped.append(doc_id)
            continue
        date = record.get("date")
        docs.append(Doc(doc_id, title, body, str(date) if date else None))
    queries = tuple(
        Query(str(r["qid"]), str(r["text"])) for r in _read_jsonl(root / "queries.jsonl")
    )
    return Collection(
        name=root.name,
        path=str(root),
        docs=tuple(docs),
        queries=queries,
        qrels=read_qrels(root / "qrels.trec"),
        skipped_docs=tuple(skipped),
    )


def query_words(text: str) -> list[str]:
    """The words of a question, lower-cased, as the index's tokenizer would split them."""
    return [m.group().lower() for m in WORD.finditer(text)]


def sanitise(text: str) -> str:
    """A natural-language question as a plain-words query string for searchlib (and Whoosh).

    What a user pasting a question into a search box should do: keep the words, drop
    everything else. Punctuation that is query syntax (quotes, ``:``, ``*``, ``?``, ``~``,
    brackets, ``^``, ``+``/``-``) goes, and lower-casing turns ``AND``/``OR``/``NOT`` into
    ordinary (stop) words instead of operators. The index analyser does the rest (stop words,
    stemming). ``2.5`` stays one word, as the index has it.
    """
    return " ".join(query_words(text))
