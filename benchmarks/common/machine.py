"""The machine, the versions and the code measured, and process memory."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import platform
import resource
import subprocess
from pathlib import Path
from typing import Any

import searchlib


def version_of(distribution: str) -> str | None:
    """An installed distribution's version, or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_commit(package: Path) -> tuple[str | None, bool | None]:
    """The short commit of the checkout holding ``package`` and whether the package has
    uncommitted changes; (None, None) outside a git checkout."""
    git = ["git", "-C", str(package.parent)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [*git, "status", "--porcelain", "--", str(package)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit or None, bool(status.strip())


def searchlib_source() -> dict[str, Any]:
    """Where searchlib is imported from, the git commit of that checkout (if any) and a digest
    of its source files, to tell whether the code measured changed during a run."""
    package = Path(searchlib.__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    commit, dirty = git_commit(package)
    return {
        "path": str(package),
        "commit": commit,
        "uncommitted_changes": dirty,
        "digest": digest.hexdigest(),
    }


def machine_info(*distributions: str) -> dict[str, Any]:
    """The CPU, cores, memory, OS, Python, the code measured, and the versions of searchlib,
    whoosh3 and each of ``distributions``."""
    cpu = platform.processor() or platform.machine()
    mem_mb: int | None = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_mb = round(int(line.split()[1]) / 1024)
                break
    load: list[float] | None = None
    with contextlib.suppress(OSError):
        load = [round(x, 2) for x in os.getloadavg()]
    source = searchlib_source()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem_mb,
        "load_average_at_start": load,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            "searchlib": searchlib.__version__,
            "searchlib_commit": source["commit"],
            "searchlib_uncommitted_changes": source["uncommitted_changes"],
            "searchlib_source": source,
            "whoosh3": version_of("whoosh3"),
            **{name: version_of(name) for name in distributions},
        },
    }


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """``VmRSS``, ``VmHWM`` (kB) and ``Threads`` of a process, from /proc (empty if gone)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(value.split()[0])
    return out


def rss_mb(key: str = "VmRSS") -> float:
    """This process's resident set size (``VmRSS``) or its peak (``VmHWM``), in MiB.

    ``/proc/self/status`` is used rather than ``getrusage``: on Linux ``ru_maxrss`` survives
    ``exec``, so a subprocess would report its parent's peak if that was higher.
    """
    kb = proc_status().get(key)
    if kb is not None:
        return round(kb / 1024, 1)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
