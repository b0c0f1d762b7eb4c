"""Reading an IR test collection, and turning its questions into query strings.

A collection is a directory with three files:

* ``docs.jsonl``: one document a line, ``{"id", "title", "body", "date"?}`` (other keys ignored);
* ``queries.jsonl``: one query a line, ``{"qid", "text"}``;
* ``qrels.trec``: relevance judgments, ``qid 0 docid grade`` (grade > 0 is relevant; graded).

A directory without those files but with a ``raw/`` folder holding the classic SMART files
(``*.ALL`` documents with ``.I``/``.T``/``.W`` fields, ``*.QRY`` queries with ``.I``/``.W``,
``*.REL`` judgments ``qid docid ...``, all binary; CISI's layout) is read from those directly;
nothing is converted into the repository.

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


def _smart_records(path: Path) -> list[dict[str, str]]:
    """The records of a SMART file: ``.I n`` starts one, ``.X`` (a field marker) its fields."""
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    field_name = ""
    with path.open(encoding="latin-1") as f:
        for line in f:
            marker = re.match(r"^\.([A-Z])(?:\s+(\S+))?\s*$", line)
            if marker and marker.group(1) == "I":
                current = {"I": marker.group(2) or ""}
                records.append(current)
                field_name = ""
            elif marker and current is not None:
                field_name = marker.group(1)
                current.setdefault(field_name, "")
            elif current is not None and field_name:
                current[field_name] += line
    return [{k: " ".join(v.split()) if k != "I" else v for k, v in r.items()} for r in records]


def _find(raw: Path, suffix: str) -> Path | None:
    found = sorted(p for p in raw.iterdir() if p.name.upper().endswith(suffix))
    return found[0] if len(found) == 1 else None


def smart_files(directory: str | Path) -> tuple[Path, Path, Path] | None:
    """(documents, queries, judgments) of a SMART collection in ``directory/raw``, if any."""
    raw = Path(directory) / "raw"
    if not raw.is_dir():
        return None
    files = (_find(raw, ".ALL"), _find(raw, ".QRY"), _find(raw, ".REL"))
    if any(f is None for f in files):
        return None
    return files  # type: ignore[return-value]


def load_smart(directory: str | Path) -> Collection:
    """A collection from its SMART files (``raw/*.ALL``, ``*.QRY``, ``*.REL``): documents are
    ``.I`` with title ``.T`` and body ``.W``, queries ``.I`` with text ``.W`` (qid = ``.I``),
    judgments ``qid docid ...`` lines, all grade 1."""
    files = smart_files(directory)
    if files is None:
        raise FileNotFoundError(f"{Path(directory) / 'raw'} has no *.ALL, *.QRY and *.REL")
    all_file, qry_file, rel_file = files
    root = Path(directory)
    docs: list[Doc] = []
    skipped: list[str] = []
    for r in _smart_records(all_file):
        title, body = r.get("T", ""), r.get("W", "")
        if not title and not body:
            skipped.append(r["I"])
            continue
        docs.append(Doc(r["I"], title, body))
    queries = tuple(Query(r["I"], r.get("W", "")) for r in _smart_records(qry_file))
    qrels: Qrels = {}
    with rel_file.open(encoding="latin-1") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                raise ValueError(f"{rel_file}:{number}: expected 'qid docid ...'")
            qrels.setdefault(parts[0], {})[parts[1]] = 1
    return Collection(root.name, str(root), tuple(docs), queries, qrels, tuple(skipped))


def load(directory: str | Path) -> Collection:
    """Read the collection in ``directory`` (JSON Lines and TREC qrels, or SMART raw files)."""
    root = Path(directory)
    names = ("docs.jsonl", "queries.jsonl", "qrels.trec")
    if not any((root / name).is_file() for name in names) and smart_files(root) is not None:
        return load_smart(root)
    for name in names:
        if not (root / name).is_file():
            raise FileNotFoundError(f"{root / name} is missing (a collection needs docs.jsonl, "
                                    "queries.jsonl and qrels.trec, or raw/*.ALL, *.QRY, *.REL)")
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
