"""Autocomplete (index.suggest) and "did you mean" on misspelt names."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS

from searchlib import Article, Entity, Index, QueryError, ingest


@pytest.fixture()
def names(tmp_path: Path) -> Index:
    ix = Index(tmp_path / "ix", create=True)
    lavrov = Entity("person", "Sergey Lavrov", 1)
    ix.add(
        [
            Article(id="a", title="Lavrov in Aleppo", body="Lavrov spoke.", entities=(lavrov,)),
            Article(id="b", title="Lavrov again", body="Lavender fields.", entities=(lavrov,)),
            Article(
                id="c",
                title="Vote",
                body="Lavish spending.",
                entities=(Entity("person", "Anna Lavrova", 1),),
                tags=("Politics",),
            ),
        ]
    )
    return ix


def test_names_and_words_complete_by_any_word_start_most_articles_first(names: Index) -> None:
    got = [(s.text, s.kind, s.count) for s in names.suggest("lav")]
    assert got[0] == ("Sergey Lavrov", "person", 2)
    assert ("Anna Lavrova", "person", 1) in got
    assert ("lavender", "word", 1) in got and ("lavish", "word", 1) in got
    assert "lavrov" not in [t for t, k, _ in got if k == "word"]  # already offered as a name


def test_suggestions_ignore_case_and_accents_and_complete_full_names(names: Index) -> None:
    assert names.suggest("SERGEY L")[0].text == "Sergey Lavrov"
    assert names.suggest("sergey ")[0].text == "Sergey Lavrov"
    assert [s.text for s in names.suggest("pol", kinds=["tag"])] == ["Politics"]


def test_deleted_articles_are_not_counted(names: Index) -> None:
    names.delete("a")
    assert names.suggest("sergey")[0].count == 1


def test_limit_and_kinds(names: Index) -> None:
    assert len(names.suggest("lav", limit=2)) == 2
    assert {s.kind for s in names.suggest("lav", kinds=["word"])} == {"word"}


@pytest.mark.parametrize("bad", ["", "   ", "!!", "x" * 201])
def test_blank_or_huge_prefixes_are_query_errors(names: Index, bad: str) -> None:
    with pytest.raises(QueryError):
        names.suggest(bad)


def test_bad_kind_or_limit_is_a_query_error(names: Index) -> None:
    with pytest.raises(QueryError, match="kind"):
        names.suggest("lav", kinds=["planet"])  # type: ignore[list-item]
    with pytest.raises(QueryError, match="limit"):
        names.suggest("lav", limit=0)


def test_did_you_mean_on_the_seed(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ingest(ix, [SEEDS])
        typos = [("Lavorv", "Lavrov"), ("Alepo", "Aleppo"), ("Alepo Nusra", "Aleppo Nusra")]
        for typo, fixed in typos:
            results = ix.search(typo)
            assert results.suggestion == fixed
            assert ix.search(results.suggestion).total > 0  # only corrections that find something
        assert ix.suggest("lav")[0].text == "Sergey Lavrov"
