"""Turn results into text for people and data for programs (JSON, JSON Lines, CSV).

Every function returns a string; the CLI (or any other shell) decides where it goes. The JSON
shapes are stable: they are :func:`searchlib.model.to_data` of the result objects.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from .highlight import render_ansi, render_plain
from .model import (
    Article,
    DateBucket,
    FacetValue,
    Fragment,
    Hit,
    IndexReport,
    IndexStats,
    SearchResults,
    Suggestion,
    to_data,
)

FACET_LABELS = {
    "person": "People",
    "org": "Organisations",
    "location": "Places",
    "misc": "Other",
    "tag": "Tags",
    "source": "Sources",
}

CSV_COLUMNS = (
    "rank", "id", "score", "date", "title", "source", "url", "tags", "people", "orgs",
    "locations", "fragment",
)  # fmt: skip

BAR_WIDTH = 40


class Style:
    """ANSI styling, or none."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def bold(self, text: str) -> str:
        """Bold text."""
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        """Dimmed text."""
        return self._wrap("2", text)

    def fragment(self, fragment: Fragment) -> str:
        """Matches in colour, or between ** without colour (news text has its own [brackets])."""
        if self.color:
            return render_ansi(fragment)
        return render_plain(fragment, before="**", after="**")


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """Any model object as JSON."""
    return json.dumps(to_data(value), ensure_ascii=False, indent=indent)


def results_jsonl(results: SearchResults) -> str:
    """One JSON object per hit, one per line."""
    return "\n".join(json.dumps(to_data(h), ensure_ascii=False) for h in results.hits)


def results_csv(results: SearchResults) -> str:
    """The hits as CSV with a header row; list values are joined with "; "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for h in results.hits:
        fragment = " … ".join(f.text for f in h.fragments)
        writer.writerow(
            [
                h.rank,
                h.id,
                h.score,
                h.date.isoformat() if h.date else "",
                h.title,
                h.source or "",
                h.url or "",
                "; ".join(h.tags),
                "; ".join(h.people),
                "; ".join(h.orgs),
                "; ".join(h.locations),
                fragment,
            ]
        )
    return out.getvalue().rstrip("\n")


def _facet_line(label: str, values: Sequence[FacetValue], style: Style) -> str:
    shown = " · ".join(f"{v.value} ({v.count})" for v in values)
    return f"{style.bold(f'{label}:'):<{16 + (8 if style.color else 0)}} {shown}"


def histogram_lines(
    buckets: Sequence[DateBucket], style: Style, *, width: int = BAR_WIDTH
) -> list[str]:
    """Bars for each bucket; runs of two or more empty buckets fold into one "…" line."""
    if not buckets:
        return []
    top = max(b.count for b in buckets) or 1
    lines: list[str] = []
    empty_run: list[DateBucket] = []

    def flush() -> None:
        if len(empty_run) == 1:
            lines.append(f"  {empty_run[0].key:<10} {'':<{width}} 0")
        elif empty_run:
            lines.append(
                style.dim(
                    f"  {'…':<10} ({len(empty_run)} empty: "
                    f"{empty_run[0].key} to {empty_run[-1].key})"
                )
            )
        empty_run.clear()

    for b in buckets:
        if b.count == 0:
            empty_run.append(b)
            continue
        flush()
        bar = "█" * max(1, round(b.count / top * width))
        lines.append(f"  {b.key:<10} {bar:<{width}} {b.count}")
    flush()
    return lines


def results_text(results: SearchResults, *, color: bool = False) -> str:
    """A ranked list for people: rank, date, title, source, fragments, then facets and timeline."""
    style = Style(color)
    lines: list[str] = []
    noun = "result" if results.total == 1 else "results"
    head = (
        f"{results.total} {noun} for {results.query!r}"
        if results.query.strip()
        else f"{results.total} articles"
    )
    if results.total > results.limit:
        head += f", page {results.page} of {results.pages}"
    lines.append(
        style.bold(head) + style.dim(f"  ({results.elapsed_ms:.0f} ms, sorted by {results.sort})")
    )
    if results.partial:
        lines.append("The search ran out of time: the results cover only part of the index.")
    if results.relaxed:
        lines.append(
            "No article matches every word; showing the best partial matches (most words first)."
        )
    if results.suggestion:
        lines.append(f"Did you mean: {style.bold(results.suggestion)}")
    for h in results.hits:
        date = h.date.isoformat() if h.date else "undated   "
        source = f"  [{h.source}]" if h.source else ""
        lines.append("")
        lines.append(f"{h.rank:>3}. {date}  {style.bold(style.fragment(h.title_fragment))}{source}")
        copies = f"  +{len(h.duplicates)} similar" if h.duplicates else ""
        lines.append(style.dim(f"     id: {h.id}  score: {h.score:.2f}{copies}"))
        for f in h.fragments:
            lines.append(f"     … {style.fragment(f)} …")
    facet_lines = [
        _facet_line(FACET_LABELS.get(name, name), values, style)
        for name, values in results.facets.items()
        if values
    ]
    if facet_lines:
        lines.append("")
        lines.extend(facet_lines)
    if results.histogram:
        lines.append("")
        lines.append(style.bold(f"Matches by {results.interval}:"))
        lines.extend(histogram_lines(results.histogram, style))
    return "\n".join(lines)


def article_text(article: Article, *, color: bool = False) -> str:
    """An article in full, with its metadata and entities."""
    style = Style(color)
    lines = [style.bold(article.title)]
    meta = [
        ("id", article.id),
        ("date", article.date.isoformat() if article.date else "none"),
        ("source", article.source or ""),
        ("url", article.url or ""),
        ("tags", "; ".join(article.tags)),
        ("origin", article.origin or ""),
    ]
    lines += [f"{k + ':':<8} {v}" for k, v in meta if v]
    for kind, label in (
        ("person", "People"),
        ("org", "Organisations"),
        ("location", "Places"),
        ("misc", "Other"),
    ):
        names = [e.name for e in article.entities if e.kind == kind]
        if names:
            lines.append(f"{label + ':':<15} {'; '.join(names)}")
    if article.related:
        lines.append("Related:")
        lines += [f"  - {t}" for t in article.related]
    lines += ["", article.body]
    return "\n".join(lines)


def hits_text(hits: Sequence[Hit], *, color: bool = False) -> str:
    """A short ranked list (rank, date, title, source, id), as for similar articles."""
    style = Style(color)
    lines = []
    for h in hits:
        date = h.date.isoformat() if h.date else "undated   "
        source = f"  [{h.source}]" if h.source else ""
        lines.append(f"{h.rank:>3}. {date}  {style.bold(h.title)}{source}")
        lines.append(style.dim(f"     id: {h.id}  score: {h.score:.2f}"))
    return "\n".join(lines)


def suggestions_text(suggestions: Sequence[Suggestion]) -> str:
    """One suggestion per line: the text, its kind and its number of articles."""
    width = max((len(s.text) for s in suggestions), default=0)
    return "\n".join(f"{s.text:<{width}}  {s.kind:<8}  {s.count:,}" for s in suggestions)


def stats_text(stats: IndexStats) -> str:
    """Index figures for people."""
    span = (
        f"{stats.date_min.isoformat()} to {stats.date_max.isoformat()}"
        if stats.date_min and stats.date_max
        else "no dated articles"
    )
    return "\n".join(
        [
            f"index:     {stats.path}",
            f"documents: {stats.documents:,} ({stats.undated:,} undated)",
            f"segments:  {stats.segments}",
            f"size:      {stats.size_bytes / 1_048_576:.1f} MiB ({stats.size_bytes:,} bytes)",
            f"dates:     {span}",
        ]
    )


def report_text(report: IndexReport, *, max_problems: int = 50) -> str:
    """The summary of an indexing run, with its failures and warnings."""
    lines = []
    problems: list[str] = [f"failed: {e}" for e in report.errors] + [
        f"warning: {w}" for w in report.warnings
    ]
    lines += problems[:max_problems]
    if len(problems) > max_problems:
        lines.append(f"… and {len(problems) - max_problems} more (use --format json for all)")
    lines.append(
        f"indexed {report.indexed:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
        f"failed {report.failed:,} in {report.elapsed_s:.1f}s"
    )
    return "\n".join(lines)


__all__ = [
    "article_text",
    "histogram_lines",
    "hits_text",
    "report_text",
    "results_csv",
    "results_jsonl",
    "results_text",
    "stats_text",
    "suggestions_text",
    "to_json",
]
