"""The ranking model on news, through the library, before and after: for the eye.

Usage::

    git worktree add --detach /tmp/searchlib-before <commit before the model>
    python -m benchmarks.relevance.news_library --base /tmp/searchlib-before \\
        [--corpora DIR] [--workdir DIR] [--out FILE.md] [--top 5]

The queries of ``news.py`` (keyword queries of 1 to 5 words and questions, as users type them)
on FA-KES (804 Syrian-war articles), BBC News (2,225) and Reuters-21578 (18,000), each indexed
once by searchlib (title, body, date). Every query runs through ``Index.search`` with its
defaults (and with ``match="any"``) twice: with the library before the model (the ``--base``
checkout first on ``PYTHONPATH``, in a subprocess) and now. For each: the number of matches
and whether the search was relaxed, how many of the top 10 have every content word, how many
of the top 10 the two share, and the top titles side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..common.versions import run_worker, side_by_side
from .news import FILES, QUERIES, read

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the queries on one index in this process: {query: {mode: result}}."""
    import searchlib

    out: dict[str, Any] = {"searchlib": searchlib.__file__, "results": {}}
    with searchlib.Index(spec["index"]) as ix:
        for text in spec["queries"]:
            row = {}
            for match in ("default", "any"):
                options: dict[str, Any] = {"match": "any"} if match == "any" else {}
                r = ix.search(
                    text,
                    limit=10,
                    facets=(),
                    histogram=False,
                    fragments=0,
                    suggest=False,
                    **options,
                )
                row[match] = {"total": r.total, "relaxed": r.relaxed, "ids": [h.id for h in r.hits]}
            out["results"][text] = row
    return out


def _spawn(spec: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """The worker on ``base``'s searchlib (this checkout's when None), this harness."""
    with tempfile.TemporaryDirectory(prefix="side-") as work:
        return run_worker("benchmarks.relevance.news_library", spec, side_by_side(base, Path(work)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--base", type=Path, help="a checkout of the commit before the model")
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "news_library.md")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    if args.base is None:
        ap.error("--base is required")

    import searchlib
    from searchlib import text as tx
    from searchlib.ranking import QUESTION_WORDS

    work = args.workdir or Path(tempfile.mkdtemp(prefix="news-library-"))
    lines = [
        "# The ranking model on news, through the library: before and now",
        "",
        f"`python -m benchmarks.relevance.news_library` (before: `{args.base}`). Each query "
        'through `Index.search` with the defaults and with `match="any"`: matches (`R` '
        "relaxed), `all` = how many of the top 10 have every content word (function words "
        "out), `same` = how many of now's top 10 were in before's; then the top "
        f"{args.top} titles before and now (defaults).",
        "",
    ]
    for corpus, rel in FILES.items():
        docs = read(args.corpora / rel)
        by_id = {d.id: d for d in docs}
        path = work / corpus
        if not path.exists():
            with searchlib.Index(path, create=True) as ix, ix.writer() as w:
                for d in docs:
                    w.add(searchlib.Article(id=d.id, title=d.title, body=d.body))
        spec = {"index": str(path), "queries": list(QUERIES[corpus])}
        before = _spawn(spec, args.base)["results"]
        now = _spawn(spec, None)["results"]
        lines += [f"## {corpus} ({len(docs):,} articles)", ""]

        def every(doc_id: str, words: list[str], by_id: dict[str, Any] = by_id) -> bool:
            d = by_id[doc_id]
            have = {t.text for t in tx.terms(f"{d.title}\n{d.body}")}
            return all(w in have for w in words)

        for text in QUERIES[corpus]:
            words = [
                t
                for w in text.lower().split()
                if w not in QUESTION_WORDS and (t := tx.analyse(w)) is not None
            ]
            cells = []
            for mode in ("default", "any"):
                b, n = before[text][mode], now[text][mode]
                cells.append(
                    f"{mode}: before {b['total']:,}{' R' if b['relaxed'] else ''} "
                    f"(all {sum(every(i, words) for i in b['ids'])}), now {n['total']:,}"
                    f"{' R' if n['relaxed'] else ''} (all {sum(every(i, words) for i in n['ids'])})"
                    f", same {len(set(b['ids']) & set(n['ids']))}"
                )
            lines += [f"**{text}** ({' '.join(words)}): " + "; ".join(cells), ""]
            for label, r in (("before", before[text]["default"]), ("now", now[text]["default"])):
                lines.append(f"- {label}:")
                for i in r["ids"][: args.top]:
                    d = by_id[i]
                    lines.append(f"  - {(d.title or d.body[:80])[:80]}")
            lines.append("")
        print(f"{corpus}: done", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
