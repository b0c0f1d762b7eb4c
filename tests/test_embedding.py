"""The README's embedding examples (FastAPI and Flask) work as written, from several threads."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _example(marker: str) -> str:
    found = [code for code in EXAMPLES if marker in code]
    assert len(found) == 1, marker
    return found[0]


def _run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), namespace)
    return namespace


def test_fastapi_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    app = _run(_example("from fastapi import"), tmp_path, monkeypatch)["app"]
    with TestClient(app) as client:
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda _: client.get("/news?q=Aleppo Nusra"), range(16)))
        assert all(r.status_code == 200 for r in replies)
        assert replies[0].json()["hits"][0]["title"].startswith("Russia ready to support UN envoy")
        assert client.get("/news?q=colour:red").status_code == 400
        mounted = client.get("/archive/search?q=Aleppo")
        assert mounted.status_code == 200 and mounted.json()["total"] == 1
        assert client.get("/archive/").status_code == 200


def test_flask_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("flask")
    app = _run(_example("from flask import"), tmp_path, monkeypatch)["app"]
    client = app.test_client()
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: client.get("/news?q=Aleppo%20Nusra"), range(16)))
    assert all(r.status_code == 200 for r in replies)
    assert replies[0].get_json()["total"] == 1
    bad = client.get("/news?q=colour:red")
    assert bad.status_code == 400 and "unknown field" in bad.get_json()["error"]
