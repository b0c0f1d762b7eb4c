"""Shared fixtures: the seed, a generated corpus with known facet counts, and the real corpora.

The real corpora live in ``../shared/corpora`` beside the checkout; tests that need them skip
cleanly when it is absent (a user's fresh clone).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchlib import Article, DateOrder, Entity, Index, ReadOptions

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_8685ec8866dbeeaa.txt"
CORPORA = ROOT.parent / "shared" / "corpora"


def corpus(*parts: str) -> Path:
    """A path inside ../shared/corpora, or skip the test when it is not there."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


#: How FA-KES-Dataset.csv maps onto searchlib's fields (its dates are month first).
FAKES_OPTIONS = ReadOptions(
    fields={
        "title": "article_title",
        "body": "article_content",
        "date": "date",
        "source": "source",
    },
    date_order=DateOrder.MDY,
)


PEOPLE = ["Sergey Lavrov", "Angela Merkel", "Bashar Assad", "Staffan de Mistura", "John Kerry"]
ORGS = ["United Nations", "Al-Nusra Front", "RIA Novosti", "European Union"]
PLACES = ["Aleppo", "Idlib", "Moscow", "Damascus", "Geneva", "Iran"]
TAGS = ["Syria unrest", "Diplomacy", "Refugees"]
SOURCES = ["rt", "reuters", "sana", "bbc"]
WORDS = [
    "ceasefire",
    "talks",
    "convoy",
    "aid",
    "militants",
    "envoy",
    "minister",
    "government",
    "city",
    "troops",
    "report",
    "weapons",
    "civilians",
    "council",
    "meeting",
    "statement",
    "offensive",
    "border",
]


def generated_articles(n: int = 240, seed: int = 7) -> list[Article]:
    """A deterministic corpus with entities, tags, sources and dates set explicitly.

    Every count a test checks can be computed from this list without the index.
    """
    rng = random.Random(seed)
    start = dt.date(2015, 11, 20)
    out = []
    for i in range(n):
        people = rng.sample(PEOPLE, rng.randint(0, 2))
        orgs = rng.sample(ORGS, rng.randint(0, 2))
        places = rng.sample(PLACES, rng.randint(0, 3))
        words = rng.sample(WORDS, 6)
        body = " ".join(
            [f"The {w} was discussed." for w in words]
            + [f"{name} spoke about it." for name in people + places]
        )
        where = places[0] if places else "the region"
        out.append(
            Article(
                id=f"gen-{i:04d}",
                title=f"{words[0].capitalize()} and {words[1]} in {where}",
                body=body,
                date=None if i % 17 == 0 else start + dt.timedelta(days=rng.randint(0, 500)),
                source=rng.choice(SOURCES),
                tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
                entities=tuple(
                    [Entity("person", p) for p in people]
                    + [Entity("org", o) for o in orgs]
                    + [Entity("location", p) for p in places]
                ),
            )
        )
    return out


@pytest.fixture(scope="session")
def generated() -> list[Article]:
    """The generated corpus."""
    return generated_articles()


@pytest.fixture(scope="session")
def generated_index(
    tmp_path_factory: pytest.TempPathFactory, generated: list[Article]
) -> Iterator[Index]:
    """An index of the generated corpus, written in three commits (so it has several segments)."""
    path = tmp_path_factory.mktemp("generated") / "index"
    with Index(path, create=True) as ix:
        for chunk in (generated[:100], generated[100:180], generated[180:]):
            ix.add(chunk)
        yield ix


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """An index of the bundled seeds, built through the real pipeline."""
    from searchlib import ingest

    path = tmp_path_factory.mktemp("seed") / "index"
    with Index(path, create=True) as ix:
        report = ingest(ix, [SEEDS])
        assert report.indexed == 1 and report.failed == 0
        yield ix
