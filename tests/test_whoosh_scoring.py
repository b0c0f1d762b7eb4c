"""The Whoosh backend ranks with searchlib's model, on both of its paths.

* The vectorised path (the default) matches and scores every query on numpy arrays; an index
  opened with ``vectorized=False`` matches with Whoosh's own matchers and scores the articles it
  finds with the same model. The two must agree on everything: totals, facets, histograms,
  relaxation, the hits and their scores, for every query shape (words, phrases, fields, entity
  scopes, boosts, wildcards, NOT, date ranges).
* The reference is the model itself (``benchmarks/relevance/releval/model.py``, no code shared
  with the library): for plain words, every hit's score and the whole ranking are the model's;
  for other shapes, the scores are the model's term scores combined as documented in
  ``searchlib.backends.whoosh.scoring`` (a phrase scores the sum of its words, a boost
  multiplies, an entity scope scores its idf, ``title:`` is BM25F over the title alone).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, corpus

from benchmarks.relevance.releval import model as reference
from searchlib import Article, Index, Ranking
from searchlib import text as tx
from searchlib.backends.whoosh import scoring
from searchlib.backends.whoosh.compile import to_plan
from searchlib.query import parse_query

QUERIES = [
    "ceasefire",
    "ceasefire talks",
    "aid convoy minister",
    "aid convoy minister talks border",  # 5 words: any word, feedback
    "what did the envoy say about the ceasefire talks in geneva",
    "ceasefire OR border",
    "convoy NOT militants",
    "(aid OR weapons) civilians",
    "Aleppo",
    "moscow envoy report",
    '"aid was discussed"',
    '"convoy was discussed" envoy',
    "title:ceasefire talks",
    "person:lavrov ceasefire",
    'org:"al-nusra front"',
    "al-nusra",
    "ceasefire^3 talks",
    "(envoy OR minister)^2 report",
    "conv* aid",
    "minster~ council",
    "date:2016 OR convoy",
    "NOT ceasefire",
    "ceasefire convoy zzzunknown",  # relaxed
    "the",  # stop word only: a QueryError on both sides
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"sort": "date"},
    {"date_from": "2016-01", "date_to": "2016-06"},
    {"person": "Sergey Lavrov"},
    {"location": "Idlib", "source": "rt"},
    {"page": 2, "limit": 7},
    {"match": "any"},
    {"match": "all"},
    {"recency": "90d"},
    {"match": "any", "sort": "date"},
]


def _same(fast: Index, slow: Index, query: str, **options: Any) -> None:
    limit = options.pop("limit", 20)
    try:
        a = fast.search(query, limit=limit, suggest=False, **options)
    except Exception as exc:  # both must fail the same way
        with pytest.raises(type(exc)):
            slow.search(query, limit=limit, suggest=False, **options)
        return
    b = slow.search(query, limit=limit, suggest=False, **options)
    assert (a.total, a.relaxed) == (b.total, b.relaxed), query
    assert a.facets == b.facets and a.histogram == b.histogram, query
    assert [(h.id, h.score) for h in a.hits] == [(h.id, h.score) for h in b.hits], query


@pytest.fixture(scope="module")
def pair(generated_index: Index) -> tuple[Index, Index]:
    return Index(generated_index.path), Index(generated_index.path, vectorized=False)


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
@pytest.mark.parametrize("query", QUERIES)
def test_both_paths_find_and_score_the_same(
    pair: tuple[Index, Index], query: str, options: dict[str, Any]
) -> None:
    _same(*pair, query, **dict(options))


OTHER = Ranking(
    k1=0.9, b_title=0.4, b_body=0.6, title_weight=2.5, coordination=0.5, feedback_terms=5
)


@pytest.mark.parametrize("options", [{}, {"match": "any"}, {"sort": "date"}], ids=str)
@pytest.mark.parametrize("query", QUERIES)
def test_both_paths_agree_with_other_parameters(
    generated_index: Index, query: str, options: dict[str, Any]
) -> None:
    fast = Index(generated_index.path, ranking=OTHER)
    slow = Index(generated_index.path, ranking=OTHER, vectorized=False)
    _same(fast, slow, query, **dict(options))


# -- the model is the reference ----------------------------------------------------------------


def _in_index_order(ix: Index) -> list[Article]:
    """The articles by document number (the order ties are broken in)."""
    with ix.backend.reader() as reader:
        n = reader.searcher.doc_count_all()  # type: ignore[attr-defined]
        return reader.articles(list(range(n)))


@pytest.fixture(scope="module")
def model_of(generated_index: Index) -> tuple[reference.ReferenceIndex, list[Article]]:
    articles = _in_index_order(generated_index)
    return reference.ReferenceIndex((a.title, a.body) for a in articles), articles


PLAIN = [
    "ceasefire",
    "ceasefire talks",
    "aid convoy minister",
    "aid convoy minister talks border",
    "what did the envoy say about the ceasefire talks in geneva",
    "moscow envoy report",
    "ceasefire convoy zzzunknown",
    "government offensive troops weapons civilians council meeting statement",
]


@pytest.mark.parametrize("match", ["auto", "any", "all"])
@pytest.mark.parametrize("path", ["vectorised", "whoosh"])
def test_plain_words_rank_and_score_as_the_model(
    generated_index: Index,
    model_of: tuple[reference.ReferenceIndex, list[Article]],
    match: str,
    path: str,
) -> None:
    ref, articles = model_of
    ix = Index(generated_index.path, vectorized=path == "vectorised")
    for text in PLAIN:
        got = ix.search(text, limit=300, match=match, suggest=False)  # type: ignore[arg-type]
        expected = ref.search(text, match=match, depth=300)  # type: ignore[arg-type]
        assert got.total == expected.total and got.relaxed == expected.relaxed, text
        assert [h.id for h in got.hits] == [articles[d].id for d in expected.docs], text
        assert [h.score for h in got.hits] == pytest.approx(expected.scores, abs=5e-7), text


def _word_scores(ref: reference.ReferenceIndex, term: str) -> dict[int, float]:
    docs, scores = ref.term_scores(term, reference.Model())
    return dict(zip(docs.tolist(), scores.tolist(), strict=True))


def test_a_phrase_scores_the_sum_of_its_words(
    generated_index: Index, model_of: tuple[reference.ReferenceIndex, list[Article]]
) -> None:
    ref, articles = model_of
    position = {a.id: i for i, a in enumerate(articles)}
    got = generated_index.search('"convoy was discussed"', limit=300, suggest=False)
    with_phrase = [a for a in articles if "convoy was discussed" in a.body.lower()]
    assert got.total == len(with_phrase) > 0
    convoy, wa, discuss = (
        _word_scores(ref, tx.analyse(w) or w) for w in ("convoy", "was", "discussed")
    )
    for hit in got.hits:
        d = position[hit.id]
        assert hit.score == pytest.approx(convoy[d] + wa[d] + discuss[d], abs=5e-7)


def test_a_boost_multiplies_the_score(generated_index: Index) -> None:
    plain = generated_index.search("ceasefire", limit=300, suggest=False)
    boosted = generated_index.search("ceasefire^3", limit=300, suggest=False)
    assert [h.id for h in boosted.hits] == [h.id for h in plain.hits]
    assert [h.score for h in boosted.hits] == pytest.approx(
        [3 * h.score for h in plain.hits], abs=2e-6
    )


def test_an_entity_scope_scores_its_idf(generated_index: Index, generated: list[Article]) -> None:
    got = generated_index.search("person:lavrov", limit=300, suggest=False)
    df = sum(
        any("lavrov" in [t.text for t in tx.plain_terms(n)] for n in a.entities_of("person"))
        for a in generated
    )
    n = len(generated)
    assert got.total == df > 0
    idf = max(1e-6, math.log((n - df + 0.5) / (df + 0.5)))
    assert {h.score for h in got.hits} == {round(idf, 6)}


def test_a_title_scope_is_bm25f_over_the_title_alone(
    generated_index: Index, model_of: tuple[reference.ReferenceIndex, list[Article]]
) -> None:
    ref, articles = model_of
    m = reference.Model()
    got = {h.id: h.score for h in generated_index.search("title:talks", limit=300).hits}
    titles = [ref.title_terms[i].count("talk") for i in range(ref.n)]
    df = sum(1 for tf in titles if tf)
    assert len(got) == df > 0
    idf = max(1e-6, math.log((ref.n - df + 0.5) / (df + 0.5)))
    for i, tf in enumerate(titles):
        if tf:
            norm = 1 - m.b_title + m.b_title * ref.len_title[i] / ref.avg_title
            weighted = m.title_weight * tf / norm
            expected = idf * weighted * (m.k1 + 1) / (weighted + m.k1)
            assert got[articles[i].id] == pytest.approx(expected, abs=5e-7)


def test_plans_cover_every_query_shape() -> None:
    def planned(text: str) -> object:
        return to_plan(parse_query(text).tree)

    assert isinstance(planned("aleppo"), scoring.WordNode)
    assert isinstance(planned("aleppo nusra"), scoring.AndNode)
    assert isinstance(planned("aleppo OR nusra"), scoring.OrNode)
    assert isinstance(planned("title:aleppo"), scoring.TermNode)
    assert isinstance(planned("person:lavrov"), scoring.TermNode)
    assert isinstance(planned('"east aleppo"'), scoring.MatchNode)  # Whoosh finds phrases
    assert isinstance(planned("al-nusra"), scoring.MatchNode)  # both terms in one field
    assert planned("aleppo^2") == scoring.WordNode("aleppo", 2.0)
    assert isinstance(planned("*"), scoring.EveryNode)
    nothing = planned("aleppo NOT idlib")
    assert isinstance(nothing, scoring.AndNode) and nothing.excluded


# -- the index as it changes ---------------------------------------------------------------------


def test_relaxed_ranking_is_the_same(tmp_path: Path) -> None:
    articles = [
        Article(id="two", title="Convoy", body="The convoy brought aid."),
        Article(id="one", title="Aid aid aid", body="aid aid aid aid aid"),
        Article(id="other", title="Convoy of trucks", body="A convoy."),
        Article(id="none", title="Sport", body="A football match."),
    ]
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(articles)
        slow = Index(ix.path, vectorized=False)
        fast = ix.search("convoy aid ceasefire")
        assert fast.relaxed and fast.total == 3
        _same(ix, slow, "convoy aid ceasefire")


def test_deleted_documents_are_not_matched_nor_counted(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add([Article(id=f"d{i}", title="Convoy", body=f"aid convoy {i}") for i in range(30)])
        ix.add([Article(id=f"e{i}", title="Other", body=f"other news {i}") for i in range(30)])
        ix.delete(["d3", "d7"])
        slow = Index(ix.path, vectorized=False)
        assert ix.search("convoy", limit=50).total == 28
        _same(ix, slow, "convoy aid")
        _same(ix, slow, "convoy aid other news", match="any")
        # the idf counts the 58 live articles and the 28 live ones with "convoy"
        with ix.backend.reader() as reader:
            stats = scoring.Statistics(
                reader.searcher,  # type: ignore[attr-defined]
                [],
                scoring.PostingsCache(),
                Ranking(),
            )
            assert stats.n == 58


def test_both_paths_agree_on_reuters(tmp_path: Path) -> None:
    path = corpus("reuters21578", "reuters21578-dev.jsonl.gz")
    from searchlib import read_paths

    articles = [a for a in read_paths([path]) if isinstance(a, Article)]
    with Index(tmp_path / "ix", create=True) as ix:
        for start in range(0, len(articles), 6000):  # several segments
            with ix.writer() as w:
                for article in articles[start : start + 6000]:
                    w.add(article)
        slow = Index(ix.path, vectorized=False)
        queries = json.loads((ROOT / "benchmarks" / "queries.json").read_text())["queries"]
        for q in queries[::8]:
            _same(ix, slow, q["q"])
            _same(ix, slow, q["q"], date_from="1987-03-17", date_to="1987-04-01", sort="date")
        for q in ("why did the dollar fall against the yen", "opec oil output quota saudi"):
            _same(ix, slow, q)
