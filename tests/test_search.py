"""Ranking, filters, sorting, paging, facet counts, the histogram, relaxation and suggestions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from conftest import FAKES_OPTIONS, corpus

from searchlib import Article, Index, QueryError, default_extractor, ingest, read_paths


def _expected_facets(articles: list[Article]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {
        k: Counter() for k in ("person", "org", "location", "tag", "source")
    }
    for a in articles:
        for kind in ("person", "org", "location"):
            out[kind].update(set(a.entities_of(kind)))  # type: ignore[arg-type]
        out["tag"].update(set(a.tags))
        if a.source:
            out["source"][a.source] += 1
    return out


def _facets_of(results: object, limit: int) -> dict[str, Counter[str]]:
    return {
        name: Counter({v.value: v.count for v in values})
        for name, values in results.facets.items()  # type: ignore[attr-defined]
    }


def test_match_all_facets_equal_independent_counts(
    generated_index: Index, generated: list[Article]
) -> None:
    results = generated_index.search("", facet_limit=100)
    assert results.total == len(generated)
    assert _facets_of(results, 100) == _expected_facets(generated)


def test_query_facets_count_every_match_not_just_the_page(
    generated_index: Index, generated: list[Article]
) -> None:
    matching = [
        a for a in generated if "ceasefire" in a.body.lower() or "ceasefire" in a.title.lower()
    ]
    results = generated_index.search("ceasefire", limit=3, facet_limit=100)
    assert results.total == len(matching) > 3
    assert len(results.hits) == 3
    assert _facets_of(results, 100) == _expected_facets(matching)


def test_histogram_equals_independent_month_counts(
    generated_index: Index, generated: list[Article]
) -> None:
    results = generated_index.search("", interval="month")
    expected = Counter(a.date.strftime("%Y-%m") for a in generated if a.date)
    got = {b.key: b.count for b in results.histogram}
    assert {k: v for k, v in got.items() if v} == expected
    keys = [b.key for b in results.histogram]
    assert keys == sorted(keys) and keys[0] == min(expected) and keys[-1] == max(expected)
    for bucket in results.histogram:
        assert (
            bucket.start.strftime("%Y-%m") == bucket.key
            and bucket.end.strftime("%Y-%m") == bucket.key
        )


@pytest.mark.parametrize("interval,fmt", [("year", "%Y"), ("day", "%Y-%m-%d")])
def test_histogram_other_intervals(
    generated_index: Index, generated: list[Article], interval: str, fmt: str
) -> None:
    results = generated_index.search("", interval=interval)  # type: ignore[arg-type]
    expected = Counter(a.date.strftime(fmt) for a in generated if a.date)
    assert {b.key: b.count for b in results.histogram if b.count} == expected


def test_filters_narrow_and_combine(generated_index: Index, generated: list[Article]) -> None:
    expected = [
        a
        for a in generated
        if "Sergey Lavrov" in a.entities_of("person") and "Aleppo" in a.entities_of("location")
    ]
    results = generated_index.search("", person="sergey lavrov", location=["ALEPPO"], limit=100)
    assert results.total == len(expected) > 0
    assert {h.id for h in results.hits} == {a.id for a in expected}
    for hit in results.hits:
        assert "Sergey Lavrov" in hit.people and "Aleppo" in hit.locations


def test_source_tag_and_date_filters(generated_index: Index, generated: list[Article]) -> None:
    lo, hi = dt.date(2016, 1, 1), dt.date(2016, 3, 31)
    expected = {
        a.id
        for a in generated
        if a.source == "rt" and "Diplomacy" in a.tags and a.date and lo <= a.date <= hi
    }
    results = generated_index.search(
        "", source="rt", tag="Diplomacy", date_from=lo, date_to="2016-03", limit=100
    )
    assert {h.id for h in results.hits} == expected


def test_unknown_filter_value_matches_nothing(generated_index: Index) -> None:
    assert generated_index.search("", person="Nobody At All").total == 0


def test_sort_by_date_is_exact_and_undated_last(
    generated_index: Index, generated: list[Article]
) -> None:
    results = generated_index.search("council", sort="date", limit=100)
    dates = [h.date for h in results.hits]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert all(d is None for d in dates[len(dated) :])


def test_date_sort_ties_broken_by_score(tmp_path: object) -> None:
    day = dt.date(2020, 5, 1)
    with Index(tmp_path / "ix", create=True) as ix:  # type: ignore[operator]
        ix.add(
            [
                Article(
                    id="weak", title="Other", body="aid " + "filler words here " * 30, date=day
                ),
                Article(id="strong", title="Aid aid", body="aid aid aid", date=day),
                Article(id="older", title="Aid", body="aid aid aid aid", date=dt.date(2019, 1, 1)),
            ]
        )
        results = ix.search("aid", sort="date")
    assert [h.id for h in results.hits] == ["strong", "weak", "older"]


def test_pagination_is_consistent(generated_index: Index) -> None:
    everything = generated_index.search("the OR council OR aid", limit=50, facets=None)
    pages = [
        generated_index.search("the OR council OR aid", limit=7, page=p, facets=None)
        for p in (1, 2, 3)
    ]
    ids = [h.id for page in pages for h in page.hits]
    assert ids == [h.id for h in everything.hits[:21]]
    assert [h.rank for page in pages for h in page.hits] == list(range(1, 22))
    assert pages[0].pages == -(-everything.total // 7)


def test_relevance_scores_descend_and_title_boost(tmp_path: object) -> None:
    with Index(tmp_path / "ix", create=True) as ix:  # type: ignore[operator]
        ix.add(
            [
                Article(id="body", title="Weather report", body="The convoy reached the city."),
                Article(
                    id="title", title="Convoy reaches city", body="It reached the city at dawn."
                ),
            ]
        )
        results = ix.search("convoy")
    assert [h.id for h in results.hits] == ["title", "body"]
    assert results.hits[0].score > results.hits[1].score


def test_relaxed_results_rank_more_terms_first(tmp_path: object) -> None:
    with Index(tmp_path / "ix", create=True) as ix:  # type: ignore[operator]
        ix.add(
            [
                Article(id="two", title="Convoy", body="The convoy brought aid."),
                Article(id="one", title="Aid aid aid", body="aid aid aid aid aid"),
                Article(id="none", title="Sport", body="A football match."),
            ]
        )
        strict = ix.search("convoy aid ceasefire", relax=False)
        relaxed = ix.search("convoy aid ceasefire")
    assert strict.total == 0 and not strict.relaxed
    assert relaxed.relaxed and relaxed.total == 2
    assert [h.id for h in relaxed.hits] == ["two", "one"]


def test_relaxation_is_never_used_when_everything_matches(generated_index: Index) -> None:
    assert not generated_index.search("ceasefire talks").relaxed


def test_suggestion_only_when_it_finds_results(seed_index: Index) -> None:
    assert seed_index.search("Alepo").suggestion == "Aleppo"
    assert seed_index.search("Lavorv").suggestion == "Lavrov"
    assert seed_index.search("Aleppo").suggestion is None
    assert seed_index.search("qqqqzzzz").suggestion is None


def test_suggestion_for_a_typo_that_is_itself_indexed(tmp_path: Path) -> None:
    """Archives contain typos too: a very rare word beside a common neighbour is corrected."""
    articles = [
        Article(id=f"g{i}", title=f"Government report {i}", body="The government met.")
        for i in range(25)
    ]
    articles.append(Article(id="typo", title="Govenment notice", body="A govenment typo."))
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(articles)
        assert ix.search("govenment report").suggestion == "government report"
        # a rare word that matched fully is left alone
        assert ix.search("govenment notice").suggestion is None


def test_bad_options_raise_query_error(generated_index: Index) -> None:
    for kwargs in (
        {"limit": 0},
        {"page": 0},
        {"sort": "alphabetical"},
        {"facets": ["colour"]},
        {"interval": "week"},
        {"date_from": "yesterday"},
        {"date_from": "2016-02-30"},
        {"date_from": "2017", "date_to": "2016"},
    ):
        with pytest.raises(QueryError):
            generated_index.search("aid", **kwargs)  # type: ignore[arg-type]


def test_fakes_facets_and_histogram_match_independent_counts(tmp_path: object) -> None:
    """FA-KES (804 articles, 15 outlets): source facet and histogram against the CSV itself."""
    import csv

    csv_path = corpus("fa-kes", "FA-KES-Dataset.csv")
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    options = FAKES_OPTIONS
    with Index(tmp_path / "ix", create=True) as ix:  # type: ignore[operator]
        report = ingest(ix, [csv_path], options=options)
        assert report.indexed == len(rows) == 804 and report.failed == 0
        results = ix.search("", facet_limit=100, facets=["source"])
        assert {v.value: v.count for v in results.facets["source"]} == Counter(
            r["source"] for r in rows
        )
        months = Counter()
        for r in rows:
            m, _d, y = (int(x) for x in r["date"].split("/"))
            months[f"{y:04d}-{m:02d}"] += 1
        assert {b.key: b.count for b in results.histogram if b.count} == months

        # entity facets against the extractor run directly over the same articles
        expected_entities: dict[str, Counter[str]] = {
            k: Counter() for k in ("person", "org", "location")
        }
        extractor = default_extractor()
        for article in read_paths([csv_path], options):
            assert isinstance(article, Article)
            for e in {(e.kind, e.name) for e in extractor.extract(article.title, article.body)}:
                if e[0] in expected_entities:
                    expected_entities[e[0]][e[1]] += 1
        everything = ix.search("", facets=list(expected_entities), facet_limit=100_000)
        for kind, counter in expected_entities.items():
            assert {v.value: v.count for v in everything.facets[kind]} == counter, kind

        aleppo = ix.search("aleppo", facets=["source"], facet_limit=100)
        expected = Counter(
            r["source"]
            for r in rows
            if "aleppo" in (r["article_title"] + " " + r["article_content"]).lower()
        )
        assert aleppo.total == sum(expected.values())
        assert {v.value: v.count for v in aleppo.facets["source"]} == expected


# -- the match rule (issue 14) ---------------------------------------------------------------


def _has(article: Article, word: str) -> bool:
    from searchlib import text as tx

    wanted = tx.analyse(word)
    return any(t.text == wanted for t in tx.terms(f"{article.title}\n{article.body}"))


def test_the_default_mode_is_auto() -> None:
    from searchlib import SearchRequest

    assert SearchRequest().match == "auto"


@pytest.mark.parametrize(
    "query",
    ["ceasefire talks", "what did the envoy do about the ceasefire talks", "aid convoy border"],
)
def test_short_queries_match_every_content_word(
    generated_index: Index, generated: list[Article], query: str
) -> None:
    from searchlib.ranking import QUESTION_WORDS

    words = [w for w in query.split() if w not in QUESTION_WORDS]
    assert len(words) <= 3
    expected = [a for a in generated if all(_has(a, w) for w in words)]
    results = generated_index.search(query, limit=100, facet_limit=100)
    assert results.total == len(expected) > 0 and not results.relaxed
    assert {h.id for h in results.hits} == {a.id for a in expected}
    assert _facets_of(results, 100) == _expected_facets(expected)


def test_long_queries_match_any_word_and_rank_every_word_first(
    generated_index: Index, generated: list[Article]
) -> None:
    words = ["ceasefire", "talks", "convoy", "weapons"]
    anyword = [a for a in generated if any(_has(a, w) for w in words)]
    every = {a.id for a in generated if all(_has(a, w) for w in words)}
    results = generated_index.search(" ".join(words), limit=300, facet_limit=100)
    assert results.total == len(anyword) and not results.relaxed
    assert _facets_of(results, 100) == _expected_facets(anyword)
    ids = [h.id for h in results.hits]
    assert 0 < len(every) < len(ids)
    assert set(ids[: len(every)]) == every  # every word first, then the rest
    strict = generated_index.search(" ".join(words), match="all", limit=300)
    assert {h.id for h in strict.hits} == every


def test_the_reference_backend_ranks_every_word_first_too(generated: list[Article]) -> None:
    from reference_backend import ReferenceBackend

    ix = Index.using(ReferenceBackend())
    ix.add(generated)
    words = ["ceasefire", "talks", "convoy", "weapons"]
    every = {a.id for a in generated if all(_has(a, w) for w in words)}
    ids = [h.id for h in ix.search(" ".join(words), limit=300).hits]
    assert set(ids[: len(every)]) == every
