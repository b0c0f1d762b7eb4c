"""Markdown tables for the results files."""

from __future__ import annotations

from collections.abc import Sequence


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Sequence[bool] = ()
) -> list[str]:
    """The lines of a Markdown table; columns flagged in ``numeric`` are right-aligned (by
    default every column whose cells are all numbers or blank)."""
    if not numeric:
        numeric = [
            bool(rows) and all(_is_number_or_blank(r[i]) for r in rows) for i in range(len(headers))
        ]
    rule = ["---:" if numeric[i] else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    for row in rows:
        cells = ["–" if cell is None else _cell(cell) for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _is_number_or_blank(value: object) -> bool:
    return isinstance(value, int | float) or value in ("", None, "–")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value).replace("|", "\\|")
