"""Running a harness's worker on another version of searchlib, beside this checkout's harness.

A worker runs as ``python -m benchmarks.X --worker SPEC`` from a directory that holds two
links: ``searchlib`` (the version measured: another checkout's package, or this one's) and
``benchmarks`` (always this checkout's harness), so nothing depends on ``PYTHONPATH`` order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def side_by_side(searchlib_checkout: Path | None, work: Path) -> Path:
    """A directory to run workers from: ``searchlib`` from ``searchlib_checkout`` (a folder
    holding a ``searchlib`` package; this checkout when None) beside this ``benchmarks``."""
    source = (searchlib_checkout or ROOT).resolve()
    if not (source / "searchlib" / "__init__.py").exists():
        raise SystemExit(f"error: no searchlib package in {source}")
    side = Path(tempfile.mkdtemp(prefix="side-", dir=work))
    (side / "searchlib").symlink_to(source / "searchlib")
    (side / "benchmarks").symlink_to(ROOT / "benchmarks")
    return side


def run_worker(module: str, spec: dict[str, Any], where: Path) -> dict[str, Any]:
    """``python -m module --worker SPEC`` run in ``where`` (see :func:`side_by_side`); the JSON
    object on the last line of its output."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", module, "--worker", json.dumps(spec)],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"worker {module} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
