"""The analysis from the command line and over HTTP: the same answers as the library, in
JSON, CSV, JSON Lines and text, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchlib import Article, Index
from searchlib import analysis as an
from searchlib.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def where(generated_index: Index) -> list[str]:
    return ["--index", generated_index.location]


# -- CLI ---------------------------------------------------------------------------------------


def test_terms_json_matches_the_library(generated_index: Index, where: list[str]) -> None:
    code, out, _ = run("terms", "convoy", *where, "--format", "json", "--min-count", "1")
    assert code == 0
    data = json.loads(out)
    lib = an.significant_terms(generated_index, "convoy", min_count=1, limit=15)
    assert data["foreground_total"] == lib.foreground_total
    assert data["terms"]["word"] == [
        {"kind": t.kind, "term": t.term, "score": t.score, "foreground": t.foreground,
         "background": t.background}
        for t in lib.terms["word"]
    ]  # fmt: skip


def test_terms_csv_text_and_filters(where: list[str]) -> None:
    code, out, _ = run(
        "terms", "", "--location", "Aleppo", "--kind", "person", *where, "--format", "csv"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["kind"] for r in rows} == {"person"}
    assert list(rows[0]) == ["kind", "term", "score", "foreground", "background"]
    code, out, _ = run("terms", "convoy", *where, "--kind", "word")
    assert code == 0 and "Words  (G2, in selection, in background)" in out


def test_cooccur_text_and_json(generated_index: Index, where: list[str]) -> None:
    code, out, _ = run("cooccur", "Sergey Lavrov", *where)
    assert code == 0
    assert out.splitlines()[0].endswith("with the person 'Sergey Lavrov'")
    code, out, _ = run("cooccur", "Sergey Lavrov", *where, "--format", "jsonl", "-n", "3")
    lines = [json.loads(line) for line in out.splitlines()]
    lib = an.cooccurrence(generated_index, "Sergey Lavrov", limit=3)
    assert [(r["entity"], r["count"]) for r in lines] == [
        (t.term, t.foreground) for t in lib.entities
    ]


def test_timeline_formats(generated_index: Index, where: list[str]) -> None:
    code, out, _ = run("timeline", "convoy", "talks", "--interval", "year", *where)
    assert code == 0
    assert out.splitlines()[0].startswith("█ convoy")
    code, out, _ = run(
        "timeline", "convoy", "talks", "--interval", "year", *where, "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    lib = an.timeline(generated_index, ["convoy", "talks"], interval="year")
    assert [int(r["talks count"]) for r in rows] == list(lib.series[1].counts)
    code, out, _ = run("timeline", "convoy", *where, "--format", "json")
    assert json.loads(out)["series"][0]["query"] == "convoy"


def test_export_every_match_to_a_file(
    generated_index: Index, where: list[str], tmp_path: Path
) -> None:
    target = tmp_path / "all.csv"
    code, _, err = run("export", "", *where, "-o", str(target), "--fields", "id,title")
    assert code == 0 and "exported 240 articles" in err
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 240 and list(rows[0]) == ["id", "title"]
    code, out, _ = run("export", "convoy", *where, "--format", "jsonl", "--progress")
    assert code == 0
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert len(ids) == generated_index.search("convoy").total


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "x", "--fields", "id,colour"], "unknown field 'colour'"),
        (["terms", "date:2016-02-30"], "impossible date"),
        (["timeline", "a", "--date-from", "2016-13"], "impossible date"),
        (["cooccur", " "], "entity name or a query"),
    ],
)
def test_cli_errors_are_one_line(where: list[str], args: list[str], message: str) -> None:
    code, _, err = run(*args, *where)
    assert code == 1
    assert err.startswith("Error: ") and message in err and len(err.strip().splitlines()) == 1


# -- HTTP --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(generated_index: Index) -> Iterator[Any]:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from searchlib.server import create_app

    with TestClient(create_app(generated_index)) as c:
        yield c


def test_http_terms_cooccur_timeline(client: Any, generated_index: Index) -> None:
    data = client.get("/terms", params={"q": "convoy", "min_count": 1}).json()
    lib = an.significant_terms(generated_index, "convoy", min_count=1)
    assert data["terms"]["person"][0]["term"] == lib.terms["person"][0].term
    data = client.get(
        "/cooccur", params={"subject": "Sergey Lavrov", "links": 3, "kind": ["person", "org"]}
    ).json()
    assert data["kind"] == "person" and {e["kind"] for e in data["entities"]} <= {"person", "org"}
    assert all(set(link) == {"source", "target", "count"} for link in data["links"])
    response = client.get(
        "/timeline", params=[("q", "convoy"), ("q", "talks"), ("interval", "year")]
    )
    assert [s["query"] for s in response.json()["series"]] == ["convoy", "talks"]
    response = client.get("/timeline", params={"q": "convoy", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("key,start,end,total,convoy count,convoy share")


def test_http_export_streams_everything(client: Any, generated_index: Index) -> None:
    with client.stream("GET", "/export", params={"q": "", "fields": "id,date"}) as response:
        assert response.status_code == 200
        assert response.headers["x-total-count"] == "240"
        text = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 240 and list(rows[0]) == ["id", "date"]
    response = client.get("/export", params={"location": "Aleppo", "format": "jsonl"})
    records = [json.loads(line) for line in response.text.splitlines()]
    assert len(records) == generated_index.search("", location="Aleppo").total
    assert all("Aleppo" in r["locations"] for r in records)


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/export", {"fields": "colour"}, 400, "unknown field 'colour'"),
        ("/terms", {"q": "date:2016-02-30"}, 400, "impossible date"),
        ("/terms", {"limit": 0}, 422, "limit"),
        ("/timeline", {}, 422, "'q'"),
        ("/cooccur", {"subject": "x", "as": "planet"}, 422, "as"),
    ],
)
def test_http_errors(
    client: Any, path: str, params: dict[str, Any], status: int, message: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_the_analysis_page(client: Any) -> None:
    page = client.get("/analysis")
    assert page.status_code == 200 and "analysis-static/analysis.js" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    script = client.get("/analysis-static/analysis.js")
    assert script.status_code == 200 and "createElementNS" in script.text
    assert ".innerHTML" not in script.text  # text is set as text, never parsed as HTML
    assert client.get("/analysis-static/nope.js").status_code == 404
    assert 'href="analysis"' in client.get("/").text


def test_openapi_lists_the_analysis(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/terms", "/cooccur", "/timeline", "/export"} <= set(paths)


def test_small_index_export_in_order(tmp_path: Path) -> None:
    import datetime as dt

    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(
            [
                Article(id=f"a{i}", title="Story", body="Text.", date=dt.date(2016, 1, i + 1))
                for i in range(3)
            ]
        )
        code, out, _ = run("export", "", "--index", str(tmp_path / "ix"), "--fields", "id")
    assert code == 0 and out.split() == ["id", "a2", "a1", "a0"]


def test_the_benchmark_runs_on_a_small_index(generated_index: Index, tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "analysis.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.analysis", "--index", generated_index.location,
         "--runs", "2", "--out", str(out)],
        check=True, capture_output=True, text=True, timeout=600, cwd=root,
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report["articles"] == 240
    assert report["significant_terms"]["peer_counts_agree"] is True
    assert report["timeline"]["ratio_three_to_one"] > 0
    assert {e["articles"] for e in report["export"]} >= {240}
    assert "| significant terms" in out.with_suffix(".md").read_text()


def test_schemathesis_on_the_analysis_endpoints(generated_index: Index) -> None:
    """Generated requests, valid and invalid, to each analysis endpoint (derandomised): no 5xx,
    and every answer has a documented status code, content type and schema."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks
    from schemathesis.generation import GenerationMode

    from searchlib.server import create_app

    wanted = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    app = create_app(generated_index)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path in ("/terms", "/cooccur", "/timeline", "/export")
    ]
    assert len(operations) == 4
    seen: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=15,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call_and_validate(checks=wanted)
                seen.append(response.status_code)
                assert "Traceback" not in response.text

            run()
    assert len(seen) >= 60 and {200, 422} <= set(seen), (len(seen), set(seen))
