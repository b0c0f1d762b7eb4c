"""searchlib.analysis: significant terms, co-occurrence, timelines and exports.

Every count is checked against an independent computation from the articles themselves (the
generated fixture, whose entities are set explicitly, and FA-KES when ../shared/corpora is
there); the G² scores against a plain reference implementation written from the textbook
formula; and the whole analysis is run over the test suite's reference backend as well as
Whoosh, which must agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import corpus
from reference_backend import ReferenceBackend, ReferenceReader

from searchlib import Article, Entity, Index, QueryError
from searchlib import analysis as an
from searchlib import text as tx
from searchlib.backend import MatchRequest, WordCounts
from searchlib.facets import bucket_key

# -- an independent reference ------------------------------------------------------------------


def reference_g2(a: int, n1: int, b: int, n2: int) -> float:
    """G² of a term in ``a`` of ``n1`` foreground and ``b`` of ``n2`` background articles, the
    background containing the foreground: the textbook sum-of-x·ln(x) form over the 2×2 table
    (Dunning 1993), signed negative when the term is rarer in the foreground."""
    k11, k12 = a, n1 - a
    k21, k22 = b - a, (n2 - n1) - (b - a)

    def xlx(x: float) -> float:
        return x * math.log(x) if x > 0 else 0.0

    n = k11 + k12 + k21 + k22
    g2 = 2 * (
        xlx(k11)
        + xlx(k12)
        + xlx(k21)
        + xlx(k22)
        - xlx(k11 + k12)
        - xlx(k21 + k22)
        - xlx(k11 + k21)
        - xlx(k12 + k22)
        + xlx(n)
    )
    g2 = max(g2, 0.0)
    return g2 if k11 / (k11 + k12) > k21 / (k21 + k22) else -g2


def words_of(article: Article) -> set[str]:
    """The distinct folded words of an article's title and body."""
    return {tx.fold(w) for w in tx.tokens(f"{article.title}\n{article.body}")}


def entity_names(article: Article, kind: str) -> set[str]:
    return {e.name for e in article.entities if e.kind == kind}


def matching(ix: Index, query: str = "", **filters: Any) -> list[Article]:
    """The articles an export of the query returns (the index decides what matches)."""
    with an.export(ix, query, sort="index", **filters) as stream:
        return list(stream)


class AnalysisReader(ReferenceReader):
    """The reference reader, with the two reader methods analysis needs, written plainly."""

    def word_counts(
        self, request: MatchRequest, *, background: MatchRequest, min_count: int
    ) -> WordCounts:
        found = self._candidates(request)
        behind = self._candidates(background)
        counts: Counter[str] = Counter()
        for i in found:
            counts.update(self.docs[i].spelling())
        bg: Counter[str] = Counter()
        for i in behind:
            bg.update(self.docs[i].spelling())
        words = [w for w, n in counts.items() if n >= min_count]
        return WordCounts(
            len(found),
            len(behind),
            words,
            np.array([counts[w] for w in words], dtype=np.int64),
            np.array([bg[w] for w in words], dtype=np.int64),
        )

    def keys(self, request: MatchRequest) -> Sequence[Any]:
        found = self._candidates(request)
        if request.sort == "date":
            found.sort(key=lambda i: -self.docs[i].day)
        return found


class AnalysisBackend(ReferenceBackend):
    def reader(self) -> Any:
        import contextlib

        @contextlib.contextmanager
        def read() -> Iterator[AnalysisReader]:
            with self.lock:
                snapshot = list(self.docs.values())
            yield AnalysisReader(snapshot)

        return read()


@pytest.fixture(scope="module")
def reference_index(generated: list[Article]) -> Iterator[Index]:
    ix = Index.using(AnalysisBackend())
    ix.add(generated)
    yield ix


# -- the score ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "n1", "b", "n2"),
    [(10, 20, 12, 200), (1, 50, 40, 1000), (5, 5, 5, 100), (0, 10, 30, 100), (3, 9, 90, 100)],
)
def test_g_squared_matches_the_reference_formula(a: int, n1: int, b: int, n2: int) -> None:
    got = float(an.g_squared(np.array([a]), n1, np.array([b]), n2)[0])
    assert got == pytest.approx(reference_g2(a, n1, b, n2), rel=1e-9, abs=1e-9)


def test_g_squared_of_a_known_table() -> None:
    # Dunning's example shape, worked by hand: a=10 of 20 vs 2 of the other 180 articles.
    expected = 2 * (
        10 * math.log(10 / (20 * 12 / 200))
        + 10 * math.log(10 / (20 * 188 / 200))
        + 2 * math.log(2 / (180 * 12 / 200))
        + 178 * math.log(178 / (180 * 188 / 200))
    )
    assert float(an.g_squared(10, 20, 12, 200)) == pytest.approx(expected)
    assert expected > 10.83  # significant at p < 0.001


# -- significant terms ---------------------------------------------------------------------------


def test_significant_words_counts_and_scores_are_exact(
    generated_index: Index, generated: list[Article]
) -> None:
    result = an.significant_terms(generated_index, "convoy", kinds=["word"], limit=50, min_count=1)
    fg = matching(generated_index, "convoy")
    assert result.foreground_total == len(fg) > 0
    assert result.background_total == len(generated)
    fg_words = Counter(w for a in fg for w in words_of(a))
    bg_words = Counter(w for a in generated for w in words_of(a))
    terms = result.terms["word"]
    assert terms, "the query's own word at least is significant"
    for t in terms:
        folded = tx.fold(t.term)
        assert (t.foreground, t.background) == (fg_words[folded], bg_words[folded]), t
        assert t.score == pytest.approx(
            reference_g2(t.foreground, len(fg), t.background, len(generated)), abs=1e-3
        )
        assert t.score > 0
    assert [t.score for t in terms] == sorted((t.score for t in terms), reverse=True)
    assert "convoy" in [t.term.lower() for t in terms[:3]]
    # every over-represented word of the reference is listed (stop words aside)
    expected = {
        w
        for w, n in fg_words.items()
        if reference_g2(n, len(fg), bg_words[w], len(generated)) > 1e-6
        and w not in tx.STOP_WORDS
        and not w.isdigit()
        and len(w) > 1
    }
    assert {tx.fold(t.term) for t in terms} >= {
        w
        for w in expected
        if reference_g2(fg_words[w], len(fg), bg_words[w], len(generated)) >= terms[-1].score
    }


def test_significant_entities_counts_and_scores(
    generated_index: Index, generated: list[Article]
) -> None:
    result = an.significant_terms(
        generated_index, "", person="Sergey Lavrov", kinds=["location", "org"], min_count=1
    )
    fg = [a for a in generated if "Sergey Lavrov" in entity_names(a, "person")]
    assert result.foreground_total == len(fg)
    for kind in ("location", "org"):
        fg_counts = Counter(n for a in fg for n in entity_names(a, kind))
        bg_counts = Counter(n for a in generated for n in entity_names(a, kind))
        for t in result.terms[kind]:
            assert (t.foreground, t.background) == (fg_counts[t.term], bg_counts[t.term])
            assert t.score == pytest.approx(
                reference_g2(t.foreground, len(fg), t.background, len(generated)), abs=1e-3
            )
        listed = {t.term for t in result.terms[kind]}
        assert listed == {
            n
            for n in fg_counts
            if reference_g2(fg_counts[n], len(fg), bg_counts[n], len(generated)) > 1e-9
        }


def test_a_background_query(generated_index: Index, generated: list[Article]) -> None:
    result = an.significant_terms(
        generated_index, "convoy", background="talks OR convoy", kinds=["person"], min_count=1
    )
    bg = matching(generated_index, "talks OR convoy")
    fg = matching(generated_index, "convoy")
    assert (result.foreground_total, result.background_total) == (len(fg), len(bg))
    assert result.background == "talks OR convoy"
    bg_counts = Counter(n for a in bg for n in entity_names(a, "person"))
    for t in result.terms["person"]:
        assert t.background == bg_counts[t.term]


def test_words_are_shown_as_written(tmp_path: Path) -> None:
    articles = [
        Article(id=f"o{i}", title="OPEC meets in Vienna", body="OPEC ministers met. opec.")
        for i in range(4)
    ] + [Article(id=f"x{i}", title="Grain prices", body="Wheat and corn.") for i in range(8)]
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(articles)
        result = an.significant_terms(ix, "opec", kinds=["word"], min_count=2)
    words = [t.term for t in result.terms["word"]]
    assert "OPEC" in words and "Vienna" in words
    assert "in" not in [w.lower() for w in words]  # stop words are left out


def test_whoosh_and_the_reference_backend_agree(
    generated_index: Index, reference_index: Index
) -> None:
    for query, filters in [("convoy", {}), ("", {"location": "Aleppo"}), ("aid OR talks", {})]:
        a = an.significant_terms(generated_index, query, min_count=1, limit=100, **filters)
        b = an.significant_terms(reference_index, query, min_count=1, limit=100, **filters)
        assert (a.foreground_total, a.background_total) == (b.foreground_total, b.background_total)
        for kind in a.terms:
            # (a word's written form comes from each engine's best matches: compared folded)
            assert [(tx.fold(t.term), t.foreground, t.background) for t in a.terms[kind]] == [
                (tx.fold(t.term), t.foreground, t.background) for t in b.terms[kind]
            ], (query, kind)


def test_deleted_articles_are_not_counted(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add([Article(id=f"a{i}", title="Convoy reaches Aleppo", body="Aid.") for i in range(5)])
        ix.add([Article(id=f"b{i}", title="Market report", body="Prices.") for i in range(5)])
        ix.delete(["a0", "a1"])
        result = an.significant_terms(ix, "convoy", kinds=["word"], min_count=1)
    assert result.foreground_total == 3 and result.background_total == 8
    convoy = next(t for t in result.terms["word"] if t.term == "Convoy")
    assert (convoy.foreground, convoy.background) == (3, 3)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kinds": ["word", "colour"]}, "unknown kind 'colour'"),
        ({"limit": 0}, "limit must be between"),
        ({"min_count": 0}, "min_count must be between"),
        ({"sort": "date"}, "unknown option 'sort'"),
        ({"date_from": "2016-02-30"}, "impossible date"),
    ],
)
def test_significant_terms_refuses_bad_options(
    generated_index: Index, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        an.significant_terms(generated_index, "convoy", **options)


def test_a_bad_query_is_a_query_error(generated_index: Index) -> None:
    with pytest.raises(QueryError):
        an.significant_terms(generated_index, "date:2016-02-30")


# -- co-occurrence -----------------------------------------------------------------------------


def test_cooccurrence_of_an_entity(generated_index: Index, generated: list[Article]) -> None:
    result = an.cooccurrence(generated_index, "sergey lavrov", limit=100, links=4)
    assert (result.kind, result.subject) == ("person", "Sergey Lavrov")
    fg = [a for a in generated if "Sergey Lavrov" in entity_names(a, "person")]
    assert result.total == len(fg)
    expected: Counter[tuple[str, str]] = Counter()
    for a in fg:
        for kind in ("person", "org", "location"):
            for name in entity_names(a, kind):
                if name != "Sergey Lavrov":
                    expected[(kind, name)] += 1
    got = {(t.kind, t.term): t.foreground for t in result.entities}
    assert got == dict(expected)
    bg = {
        kind: Counter(n for a in generated for n in entity_names(a, kind))
        for kind in ("person", "org", "location")
    }
    for t in result.entities:
        assert t.background == bg[t.kind][t.term]
        assert t.score == pytest.approx(
            reference_g2(t.foreground, len(fg), t.background, len(generated)), abs=1e-3
        )
    counts = [t.foreground for t in result.entities]
    assert counts == sorted(counts, reverse=True)
    # links: the subject's articles that carry both of two of the first four entities
    top = result.entities[:4]
    for link in result.links:
        kinds = {t.term: t.kind for t in top}
        both = sum(
            1
            for a in fg
            if link.source in entity_names(a, kinds[link.source])
            and link.target in entity_names(a, kinds[link.target])
        )
        assert link.count == both > 0
    assert len(result.links) == sum(
        1
        for i, x in enumerate(top)
        for y in top[i + 1 :]
        if any(x.term in entity_names(a, x.kind) and y.term in entity_names(a, y.kind) for a in fg)
    )


def test_cooccurrence_of_a_query(generated_index: Index) -> None:
    result = an.cooccurrence(generated_index, "ceasefire convoy", kinds=["person"])
    assert result.kind == "query"
    fg = matching(generated_index, "ceasefire convoy")
    assert result.total == len(fg)
    expected = Counter(n for a in fg for n in entity_names(a, "person"))
    assert {t.term: t.foreground for t in result.entities} == dict(expected)


def test_cooccurrence_refuses_an_empty_subject(generated_index: Index) -> None:
    with pytest.raises(QueryError, match="entity name or a query"):
        an.cooccurrence(generated_index, "  ")
    with pytest.raises(QueryError, match="links must be between"):
        an.cooccurrence(generated_index, "Aleppo", links=31)


# -- timelines ---------------------------------------------------------------------------------


def test_timeline_counts_and_shares(generated_index: Index, generated: list[Article]) -> None:
    result = an.timeline(generated_index, ["convoy", "", "location:aleppo"], interval="month")
    assert result.interval == "month"
    per_month = Counter(bucket_key(a.date, "month") for a in generated if a.date)
    assert [b.total for b in result.buckets] == [per_month[b.key] for b in result.buckets]
    keys = [b.key for b in result.buckets]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert keys[0] == min(per_month) and keys[-1] == max(per_month)
    for series, query in zip(result.series, ["convoy", "", "location:aleppo"], strict=True):
        found = matching(generated_index, query)
        assert series.total == len(found)
        counts = Counter(bucket_key(a.date, "month") for a in found if a.date)
        assert list(series.counts) == [counts[k] for k in keys]
        for c, share, bucket in zip(series.counts, series.shares, result.buckets, strict=True):
            assert share == pytest.approx(c / bucket.total if bucket.total else 0.0, abs=1e-6)
    # the empty query is every dated article: a share of 1 wherever there are articles
    assert all(s in (0.0, 1.0) for s in result.series[1].shares)


def test_timeline_with_filters_and_auto_interval(generated_index: Index) -> None:
    result = an.timeline(
        generated_index, ["convoy"], interval="auto", date_from="2016-01", date_to="2016-02-15"
    )
    assert result.interval == "day"
    assert result.buckets and all("2016-01-01" <= b.key <= "2016-02-15" for b in result.buckets)


def test_timeline_refuses_bad_input(generated_index: Index) -> None:
    with pytest.raises(QueryError, match="1 to 20 queries"):
        an.timeline(generated_index, [])
    with pytest.raises(QueryError, match="interval must be one of"):
        an.timeline(generated_index, ["a"], interval="week")  # type: ignore[arg-type]


def test_timeline_csv(generated_index: Index) -> None:
    result = an.timeline(generated_index, ["convoy", "talks"], interval="year")
    rows = list(csv.DictReader(io.StringIO(an.to_csv(result))))
    assert list(rows[0]) == [
        "key",
        "start",
        "end",
        "total",
        "convoy count",
        "convoy share",
        "talks count",
        "talks share",
    ]
    assert [int(r["convoy count"]) for r in rows] == list(result.series[0].counts)


def test_timeline_text_chart(generated_index: Index) -> None:
    result = an.timeline(generated_index, ["convoy", "talks"], interval="year")
    text = an.timeline_text(result)
    assert text.splitlines()[0].startswith("█ convoy")
    assert "▒ talks" in text.splitlines()[0]
    assert "2016" in text


# -- export ------------------------------------------------------------------------------------


def test_export_streams_every_match(
    generated_index: Index, generated: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(an, "EXPORT_BATCH", 7)  # many batches
    with an.export(generated_index, "", location="Aleppo") as stream:
        found = list(stream)
    expected = [a for a in generated if "Aleppo" in entity_names(a, "location")]
    assert stream.total == len(found) == len(expected) > 7
    assert sorted(a.id for a in found) == sorted(a.id for a in expected)
    dates = [a.date for a in found]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)  # newest first
    assert dates[len(dated) :] == [None] * (len(dates) - len(dated))  # undated last


def test_export_of_every_article_beyond_any_page(generated_index: Index) -> None:
    with an.export(generated_index, "", sort="index") as stream:
        ids = [a.id for a in stream]
    assert len(ids) == len(set(ids)) == generated_index.count() == 240
    assert an.export(generated_index, "convoy").total == generated_index.search("convoy").total


def test_export_lines_csv_and_jsonl(generated_index: Index) -> None:
    with an.export(generated_index, "convoy") as stream:
        text = "".join(an.export_lines(stream, format="csv", fields="id,date,people,title"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["id", "date", "people", "title"]
    articles = {a.id: a for a in matching(generated_index, "convoy")}
    assert len(rows) == len(articles)
    for row in rows:
        a = articles[row["id"]]
        assert row["people"] == "; ".join(a.entities_of("person"))
        assert row["date"] == (a.date.isoformat() if a.date else "")
    with an.export(generated_index, "convoy") as stream:
        lines = list(an.export_lines(stream, format="jsonl", fields=["id", "tags"]))
    records = [json.loads(line) for line in lines]
    assert all(set(r) == {"id", "tags"} and isinstance(r["tags"], list) for r in records)
    assert len(records) == len(articles)


def test_export_refuses_bad_fields_and_sort(generated_index: Index) -> None:
    with pytest.raises(QueryError, match="unknown field 'colour'"):
        an.check_fields("id,colour")
    with pytest.raises(QueryError, match="sort must be one of"):
        an.export(generated_index, "", sort="relevance")  # type: ignore[arg-type]


def test_export_keeps_its_generation_while_writing(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add([Article(id=f"a{i}", title=f"Story {i}", body="Text.") for i in range(20)])
        with an.export(ix, "") as stream:
            first = next(iter(stream))
            ix.add([Article(id="late", title="Late story", body="Text.")])
            rest = list(stream)
        assert stream.total == 20 and len(rest) + 1 == 20
        assert "late" not in {first.id, *(a.id for a in rest)}


def test_reference_backend_exports_the_same(generated_index: Index, reference_index: Index) -> None:
    with an.export(generated_index, "aid", sort="index") as a:
        whoosh_ids = sorted(x.id for x in a)
    with an.export(reference_index, "aid", sort="index") as b:
        reference_ids = sorted(x.id for x in b)
    assert whoosh_ids == reference_ids


# -- FA-KES ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fakes_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Index, list[Article]]]:
    path = corpus("fa-kes", "fa-kes.jsonl")
    from searchlib import ingest

    with Index(tmp_path_factory.mktemp("fakes") / "ix", create=True) as ix:
        report = ingest(ix, [path])
        assert report.failed == 0
        with an.export(ix, "", sort="index") as stream:
            articles = list(stream)
        yield ix, articles


def test_fakes_counts_against_an_independent_count(
    fakes_index: tuple[Index, list[Article]],
) -> None:
    ix, articles = fakes_index
    assert len(articles) == 804
    result = an.significant_terms(ix, "Aleppo", limit=40, min_count=2)
    fg = matching(ix, "Aleppo")
    assert result.foreground_total == len(fg) > 100
    fg_words = Counter(w for a in fg for w in words_of(a))
    bg_words = Counter(w for a in articles for w in words_of(a))
    for t in result.terms["word"]:
        assert (t.foreground, t.background) == (
            fg_words[tx.fold(t.term)],
            bg_words[tx.fold(t.term)],
        )
    for kind in ("person", "org", "location"):
        fg_counts = Counter(n for a in fg for n in entity_names(a, kind))
        bg_counts = Counter(n for a in articles for n in entity_names(a, kind))
        for t in result.terms[kind]:
            assert (t.foreground, t.background) == (fg_counts[t.term], bg_counts[t.term])
            assert t.score == pytest.approx(
                reference_g2(t.foreground, len(fg), t.background, len(articles)), abs=1e-3
            )
    assert result.terms["location"][0].term == "Aleppo"


def test_fakes_timeline_and_cooccurrence(fakes_index: tuple[Index, list[Article]]) -> None:
    ix, articles = fakes_index
    result = an.timeline(ix, ["Aleppo", "Idlib"], interval="year")
    per_year = Counter(str(a.date.year) for a in articles if a.date)
    assert {b.key: b.total for b in result.buckets} == {
        k: per_year[k] for k in (b.key for b in result.buckets)
    }
    for series, query in zip(result.series, ["Aleppo", "Idlib"], strict=True):
        found = Counter(str(a.date.year) for a in matching(ix, query) if a.date)
        assert dict(zip([b.key for b in result.buckets], series.counts, strict=True)) == {
            b.key: found[b.key] for b in result.buckets
        }
    co = an.cooccurrence(ix, "Bashar Assad", limit=10)
    assert co.kind == "person"
    fg = [a for a in articles if "Bashar Assad" in entity_names(a, "person")]
    assert co.total == len(fg)
    for t in co.entities:
        assert t.foreground == sum(1 for a in fg if t.term in entity_names(a, t.kind))


def test_entity_lookup_is_case_insensitive(generated_index: Index) -> None:
    assert an.find_entity(generated_index, "AL-NUSRA front") == ("org", "Al-Nusra Front")
    assert an.find_entity(generated_index, "nobody at all") is None


def test_undated_and_entity_free_articles(tmp_path: Path) -> None:
    with Index(tmp_path / "ix", create=True) as ix:
        ix.add(
            [
                Article(id="u", title="Undated convoy", body="Convoy.", entities=()),
                Article(
                    id="d",
                    title="Dated convoy",
                    body="Convoy.",
                    date=dt.date(2016, 1, 2),
                    entities=(Entity("location", "Aleppo"),),
                ),
            ]
        )
        tl = an.timeline(ix, ["convoy"])
        assert [(b.key, b.total) for b in tl.buckets] == [("2016-01", 1)]
        assert tl.series[0].total == 2 and tl.series[0].counts == (1,)
        with an.export(ix, "convoy") as stream:
            assert [a.id for a in stream] == ["d", "u"]
