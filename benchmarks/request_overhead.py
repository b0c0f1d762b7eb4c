"""Where one HTTP request's time goes: the same searches through the library and through the app.

    python -m benchmarks.request_overhead --index DIR            # an existing index
    python -m benchmarks.request_overhead --index DIR --profile  # plus cProfile of the app path

For each query of ``benchmarks/queries.json`` (or words of the index's titles), it measures the
CPU time of one request, one at a time, on one thread:

* ``library``: ``Index.search(SearchRequest(query=q))``, what ``GET /search?q=`` asks for;
* ``app``: ``GET /search?q=`` through the whole ASGI app (the guard, routing, the query
  parameters' validation, the endpoint in the thread pool, the index, the JSON answer), called
  in-process with no socket, so the difference is the server's own overhead per request;
* the same for ``/suggest``, ``/articles/{id}/similar`` and the empty query (the page's landing
  view), twice each in a row, which shows what the generation-keyed caches save.

With ``--profile`` it runs the app path under cProfile and prints the functions with the most
time of their own. It writes ``--out`` (JSON, default ``benchmarks/results/overhead.json``) and
a Markdown report beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import searchlib
from searchlib import Index, SearchRequest
from searchlib.server import create_app

from .common import git_commit, log, percentile

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.json"
DEFAULT_OUT = HERE / "results" / "overhead.json"


def queries_of(ix: Index, limit: int) -> list[str]:
    """The fixed query set when there is one, else pairs of words of the index's titles."""
    try:
        data = json.loads(QUERIES.read_text())
        found = [q["q"] for q in data["queries"]]
    except (OSError, ValueError, KeyError):
        found = []
    if not found:
        hits = ix.search("", limit=200, facets=(), histogram=False, fragments=0).hits
        for hit in hits:
            words = [w for w in hit.title.split() if len(w) > 3][:2]
            if words:
                found.append(" ".join(words))
    return found[:limit]


class Driver:
    """Calls an ASGI app in-process, one request at a time, with no socket."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, bytes]:
        return self.loop.run_until_complete(self._get(path, params or {}))

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": urlencode(params, doseq=True).encode(),
            "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        status = 0
        body: list[bytes] = []
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(body)

    def close(self) -> None:
        self.loop.close()


def cpu_ms(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    """CPU milliseconds of each of ``repeat`` calls (the process's, all threads)."""
    out = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        out.append((time.process_time() - started) * 1000)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "mean_ms": round(statistics.fmean(values), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=120, help="how many queries (120)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    ix = Index(args.index)
    app = create_app(ix)
    driver = Driver(app)
    queries = queries_of(ix, args.queries)
    log(f"{len(queries)} queries on {ix.count():,} articles")
    # warm both paths (tables, searchers, imports)
    for q in queries[:20]:
        ix.search(q)
        driver.get("/search", {"q": q})

    library: list[float] = []
    through_app: list[float] = []
    for q in queries:
        request = SearchRequest(query=q)
        library += cpu_ms(lambda request=request: ix.search(request))
        through_app += cpu_ms(lambda q=q: driver.get("/search", {"q": q}))

    ids = [h.id for h in ix.search(queries[0], limit=20).hits] or ["x"]
    prefixes = sorted({q[:3].lower() for q in queries})[:40]
    repeated: dict[str, dict[str, Any]] = {}
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "empty query (landing view)": (
            lambda: ix.search(SearchRequest()),
            lambda: driver.get("/search", {}),
        ),
        "suggest": (
            lambda: [ix.suggest(p) for p in prefixes],
            lambda: [driver.get("/suggest", {"prefix": p}) for p in prefixes],
        ),
        "similar": (
            lambda: [ix.similar(i) for i in ids[:10]],
            lambda: [driver.get(f"/articles/{i}/similar") for i in ids[:10]],
        ),
    }
    per = {"suggest": len(prefixes), "similar": min(10, len(ids))}
    for name, (lib, http) in cases.items():
        n = per.get(name, 1)
        lib_ms = [v / n for v in cpu_ms(lib, 3)]
        first = cpu_ms(http, 1)[0] / n
        again = [v / n for v in cpu_ms(http, 3)]
        repeated[name] = {
            "library_ms": round(statistics.median(lib_ms), 3),
            "app_first_ms": round(first, 3),
            "app_again_ms": round(statistics.median(again), 3),
        }

    lib_s, app_s = summary(library), summary(through_app)
    overhead = round(app_s["median_ms"] - lib_s["median_ms"], 3)
    profile_text = ""
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for q in queries:
            driver.get("/search", {"q": q})
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
        profile_text = buf.getvalue()
    driver.close()
    ix.close()

    commit, dirty = git_commit(Path(searchlib.__file__).parent)
    report = {
        "benchmark": "searchlib per-request overhead (GET /search in-process vs Index.search)",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(["python -m benchmarks.request_overhead", *(argv or sys.argv[1:])]),
        "commit": commit,
        "uncommitted_changes": dirty,
        "queries": len(queries),
        "library": lib_s,
        "app": app_s,
        "overhead_median_ms": overhead,
        "repeated": repeated,
        "profile_top": profile_text.splitlines()[:60],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    lines = [
        "# searchlib per-request overhead",
        "",
        f"`{report['command']}` (commit {commit}{', uncommitted changes' if dirty else ''}); "
        f"{len(queries)} queries, CPU time per request on one thread.",
        "",
        "| path | median ms | p95 ms | mean ms |",
        "| --- | ---: | ---: | ---: |",
        f"| Index.search | {lib_s['median_ms']} | {lib_s['p95_ms']} | {lib_s['mean_ms']} |",
        f"| GET /search through the app | {app_s['median_ms']} | {app_s['p95_ms']} | "
        f"{app_s['mean_ms']} |",
        "",
        f"The app adds **{overhead} ms** per search (median).",
        "",
        "| request | library ms | app, first ms | app, again ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, r in repeated.items():
        lines.append(f"| {name} | {r['library_ms']} | {r['app_first_ms']} | {r['app_again_ms']} |")
    if profile_text:
        lines += ["", "```", *profile_text.splitlines()[:60], "```"]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    log(f"library {lib_s['median_ms']} ms, app {app_s['median_ms']} ms (+{overhead} ms)")
    log(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
