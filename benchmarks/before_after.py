"""The speed benchmark before and after a change, in one run.

    python -m benchmarks.before_after REF [--size N ...] [--rounds R] [--procs P ...] --out F.json

``REF`` is any git revision of this checkout (a commit, ``main``, ``HEAD~3``). Its ``searchlib``
package is checked out into a temporary worktree; each round then runs
``python -m benchmarks.run`` once on that package ("before") and once on this checkout's
("now"), alternating which goes first, with the same harness, corpus, queries and machine. The
report gives, per mode (a-d) and per indexing kind, the median over rounds of each side's
figure and the ratio now / before. Both sides are driven by this checkout's harness, so ``REF``
must offer the library API the harness's ``searchlib`` engine uses.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import log, machine_info, markdown_table

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("figure", "before", "now", "now_over_before")


def checkout(ref: str, work: Path) -> Path:
    """A directory holding ``ref``'s ``searchlib`` package beside this checkout's
    ``benchmarks`` package, to run ``python -m benchmarks.run`` from."""
    tree = work / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), ref], check=True
    )
    side = work / "before"
    side.mkdir()
    (side / "searchlib").symlink_to(tree / "searchlib")
    (side / "benchmarks").symlink_to(ROOT / "benchmarks")
    return side


def run_side(where: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One ``benchmarks.run`` run with the ``searchlib`` package found in ``where``."""
    command = [sys.executable, "-m", "benchmarks.run", "--engines", *args.engines]
    command += ["--size", *map(str, args.size), "--out", str(out)]
    if args.procs:
        command += ["--procs", *map(str, args.procs)]
    if args.corpus:
        command += ["--corpus", str(args.corpus)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(command, cwd=where, env=env, check=True)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def figures(report: dict[str, Any]) -> dict[str, float]:
    """Mode medians/p95s and indexing rates of searchlib in one report, by label."""
    out: dict[str, float] = {}
    for r in report["queries"]:
        if r["engine"] == "searchlib":
            out[f"{r['size']:,} mode ({r['mode']}) median ms"] = r["median_ms"]
            out[f"{r['size']:,} mode ({r['mode']}) p95 ms"] = r["p95_ms"]
    for r in report["indexing"]:
        if r["engine"] == "searchlib":
            label = f"{r['size']:,} {r['kind']} procs={r['procs']} docs/s"
            out[label] = r["docs_per_s"]
            out[f"{r['size']:,} {r['kind']} procs={r['procs']} peak RSS MB"] = r["peak_rss_mb"]
    for r in report.get("search_processes", []):
        if r["engine"] == "searchlib":
            out[f"{r['size']:,} first query in a fresh process ms"] = r["cold_first_ms"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run both sides ``--rounds`` times, write the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ref", help="the git revision measured as 'before'")
    parser.add_argument("--size", type=int, nargs="+", default=[18000])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--procs", type=int, nargs="+", default=None)
    parser.add_argument("--engines", nargs="+", default=["searchlib"])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="searchlib-before-after-"))
    sides: dict[str, list[dict[str, float]]] = {"before": [], "now": []}
    commits: dict[str, Any] = {}
    try:
        where = {"before": checkout(args.ref, work), "now": ROOT}
        for i in range(args.rounds):
            order = ("before", "now") if i % 2 == 0 else ("now", "before")
            for side in order:
                log(f"round {i + 1}/{args.rounds}: {side}")
                report = run_side(where[side], work / f"{side}-{i}.json", args)
                sides[side].append(figures(report))
                commits[side] = report["machine"]["versions"]["searchlib_source"]
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "tree")],
            check=False,
        )
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for label in sides["now"][0]:
        before = statistics.median(f[label] for f in sides["before"] if label in f)
        now = statistics.median(f[label] for f in sides["now"] if label in f)
        rows.append([label, before, now, round(now / before, 3) if before else None])
    result = {
        "benchmark": "searchlib before/after (benchmarks.before_after)",
        "command": "python -m benchmarks.before_after " + " ".join(argv or sys.argv[1:]),
        "ref": args.ref,
        "rounds": args.rounds,
        "code": commits,
        "machine": machine_info(),
        "rows": [dict(zip(COLUMNS, r, strict=True)) for r in rows],
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    md = [
        "# searchlib before/after",
        "",
        f"`{result['command']}`: before = `{args.ref}` (commit {commits['before']['commit']}), "
        f"now = commit {commits['now']['commit']}"
        f"{' with uncommitted changes' if commits['now']['uncommitted_changes'] else ''}; "
        f"medians over {args.rounds} alternating rounds; machine load at start "
        f"{result['machine']['load_average_at_start']}.",
        "",
        *markdown_table(["figure", "before", "now", "now / before"], rows),
        "",
    ]
    args.out.with_suffix(".md").write_text("\n".join(md))
    log(f"wrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
