"""Syndicated copies: one hit per group of near-duplicates, with the copies listed."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import Article, Index
from searchlib.cli import main

WIRE = (
    "A bomb blast hit a bus convoy waiting to enter Aleppo on Saturday, killing at least 100 "
    "people and wounding hundreds more after an evacuation deal between the warring sides "
    "stalled. The convoy had left two besieged villages in Idlib province on Friday. Rescue "
    "workers said the death toll was likely to rise as many of the wounded were in a critical "
    "condition. No group immediately claimed responsibility for the attack, which came as "
    "thousands of people waited at two transit points on the edge of the city."
)
COPY = (
    "BEIRUT (Wire) - " + WIRE.replace("Saturday, killing", "Saturday killing")
    + "\n\nAdditional reporting by our correspondents; editing by the desk."
)
REFLOWED = "\n\n".join(WIRE.split(". "))
OTHER = (
    "Government forces advanced on rebel-held districts north of Aleppo on Saturday, state "
    "media said, as air strikes hit the countryside. Monitors reported heavy clashes near the "
    "transit points and said dozens of fighters had been killed on both sides of the front."
)


def _story(seed: int) -> str:
    words = OTHER.replace(",", "").replace(".", "").split()
    random.Random(seed).shuffle(words)
    return "Convoy " + " ".join(words)


@pytest.fixture()
def wire(tmp_path: Path) -> Index:
    ix = Index(tmp_path / "ix", create=True)
    ix.add(
        [
            Article(id="original", title="Blast hits Aleppo bus convoy", body=WIRE),
            Article(id="copy", title="Dozens killed as bomb hits evacuees near Aleppo", body=COPY),
            Article(id="reflowed", title="Aleppo convoy blast kills 100", body=REFLOWED),
            Article(id="other", title="Army advances north of Aleppo", body=OTHER),
        ]
    )
    return ix


def test_collapse_folds_copies_into_the_best_ranked_one(wire: Index) -> None:
    plain = wire.search("Aleppo convoy")
    folded = wire.search("Aleppo convoy", collapse=True)
    assert len(plain.hits) == 3 and not plain.collapsed
    assert all(h.duplicates == () for h in plain.hits)
    assert folded.collapsed and folded.total == plain.total == 3  # totals count articles
    assert len(folded.hits) == 1
    assert set(folded.hits[0].duplicates) | {folded.hits[0].id} == {"original", "copy", "reflowed"}
    assert folded.facets == plain.facets


def test_different_stories_on_the_same_topic_stay_apart(wire: Index) -> None:
    folded = wire.search("Aleppo", collapse=True)
    assert sorted(h.id for h in folded.hits if not h.duplicates) == ["other"]
    assert len(folded.hits) == 2


def test_collapsed_pages_are_full_of_different_stories(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(Article(id=f"copy{i:02}", title=f"Convoy {i}", body=WIRE) for i in range(30))
        ix.add(
            Article(id=f"story{i}", title="Convoy news", body=_story(i)) for i in range(8)
        )
        page1 = ix.search("convoy", collapse=True, limit=5)
        page2 = ix.search("convoy", collapse=True, limit=5, page=2)
    ids = [h.id for h in page1.hits + page2.hits]
    assert len(ids) == len(set(ids)) == 9  # 8 distinct stories and one wire story
    wire_hits = [h for h in page1.hits + page2.hits if h.id.startswith("copy")]
    assert len(wire_hits) == 1 and len(wire_hits[0].duplicates) == 29


def test_cli_collapses_text_output_by_default_not_json(wire: Index) -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["query", "Aleppo convoy", "--index", str(wire.path)])
    assert text.exit_code == 0 and "+2 similar" in text.stdout
    args = ["query", "Aleppo convoy", "--index", str(wire.path), "--format", "json"]
    raw = runner.invoke(main, args)
    assert len(json.loads(raw.stdout)["hits"]) == 3
    folded = runner.invoke(main, [*args, "--collapse"])
    data = json.loads(folded.stdout)
    assert data["collapsed"] and len(data["hits"]) == 1 and len(data["hits"][0]["duplicates"]) == 2


def test_a_copy_weeks_later_is_a_new_story_not_a_copy(tmp_path: Path) -> None:
    day = dt.date(2017, 4, 15)
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(
            [
                Article(id="sat", title="Convoy blast", body=WIRE, date=day),
                Article(id="mon", title="Convoy blast", body=COPY, date=day + dt.timedelta(2)),
                Article(id="later", title="Convoy blast", body=WIRE, date=day + dt.timedelta(20)),
            ]
        )
        folded = ix.search("convoy", collapse=True)
    groups = {h.id: set(h.duplicates) for h in folded.hits}
    assert groups == {"sat": {"mon"}, "later": set()} or groups == {"later": set(), "mon": {"sat"}}
