"""Turn results into text for people and data for programs (JSON, JSON Lines, CSV).

Every function returns a string; the CLI (or any other shell) decides where it goes. The JSON
shapes are stable: they are :func:`searchlib.model.to_data` of the result objects.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
MATCH = "\x1b[1;33m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Style:
    """ANSI styling, or none."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def _wrap(self, code: str, text: str) -> str:
        if not self.color:
            return text
        # a reset inside the text (a highlighted match) must not end the outer style
        return code + text.replace(RESET, RESET + code) + RESET

    def bold(self, text: str) -> str:
        """Bold text."""
        return self._wrap(BOLD, text)

    def dim(self, text: str) -> str:
        """Dimmed text."""
        return self._wrap(DIM, text)

    def fragment(self, fragment: Fragment) -> str:
        """Matches in colour, or between ** without colour (news text has its own [brackets])."""
        if self.color:
            return render_ansi(fragment, style=MATCH, reset=RESET)
        return render_plain(fragment, before="**", after="**")


def visible_len(text: str) -> int:
    """The length of ``text`` on a terminal (colour codes take no room)."""
    return len(_ANSI.sub("", text))


def wrap(text: str, width: int, *, indent: str = "", first: str = "", sep: str = " ") -> list[str]:
    """``text`` broken into lines of at most ``width`` visible characters, at ``sep`` only.

    Colour codes are kept and take no room; ``first`` starts the first line and ``indent`` the
    others. A word longer than a line stays whole on a line of its own.
    """
    if width <= 0:
        return [first + text]
    lines: list[str] = []
    line, size, empty = first, visible_len(first), True
    for word in text.split(sep):
        length = visible_len(word)
        if not empty and size + len(sep) + length > width:
            lines.append(line.rstrip())
            line, size, empty = indent, len(indent), True
        if not empty:
            line += sep
            size += len(sep)
        line += word
        size += length
        empty = False
    lines.append(line.rstrip())
    return lines


Format = str
"""An output format: ``text``, ``json``, ``jsonl`` or ``csv``."""


@dataclass(frozen=True)
class Output:
    """What a command prints, in each format it offers (one writer for every command).

    ``data`` is the whole result (``json``); ``rows`` its items (``jsonl``: one JSON object a
    line; ``csv``: one row each, through ``csv_row``, under ``columns``); ``text`` renders it
    for people, given whether to use colour.
    """

    data: Any
    rows: Sequence[Any] = ()
    text: Callable[[bool], str] | None = None
    columns: Sequence[str] | None = None
    csv_row: Callable[[Any], Mapping[str, Any]] | None = None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(out: Output, fmt: Format, *, color: bool = False) -> str:
    """``out`` in ``fmt`` (an empty string when there is nothing to print)."""
    if fmt == "json":
        return to_json(out.data)
    if fmt == "jsonl":
        return "\n".join(json.dumps(to_data(r), ensure_ascii=False) for r in out.rows)
    if fmt == "csv":
        table = [out.csv_row(r) if out.csv_row else to_data(r) for r in out.rows]
        columns = list(out.columns or (table[0].keys() if table else ()))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in table:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    if out.text is None:
        return to_json(out.data)
    return out.text(color)


def to_json(value: Any, *, indent: int | None = 2) -> str:
    """Any model object as JSON."""
    return json.dumps(to_data(value), ensure_ascii=False, indent=indent)


def hit_row(h: Hit) -> dict[str, Any]:
    """A hit as one CSV row (:data:`CSV_COLUMNS`); list values are joined with "; "."""
    return {
        "rank": h.rank,
        "id": h.id,
        "score": h.score,
        "date": h.date.isoformat() if h.date else "",
        "title": h.title,
        "source": h.source,
        "url": h.url,
        "tags": h.tags,
        "people": h.people,
        "orgs": h.orgs,
        "locations": h.locations,
        "fragment": " … ".join(f.text for f in h.fragments),
    }


def results_output(results: SearchResults, *, width: int = 0) -> Output:
    """Search results in every format: JSON (all of it), JSON Lines and CSV (a hit a row),
    text (ranked list, facets, timeline; wrapped to ``width`` columns, 0 for no wrapping)."""
    return Output(
        data=results,
        rows=results.hits,
        text=lambda color: results_text(results, color=color, width=width),
        columns=CSV_COLUMNS,
        csv_row=hit_row,
    )


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


def results_text(results: SearchResults, *, color: bool = False, width: int = 0) -> str:
    """A ranked list for people: rank, date, title, source, fragments, then facets and timeline.

    Lines are wrapped at spaces to ``width`` columns (0: not wrapped).
    """
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
    notes = []
    if results.partial:
        notes.append("The search ran out of time: the results cover only part of the index.")
    if results.relaxed:
        notes.append(
            "No article matches every word; showing the best partial matches (most words first)."
        )
    for hint in results.unmatched_filters:
        near = ", ".join(f"{v.value!r} ({v.count:,})" for v in hint.suggestions)
        notes.append(
            f"No article has {hint.facet} {hint.value!r}"
            + (f"; did you mean {near}?" if near else ".")
        )
    if results.suggestion:
        notes.append(f"Did you mean: {style.bold(results.suggestion)}")
    for note in notes:
        lines += wrap(note, width)
    for h in results.hits:
        date = h.date.isoformat() if h.date else " " * 10
        source = f"  [{h.source}]" if h.source else ""
        lines.append("")
        title = style.bold(style.fragment(h.title_fragment)) + source
        lines += wrap(title, width, first=f"{h.rank:>3}. {date}  ", indent=" " * 17)
        copies = f"  +{len(h.duplicates)} similar" if h.duplicates else ""
        lines.append(style.dim(f"     id: {h.id}  score: {h.score:.2f}{copies}"))
        for f in h.fragments:
            lines += wrap(f"… {style.fragment(f)} …", width, first="     ", indent="       ")
    facet_lines = [
        line
        for name, values in results.facets.items()
        if values
        for line in wrap(
            _facet_values(values),
            width,
            first=_facet_label(name, style),
            indent=" " * 17,
            sep=" · ",
        )
    ]
    if facet_lines:
        lines.append("")
        lines.extend(facet_lines)
    if results.histogram:
        lines.append("")
        lines.append(style.bold(f"Matches by {results.interval}:"))
        bars = max(10, min(BAR_WIDTH, width - 24)) if width else BAR_WIDTH
        lines.extend(histogram_lines(results.histogram, style, width=bars))
    return "\n".join(lines)


def _facet_label(name: str, style: Style) -> str:
    label = f"{FACET_LABELS.get(name, name)}:"
    return style.bold(label) + " " * max(1, 17 - len(label))


def _facet_values(values: Sequence[FacetValue]) -> str:
    return " · ".join(f"{v.value} ({v.count})" for v in values)


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
        date = h.date.isoformat() if h.date else " " * 10
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
    lines = [
        f"index:     {stats.location}",
        f"documents: {stats.documents:,} ({stats.undated:,} undated)",
        f"dates:     {span}",
    ]
    if stats.size_bytes is not None:
        lines.append(
            f"size:      {stats.size_bytes / 1_048_576:.1f} MiB ({stats.size_bytes:,} bytes)"
        )
    lines += [f"{k + ':':<10} {v}" for k, v in stats.backend.items()]
    return "\n".join(lines)


def report_text(report: IndexReport, *, max_problems: int = 50) -> str:
    """The summary of an indexing run, with up to ``max_problems`` of its failures and
    warnings (0: none; they were shown as they happened)."""
    lines = []
    problems: list[str] = [f"failed: {e}" for e in report.errors] + [
        f"warning: {w}" for w in report.warnings
    ]
    lines += problems[:max_problems]
    if max_problems and len(problems) > max_problems:
        lines.append(f"… and {len(problems) - max_problems} more (use --json for all)")
    if report.copies:
        examples = ", ".join(f"{new} (as {old})" for new, old in report.copy_examples[:3])
        lines.append(
            f"skipped {report.copies:,} articles already indexed under other ids, e.g. "
            f"{examples}: the same files indexed from another folder or with another "
            "--id-prefix. Use --keep-copies to index them anyway, or delete the old ids."
        )
    lines.append(
        f"indexed {report.indexed:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
        f"failed {report.failed:,} in {report.elapsed_s:.1f}s"
    )
    return "\n".join(lines)


__all__ = [
    "CSV_COLUMNS",
    "Output",
    "article_text",
    "histogram_lines",
    "hit_row",
    "hits_text",
    "render",
    "report_text",
    "results_output",
    "results_text",
    "stats_text",
    "suggestions_text",
    "to_json",
    "visible_len",
    "wrap",
]
