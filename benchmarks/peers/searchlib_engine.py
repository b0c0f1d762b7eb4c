"""searchlib itself, used through its public API only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import searchlib
from searchlib import Article, Index, ReadOptions, ingest

from . import FACETS, Answer, DateRange


class SearchlibSession:
    """An open searchlib index."""

    def __init__(self, path: Path) -> None:
        self.index = Index(path)
        self.inexact = 0  # answers searchlib flagged as partial (its search time limit ran out)

    def search(self, query: str, mode: str, dates: DateRange | None) -> Answer:
        """``Index.search`` with the options of the mode (strict AND: no relaxing, no
        suggestions)."""
        faceted = mode in ("c", "d")
        ranged = mode == "d"
        results = self.index.search(
            query,
            limit=10,
            facets=FACETS if faceted else None,
            histogram=faceted,
            interval="month",
            fragments=0 if mode == "a" else 3,
            suggest=False,
            relax=False,
            date_from=dates[0] if ranged and dates else None,
            date_to=dates[1] if ranged and dates else None,
        )
        self.inexact += bool(getattr(results, "partial", False))
        return Answer(
            total=results.total,
            ids=[h.id for h in results.hits],
            snippets=[" … ".join(f.html for f in h.fragments) for h in results.hits],
            facets={
                name: [(v.value, v.count) for v in values]
                for name, values in results.facets.items()
            },
            months={b.key: b.count for b in results.histogram if b.count},
        )

    def close(self) -> None:
        """Close the index."""
        self.index.close()


class SearchlibEngine:
    """searchlib: ``ingest`` end to end, ``Index.writer`` for pre-extracted articles."""

    name = "searchlib"
    facet_method = (
        "Index.search(facets=(person, org, location, tag), histogram=True, interval='month'): "
        "searchlib's per-segment doc-values tables (built once per segment from the facet "
        "fields' postings, then cached), one pass over all matching documents"
    )
    notes = (
        "Index.search(q, limit=10, relax=False, suggest=False); fragments=0 in mode (a), 3 in "
        "(b)-(d) (searchlib also highlights the title of each hit in every mode)"
    )

    def version(self) -> str:
        """searchlib's version."""
        return searchlib.__version__

    def supports_procs(self, procs: int) -> bool:
        """Whoosh's multi-process writer takes any number of processes."""
        return procs >= 1

    def build(self, path: Path, articles: Iterable[Article], procs: int) -> int:
        """``Index.writer(procs=...)`` and ``add`` for every article, one commit."""
        n = 0
        with Index(path, create=True) as index, index.writer(procs=procs) as writer:
            for article in articles:
                writer.add(article)
                n += 1
        return n

    def ingest(self, path: Path, corpus: Path, options: ReadOptions, procs: int) -> int:
        """``searchlib.ingest(index, [corpus], procs=...)``."""
        with Index(path, create=True) as index:
            report = ingest(index, [corpus], options=options, procs=procs)
        if report.failed > 1:  # Reuters has one empty record; anything more is a surprise
            raise RuntimeError(
                f"searchlib ingest failed on {report.failed} inputs: {report.errors[:3]}"
            )
        return report.indexed

    def open(self, path: Path) -> SearchlibSession:
        """Open the index for searching."""
        return SearchlibSession(path)
