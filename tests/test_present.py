"""Presenters: text for people, CSV/JSON for programs."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

from searchlib import DateBucket, FacetValue, Hit, SearchResults
from searchlib.highlight import make_fragment
from searchlib.model import Span
from searchlib.present import (
    Style,
    histogram_lines,
    render,
    results_output,
    results_text,
    to_json,
)


def results_csv(results: SearchResults) -> str:
    return render(results_output(results), "csv")


def results_jsonl(results: SearchResults) -> str:
    return render(results_output(results), "jsonl")


def _results() -> SearchResults:
    frag = make_fragment('Convoy exits Aleppo, "finally"', (Span(13, 19),), "body")
    hit = Hit(
        rank=1, id="a,1", score=1.5, title="Convoy", date=dt.date(2016, 10, 7), source="rt",
        url=None, tags=("Syria unrest",), people=("Sergey Lavrov",), orgs=(),
        locations=("Aleppo", "Idlib"),
        title_fragment=make_fragment("Convoy", (), "title"), fragments=(frag,),
    )  # fmt: skip
    return SearchResults(
        query="aleppo", total=1, hits=(hit,), page=1, limit=10, sort="relevance",
        facets={"location": (FacetValue("Aleppo", 1), FacetValue("Idlib", 1))},
        histogram=(
            DateBucket("2016-10", dt.date(2016, 10, 1), dt.date(2016, 10, 31), 1),
            DateBucket("2016-11", dt.date(2016, 11, 1), dt.date(2016, 11, 30), 0),
            DateBucket("2016-12", dt.date(2016, 12, 1), dt.date(2016, 12, 31), 0),
            DateBucket("2017-01", dt.date(2017, 1, 1), dt.date(2017, 1, 31), 2),
        ),
    )  # fmt: skip


def test_text_has_hits_facets_and_bars() -> None:
    text = results_text(_results())
    assert "1 result for 'aleppo'" in text
    assert "2016-10-07  Convoy  [rt]" in text
    assert "**Aleppo**" in text
    assert "Places:" in text and "Aleppo (1) · Idlib (1)" in text
    assert "(2 empty: 2016-11 to 2016-12)" in text
    assert "\x1b[" not in text
    assert "\x1b[1;33mAleppo\x1b[0m" in results_text(_results(), color=True)


def test_histogram_bars_scale_to_the_largest_bucket() -> None:
    lines = histogram_lines(_results().histogram, Style(False), width=10)
    assert lines[0].count("█") == 5 and lines[-1].count("█") == 10


def test_csv_quotes_and_joins() -> None:
    rows = list(csv.reader(io.StringIO(results_csv(_results()))))
    assert rows[0][:3] == ["rank", "id", "score"]
    assert rows[1][1] == "a,1" and rows[1][10] == "Aleppo; Idlib"
    assert rows[1][11] == 'Convoy exits Aleppo, "finally"'


def test_json_and_jsonl() -> None:
    data = json.loads(to_json(_results()))
    assert data["hits"][0]["fragments"][0]["spans"] == [{"start": 13, "end": 19}]
    line = json.loads(results_jsonl(_results()))
    assert line["id"] == "a,1" and line["date"] == "2016-10-07"


def test_a_title_stays_bold_after_its_highlights() -> None:
    """The title's bold was lost after its first highlight: the reset was never followed by a
    new bold."""
    frag = make_fragment("Convoy exits Aleppo at last", (Span(13, 19),), "title")
    line = Style(True).bold(Style(True).fragment(frag))
    after_match = line.split("Aleppo", 1)[1]
    assert after_match.startswith("\x1b[0m\x1b[1m")  # bold again right after the match
    assert line.startswith("\x1b[1mConvoy exits \x1b[1;33mAleppo")


def test_text_is_wrapped_to_the_width_at_spaces() -> None:
    import re

    from searchlib.present import visible_len

    results = _results()
    long = make_fragment(
        " ".join(["armistice", "negotiations", "continued", "in", "Aleppo"] * 12),
        (Span(10, 22),),
        "body",
    )
    hit = dataclasses.replace(results.hits[0], fragments=(long,))
    text = results_text(dataclasses.replace(results, hits=(hit,)), color=True, width=50)
    words = set(long.text.split())
    lines = text.splitlines()
    assert all(visible_len(line) <= 50 for line in lines)
    start = next(i for i, line in enumerate(lines) if "…" in line)
    body = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines[start : start + 8]]
    assert len(body) > 3 and all(line.startswith("     ") for line in body)
    tokens = [t for line in body for t in line.replace("…", " ").split()]
    assert set(tokens) <= words  # no word was broken across lines
