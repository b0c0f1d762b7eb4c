"""The relevance model: BM25F parameters, title weight, match any/all, proximity, recency, dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from searchlib import Article, Index, QueryError, Ranking
from searchlib.request import parse_half_life

D = dt.date


def _index(path: Path, articles: list[Article], **kwargs: object) -> Index:
    ix = Index(path, create=True, **kwargs)  # type: ignore[arg-type]
    ix.add(articles)
    return ix


@pytest.fixture()
def words(tmp_path: Path) -> list[Article]:
    return [
        Article(id="three", title="Report", body="Aid convoy reached the border crossing."),
        Article(id="two", title="Report", body="An aid convoy left the city."),
        Article(id="one", title="Report", body="Aid is short in the city."),
        Article(id="zero", title="Report", body="Football results from the weekend."),
    ]


def test_match_any_finds_every_article_with_a_word_and_ranks_more_words_first(
    tmp_path: Path, words: list[Article]
) -> None:
    with _index(tmp_path / "ix", words) as ix:
        strict = ix.search("aid convoy border", relax=False)
        anyword = ix.search("aid convoy border", match="any")
    assert strict.total == 1
    assert anyword.total == 3 and not anyword.relaxed
    assert [h.id for h in anyword.hits] == ["three", "two", "one"]


def test_coordination_scales_scores_by_the_fraction_of_words_matched(
    tmp_path: Path, words: list[Article]
) -> None:
    with _index(tmp_path / "ix", words) as ix:
        alone = {h.id: h.score for h in ix.search("aid", match="any").hits}
        both = {h.id: h.score for h in ix.search("aid rugby", match="any").hits}
    # "rugby" is in no article: each "aid" match has half the words, scaled by 0.5 ** 0.25
    assert both["one"] == pytest.approx(alone["one"] * 0.5**0.25, rel=1e-6)
    _index(tmp_path / "classic", words).close()
    classic = Index(tmp_path / "classic", ranking=Ranking(coordination=1.0))
    assert classic.search("aid rugby", match="any").hits[0].score == pytest.approx(
        classic.search("aid", match="any").hits[0].score / 2, rel=1e-6
    )


def test_questions_leave_out_function_words(tmp_path: Path, words: list[Article]) -> None:
    with _index(tmp_path / "ix", words) as ix:
        question = ix.search("what is there about the border", match="any")
        plain = ix.search("border", match="any")
        only_function_words = ix.search("what is there", match="any", relax=False)
    assert [h.id for h in question.hits] == ["three"]
    assert question.hits[0].score == pytest.approx(plain.hits[0].score)
    assert only_function_words.total == 0  # nothing else to search for: kept, and unmatched


def test_natural_language_questions_never_come_back_empty(
    tmp_path: Path, words: list[Article]
) -> None:
    with _index(tmp_path / "ix", words) as ix:
        question = "which convoys of aid were stopped at a border crossing last week ?"
        assert ix.search(question).total > 0  # relaxed
        assert ix.search(question, match="any").total == 3


def test_relaxed_questions_ignore_their_function_words(tmp_path: Path) -> None:
    articles = [
        Article(id="chatty", title="Report", body="What did they do about it? Nothing."),
        Article(id="budget", title="Budget", body="The chancellor set out the budget deficit."),
    ]
    with _index(tmp_path / "ix", articles) as ix:
        results = ix.search("what did the chancellor say about the deficit")
        single = ix.search("what about the deficit")
    assert results.relaxed and [h.id for h in results.hits] == ["budget"]
    assert single.relaxed and [h.id for h in single.hits] == ["budget"]


def test_match_must_be_all_or_any(tmp_path: Path, words: list[Article]) -> None:
    with _index(tmp_path / "ix", words) as ix, pytest.raises(QueryError, match="match"):
        ix.search("aid", match="some")  # type: ignore[arg-type]


def test_title_weight_multiplies_title_matches(tmp_path: Path) -> None:
    articles = [
        Article(id="t", title="Ceasefire", body="Talks went on late."),
        Article(id="b", title="Evening report", body="A ceasefire was agreed."),
    ]
    _index(tmp_path / "ix", articles).close()
    plain = {h.id: h.score for h in Index(tmp_path / "ix").search("ceasefire").hits}
    heavy = Index(tmp_path / "ix", ranking=Ranking(title_weight=3.0)).search("ceasefire")
    got = {h.id: h.score for h in heavy.hits}
    assert got["b"] == pytest.approx(plain["b"])
    assert got["t"] > plain["t"]


def test_k1_and_b_change_the_scores(tmp_path: Path, words: list[Article]) -> None:
    _index(tmp_path / "ix", words).close()
    default = Index(tmp_path / "ix").search("aid").hits[0].score
    tuned = Index(tmp_path / "ix", ranking=Ranking(k1=0.9, b=0.4)).search("aid").hits[0].score
    assert default != pytest.approx(tuned)


@pytest.mark.parametrize(
    "bad", [{"k1": -1.0}, {"b": 1.5}, {"title_weight": 0.0}, {"proximity": -0.1}]
)
def test_ranking_rejects_values_out_of_range(bad: dict[str, float]) -> None:
    with pytest.raises(QueryError):
        Ranking(**bad)


def test_proximity_ranks_adjacent_words_above_scattered_ones(tmp_path: Path) -> None:
    articles = [
        Article(id="apart", title="Report", body="Heat rose. Later the conduction tests ended."),
        Article(id="near", title="Report", body="Tests of heat conduction ended. Later it rose."),
    ]
    _index(tmp_path / "ix", articles).close()
    plain = Index(tmp_path / "ix").search("heat conduction")
    near = Index(tmp_path / "ix", ranking=Ranking(proximity=0.5)).search("heat conduction")
    assert [h.id for h in plain.hits] == ["apart", "near"]  # equal scores: index order
    assert [h.id for h in near.hits] == ["near", "apart"]
    assert near.hits[0].score == pytest.approx(plain.hits[1].score * 1.5)


def _dated(tmp_path: Path) -> Index:
    return _index(
        tmp_path / "ix",
        [
            Article(id="old", title="Ceasefire", body="A ceasefire.", date=D(2016, 1, 1)),
            Article(id="new", title="Ceasefire", body="A ceasefire.", date=D(2016, 3, 1)),
            Article(id="undated", title="Ceasefire", body="A ceasefire."),
            Article(id="other", title="Weather", body="Rain.", date=D(2016, 3, 31)),
        ],
    )


def test_recency_is_off_by_default_and_boosts_newer_articles(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        plain = ix.search("ceasefire")
        fresh = ix.search("ceasefire", recency="30d")
    assert [h.id for h in plain.hits] == ["old", "new", "undated"]  # equal scores
    assert [h.id for h in fresh.hits] == ["new", "old", "undated"]
    base = plain.hits[0].score
    scores = {h.id: h.score for h in fresh.hits}
    # age counts back from the newest match (2016-03-01), not the newest article (03-31)
    assert scores["new"] == pytest.approx(base * 2, rel=1e-5)
    assert scores["old"] == pytest.approx(base * (1 + 2 ** (-60 / 30)), rel=1e-5)
    assert scores["undated"] == pytest.approx(base)


def test_sorting_by_date_is_exact_and_breaks_ties_by_score(tmp_path: Path) -> None:
    day = D(2016, 5, 1)
    articles = [
        Article(id="weak", title="Report", body="ceasefire " + "filler " * 40, date=day),
        Article(id="strong", title="Ceasefire", body="ceasefire ceasefire", date=day),
        Article(id="older", title="Ceasefire", body="ceasefire ceasefire", date=D(2016, 4, 30)),
        Article(id="newest", title="Report", body="ceasefire " + "filler " * 40,
                date=D(2016, 5, 2)),
        Article(id="undated", title="Ceasefire", body="ceasefire"),
    ]
    with _index(tmp_path / "ix", articles) as ix:
        results = ix.search("ceasefire", sort="date", recency="1d")
    assert [h.id for h in results.hits] == ["newest", "strong", "weak", "older", "undated"]


@pytest.mark.parametrize(
    ("text", "days"),
    [("30d", 30.0), ("12h", 0.5), ("2w", 14.0), ("1y", 365.25), ("6M", 182.625), (7, 7.0)],
)
def test_half_lives(text: str | int, days: float) -> None:
    assert parse_half_life(text) == pytest.approx(days)


@pytest.mark.parametrize("bad", ["soon", "30", "-3d", "0d", "d", "1000y"])
def test_bad_half_lives_are_query_errors(tmp_path: Path, bad: str) -> None:
    with pytest.raises(QueryError, match="recency"):
        parse_half_life(bad)
