"""The relevance model (issue 14): BM25F over title and body with the RSJ idf, the match rule
(``auto``, ``all``, ``any``), function words, coordination, every-word-first, the relaxed
fallback, feedback, the parameters, proximity, recency and date order.

The library's scores against the model's reference implementation on whole collections are in
``tests/test_relevance.py``; these tests pin each behaviour on a few articles, by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from searchlib import Article, Index, QueryError, Ranking
from searchlib import text as tx
from searchlib.request import parse_half_life

D = dt.date

#: Articles that share no word with the queries below: they make the collection big enough
#: for the idf to mean something (a word in half the articles or more scores almost nothing).
FILLER = [
    Article(id=f"filler{i}", title=f"Weather {i}", body=f"Sunny spells and showers, day {i}.")
    for i in range(12)
]

NO_FEEDBACK = Ranking(feedback_docs=0)


def _index(path: Path, articles: list[Article], **kwargs: object) -> Index:
    ix = Index(path, create=True, **kwargs)  # type: ignore[arg-type]
    ix.add([*articles, *FILLER])
    return ix


@pytest.fixture()
def words() -> list[Article]:
    return [
        Article(id="three", title="Report", body="Aid convoy reached the border crossing."),
        Article(id="two", title="Report", body="An aid convoy left the city."),
        Article(id="one", title="Report", body="Aid is short in the city."),
        Article(id="zero", title="Report", body="Football results from the weekend."),
    ]


def _ids(results: object) -> list[str]:
    return [h.id for h in results.hits]  # type: ignore[attr-defined]


# -- the term score ----------------------------------------------------------------------------


def test_a_words_score_is_bm25f_over_title_and_body(tmp_path: Path) -> None:
    """One score per word: the title's and the body's frequencies normalised by their own
    length, the title's counted 4 times, added, saturated once (k1 2.5), times the RSJ idf."""
    articles = [
        Article(id="both", title="Convoy attacked", body="The convoy was attacked near a town."),
        Article(id="body", title="Morning report", body="A convoy left."),
    ]
    with _index(tmp_path / "ix", articles) as ix:
        got = {h.id: h.score for h in ix.search("convoy").hits}
    lengths = [
        (len(tx.terms(a.title)), len(tx.terms(a.body))) for a in [*articles, *FILLER]
    ]
    assert lengths[:2] == [(2, 5), (2, 2)]  # "convoy attack", "convoy wa attack near town"
    n = len(lengths)
    avg_title = sum(t for t, _ in lengths) / n
    avg_body = sum(b for _, b in lengths) / n
    k1, b, w = 2.5, 0.9, 4.0
    idf = math.log((n - 2 + 0.5) / (2 + 0.5))

    def norm(length: float, avg: float) -> float:
        return 1 - b + b * length / avg

    def score(tf_title: int, title_len: int, tf_body: int, body_len: int) -> float:
        tf = w * tf_title / norm(title_len, avg_title) + tf_body / norm(body_len, avg_body)
        return idf * tf * (k1 + 1) / (tf + k1)

    assert got["both"] == pytest.approx(score(1, 2, 1, 5), abs=1e-6)
    assert got["body"] == pytest.approx(score(0, 2, 1, 2), abs=1e-6)


def test_a_word_in_half_the_articles_or_more_scores_almost_nothing(tmp_path: Path) -> None:
    articles = [Article(id=f"a{i}", title="Report", body=f"common words {i}") for i in range(6)]
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add([*articles, Article(id="rare", title="Report", body="common and rare words")])
        results = ix.search("common")
    assert results.total == 7
    assert all(0 < h.score < 1e-5 for h in results.hits)  # the idf floor, 1e-6


def test_title_weight_multiplies_title_matches(tmp_path: Path) -> None:
    articles = [
        Article(id="t", title="Ceasefire", body="Talks went on late."),
        Article(id="b", title="Evening report", body="A ceasefire was agreed."),
    ]
    _index(tmp_path / "ix", articles).close()
    plain = {h.id: h.score for h in Index(tmp_path / "ix").search("ceasefire").hits}
    heavy = Index(tmp_path / "ix", ranking=Ranking(title_weight=8.0)).search("ceasefire")
    got = {h.id: h.score for h in heavy.hits}
    assert got["b"] == pytest.approx(plain["b"])  # no title occurrence: the same score
    assert got["t"] > plain["t"]
    assert plain["t"] > plain["b"]  # a title occurrence counts 4 body ones by default


def test_k1_and_b_change_the_scores(tmp_path: Path, words: list[Article]) -> None:
    _index(tmp_path / "ix", words).close()
    default = Index(tmp_path / "ix").search("aid convoy").hits[0].score
    for other in (Ranking(k1=0.9), Ranking(b_body=0.4), Ranking(b_title=0.2, b_body=0.2)):
        tuned = Index(tmp_path / "ix", ranking=other).search("aid convoy").hits[0].score
        assert default != pytest.approx(tuned), other


@pytest.mark.parametrize(
    "bad",
    [
        {"k1": -1.0},
        {"b_title": 1.5},
        {"b_body": -0.1},
        {"title_weight": 0.0},
        {"proximity": -0.1},
        {"coordination": 5.0},
        {"feedback_docs": -1},
        {"feedback_terms": 0},
        {"feedback_query_weight": 0.0},
        {"feedback_query_weight": 1.5},
        {"auto_all_upto": -1},
    ],
)
def test_ranking_rejects_values_out_of_range(bad: dict[str, float]) -> None:
    with pytest.raises(QueryError, match=next(iter(bad))):
        Ranking(**bad)  # type: ignore[arg-type]


def test_the_defaults_are_the_chosen_model() -> None:
    r = Ranking()
    assert (r.k1, r.b_title, r.b_body, r.title_weight) == (2.5, 0.9, 0.9, 4.0)
    assert (r.auto_all_upto, r.coordination, r.proximity) == (3, 0.25, 0.0)
    assert (r.feedback_docs, r.feedback_terms, r.feedback_query_weight) == (3, 20, 0.5)
    assert r.feedback and not Ranking(feedback_docs=0).feedback


# -- which articles match ----------------------------------------------------------------------


def test_short_queries_need_every_word_and_long_ones_any(
    tmp_path: Path, words: list[Article]
) -> None:
    extra = [Article(id="four", title="Crossing", body="The border crossing was closed.")]
    with _index(tmp_path / "ix", [*words, *extra]) as ix:
        assert ix.search("aid convoy border").total == 1  # 3 words: every word
        assert ix.search("aid convoy border", match="any").total == 4
        long = ix.search("aid convoy border crossing")  # 4 words: any word
        assert long.total == 4 and not long.relaxed
        assert ix.search("aid convoy border crossing", match="all").total == 1


def test_function_words_do_not_count_and_are_left_out_in_every_mode(
    tmp_path: Path, words: list[Article]
) -> None:
    with _index(tmp_path / "ix", words) as ix:
        for match in ("auto", "all", "any"):
            question = ix.search("what about the aid convoy", match=match)  # type: ignore[arg-type]
            plain = ix.search("aid convoy", match=match)  # type: ignore[arg-type]
            assert _ids(question) == _ids(plain) and question.total == plain.total, match
            assert [h.score for h in question.hits] == [h.score for h in plain.hits], match
        # two content words: every word required, whatever the function words around them
        assert ix.search("where is the aid convoy at the border").total == 1


def test_a_query_of_function_words_only_keeps_them(tmp_path: Path, words: list[Article]) -> None:
    with _index(tmp_path / "ix", words) as ix:
        assert ix.search("what is there", match="any", relax=False).total == 0


def test_a_keyword_query_keeps_its_only_function_word(tmp_path: Path) -> None:
    articles = [
        Article(id="off", title="Market shrugs off losses", body="Shares rose."),
        Article(id="plain", title="Market shrugs", body="Shares fell."),
        Article(id="other", title="Profits", body="Off the record, profits fell."),
    ]
    with _index(tmp_path / "ix", articles) as ix:
        assert _ids(ix.search("off shrugs")) == ["off"]  # one function word: as typed
        assert _ids(ix.search("off shrugs", match="all")) == ["off"]
        assert sorted(_ids(ix.search("off shrugs", match="any"))) == ["off", "plain"]
        assert sorted(_ids(ix.search("what is off shrugs"))) == ["off", "plain"]  # a question
        # nothing has "off" and "shares" with "fell": any of the other words, relaxed
        relaxed = ix.search("off shares fell")
        assert relaxed.relaxed and sorted(_ids(relaxed)) == ["off", "other", "plain"]
        assert _ids(relaxed)[0] == "plain"  # both content words
        assert ix.search("off shares fell", relax=False).total == 0
        # quoted, a function word is kept whatever the query
        assert _ids(ix.search("what is 'off' shrugs")) == ["off"]


def test_questions_never_come_back_empty(tmp_path: Path, words: list[Article]) -> None:
    with _index(tmp_path / "ix", words) as ix:
        question = "which convoys of aid were stopped at a border crossing last week ?"
        results = ix.search(question)  # 7 content words: any word
        assert results.total == 3 and not results.relaxed
        assert _ids(results)[0] == "three"


def test_relaxed_search_when_nothing_has_every_word(tmp_path: Path) -> None:
    articles = [
        Article(id="chatty", title="Report", body="What did they do about it? Nothing."),
        Article(id="budget", title="Budget", body="The chancellor set out the budget deficit."),
    ]
    with _index(tmp_path / "ix", articles) as ix:
        results = ix.search("chancellor deficit pensions")
        strict = ix.search("chancellor deficit pensions", relax=False)
        single = ix.search("what about the deficit")
    assert results.relaxed and _ids(results) == ["budget"]
    assert strict.total == 0 and not strict.relaxed
    assert not single.relaxed and _ids(single) == ["budget"]  # "deficit" is every word


# -- order: coordination, every word first, the relaxed fallback ---------------------------------


def test_coordination_scales_scores_by_the_share_of_words_matched(
    tmp_path: Path, words: list[Article]
) -> None:
    _index(tmp_path / "ix", words).close()
    for power in (0.25, 1.0):
        ix = Index(tmp_path / "ix", ranking=Ranking(coordination=power, feedback_docs=0))
        alone = {h.id: h.score for h in ix.search("aid").hits}
        both = {h.id: h.score for h in ix.search("aid rugby", match="any").hits}
        # "rugby" is in no article: each "aid" match has half the words
        for doc in ("one", "two", "three"):
            assert both[doc] == pytest.approx(alone[doc] * 0.5**power, abs=2e-6), (power, doc)


def test_articles_with_every_word_come_first(tmp_path: Path) -> None:
    articles = [
        Article(id="all", title="Report", body="zeta eta theta iota and many other words that "
                "make this article long enough to lower its scores a little"),
        Article(id="three", title="Zeta eta theta", body="zeta zeta eta eta theta theta"),
    ]
    with _index(tmp_path / "ix", articles, ranking=NO_FEEDBACK) as ix:
        results = ix.search("zeta eta theta iota")  # 4 words: any word, every word first
        scores = {h.id: h.score for h in ix.search("zeta eta theta", match="any").hits}
    assert _ids(results) == ["all", "three"]
    assert results.hits[1].score > results.hits[0].score  # the partial match scores higher
    assert scores["three"] > scores["all"]


def test_relaxed_results_are_ranked_by_score_not_by_words_matched(tmp_path: Path) -> None:
    articles = [
        Article(id="two-words", title="Report", body="A long report on the budget and on "
                "pensions and many other things of the week in politics and markets"),
        Article(id="one-word", title="Deficit", body="Deficit deficit: the deficit grows."),
    ]
    more = [
        Article(id=f"b{i}", title="Report", body=f"The budget debate went on all day, {i}.")
        for i in range(3)
    ]
    with _index(tmp_path / "ix", [*articles, *more], ranking=NO_FEEDBACK) as ix:
        results = ix.search("budget pensions deficit")
    assert results.relaxed
    # "one-word" has 1 word of 3 but scores far higher: score x coordination decides
    assert _ids(results)[:2] == ["one-word", "two-words"]
    assert results.hits[0].score > results.hits[1].score > results.hits[2].score


# -- feedback -----------------------------------------------------------------------------------


def _news() -> list[Article]:
    return [
        Article(id="opec1", title="OPEC agrees output cut", body="OPEC ministers agreed to cut "
                "crude oil production quotas in Vienna; Saudi Arabia backed the quota deal."),
        Article(id="opec2", title="Saudi minister on quotas", body="The Saudi oil minister "
                "said OPEC quota discipline would hold after the Vienna meeting."),
        Article(id="vienna", title="Vienna talks", body="Crude output talks in Vienna ended; "
                "Saudi Arabia and other producers discussed quotas and prices."),
        Article(id="wine", title="Wine production", body="French wine production fell this "
                "year after a cold spring."),
        Article(id="cars", title="Car output", body="Car production rose in the quarter."),
    ]


def test_feedback_reranks_the_same_matches(tmp_path: Path) -> None:
    _index(tmp_path / "ix", _news()).close()
    with_feedback = Index(tmp_path / "ix")
    without = Index(tmp_path / "ix", ranking=NO_FEEDBACK)
    query = "what did opec decide about oil production quotas"
    a = with_feedback.search(query, limit=50)
    b = without.search(query, limit=50)
    assert a.total == b.total == 5 and not a.relaxed
    assert sorted(_ids(a)) == sorted(_ids(b))
    assert [h.score for h in a.hits] != [h.score for h in b.hits]
    # "vienna" has one of the words ("quotas"), and its score puts it last; "saudi",
    # "vienna", "crude" and "output" come back from the best articles and lift it above "cars"
    assert _ids(b)[-1] == "vienna"
    assert _ids(a).index("vienna") < _ids(a).index("cars")
    assert _ids(a)[:2] == _ids(b)[:2] == ["opec1", "opec2"]


def test_feedback_never_touches_searches_that_need_every_word(tmp_path: Path) -> None:
    _index(tmp_path / "ix", _news()).close()
    with_feedback = Index(tmp_path / "ix")
    without = Index(tmp_path / "ix", ranking=NO_FEEDBACK)
    for query in ("opec quotas", "saudi oil minister", "production"):
        a, b = with_feedback.search(query), without.search(query)
        assert [(h.id, h.score) for h in a.hits] == [(h.id, h.score) for h in b.hits], query


# -- proximity, recency, dates -----------------------------------------------------------------


def test_proximity_ranks_adjacent_words_above_scattered_ones(tmp_path: Path) -> None:
    articles = [
        Article(id="apart", title="Report", body="Heat rose. Later the conduction tests ended."),
        Article(id="near", title="Report", body="Tests of heat conduction ended. Later it rose."),
    ]
    _index(tmp_path / "ix", articles).close()
    plain = Index(tmp_path / "ix").search("heat conduction")
    near = Index(tmp_path / "ix", ranking=Ranking(proximity=0.5)).search("heat conduction")
    assert _ids(plain) == ["apart", "near"]  # equal scores: index order
    assert _ids(near) == ["near", "apart"]
    assert near.hits[0].score == pytest.approx(plain.hits[1].score * 1.5, abs=1e-6)


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
    assert _ids(plain) == ["old", "new", "undated"]  # equal scores
    assert _ids(fresh) == ["new", "old", "undated"]
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
    assert _ids(results) == ["newest", "strong", "weak", "older", "undated"]


def test_match_must_be_auto_all_or_any(tmp_path: Path, words: list[Article]) -> None:
    with _index(tmp_path / "ix", words) as ix, pytest.raises(QueryError, match="match"):
        ix.search("aid", match="some")  # type: ignore[arg-type]


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
