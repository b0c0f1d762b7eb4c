"""The indexing pipeline: summaries, idempotent re-runs, bad input, strict mode, real corpora."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest
from conftest import FAKES_OPTIONS, SEEDS, corpus

from searchlib import Index, ReadOptions, ingest


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def good(title: str, body: str = "Some body text about the convoy.") -> str:
    return f"\n{title}\n\n07/10/2016\n\n{body}\n"


def test_summary_counts_and_idempotent_reindex(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "a.txt", good("First story"))
    write(docs / "sub" / "b.txt", good("Second story"))
    with Index(tmp_path / "ix", create=True) as ix:
        first = ingest(ix, [docs])
        assert (first.indexed, first.updated, first.unchanged, first.failed) == (2, 0, 0, 0)
        assert ix.get("sub/b.txt").title == "Second story"

        again = ingest(ix, [docs])
        assert (again.indexed, again.updated, again.unchanged, again.failed) == (0, 0, 2, 0)

        write(docs / "a.txt", good("First story, corrected"))
        third = ingest(ix, [docs])
        assert (third.indexed, third.updated, third.unchanged) == (0, 1, 1)
        assert ix.count() == 2
        assert ix.get("a.txt").title == "First story, corrected"


def test_bad_inputs_are_reported_and_the_rest_indexes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "ok.txt", good("A good story"))
    write(docs / "empty.txt", "")
    write(docs / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(docs / "nodate-title.txt", "\n07/10/2016\n\nBody only, no title.\n")
    write(docs / "baddate.txt", good("Impossible").replace("07/10/2016", "13/13/2016"))
    write(
        docs / "records.jsonl",
        json.dumps({"id": "r1", "title": "Record one", "body": "text"})
        + "\n"
        + "{broken json\n"
        + json.dumps({"id": "r3", "title": "Record three", "date": 5})
        + "\n"
        + json.dumps({"id": "r4", "title": "Record four", "body": "more"})
        + "\n",
    )
    write(docs / "wrong.csv", "colour,size\nred,3\n")
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [docs])
        assert report.indexed == 3  # ok.txt, r1, r4
        assert report.failed == 7
        reasons = {(e.origin, e.line): e.reason for e in report.errors}
        assert any(o == "empty.txt" for o, _ in reasons)
        assert any(o == "binary.txt" and "binary" in r for (o, _), r in reasons.items())
        assert any(o == "baddate.txt" and "13/13/2016" in r for (o, _), r in reasons.items())
        assert ("records.jsonl", 2) in reasons and ("records.jsonl", 3) in reasons
        assert "date" in reasons[("records.jsonl", 3)]
        assert any(o == "wrong.csv" for o, _ in reasons)
        assert {"ok.txt", "r1", "r4"} <= {h.id for h in ix.search("", limit=50).hits}


def test_duplicate_ids_in_one_run_are_failures_and_first_wins(tmp_path: Path) -> None:
    f = write(
        tmp_path / "dups.jsonl",
        "\n".join(json.dumps({"id": "same", "title": t, "body": "x"}) for t in ("First", "Second"))
        + "\n",
    )
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [f])
        assert report.indexed == 1 and report.failed == 1
        assert "duplicate id 'same'" in report.errors[0].reason
        assert ix.get("same").title == "First"


def test_strict_stops_at_first_failure(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "1.txt", good("One"))
    write(docs / "2.txt", "")
    write(docs / "3.txt", good("Three"))
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [docs], strict=True)
        assert report.failed == 1 and report.indexed == 1
        assert ix.count() == 1


def test_missing_path_is_a_failure(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [tmp_path / "absent", SEEDS])
        assert report.failed == 1 and report.indexed == 1


def test_small_batches_commit_as_they_go(tmp_path: Path) -> None:
    f = write(
        tmp_path / "many.jsonl.gz",
        gzip.compress(
            "".join(
                json.dumps({"id": f"n{i}", "title": f"Story {i}", "body": "aid"}) + "\n"
                for i in range(25)
            ).encode()
        ),
    )
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [f], batch_size=10)
        assert report.indexed == 25
        assert ix.stats().generation >= 3


def test_bbc_corpus(tmp_path: Path) -> None:
    root = corpus("bbc", "raw", "bbc")
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [root], options=ReadOptions(glob="*.txt"))
        assert report.indexed == 2225 and report.failed == 0
        assert [w.origin for w in report.warnings] == ["sport/199.txt"]
        assert "cp1252" in report.warnings[0].message
        assert "£" in ix.get("sport/199.txt").body
        assert ix.stats().undated == 2225


def test_reuters_corpus(tmp_path: Path) -> None:
    path = corpus("reuters21578", "reuters21578-dev.jsonl.gz")
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [path])
        # 18,000 records: 1,283 title-only and 719 body-only ones are indexed; NEWID 12793 is
        # empty in the original SGML too, so it is reported, with its line.
        assert report.indexed == 17999 and report.failed == 1
        assert (report.errors[0].line, report.errors[0].reason) == (12793, "no title or body")
        results = ix.search("oil prices opec", facets=["location", "org"])
        assert results.total > 50 and not results.relaxed
        assert results.hits[0].fragments and results.hits[0].fragments[0].spans


def test_fakes_seedlike_and_csv(tmp_path: Path) -> None:
    seedlike = corpus("fa-kes", "seedlike")
    csv_path = corpus("fa-kes", "FA-KES-Dataset.csv")
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(ix, [seedlike])
        assert report.indexed == 804 and report.failed == 0
        assert ix.stats().undated == 0
        options = dataclasses.replace(FAKES_OPTIONS, id_prefix="csv:")
        report = ingest(ix, [csv_path], options=options)
        assert report.indexed == 804 and report.failed == 0
        assert ix.count() == 1608
        results = ix.search("Aleppo", facets=["location", "source"])
        assert results.total > 100
        assert "Aleppo" in {v.value for v in results.facets["location"]}


def test_many_batches_are_merged_as_they_go(tmp_path: Path) -> None:
    f = write(
        tmp_path / "many.jsonl",
        "".join(
            json.dumps({"id": f"m{i}", "title": f"Story {i}", "body": "aid"}) + "\n"
            for i in range(60)
        ),
    )
    with Index(tmp_path / "ix", create=True) as ix:
        assert ingest(ix, [f], batch_size=5, merge=False).indexed == 60
        assert ix.stats().backend["segments"] == 12
    with Index(tmp_path / "ix2", create=True) as ix:
        # merged as the commits go (tiered), never left with more than MAX_SEGMENTS
        assert ingest(ix, [f], batch_size=5).indexed == 60
        assert 1 <= ix.stats().backend["segments"] <= 8 and ix.count() == 60
        assert ix.search("aid", limit=100).total == 60


# -- progress, warnings as they happen, commits on time ------------------------------------------


def _jsonl(path: Path, n: int) -> Path:
    path.write_text(
        "".join(f'{{"id": "r{i}", "title": "Story {i}", "body": "Body {i}."}}\n' for i in range(n))
    )
    return path


def test_progress_counts_articles_and_bytes_of_one_big_file(tmp_path: Path) -> None:
    """A single JSON Lines file showed 0/1 for the whole run: progress counted files."""
    from searchlib import IngestProgress

    seen: list[IngestProgress] = []
    source = _jsonl(tmp_path / "one.jsonl", 300)
    with Index(tmp_path / "ix", create=True) as ix:
        ingest(ix, [source], batch_size=100, progress=seen.append)
    articles = [p.articles for p in seen]
    assert articles == sorted(articles) and articles[-1] == 300
    assert len({a for a in articles if 0 < a < 300}) >= 2  # it moved during the file
    assert seen[-1].bytes_done == seen[-1].bytes_total == source.stat().st_size
    phases = [p.phase for p in seen]
    assert "committing" in phases
    assert max(p.committed for p in seen) == 300


def test_a_long_run_commits_on_time_as_well_as_on_count(tmp_path: Path) -> None:
    """With the default batch of 5,000, an interrupted run of fewer articles kept nothing."""
    source = _jsonl(tmp_path / "few.jsonl", 40)
    commits: list[int] = []
    with Index(tmp_path / "ix", create=True) as ix:
        ingest(
            ix,
            [source],
            commit_seconds=0.0,  # every article is "10 s of work" here
            progress=lambda p: commits.append(p.committed) if p.phase == "reading" else None,
        )
        assert ix.count() == 40
    assert len(set(commits)) > 10  # committed many times, not once at the end


def test_problems_reach_the_caller_as_they_happen(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes("Caf\xe9 one\n\nBody.\n".encode("cp1252"))
    _jsonl(src / "b.jsonl", 5)
    order: list[str] = []
    with Index(tmp_path / "ix", create=True) as ix:
        report = ingest(
            ix,
            [src],
            on_problem=lambda p: order.append(f"problem {p}"),
            progress=lambda p: order.append(f"articles {p.articles}"),
        )
    first_problem = next(i for i, e in enumerate(order) if e.startswith("problem"))
    assert "cp1252" in order[first_problem]
    assert "articles 6" in order[first_problem:]  # told before the run went on
    assert report.warnings and "cp1252" in str(report.warnings[0])


def test_ctrl_c_raises_with_what_was_committed(tmp_path: Path) -> None:
    from searchlib import IngestInterrupted

    source = _jsonl(tmp_path / "x.jsonl", 50)
    calls = 0

    def stop(p: object) -> None:
        nonlocal calls
        calls += 1
        if getattr(p, "articles", 0) >= 35:
            raise KeyboardInterrupt

    with Index(tmp_path / "ix", create=True) as ix:
        with pytest.raises(IngestInterrupted) as caught:
            ingest(ix, [source], batch_size=10, progress=stop)
        kept = ix.count()
        assert caught.value.report.indexed == kept and kept % 10 == 0 and 0 < kept < 50
        assert 0 < caught.value.pending <= 10  # read since the last commit, not kept


# -- parallel preparation (procs > 1) ------------------------------------------------------------


def _index_answers(ix: Index) -> list[object]:
    out: list[object] = [ix.count(), ix.stats().undated]
    for q in ("convoy", "oil prices", "", "person:lavrov", "aleppo OR damascus"):
        r = ix.search(q, facets=("person", "org", "location", "tag"), limit=50)
        out.append(dataclasses.replace(r, elapsed_ms=0.0))
    out.append(ix.suggest("al"))
    return out


def test_parallel_ingest_writes_what_one_process_writes(tmp_path: Path) -> None:
    """Workers extract entities and make documents; the index is the same as with one process
    (same articles, same order, same entities, same answers), across several commits."""
    import random

    from whoosh.filedb.filestore import FileStorage

    from searchlib.backends.whoosh.store import INDEX_NAME

    rng = random.Random(4)
    names = ["Sergey Lavrov", "John Kerry", "the United Nations", "Aleppo", "Damascus", "OPEC"]
    words = ["oil", "prices", "convoy", "talks", "ceasefire", "aid", "rebels", "army", "city"]
    docs = tmp_path / "docs"
    lines = []
    for i in range(90):
        body = " ".join(rng.choice(words) for _ in range(30))
        title = f"{rng.choice(names)} and {rng.choice(names)} on {rng.choice(words)}"
        lines.append(
            json.dumps(
                {
                    "id": f"r{i}",
                    "title": title,
                    "body": f"{rng.choice(names)} said {body}.",
                    "date": f"2016-{1 + i % 12:02d}-{1 + i % 28:02d}",
                }
            )
        )
    lines.insert(40, json.dumps({"id": "empty", "title": "", "body": ""}))
    write(docs / "a.jsonl", "\n".join(lines[:50]) + "\n")
    write(docs / "b.jsonl", "\n".join(lines[50:]) + "\n")
    reports = {}
    for procs in (1, 2):
        with Index(tmp_path / f"ix{procs}", create=True) as ix:
            reports[procs] = ingest(ix, [docs], procs=procs, batch_size=7, merge=False)
    one, two = reports[1], reports[2]
    assert (one.indexed, one.failed) == (two.indexed, two.failed) and one.indexed > 10
    stored = []
    for procs in (1, 2):
        ix_ = FileStorage(str(tmp_path / f"ix{procs}")).open_index(INDEX_NAME)
        with ix_.searcher() as s:
            stored.append([dict(d) for d in s.all_stored_fields()])
    assert stored[0] == stored[1]  # same documents in the same order, entities included
    with Index(tmp_path / "ix1") as a, Index(tmp_path / "ix2") as b:
        assert _index_answers(a) == _index_answers(b)
    with Index(tmp_path / "ix2") as ix:  # a re-run skips unchanged articles before extraction
        again = ingest(ix, [docs], procs=2)
        assert (again.indexed, again.updated, again.unchanged) == (0, 0, one.indexed)


def test_parallel_ingest_reports_what_a_worker_could_not_prepare(tmp_path: Path) -> None:
    class Broken:
        name = "broken-1"

        def extract(self, title: str, body: str) -> tuple[()]:
            if "poison" in body:
                raise RuntimeError("the extractor choked")
            return ()

    docs = tmp_path / "docs"
    for i in range(30):
        write(docs / f"{i:02d}.txt", good(f"Story {i}", "poison" if i == 7 else "fine text"))
    with Index(tmp_path / "ix", create=True, extractor=Broken()) as ix:
        report = ingest(ix, [docs], procs=2)
        assert report.indexed == 29 and report.failed == 1
        assert "the extractor choked" in report.errors[0].reason
        assert report.errors[0].origin == "07.txt" or "07.txt" in str(report.errors[0])
        assert "07.txt" not in ix


def test_parallel_ingest_stops_with_a_clear_error_when_a_worker_dies(tmp_path: Path) -> None:
    import os

    from searchlib import IndexUnavailable

    class Dying:
        name = "dying-1"

        def extract(self, title: str, body: str) -> tuple[()]:
            os._exit(3)  # the worker process dies, as if killed

    docs = tmp_path / "docs"
    for i in range(60):
        write(docs / f"{i:02d}.txt", good(f"Story {i}"))
    with Index(tmp_path / "ix", create=True, extractor=Dying()) as ix:
        with pytest.raises(IndexUnavailable, match="worker process died"):
            ingest(ix, [docs], procs=2)
        assert ix.count() == 0
        with ix.writer() as w:  # the lock was released
            w.delete(["nothing"])
