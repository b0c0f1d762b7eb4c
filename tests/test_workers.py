"""``searchlib.server.serve(..., workers=N)`` for real: several processes on one port, each
with its own Index; writes through any of them, never lost, seen by all of them at once.

Runs the server in a subprocess on a free loopback port (about 10 s). Skips without the server
extra.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx2 = pytest.importorskip("httpx2")

from conftest import SEEDS  # noqa: E402

import searchlib  # noqa: E402
from searchlib import Index  # noqa: E402

KEY = "worker-key"
SERVE = (
    "import sys; from searchlib.server import serve; "
    "serve(sys.argv[1], port=int(sys.argv[2]), workers=int(sys.argv[3]), api_key=sys.argv[4], "
    "log_level='warning')"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(index: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(index), str(port), str(workers), KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"the server exited: {out[-2000:]}")
        try:
            if httpx2.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail("the server did not start")


def stop(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    out = proc.stdout.read().decode() if proc.stdout else ""
    return code, out


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts worker processes in /proc")
def test_workers_share_the_port_and_every_write(tmp_path: Path) -> None:
    index = tmp_path / "index"
    with Index(index, create=True) as ix:
        searchlib.ingest(ix, [SEEDS])
    proc, url = start(index, workers=2)
    try:
        assert len(children(proc.pid)) >= 2  # two worker processes

        def post(i: int) -> int:
            article = {"id": f"w-{i}", "title": f"Worker test {i} zanzibarite", "body": "x y z"}
            with httpx2.Client(base_url=url, timeout=60) as c:  # a new connection each time
                return c.post("/articles", json=article, headers={"X-API-Key": KEY}).status_code

        with ThreadPoolExecutor(6) as pool:  # writes race for the index lock across workers
            statuses = list(pool.map(post, range(12)))
        assert statuses == [200] * 12

        def read(i: int) -> Any:
            with httpx2.Client(base_url=url, timeout=60) as c:
                got = c.get(f"/articles/w-{i % 12}")
                found = c.get("/search", params={"q": "zanzibarite", "limit": 50})
                return got.status_code, found.json()["total"]

        with ThreadPoolExecutor(8) as pool:  # whichever worker answers has seen every write
            assert set(pool.map(read, range(40))) == {(200, 12)}
        with httpx2.Client(base_url=url, timeout=60) as c:
            assert c.delete("/articles/w-0", headers={"X-API-Key": KEY}).status_code == 200
        with ThreadPoolExecutor(8) as pool:
            totals = {t for _, t in pool.map(read, range(1, 20))}
        assert totals == {11}
    finally:
        code, out = stop(proc)
    assert code == 0, out[-2000:]
    assert "Traceback" not in out
    with Index(index) as ix:  # acknowledged writes are on disk
        assert ix.search("zanzibarite").total == 11
        assert "w-0" not in ix


def test_a_busy_port_is_refused_before_announcing(tmp_path: Path) -> None:
    from searchlib.server import serve

    index = tmp_path / "index"
    with Index(index, create=True) as ix:
        searchlib.ingest(ix, [SEEDS])
    announced: list[str] = []
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(searchlib.UsageError, match="already in use"):
            serve(index, port=port, workers=2, announce=announced.append)
    assert announced == []
    assert os.environ.get("SEARCHLIB_SERVE_INDEX") is None
