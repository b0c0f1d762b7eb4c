"""Related articles: shared key words and shared entities, on fixtures and on FA-KES."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import corpus

from searchlib import Article, DocumentNotFound, Entity, Index, QueryError, ingest


def _entities(*names: tuple[str, str]) -> tuple[Entity, ...]:
    return tuple(Entity(kind, name, 1) for kind, name in names)  # type: ignore[arg-type]


@pytest.fixture()
def news(tmp_path: Path) -> Index:
    ix = Index(tmp_path / "ix", create=True)
    lavrov = ("person", "Sergey Lavrov")
    geneva = ("location", "Geneva")
    ix.add(
        [
            Article(
                id="talks",
                title="Lavrov arrives in Geneva for talks",
                body="The Russian foreign minister met envoys about the ceasefire.",
                entities=_entities(lavrov, geneva),
            ),
            Article(
                id="same-people",
                title="Moscow's top diplomat lands in Switzerland",
                body="Negotiations resumed on Monday, officials said.",
                entities=_entities(lavrov, geneva),
            ),
            Article(
                id="same-words",
                title="Ceasefire talks resume",
                body="Envoys discussed the ceasefire and the minister's plan.",
            ),
            Article(
                id="football",
                title="Cup final tonight",
                body="The teams meet at the stadium for the final match.",
            ),
        ]
    )
    return ix


def test_articles_naming_the_same_people_and_places_are_related(news: Index) -> None:
    related = [h.id for h in news.similar("talks")]
    assert "same-people" in related  # no word in common, the same person and place
    assert "same-words" in related
    assert "talks" not in related and "football" not in related


def test_similar_hits_are_ranked_and_carry_the_article_fields(news: Index) -> None:
    hits = news.similar("talks", limit=1)
    assert len(hits) == 1 and hits[0].rank == 1 and hits[0].score > 0 and hits[0].title


def test_similar_of_an_unknown_id_is_document_not_found(news: Index) -> None:
    with pytest.raises(DocumentNotFound, match="nope"):
        news.similar("nope")
    with pytest.raises(QueryError):
        news.similar("talks", limit=0)


def test_fakes_articles_about_the_same_event_rank_high_for_each_other(tmp_path: Path) -> None:
    """FA-KES gives each article a date and a place; two articles with the same date and the
    same place almost always report the same event. For those, a same-event article should be
    among the five most related (measured: 49%; a random pick of five: 1.3%)."""
    jsonl = corpus("fa-kes", "fa-kes.jsonl")
    with open(corpus("fa-kes", "FA-KES-Dataset.csv"), errors="replace") as f:
        rows = list(csv.DictReader(f))
    ids = [json.loads(line)["id"] for line in jsonl.read_text().splitlines()]
    event = {i: (r["date"], r["location"]) for i, r in zip(ids, rows, strict=True)}
    members: dict[tuple[str, str], list[str]] = defaultdict(list)
    for i, e in event.items():
        members[e].append(i)
    paired = [i for i in ids if len(members[event[i]]) > 1]
    with Index(tmp_path / "ix", create=True) as ix:
        ingest(ix, [jsonl])
        found = sum(any(event[h.id] == event[i] for h in ix.similar(i, limit=5)) for i in paired)
    assert len(paired) > 300
    assert found / len(paired) >= 0.40
