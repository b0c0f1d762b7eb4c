"""The HTTP JSON API (searchlib.server): endpoints, error mapping, writes, refresh, concurrency,
the OpenAPI document, and that no answer ever carries a traceback.

Everything runs in-process through Starlette's TestClient: no network.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
try:  # Starlette's TestClient runs on httpx2 (older Starlette versions: httpx)
    import httpx2  # noqa: F401
except ModuleNotFoundError:
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx2 (or httpx)")

from conftest import SEEDS
from fastapi.testclient import TestClient

import searchlib
from searchlib import Article, Entity, Index
from searchlib.server import create_app, describe_validation_errors

SEED_ID = "000_8685ec8866dbeeaa.txt"
KEY = "s3cret-key"

PEOPLE = ["Sergey Lavrov", "John Kerry", "Staffan de Mistura"]
SOURCES = ["reuters", "rt", "bbc"]


def wire_articles(n: int = 30) -> list[Article]:
    """Articles about Aleppo and Nusra, dated over five months, with known entities."""
    start = dt.date(2016, 8, 1)
    out = []
    for i in range(n):
        person = PEOPLE[i % len(PEOPLE)]
        out.append(
            Article(
                id=f"wire-{i:03d}",
                title=f"Aleppo talks, round {i}: {person} on Nusra",
                body=(
                    f"{person} spoke about the Nusra fighters in Aleppo on day {i}. "
                    f"The convoy number {i} waited near the city while the envoy met officials."
                ),
                date=start + dt.timedelta(days=5 * i),
                source=SOURCES[i % len(SOURCES)],
                tags=("Syria unrest",) if i % 2 else ("Diplomacy",),
                entities=(
                    Entity("person", person),
                    Entity("org", "Al-Nusra Front"),
                    Entity("location", "Aleppo"),
                ),
            )
        )
    copy_body = "Geneva hosted the ceasefire meeting on the Idlib corridor and the aid convoys."
    out += [
        Article(
            id="desk/geneva/1",
            title="Ceasefire meeting in Geneva",
            body=copy_body,
            date=dt.date(2016, 9, 9),
            source="reuters",
            entities=(Entity("location", "Geneva"),),
        ),
        Article(
            id="desk/geneva/2",
            title="Ceasefire meeting in Geneva",
            body=copy_body,
            date=dt.date(2016, 9, 9),
            source="bbc",
            entities=(Entity("location", "Geneva"),),
        ),
        Article(id="undated-1", title="An undated note on Aleppo", body="Aleppo, undated."),
    ]
    return out


class CheckedClient(TestClient):
    """A TestClient that checks every answer for a traceback."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        assert "Traceback" not in response.text
        assert 'File "' not in response.text
        return response


def build(path: Path, *, seeds: bool = True) -> None:
    with Index(path, create=True) as ix:
        if seeds:
            searchlib.ingest(ix, [SEEDS])
        ix.add(wire_articles())


@pytest.fixture(scope="module")
def shared_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("server") / "index"
    build(path)
    return path


@pytest.fixture(scope="module")
def shared_index(shared_path: Path) -> Iterator[Index]:
    with Index(shared_path) as ix:
        yield ix


@pytest.fixture(scope="module")
def client(shared_index: Index) -> Iterator[CheckedClient]:
    """A read-mostly app over the shared index, without an API key."""
    with CheckedClient(create_app(shared_index)) as c:
        yield c


@pytest.fixture()
def write_index(tmp_path: Path) -> Iterator[Index]:
    path = tmp_path / "index"
    build(path, seeds=False)
    with Index(path, lock_timeout=0.3) as ix:
        yield ix


@pytest.fixture()
def writer_client(write_index: Index) -> Iterator[CheckedClient]:
    """An app with an API key over a fresh index (30 wire articles, no seed)."""
    with CheckedClient(create_app(write_index, api_key=KEY)) as c:
        yield c


AUTH = {"X-API-Key": KEY}


def error_of(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert "\n" not in body["error"]
    return str(body["error"])


# -- GET /search ---------------------------------------------------------------------------


def test_search_hits_highlights_facets_histogram(client: TestClient) -> None:
    r = client.get("/search", params={"q": "Aleppo Nusra"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["total"] >= 31
    assert data["limit"] == 10 and data["page"] == 1 and data["pages"] == -(-data["total"] // 10)
    assert len(data["hits"]) == 10
    ids = {h["id"] for h in data["hits"]}
    seed = client.get("/search", params={"q": "Aleppo Nusra", "limit": 100}).json()
    assert SEED_ID in {h["id"] for h in seed["hits"]}
    hit = data["hits"][0]
    assert hit["rank"] == 1 and hit["id"] in ids
    assert "<mark>" in hit["title_fragment"]["html"] or any(
        "<mark>" in f["html"] for f in hit["fragments"]
    )
    assert any("<mark>" in f["html"] for h in data["hits"] for f in h["fragments"])
    assert {"person", "org", "location", "tag", "source"} <= set(data["facets"])
    people = {f["value"]: f["count"] for f in data["facets"]["person"]}
    assert people["Sergey Lavrov"] >= 10
    keys = [b["key"] for b in data["histogram"]]
    assert "2016-08" in keys and "2016-12" in keys
    assert all(b["start"] <= b["end"] for b in data["histogram"])


def test_search_every_option(client: TestClient) -> None:
    params: dict[str, Any] = {
        "q": "Aleppo",
        "person": ["Sergey Lavrov"],
        "org": "Al-Nusra Front",
        "location": "aleppo",
        "tag": "Syria unrest",
        "source": ["reuters", "rt"],
        "date_from": "2016-08",
        "date_to": "2016-12-31",
        "sort": "date",
        "limit": 3,
        "page": 1,
        "facets": "person,source",
        "facet_limit": 2,
        "histogram": "false",
        "interval": "year",
        "fragments": 1,
        "fragment_chars": 60,
        "relax": "false",
        "suggest": "false",
        "match": "any",
        "recency": "30d",
        "collapse": "true",
        "timeout": 5,
    }
    r = client.get("/search", params=params)
    assert r.status_code == 200, r.text
    data = r.json()
    # reuters and rt both required: no article has two sources
    assert data["total"] == 0
    params["source"] = "reuters"
    data = client.get("/search", params=params).json()
    assert data["total"] > 0
    assert set(data["facets"]) == {"person", "source"}
    assert all(len(v) <= 2 for v in data["facets"].values())
    assert data["histogram"] == [] and data["sort"] == "date" and data["collapsed"] is True
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    for h in data["hits"]:
        assert "Sergey Lavrov" in h["people"] and h["source"] == "reuters"
        assert "2016-08-01" <= h["date"] <= "2016-12-31"
        assert len(h["fragments"]) <= 1


def test_search_repeated_filters_and_facets(client: TestClient) -> None:
    one = client.get("/search", params={"person": "Sergey Lavrov"}).json()
    both = client.get("/search", params={"person": ["Sergey Lavrov", "Staffan de Mistura"]}).json()
    assert one["total"] > both["total"] >= 1  # the seed names both
    repeated = client.get("/search", params={"facets": ["person", "tag"]}).json()
    assert set(repeated["facets"]) == {"person", "tag"}
    for none in ("none", "NONE", ""):
        assert client.get("/search", params={"facets": none}).json()["facets"] == {}


def test_search_interval_and_empty_query(client: TestClient) -> None:
    data = client.get(
        "/search", params={"interval": "auto", "date_from": "2016-09-01", "date_to": "2016-09-30"}
    ).json()
    assert data["interval"] == "day"
    assert all(b["key"].startswith("2016-09") for b in data["histogram"])
    everything = client.get("/search").json()
    assert everything["total"] == 34


def test_search_collapse_folds_copies(client: TestClient) -> None:
    plain = client.get("/search", params={"q": "ceasefire Geneva"}).json()
    assert plain["total"] == 2 and len(plain["hits"]) == 2
    folded = client.get("/search", params={"q": "ceasefire Geneva", "collapse": "true"}).json()
    assert folded["total"] == 2 and len(folded["hits"]) == 1
    assert len(folded["hits"][0]["duplicates"]) == 1


def test_search_did_you_mean_and_relaxed(client: TestClient) -> None:
    data = client.get("/search", params={"q": "Alepo"}).json()
    assert data["suggestion"] == "Aleppo"
    relaxed = client.get("/search", params={"q": "Aleppo zanzibar"}).json()
    assert relaxed["relaxed"] is True and relaxed["total"] > 0


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        ("limit=5000", 422, "limit"),
        ("limit=0", 422, "limit"),
        ("limit=abc", 422, "limit"),
        ("limit=99999999999999999999999", 422, "limit"),
        ("page=0", 422, "page"),
        ("page=200000", 422, "page"),
        ("page=1000&limit=1000", 400, "too deep"),
        ("sort=random", 422, "sort"),
        ("interval=week", 422, "interval"),
        ("match=some", 422, "match"),
        ("histogram=maybe", 422, "histogram"),
        ("fragments=-1", 422, "fragments"),
        ("fragment_chars=5", 422, "fragment_chars"),
        ("facet_limit=0", 422, "facet_limit"),
        ("timeout=0", 422, "timeout"),
        ("timeout=nan", 422, "timeout"),
        ("timeout=1e9", 422, "timeout"),
        ("facets=colour", 400, "unknown facet"),
        ("date_from=2016-13", 400, "date"),
        ("date_from=yesterday", 400, "date"),
        ("date_from=2016-10&date_to=2016-01", 400, ""),
        ("recency=soon", 400, "recency"),
        ("q=colour:red", 400, "colour"),
        ("q=AND", 400, ""),
        ("q=date:2016-02-30", 400, "date"),
        ("q=" + "a" * 5000, 400, "too long"),
        ("q=" + "x " * 2100, 400, ""),
        ("person=" + "&person=".join(["x"] * 101), 422, "too many"),
    ],
)
def test_search_bad_parameters(client: TestClient, query: str, status: int, needle: str) -> None:
    r = client.get("/search?" + query)
    assert r.status_code == status, r.text
    assert needle in error_of(r)


def test_over_long_query_string_414(client: TestClient) -> None:
    r = client.get("/search", params={"q": "é" * 6000})
    assert r.status_code == 414
    error_of(r)


def test_hostile_queries_never_5xx(client: TestClient) -> None:
    for q in [
        '"unbalanced',
        "((((",
        "*",
        "?*",
        "a*",
        "madrd~2",
        "\x00\x01",
        "🙂 Алеппо",
        "date:[2016 to 2015]",
        "title:",
        "OR OR OR",
        " ".join(["x OR"] * 300),
    ]:
        r = client.get("/search", params={"q": q})
        assert r.status_code in (200, 400), (q, r.text)
        if r.status_code == 400:
            error_of(r)


# -- articles, similar, suggest, stats, health ------------------------------------------


def test_get_article(client: TestClient) -> None:
    r = client.get(f"/articles/{SEED_ID}")
    assert r.status_code == 200
    data = r.json()
    assert data["id"] == SEED_ID and data["date"] == "2016-10-07"
    assert "Sergey Lavrov" in {e["name"] for e in data["entities"] if e["kind"] == "person"}
    assert data["similar"] == []
    with_similar = client.get(f"/articles/{SEED_ID}", params={"similar": 3}).json()
    assert 1 <= len(with_similar["similar"]) <= 3
    assert all(h["id"] != SEED_ID for h in with_similar["similar"])


def test_article_ids_with_slashes(client: TestClient) -> None:
    r = client.get("/articles/desk/geneva/1")
    assert r.status_code == 200 and r.json()["title"] == "Ceasefire meeting in Geneva"
    r = client.get("/articles/desk/geneva/1/similar", params={"limit": 5})
    assert r.status_code == 200 and r.json()["id"] == "desk/geneva/1"
    escaped = client.get("/articles/desk%2Fgeneva%2F2")
    assert escaped.status_code == 200 and escaped.json()["id"] == "desk/geneva/2"


def test_similar(client: TestClient) -> None:
    r = client.get("/articles/wire-000/similar", params={"limit": 4})
    assert r.status_code == 200
    data = r.json()
    assert data["id"] == "wire-000" and 1 <= len(data["hits"]) <= 4
    assert [h["rank"] for h in data["hits"]] == list(range(1, len(data["hits"]) + 1))
    assert client.get("/articles/wire-000/similar?limit=0").status_code == 422
    assert client.get("/articles/wire-000/similar?limit=101").status_code == 422


@pytest.mark.parametrize("path", ["/articles/nope", "/articles/nope/similar", "/articles/a/b/c"])
def test_unknown_article_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    message = error_of(r)
    assert "no article" in message
    assert str(Path.cwd()) not in message and "/tmp" not in message  # no server paths


def test_suggest(client: TestClient) -> None:
    r = client.get("/suggest", params={"prefix": "lav"})
    assert r.status_code == 200
    data = r.json()
    assert data["prefix"] == "lav"
    assert data["suggestions"][0] == {"text": "Sergey Lavrov", "kind": "person", "count": 11}
    only_words = client.get("/suggest", params={"prefix": "con", "kind": "word"}).json()
    assert only_words["suggestions"] and {s["kind"] for s in only_words["suggestions"]} == {"word"}
    two = client.get("/suggest", params={"prefix": "a", "kind": ["org", "location"], "limit": 2})
    assert two.status_code == 200 and len(two.json()["suggestions"]) <= 2
    assert client.get("/suggest", params={"prefix": " "}).status_code == 400
    assert client.get("/suggest").status_code == 422
    assert client.get("/suggest", params={"prefix": "a", "kind": "planet"}).status_code == 422
    assert client.get("/suggest", params={"prefix": "a", "limit": 1000}).status_code == 422


def test_stats_and_health(client: TestClient) -> None:
    stats = client.get("/stats").json()
    assert stats["documents"] == 34
    assert stats["date_min"] == "2016-08-01" and stats["undated"] == 1
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "documents": 34, "error": None}


def test_health_503_when_index_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "index"
    build(path, seeds=False)
    with Index(path) as ix, CheckedClient(create_app(ix)) as c:
        assert c.get("/health").status_code == 200
        shutil.rmtree(path)
        r = c.get("/health")
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable"
        assert str(tmp_path) not in r.text
        r = c.get("/search", params={"q": "Aleppo"})
        assert r.status_code == 503
        error_of(r)


def test_create_app_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "index"
    build(path, seeds=False)
    app = create_app(str(path))
    with CheckedClient(app) as c:
        assert c.get("/health").json()["documents"] == 33
    assert app.state.index._closed  # the app opened it, so the app closed it at shutdown
    with pytest.raises(searchlib.IndexNotFound):
        create_app(tmp_path / "missing")
    with pytest.raises(searchlib.SearchlibError):
        create_app(path, api_key=" ")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (searchlib.QueryError("bad query"), 400),
        (searchlib.DocumentNotFound("no article"), 404),
        (searchlib.InputError("bad article"), 422),
        (searchlib.IndexNotFound("no index at /secret/place"), 503),
        (searchlib.IndexCorrupt("index at /secret/place is damaged"), 503),
        (searchlib.IndexLocked("locked"), 503),
        (searchlib.SearchlibError("the index has been closed"), 503),
    ],
)
def test_library_errors_map_to_statuses(
    shared_index: Index, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int
) -> None:
    app = create_app(shared_index)

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(shared_index, "search", fail)
    r = CheckedClient(app).get("/search", params={"q": "x"})
    assert r.status_code == status
    assert error_of(r) == str(error)
    assert ("Retry-After" in r.headers) == isinstance(error, searchlib.IndexLocked)


def test_unexpected_error_is_a_generic_500(
    shared_index: Index, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> Any:
        raise RuntimeError("secret internals\nTraceback (most recent call last):")

    monkeypatch.setattr(shared_index, "stats", boom)
    with caplog.at_level(logging.ERROR, logger="searchlib.server"):
        r = CheckedClient(create_app(shared_index)).get("/stats")
    assert r.status_code == 500
    assert "secret" not in error_of(r) and "internal server error" in error_of(r)
    assert any("secret internals" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)


def test_unknown_route_and_method(client: TestClient) -> None:
    r = client.get("/nowhere")
    assert r.status_code == 404
    error_of(r)
    r = client.put("/search")
    assert r.status_code == 405
    error_of(r)


# -- writes ---------------------------------------------------------------------------------

NEW = {
    "id": "api-1",
    "title": "Convoy reaches Zabadani",
    "body": "The UN convoy reached Zabadani after Sergey Lavrov spoke in Moscow.",
    "date": "2016-10-09",
    "source": "api",
    "url": "https://example.org/api-1",
    "tags": ["Aid"],
}


def test_writes_disabled_without_a_key(client: TestClient) -> None:
    for response in (
        client.post("/articles", json=NEW),
        client.post("/articles", json=NEW, headers=AUTH),
        client.delete(f"/articles/{SEED_ID}", headers=AUTH),
    ):
        assert response.status_code == 403
        assert "writes are disabled" in error_of(response)
    assert client.get(f"/articles/{SEED_ID}").status_code == 200


def test_writes_need_the_right_key(writer_client: TestClient) -> None:
    for headers in (
        {},
        {"X-API-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic czNjcmV0LWtleQ=="},
        {"X-API-Key": "ключ".encode()},
    ):
        r = writer_client.post("/articles", json=NEW, headers=headers)
        assert r.status_code == 401, headers
        assert "API key" in error_of(r)
        assert writer_client.delete("/articles/wire-001", headers=headers).status_code == 401
    assert writer_client.get("/search", params={"q": "Zabadani"}).json()["total"] == 0


def test_write_then_search_sees_it(writer_client: TestClient) -> None:
    r = writer_client.post("/articles", json=NEW, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["indexed"] == 1
    data = writer_client.get("/search", params={"q": "Zabadani"}).json()
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["id"] == "api-1" and hit["date"] == "2016-10-09" and hit["tags"] == ["Aid"]
    assert "Sergey Lavrov" in hit["people"]  # entities were extracted
    again = writer_client.post("/articles", json=[NEW], headers={"Authorization": f"Bearer {KEY}"})
    assert again.json()["unchanged"] == 1
    changed = {**NEW, "title": "Convoy reaches Zabadani at last"}
    batch = [changed, {"id": "api-2", "title": "Second", "body": "Zabadani again."}]
    r = writer_client.post("/articles", json=batch, headers=AUTH)
    assert (r.json()["indexed"], r.json()["updated"]) == (1, 1)
    assert writer_client.get("/search", params={"q": "Zabadani"}).json()["total"] == 2
    r = writer_client.delete("/articles/api-1", headers=AUTH)
    assert r.status_code == 200 and r.json() == {"id": "api-1", "deleted": 1}
    assert writer_client.get("/search", params={"q": "Zabadani"}).json()["total"] == 1
    assert writer_client.get("/articles/api-1").status_code == 404
    r = writer_client.delete("/articles/api-1", headers=AUTH)
    assert r.status_code == 404
    error_of(r)


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[" * 200_000, 400, "nested too deeply"),
        (b"\xff\xfe", 400, "JSON"),
        (b'"a string"', 422, "article object"),
        (b"[]", 422, "empty"),
        (b'{"title": "no id"}', 422, "id"),
        (b'{"id": "x", "title": "t", "colour": "red"}', 422, "unknown field"),
        (b'{"id": "x", "title": 5}', 422, "title"),
        (b'[{"id": "x", "title": "t"}, {"id": "y", "tags": "a,b"}]', 422, "article 1"),
        (b'{"id": "x", "title": "t", "date": "07/10/2016"}', 422, "ISO"),
        (b'{"id": "x", "title": "t", "date": "2016-02-30"}', 422, "date"),
        (b'{"id": "x", "title": "t", "date": "2999-01-01"}', 422, "future"),
        (b'{"id": "x", "title": "", "body": ""}', 422, "no title"),
        (b'{"id": "x", "title": "' + b"t" * 1001 + b'"}', 422, "title"),
        (b'[{"id": "x", "title": "a"}, {"id": "x", "title": "b"}]', 422, "already"),
        (b'{"id": "x", "title": "nul \\u0000"}', 422, "NUL"),
    ],
)
def test_bad_article_bodies(
    writer_client: TestClient, body: bytes, status: int, needle: str
) -> None:
    before = writer_client.get("/health").json()["documents"]
    r = writer_client.post(
        "/articles", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == status, r.text
    assert needle in error_of(r)
    assert writer_client.get("/health").json()["documents"] == before


def test_body_too_large(write_index: Index) -> None:
    c = CheckedClient(create_app(write_index, api_key=KEY, max_body_bytes=2_000))
    big = {**NEW, "body": "word " * 1000}
    r = c.post("/articles", json=big, headers=AUTH)  # refused from its Content-Length
    assert r.status_code == 413
    assert "limit" in error_of(r)

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while reading
        yield json.dumps(big).encode()[:1500]
        yield json.dumps(big).encode()[1500:]

    r = c.post("/articles", content=chunks(), headers=AUTH)
    assert r.status_code == 413
    error_of(r)
    r = c.post("/articles", json=NEW, headers=AUTH)  # under the limit
    assert r.status_code == 200
    for length in ("banana", b"\xb2", "-1"):
        r = c.post("/articles", content=b"{}", headers={**AUTH, "Content-Length": length})
        assert r.status_code == 400
        error_of(r)


def test_locked_index_503_with_retry_after(write_index: Index) -> None:
    c = CheckedClient(create_app(write_index, api_key=KEY))
    with Index(write_index.path, lock_timeout=0.1) as other, other.writer():
        r = c.post("/articles", json=NEW, headers=AUTH)
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) > 0
        assert "locked" in error_of(r)
        r = c.delete("/articles/wire-001", headers=AUTH)
        assert r.status_code == 503 and "Retry-After" in r.headers
        assert c.get("/search", params={"q": "Aleppo"}).status_code == 200  # reads go on
    assert c.post("/articles", json=NEW, headers=AUTH).status_code == 200


def test_commit_by_another_process_is_seen_without_restart(write_index: Index) -> None:
    c = CheckedClient(create_app(write_index))
    assert c.get("/search", params={"q": "Zabadani"}).json()["total"] == 0
    before = c.get("/health").json()["documents"]
    with Index(write_index.path) as other:  # another "process": its own Index object
        other.add(Article(id="elsewhere", title="Zabadani news", body="From another writer."))
    assert c.get("/search", params={"q": "Zabadani"}).json()["total"] == 1
    assert c.get("/health").json()["documents"] == before + 1
    script = (
        "import sys; from searchlib import Article, Index\n"
        "with Index(sys.argv[1]) as ix:\n"
        "    ix.add(Article(id='subprocess', title='Zabadani again', body='A real process.'))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(write_index.path)], check=True, timeout=120)
    assert c.get("/search", params={"q": "Zabadani"}).json()["total"] == 2


def test_concurrent_requests(client: TestClient) -> None:
    queries = ["Aleppo", "Nusra convoy", "Lavrov", "Geneva ceasefire", "Alepo", "", "Kerry"]
    failures: list[str] = []

    def worker(n: int) -> None:
        for i in range(20):
            q = queries[(n + i) % len(queries)]
            params: dict[str, Any] = {"q": q, "page": 1 + i % 2, "collapse": str(i % 2 == 0)}
            r = client.get("/search", params=params)
            if r.status_code != 200 or r.json()["query"] != q:
                failures.append(f"{q}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert failures == []


def test_concurrent_reads_while_writing(writer_client: TestClient) -> None:
    failures: list[str] = []
    done = threading.Event()

    def reader() -> None:
        last = 0
        while not done.is_set():
            r = writer_client.get("/search", params={"q": "Zabadani"})
            total = r.json().get("total", -1) if r.status_code == 200 else -1
            if total < last:
                failures.append(f"went backwards: {total} after {last}")
            if r.status_code != 200:
                failures.append(r.text)
            last = max(last, total)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for i in range(5):
            body = {"id": f"z-{i}", "title": f"Zabadani {i}", "body": "Zabadani."}
            assert writer_client.post("/articles", json=body, headers=AUTH).status_code == 200
    finally:
        done.set()
        for t in readers:
            t.join(timeout=60)
    assert failures == []
    assert writer_client.get("/search", params={"q": "Zabadani"}).json()["total"] == 5


# -- the page, the OpenAPI document, packaging -------------------------------------------


def test_search_page_and_assets(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text
    assert '<input id="q"' in html
    # relative URLs, so that the page works wherever the app is mounted (/archive/...)
    assert 'src="static/app.js"' in html and 'href="static/app.css"' in html
    assert not re.search(r'(src|href|action)="/', html), "a URL that ignores the mount point"
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    script = client.get("/static/app.js").text
    assert not re.search(r"""["'`]/(search|suggest|articles|static)""", script)
    for name, kind in (("app.js", "javascript"), ("app.css", "css"), ("docs.js", "javascript")):
        asset = client.get(f"/static/{name}")
        assert asset.status_code == 200 and kind in asset.headers["content-type"]
        assert "https://" not in asset.text.replace("http://www.w3.org/2000/svg", "")
    assert client.get("/static/../server.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_openapi_document_is_valid(client: TestClient) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    spec = client.get("/openapi.json").json()
    validator.validate(spec)
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {
        "/search",
        "/articles",
        "/articles/{article_id}",
        "/articles/{article_id}/similar",
        "/suggest",
        "/stats",
        "/health",
    } <= set(paths)
    assert "/" not in paths and "/static/{name}" not in paths
    search_params = {p["name"] for p in paths["/search"]["get"]["parameters"]}
    assert {
        "q",
        "person",
        "org",
        "location",
        "misc",
        "tag",
        "source",
        "exclude",
        "date_from",
        "date_to",
        "sort",
        "limit",
        "page",
        "facets",
        "facet_limit",
        "histogram",
        "interval",
        "fragments",
        "fragment_chars",
        "relax",
        "suggest",
        "match",
        "recency",
        "collapse",
        "timeout",
    } == search_params
    post = paths["/articles"]["post"]
    assert "disabled" in post["responses"]["403"]["description"].lower()
    assert "disabled" in spec["info"]["description"]
    assert "requestBody" in post
    assert "HTTPValidationError" not in json.dumps(spec)  # every error is {"error": ...}


def test_schemathesis_bounded_run(
    shared_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated requests, valid and invalid, to every operation (20 of each kind per
    operation, derandomised): no 5xx, and every answer has a documented status code, content
    type and schema."""
    schemathesis = pytest.importorskip("schemathesis")
    import whoosh.codec.base
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import checks
    from schemathesis.generation import GenerationMode

    # Hypothesis seeds the global `random` module the same way for every example, and Whoosh
    # names new segments with it: two writes in one run would get the same segment name.
    monkeypatch.setattr(whoosh.codec.base, "random_name", lambda size=16: secrets.token_hex(size))
    path = tmp_path / "index"
    shutil.copytree(shared_path, path)
    wanted = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    seen: list[tuple[str, str, int]] = []
    with Index(path, lock_timeout=0.5) as ix:
        app = create_app(ix, api_key=KEY, max_body_bytes=20_000)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 12  # 8 + terms, cooccur, timeline, export
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=20,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def run(case: Any) -> None:
                    # writes: with the key mostly, so that validation is reached
                    writes = case.method in ("POST", "DELETE")
                    headers = AUTH if writes and len(seen) % 3 else None
                    response = case.call_and_validate(headers=headers, checks=wanted)
                    seen.append((case.method, case.path, response.status_code))
                    assert "Traceback" not in response.text

                try:
                    run()
                except Unsatisfiable:
                    # nothing to get wrong in an operation without parameters
                    assert mode == GenerationMode.NEGATIVE
    statuses = {status for _, _, status in seen}
    assert len(seen) >= 100
    assert {200, 400, 401, 404, 422} <= statuses, statuses
    # every operation was exercised, writes included (which of them Hypothesis makes valid
    # varies between runs; valid writes are tested on their own above)
    assert {("POST", "/articles"), ("GET", "/search")} <= {(m, p) for m, p, _ in seen}


def test_import_searchlib_does_not_import_the_server() -> None:
    code = (
        "import sys, searchlib\n"
        "assert 'searchlib.server' not in sys.modules\n"
        "assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_missing_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "fastapi", None)  # makes `import fastapi` fail
    with pytest.raises(searchlib.SearchlibError, match=r"pip install 'searchlib\[server\]'"):
        create_app(tmp_path / "whatever")


def test_serve_runs_uvicorn_on_loopback(monkeypatch: pytest.MonkeyPatch, shared_path: Path) -> None:
    import uvicorn

    from searchlib import server

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    server.serve(shared_path)
    server.serve(shared_path, host="0.0.0.0", port=9999, api_key="k")
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8000
    assert (calls[1]["host"], calls[1]["port"]) == ("0.0.0.0", 9999)
    with pytest.raises(searchlib.IndexNotFound):
        server.serve(shared_path.parent / "missing")


def test_describe_validation_errors() -> None:
    assert (
        describe_validation_errors(
            [{"loc": ("query", "limit"), "msg": "Input should be less than or equal to 1000"}]
        )
        == "query parameter 'limit': Input should be less than or equal to 1000"
    )
    assert (
        describe_validation_errors(
            [{"loc": ("body", 2, "tags", 0), "msg": "Input should be a valid string"}]
        )
        == "article 2, field 'tags[0]': Input should be a valid string"
    )
    many = [{"loc": ("query", f"p{i}"), "msg": "bad\nline"} for i in range(5)]
    text = describe_validation_errors(many)
    assert "\n" not in text and text.endswith("(and 2 more)")


# -- the article view, the API reference, the caches, the workers' app ----------------------


def test_article_with_a_query_is_highlighted_whole(client: TestClient) -> None:
    data = client.get(f"/articles/{SEED_ID}", params={"q": "Aleppo Nusra"}).json()
    marked = data["highlighted"]
    assert marked["id"] == SEED_ID
    assert "<mark>Aleppo</mark>" in marked["body"]["html"]
    assert "<mark>Nusra</mark>" in marked["title"]["html"]
    # the whole body, not a fragment: every paragraph is there
    assert marked["body"]["text"] == data["body"]
    assert client.get(f"/articles/{SEED_ID}").json()["highlighted"] is None
    bad = client.get(f"/articles/{SEED_ID}", params={"q": "colour:red"})
    assert bad.status_code == 400 and "unknown field" in error_of(bad)


def test_api_reference_is_served_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert 'src="static/docs.js"' in html and 'href="static/app.css"' in html
    assert "http://" not in html and "https://" not in html
    script = client.get("/static/docs.js").text
    assert 'fetch("openapi.json"' in script and "https://" not in script
    assert client.get("/redoc").status_code == 404  # not advertised, not served


def test_browse_answers_are_cached_until_the_index_changes(writer_client: TestClient) -> None:
    app = writer_client.app
    cache = app.state.cache  # type: ignore[attr-defined]
    first = writer_client.get("/search")
    again = writer_client.get("/search")
    assert first.content == again.content and cache.figures.hits >= 1
    suggest = writer_client.get("/suggest", params={"prefix": "zab"}).json()
    assert suggest["suggestions"] == []
    similar = writer_client.get("/articles/wire-001/similar").json()
    added = {
        "id": "zab-1",
        "title": "Zabadani convoy leaves for Aleppo",
        "body": "The Zabadani convoy with Staffan de Mistura left for Aleppo.",
        "date": "2016-09-01",
    }
    assert writer_client.post("/articles", json=added, headers=AUTH).status_code == 200
    after = writer_client.get("/search").json()
    assert after["total"] == first.json()["total"] + 1  # not the cached answer
    found = writer_client.get("/suggest", params={"prefix": "zab"}).json()["suggestions"]
    assert [s["text"].lower() for s in found] == ["zabadani"]
    assert writer_client.get("/articles/wire-001/similar").status_code == 200
    assert similar["id"] == "wire-001"


def test_a_query_is_not_cached(client: TestClient) -> None:
    cache = client.app.state.cache  # type: ignore[attr-defined]
    before = cache.figures.hits + cache.figures.misses
    client.get("/search", params={"q": "Aleppo"})
    client.get("/search", params={"q": "Aleppo"})
    assert cache.figures.hits + cache.figures.misses == before


def test_app_from_environment(monkeypatch: pytest.MonkeyPatch, shared_path: Path) -> None:
    from searchlib.server import app_from_environment

    monkeypatch.delenv("SEARCHLIB_SERVE_INDEX", raising=False)
    with pytest.raises(searchlib.UsageError, match="SEARCHLIB_SERVE_INDEX"):
        app_from_environment()
    monkeypatch.setenv("SEARCHLIB_SERVE_INDEX", str(shared_path))
    monkeypatch.setenv("SEARCHLIB_SERVE_API_KEY", KEY)
    monkeypatch.setenv("SEARCHLIB_SERVE_THREADS", "3")
    app = app_from_environment()
    with TestClient(app) as c:  # the lifespan warms the index up and sets the thread pool
        import anyio.to_thread

        assert c.get("/health").json()["documents"] == 34
        r = c.post("/articles", json=[], headers=AUTH)
        assert r.status_code == 422  # the key was taken: the body was read, not refused
        limiter = c.portal.call(anyio.to_thread.current_default_thread_limiter)
        assert limiter.total_tokens == 3
    monkeypatch.setenv("SEARCHLIB_SERVE_THREADS", "many")
    with pytest.raises(searchlib.UsageError, match="whole number"):
        app_from_environment()


def test_serve_with_workers_passes_an_import_string(
    monkeypatch: pytest.MonkeyPatch, shared_path: Path
) -> None:
    import os

    import uvicorn

    from searchlib import server

    calls: list[dict[str, Any]] = []

    def run(app: Any, **kw: Any) -> None:
        calls.append({"app": app, "env": os.environ.get("SEARCHLIB_SERVE_INDEX"), **kw})

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("SEARCHLIB_SERVE_INDEX", raising=False)
    server.serve(shared_path, workers=3, api_key="k", port=0)
    call = calls[-1]
    assert call["app"] == "searchlib.server.app:app_from_environment"
    assert call["factory"] is True and call["workers"] == 3
    assert call["env"] == str(shared_path)
    assert "SEARCHLIB_SERVE_INDEX" not in os.environ  # put back as it was
    server.serve(shared_path, workers=1, port=0)
    assert not isinstance(calls[-1]["app"], str) and "workers" not in calls[-1]
    with pytest.raises(searchlib.UsageError, match="workers"):
        server.serve(shared_path, workers=0)
    with pytest.raises(searchlib.IndexNotFound):
        server.serve(shared_path.parent / "missing", workers=2)
    assert server.default_workers() >= 1


def test_names_are_built_once_per_commit(
    writer_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a commit, concurrent autocompletions and filtered searches wait for one build of
    the names table instead of each building it."""
    from concurrent.futures import ThreadPoolExecutor

    from searchlib.backends.whoosh import complete

    builds = 0
    original = complete.SegmentNames.build.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, *args: Any) -> Any:
        nonlocal builds
        builds += 1
        return original(cls, *args)

    monkeypatch.setattr(complete.SegmentNames, "build", classmethod(counting))
    added = {"id": "names-1", "title": "Zabadani talks", "body": "In Zabadani, talks went on."}
    assert writer_client.post("/articles", json=added, headers=AUTH).status_code == 200
    requests = [("/suggest", {"prefix": p}) for p in ("ale", "lav", "nus", "zab")] + [
        ("/search", {"q": "talks", "person": "Sergei Lavrov"}),
        ("/search", {"person": "Jon Kerry"}),
    ]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda r: writer_client.get(r[0], params=r[1]), requests * 2))
    assert all(a.status_code == 200 for a in answers)
    segments = writer_client.get("/stats").json()["backend"]["segments"]
    assert 1 <= builds <= segments  # each new segment's names once, not once per request
    hint = answers[4].json()["unmatched_filters"][0]
    assert hint["suggestions"][0]["value"] == "Sergey Lavrov"
