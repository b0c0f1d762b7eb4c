"""What pseudo-relevance feedback (RM3) adds to a question's search, paired, in one process.

    python -m benchmarks.relevance.feedback_cost --index DIR [--out FILE.json]

The questions are those of ``speed.py`` (240 seeded titles of 4 or more content words, taken
from the index's newest 3,000 articles), searched with the defaults (``match="auto"``: any
word, feedback on; facets and the histogram over every match) through one ``Index`` with
feedback and one without (``Ranking(feedback_docs=0)``), alternately, after 20 untimed
questions on each. Reports the medians and the median of the paired differences, in ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from searchlib import Index, Ranking

from ..common import log, machine_info
from .speed import question_queries


def questions(path: Path) -> list[str]:
    """The seeded questions, from the titles of the index's newest 3,000 articles."""
    titles: list[str] = []
    with Index(path) as ix:
        for page in (1, 2, 3):
            found = ix.search("", limit=1000, page=page, facets=(), histogram=False, fragments=0)
            titles += [h.title for h in found.hits]
    return [q["q"] for q in question_queries([SimpleNamespace(title=t) for t in titles])]


def measure(path: Path, qs: list[str]) -> dict[str, Any]:
    """Each question with and without feedback, alternately; latencies in ms."""
    with Index(path) as fb, Index(path, ranking=Ranking(feedback_docs=0)) as plain:
        for q in qs[:20]:
            fb.search(q)
            plain.search(q)
        with_fb, without, diff = [], [], []
        for q in qs:
            started = time.perf_counter()
            fb.search(q)
            a = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            plain.search(q)
            b = (time.perf_counter() - started) * 1000
            with_fb.append(a)
            without.append(b)
            diff.append(a - b)
    return {
        "questions": len(qs),
        "feedback_median_ms": round(statistics.median(with_fb), 2),
        "no_feedback_median_ms": round(statistics.median(without), 2),
        "paired_median_difference_ms": round(statistics.median(diff), 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, measure, print (and write) the result."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    qs = questions(args.index)
    log(f"{len(qs)} questions")
    with Index(args.index) as ix:
        articles = ix.count()
    result = {"index": str(args.index), "articles": articles, **measure(args.index, qs)}
    result["machine"] = machine_info()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
