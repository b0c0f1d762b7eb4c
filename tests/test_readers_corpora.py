"""The new reader options on the real corpora (``../shared/corpora``; skipped without them).

Expected values are computed here from the raw files with the standard library (``csv``,
``json``), independently of searchlib's readers, so the tests compare against an oracle, not
against recorded output.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import corpus

from searchlib import Index, ingest
from searchlib.cli import main
from searchlib.dates import DateOrder
from searchlib.model import Article, ReadError
from searchlib.readers import ReadOptions, read_paths

FAKES_FIELDS = {
    "title": "article_title",
    "body": "article_content",
    "date": "date",
    "source": "source",
    "location": "location",
}
REUTERS_FIELDS = {"person": "people", "location": "places", "org": "orgs"}
BBC_CATEGORIES = {
    "business": 510,
    "entertainment": 386,
    "politics": 417,
    "sport": 511,
    "tech": 401,
}


def fakes_rows() -> list[dict[str, str]]:
    with corpus("fa-kes", "FA-KES-Dataset.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def reuters_records(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_fakes_csv_with_a_location_column() -> None:
    rows = fakes_rows()
    options = ReadOptions(fields=FAKES_FIELDS, date_order=DateOrder.MDY)
    events = list(read_paths([corpus("fa-kes", "FA-KES-Dataset.csv")], options))
    fakes = [e for e in events if isinstance(e, Article)]
    assert len(fakes) == len(events) == len(rows) == 804
    for row, article in zip(rows, fakes, strict=True):
        expected = " ".join(row["location"].split())
        assert article.entities_of("location") == ((expected,) if expected else ())
        assert article.entities_of("person") == article.entities_of("org") == ()
        assert article.source == row["source"].strip()
    located = Counter(name for a in fakes for name in a.entities_of("location"))
    assert located == Counter(
        " ".join(r["location"].split()) for r in rows if r["location"].strip()
    )
    assert located.most_common(1) == [("aleppo", located["aleppo"])]
    assert options.entity_kinds == ("location",)


def test_reuters_jsonl_with_people_places_and_orgs() -> None:
    path = corpus("reuters21578", "reuters21578-dev.jsonl.gz")
    records = {r["id"]: r for r in reuters_records(path)}
    events = list(read_paths([path], ReadOptions(fields=REUTERS_FIELDS, tags=("reuters",))))
    articles = [e for e in events if isinstance(e, Article)]
    assert [e for e in events if isinstance(e, ReadError)] == [
        ReadError("reuters21578-dev.jsonl.gz", "no title or body", 12793)
    ]
    assert len(articles) == 17_999
    for article in articles:
        record = records[article.id]
        for kind, key in REUTERS_FIELDS.items():
            values = record[key]
            assert isinstance(values, list)
            assert article.entities_of(kind) == tuple(dict.fromkeys(values)), (article.id, kind)  # type: ignore[arg-type]
        assert article.tags == ("reuters",)
    people = Counter(n for a in articles for n in a.entities_of("person"))
    assert people["reagan"] == sum("reagan" in r["people"] for r in records.values())  # type: ignore[operator]
    assert sum(1 for a in articles if a.entities_of("location")) == sum(
        1 for a in articles if records[a.id]["places"]
    )


def test_bbc_with_tag_from_folder() -> None:
    root = corpus("bbc", "raw", "bbc")
    events = list(read_paths([root], ReadOptions(tag_from_folder=True, source="BBC News")))
    articles = [e for e in events if isinstance(e, Article)]
    assert len(articles) == 2225
    assert all(a.tags == (a.id.split("/")[0],) for a in articles)
    assert Counter(a.tags[0] for a in articles) == BBC_CATEGORIES
    assert {a.source for a in articles} == {"BBC News"}


# -- through the indexing pipeline ---------------------------------------------------------------


def test_fakes_cli_index_with_a_location_column(tmp_path: Path) -> None:
    """``searchlib index FA-KES-Dataset.csv --field location=location`` (a traceback before)."""
    rows = fakes_rows()
    ix = tmp_path / "ix"
    args = ["index", str(corpus("fa-kes", "FA-KES-Dataset.csv")), "--index", str(ix)]
    for ours, theirs in FAKES_FIELDS.items():
        args += ["--field", f"{ours}={theirs}"]
    result = CliRunner().invoke(main, [*args, "--date-order", "mdy"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    expected = Counter(r["location"].strip() for r in rows if r["location"].strip())
    with Index(ix) as index:
        assert index.search("").total == 804
        for place, count in expected.most_common(5):
            assert index.search("", location=place).total == count, place


def test_fakes_unmapped_kinds_are_still_extracted(tmp_path: Path) -> None:
    options = ReadOptions(fields=FAKES_FIELDS, date_order=DateOrder.MDY)
    with Index(tmp_path / "ix", create=True) as index:
        ingest(index, [corpus("fa-kes", "FA-KES-Dataset.csv")], options=options)
        results = index.search("Aleppo", facet_limit=5)
        assert results.facets["person"], "no person extracted once location was mapped"


def test_bbc_sample_through_ingest_with_folder_tags(tmp_path: Path) -> None:
    root = corpus("bbc", "raw", "bbc")
    options = ReadOptions(glob="*/0[01][0-9].txt", tag_from_folder=True, source="BBC")
    with Index(tmp_path / "ix", create=True) as index:
        report = ingest(index, [root], options=options)
        assert (report.indexed, report.failed) == (5 * 19, 0)  # 001.txt to 019.txt of each
        for category in BBC_CATEGORIES:
            assert index.search("", tag=category).total == 19, category
        assert index.search("", source="BBC").total == 95


@pytest.mark.slow
def test_bbc_whole_through_ingest_with_folder_tags(tmp_path: Path) -> None:
    root = corpus("bbc", "raw", "bbc")
    with Index(tmp_path / "ix", create=True) as index:
        ingest(index, [root], options=ReadOptions(tag_from_folder=True))
        for category, count in BBC_CATEGORIES.items():
            assert index.search("", tag=category).total == count, category


def _reuters_through_ingest(tmp_path: Path, lines: int | None) -> None:
    path = corpus("reuters21578", "reuters21578-dev.jsonl.gz")
    sample = tmp_path / "sample.jsonl"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        sample.write_text("".join(itertools.islice(handle, lines)), encoding="utf-8")
    records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    with Index(tmp_path / "ix", create=True) as index:
        ingest(index, [sample], options=ReadOptions(fields=REUTERS_FIELDS))
        for kind, key in REUTERS_FIELDS.items():
            counts = Counter(v for r in records if r["title"] or r["body"] for v in set(r[key]))
            for value, count in counts.most_common(3):
                found = index.search("", **{kind: value}).total  # type: ignore[arg-type]
                assert found == count, (kind, value)


def test_reuters_sample_through_ingest(tmp_path: Path) -> None:
    _reuters_through_ingest(tmp_path, 600)


@pytest.mark.slow
def test_reuters_whole_through_ingest(tmp_path: Path) -> None:
    _reuters_through_ingest(tmp_path, None)
