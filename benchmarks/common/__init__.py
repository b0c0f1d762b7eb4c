"""What every benchmark harness shares: the machine and versions measured, the corpora, timing
and percentiles, Markdown tables, and the engine protocol the harnesses compare engines through.

Run a harness as a module from the repository's root, e.g. ``python -m benchmarks.run``.
"""

from __future__ import annotations

from .corpora import BBC, CISI, CORPORA, CRANFIELD, FAKES, REUTERS, REUTERS_OPTIONS, require
from .machine import git_commit, machine_info, proc_status, rss_mb, searchlib_source, version_of
from .tables import markdown_table
from .timing import log, median, percentile

__all__ = [
    "BBC",
    "CISI",
    "CORPORA",
    "CRANFIELD",
    "FAKES",
    "REUTERS",
    "REUTERS_OPTIONS",
    "git_commit",
    "log",
    "machine_info",
    "markdown_table",
    "median",
    "percentile",
    "proc_status",
    "require",
    "rss_mb",
    "searchlib_source",
    "version_of",
]
