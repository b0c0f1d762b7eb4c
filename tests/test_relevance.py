"""The relevance harness (``benchmarks/relevance/``): metrics, reference BM25, score check, the
laboratory scorer and the chosen model's reference (``releval/model.py``, the oracle phase 2
of issue 14 checks searchlib's scores against).

A tiny collection in ``tests/data/relevance/`` (12 news-like documents, one empty one, six
questions, graded judgments; and a SMART-format copy of a few of them) always runs; the
Cranfield and CISI checks skip when ``../shared/corpora`` is not there.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "benchmarks" / "relevance"
FIXTURE = ROOT / "tests" / "data" / "relevance"
CORPORA = Path(__file__).parents[1].parent / "shared" / "corpora"
CRANFIELD = CORPORA / "cranfield"
CISI = CORPORA / "cisi"

sys.path.insert(0, str(HARNESS))

from releval import bm25, lab, metrics, model, scorecheck, study, systems, tuning  # noqa: E402
from releval.collection import load, load_smart, sanitise  # noqa: E402


def _run_module() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("relevance_run", HARNESS / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _has_knobs() -> bool:
    knobs = systems.searchlib_knobs()
    return knobs["ranking"] and knobs["match"]


# -- metrics -------------------------------------------------------------------------------


def test_metrics_on_a_hand_computed_ranking() -> None:
    # Judged: d1 grade 2, d3 grade 1, d9 grade 3 (never retrieved), d2 judged not relevant.
    judgments = {"d1": 2, "d2": 0, "d3": 1, "d9": 3}
    ranking = ["d1", "d2", "d3", "d4"]
    dcg = 2 / math.log2(2) + 1 / math.log2(4)  # 2.5
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)  # 4.761860
    assert metrics.ndcg_at(ranking, judgments, 10) == pytest.approx(dcg / ideal)
    assert metrics.ndcg_at(ranking, judgments, 10) == pytest.approx(0.525005, abs=1e-6)
    # relevant at ranks 1 and 3: (1/1 + 2/3) / 3 relevant
    assert metrics.average_precision(ranking, judgments) == pytest.approx(5 / 9)
    assert metrics.recall_at(ranking, judgments, 100) == pytest.approx(2 / 3)
    assert metrics.recall_at(ranking, judgments, 1) == pytest.approx(1 / 3)
    # the cut at k: d3 at rank 3 is outside nDCG@2
    assert metrics.ndcg_at(ranking, judgments, 2) == pytest.approx(2 / (3 + 2 / math.log2(3)))


def test_evaluate_skips_unjudged_queries_and_scores_empty_runs_zero() -> None:
    qrels = {"1": {"a": 1}, "2": {"b": 0}, "3": {"c": 2}}
    per_query = metrics.evaluate({"1": ["a"], "2": ["b"]}, qrels)
    assert set(per_query) == {"1", "3"}  # query 2 has no relevant document
    assert per_query["1"] == {"ndcg@10": 1.0, "map": 1.0, "recall@100": 1.0}
    assert per_query["3"] == {"ndcg@10": 0.0, "map": 0.0, "recall@100": 0.0}
    assert metrics.mean(per_query) == {"ndcg@10": 0.5, "map": 0.5, "recall@100": 0.5}
    with pytest.raises(ValueError, match="twice"):
        metrics.evaluate({"1": ["a", "a"]}, qrels)


def test_metrics_agree_with_trec_eval() -> None:
    pytest.importorskip("pytrec_eval")
    qrels = {"1": {"d1": 2, "d2": 0, "d3": 1, "d9": 3}, "2": {"x": 1, "y": 4}, "3": {"z": 1}}
    run = {"1": ["d1", "d2", "d3", "d4"], "2": ["q", "y", "r", "x"], "3": []}
    per_query = metrics.evaluate(run, qrels)
    check = metrics.trec_eval_check(run, qrels, per_query)
    assert check is not None and check["agrees"], check


# -- collection and queries ------------------------------------------------------------------


def test_fixture_collection_loads() -> None:
    c = load(FIXTURE)
    assert len(c.docs) == 12 and c.skipped_docs == ("n13",)
    assert [q.qid for q in c.judged_queries()] == ["1", "2", "3", "4", "5"]  # 6: none relevant
    assert tuning.split(c) == {
        "all": ["1", "2", "3", "4", "5"],
        "odd": ["1", "3", "5"],
        "even": ["2", "4"],
    }


def test_sanitise_keeps_words_and_drops_query_syntax() -> None:
    text = 'storm damage: stadium OR "schools" (football*) title:x NOT y~2 mach 2.5 ?'
    assert sanitise(text) == "storm damage stadium or schools football title x not y 2 mach 2.5"


# -- end to end ------------------------------------------------------------------------------


def test_harness_end_to_end_on_the_fixture(tmp_path: Path) -> None:
    run = _run_module()
    assert run.main(["--collection", str(FIXTURE), "--out-dir", str(tmp_path), "--quick",
                     "--quiet"]) == 0
    data = json.loads((tmp_path / "relevance.json").read_text())
    md = (tmp_path / "relevance.md").read_text()
    assert "| system | nDCG@10 all" in md and "Score check" in md and "Parity" in md
    by_name = {s["name"]: s for s in data["systems"]}
    expected = {"searchlib", "whoosh-and", "whoosh-or", "sqlite-fts5", "reference-okapi",
                "reference-okapi+rm3", "chosen", "chosen match=any", "chosen match=all"}
    assert expected <= set(by_name)
    assert {s["name"] for s in data["systems"] if s["kind"] == "baseline"} == {
        "whoosh-and", "whoosh-or", "sqlite-fts5", "reference-okapi", "reference-okapi+rm3"}
    assert data["collection"]["judged_queries"] == 5
    for s in data["systems"]:
        for half in ("all", "odd", "even"):
            assert all(0.0 <= v <= 1.0 for v in s["figures"][half].values())
        if s["trec_eval"] is not None:
            assert s["trec_eval"]["agrees"], s["name"]

    # Query 4, "election AND housing debate": only n11 (grade 2) has all three words, n04
    # (grade 1) has "election". AND finds [n11]: nDCG@10 = 2 / (2 + 1/log2(3)), AP 1/2.
    # OR finds n11 then n04: everything is 1. The chosen model requires every word of a
    # query of 3 words or fewer, and "and" is a function word: it finds [n11] as AND does.
    and_ndcg = 2 / (2 + 1 / math.log2(3))
    assert by_name["searchlib"]["per_query_ndcg@10"]["4"] == pytest.approx(and_ndcg)
    assert by_name["whoosh-and"]["per_query_ndcg@10"]["4"] == pytest.approx(and_ndcg)
    assert by_name["chosen"]["per_query_ndcg@10"]["4"] == pytest.approx(and_ndcg)
    for name in ("whoosh-or", "sqlite-fts5", "reference-okapi", "chosen match=any"):
        assert by_name[name]["per_query_ndcg@10"]["4"] == pytest.approx(1.0), name

    # Query 5 is only stop words: searchlib refuses it (QueryError), which counts as no hits.
    assert by_name["searchlib"]["zero_results"] == 1
    assert by_name["searchlib"]["errors"] == 1
    assert by_name["searchlib"]["per_query_ndcg@10"]["5"] == 0.0
    # the score check ran and agreed; the laboratory is searchlib today and the model
    assert data["score_check"][0]["hits_beyond_rounding"] == 0
    parity = data["parity"]
    assert all(v == 5 for v in parity["lab_vs_searchlib"].values())
    assert all(v["identical_rankings"] == 5 and v["max_rel_score_diff"] < 1e-12
               for v in parity["lab_vs_model"].values())
    # significance against the best baseline and, for the model, against searchlib today
    versus = {(x["system"], x["versus"]) for x in data["significance"]}
    assert ("chosen", "searchlib") in versus
    assert ("chosen match=any", "searchlib match=any") in versus
    assert ("chosen", data["best_baseline"]) in versus

    summary = json.loads((tmp_path / "summary.json").read_text())
    st = summary["study"]
    assert {r["cause"] for r in st["causes"]} >= {
        "idf", "fields", "coordination", "fallback", "function words", "proximity", "feedback"}
    for match in ("auto", "any"):
        chain = st["chain"][match]
        assert "vs_previous" not in chain[0]["collections"]["relevance"]
        assert all("vs_previous" in r["collections"]["relevance"] for r in chain[1:])
        # the chain starts at searchlib today and ends at the chosen model
        start = by_name["searchlib" if match == "auto" else "searchlib match=any"]
        end = by_name["chosen" if match == "auto" else "chosen match=any"]
        assert chain[0]["collections"]["relevance"]["figures"]["all"] == start["figures"]["all"]
        assert chain[-1]["collections"]["relevance"]["figures"]["all"] == end["figures"]["all"]
    assert set(st["tuning"]["choices"]) == {
        f"{c}: tuned_on_{h}" for c in ("min_margin", "mean") for h in ("odd", "even", "all")}
    assert {r["queries"] for r in st["modes"]} == {
        "questions", "keywords-2", "keywords-3", "keywords-4", "keywords-5"}
    text = (tmp_path / "summary.md").read_text()
    assert "## The causes, one at a time" in text and "## Tuning on half the queries" in text


def test_harness_reads_a_smart_collection(tmp_path: Path) -> None:
    c = load(FIXTURE / "smart")  # no docs.jsonl: raw/MINI.ALL, .QRY, .REL
    assert [(d.id, d.title, d.body) for d in c.docs] == [
        ("1", "Floods close roads in the north",
         "Heavy rain flooded rivers across the north. Roads were closed."),
        ("2", "River levels fall after the storm", "The river fell overnight."),
        ("4", "", "An abstract without a title about the storm."),
    ]
    assert c.skipped_docs == ("3",)
    assert [(q.qid, q.text) for q in c.queries] == [
        ("1", "Which roads were closed by the floods?"), ("2", "storm damage")]
    assert c.qrels == {"1": {"1": 1}, "2": {"2": 1, "4": 1}}
    with pytest.raises(FileNotFoundError, match=r"docs\.jsonl"):
        load(tmp_path)


@pytest.mark.skipif(not _has_knobs(), reason="searchlib has no ranking knobs yet")
def test_quick_tune_on_the_fixture(tmp_path: Path) -> None:
    run = _run_module()
    assert run.main(["--collection", str(FIXTURE), "--out-dir", str(tmp_path), "--tune",
                     "--quick", "--no-study", "--quiet"]) == 0
    data = json.loads((tmp_path / "relevance.json").read_text())
    t = data["tuning"]
    assert set(t["choices"]) == {"tuned_on_odd", "tuned_on_even", "tuned_on_all", "steadiest"}
    assert t["configurations"] >= 16
    assert t["flatness"]["within_0.01"] >= 1
    assert "searchlib tuned on odd" in {s["name"] for s in data["systems"]}
    assert "Tuning searchlib's knobs" in (tmp_path / "relevance.md").read_text()
    assert not (tmp_path / "summary.json").exists()


# -- the score check ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("relevance") / "searchlib"
    systems.build_searchlib(load(FIXTURE).docs, path)
    return path


def test_searchlib_scores_are_bm25f_on_the_fixture(fixture_index: Path) -> None:
    c = load(FIXTURE)
    exact = scorecheck.check(c, fixture_index, quantize=True)
    assert exact["hits_compared"] >= 20
    assert exact["hits_beyond_rounding"] == 0
    assert exact["max_rel_diff"] < 1e-6
    assert exact["identical_rankings"] == exact["queries"]
    # Without Whoosh's one-byte lengths the scores move (bodies past 11 words are rounded up
    # to the encoding's grid), but not by more than a few percent.
    loose = scorecheck.check(c, fixture_index, quantize=False)
    assert 0 < loose["max_rel_diff"] < 0.05


@pytest.mark.skipif(not _has_knobs(), reason="searchlib has no ranking knobs yet")
def test_searchlib_knobs_are_bm25f_on_the_fixture(fixture_index: Path) -> None:
    c = load(FIXTURE)
    for config in (
        systems.SearchlibConfig(k1=0.9, b=0.4, title_weight=1.5, match="any"),
        systems.SearchlibConfig(k1=2.0, b=0.9, title_weight=0.5, match="all"),
    ):
        result = scorecheck.check(c, fixture_index, config=config, quantize=True)
        assert result["hits_beyond_rounding"] == 0, (config, result["worst"])
        assert result["identical_rankings"] == result["queries"], config


def test_reference_reproduces_plain_whoosh(tmp_path: Path) -> None:
    c = load(FIXTURE)
    systems.build_whoosh(c.docs, tmp_path / "whoosh")
    whoosh = systems.WhooshSystem(tmp_path / "whoosh", "or")
    ref = bm25.ReferenceBM25(c.docs, bm25.whoosh_bm25f(title_boost=1.0))
    try:
        for q in c.judged_queries():
            got = whoosh.search(q.text, 100)
            expected = ref.scores_of(sanitise(q.text), got.ids)
            assert got.scores == pytest.approx(expected, rel=1e-9), q.qid
    finally:
        whoosh.close()


# -- the chosen model's reference (releval/model.py) -----------------------------------------

TINY = [
    ("Storm floods the river", "The river flooded after the storm. Floods closed roads."),
    ("Election debate", "Candidates debated housing and the river district."),
    ("Football derby", "A late goal won the derby in the rain."),
    ("", "Floods and rain: the river rose 2024 centimetres in the storm."),
]


def _tiny() -> model.ReferenceIndex:
    return model.ReferenceIndex(TINY)


def test_model_length_encoding_is_whooshs() -> None:
    from whoosh.util.numeric import byte_to_length, length_to_byte

    for length in [*range(0, 3000), 10_000, 54_321, 106_373, 106_374, 106_375, 500_000]:
        assert model.stored_length(length) == byte_to_length(length_to_byte(length)), length


def test_model_function_words_are_searchlibs() -> None:
    assert lab.question_words() == model.FUNCTION_WORDS


def test_model_query_terms() -> None:
    ix = _tiny()
    q = ix.query("What did the floods do to the RIVER roads?")
    assert q.terms == ("flood", "river", "road")  # function words out, stemmed, distinct
    assert q.all_terms[:2] == ("what", "did")  # Whoosh's stop list keeps "what" and "did"
    assert ix.query("what did they do").terms == ix.query("what did they do").all_terms
    assert ix.query("the of").terms == ()


def test_model_bm25f_score_by_hand() -> None:
    ix = _tiny()
    m = model.Model(k1=1.5, b_title=0.5, b_body=0.8, title_weight=3.0)
    # "river": document 0 has it once in its title (3 terms) and once in its body (7 terms,
    # "the" dropped); documents 1 and 3 have it too.
    assert ix.title_terms[0] == ["storm", "flood", "river"]
    assert ix.body_terms[0] == ["river", "flood", "after", "storm", "flood", "close", "road"]
    n = 4
    avg_title = (3 + 2 + 2 + 0) / n
    avg_body = (7 + 5 + 5 + 7) / n
    assert [len(t) for t in ix.body_terms] == [7, 5, 5, 7]
    bt = 1 - 0.5 + 0.5 * 3 / avg_title
    bb = 1 - 0.8 + 0.8 * 7 / avg_body
    tf = 3.0 * 1 / bt + 1 / bb
    df = 3  # documents 0, 1 and 3
    idf = math.log((n - df + 0.5) / (df + 0.5))
    assert idf < 0  # more than half the documents: the floor applies
    docs, scores = ix.term_scores("river", m)
    assert docs.tolist() == [0, 1, 3]
    assert scores[0] == pytest.approx(model.IDF_FLOOR * tf * (1.5 + 1) / (tf + 1.5))
    # "derbi": one document, body and title, idf ln(3.5 / 1.5)
    docs, scores = ix.term_scores("derbi", m)
    bt2 = 1 - 0.5 + 0.5 * 2 / avg_title
    bb2 = 1 - 0.8 + 0.8 * 5 / avg_body
    tf2 = 3.0 / bt2 + 1 / bb2
    assert docs.tolist() == [2]
    assert scores[0] == pytest.approx(math.log(3.5 / 1.5) * tf2 * 2.5 / (tf2 + 1.5))


def test_model_match_modes_and_relaxation() -> None:
    ix = _tiny()
    # 2 content words: every word required ("storm" and "goal": nobody has both -> relaxed)
    r = ix.search("storm goal")
    assert r.relaxed and r.required == 1 and r.total == 3
    r = ix.search("storm goal", relax=False)
    assert (r.docs, r.total, r.relaxed) == ([], 0, False)
    r = ix.search("storm rain")  # documents 2 and 3 have "rain", 0 and 3 "storm"
    assert (r.docs, r.required, r.relaxed) == ([3], 2, False)
    # relaxed, a document with both words would come first; with one, coordination 0.5 ** 0.25
    relaxed = ix.search("storm goal")
    plain = ix.search("storm goal", model.Model(coordination=0.0))
    for d, s in zip(relaxed.docs, relaxed.scores, strict=True):
        assert s == pytest.approx(plain.scores[plain.docs.index(d)] * 0.5**0.25)
    # 4 content words: any word, feedback re-ranks the same matches
    r = ix.search("storm goal housing rain")
    assert r.required == 1 and not r.relaxed and r.total == 4 and r.expansion
    assert ix.search("storm rain", match="any").total == 3
    assert ix.search("storm goal housing rain", match="all").relaxed


def test_model_puts_documents_with_every_word_first() -> None:
    filler = [("", f"filler{i} words about nothing much") for i in range(8)]
    ix = model.ReferenceIndex([
        ("", "zeta eta theta iota and many other words that make the document long"),
        ("", "zeta zeta zeta eta eta eta theta theta theta"),
        *filler,
    ])
    scores, matched = ix.weighted_scores(dict.fromkeys(("zeta", "eta", "theta", "iota"), 1.0),
                                         model.Model())
    assert matched[:2].tolist() == [4, 3]
    assert scores[1] * (3 / 4) ** 0.25 > scores[0]  # the partial match scores higher...
    for match in ("auto", "any"):
        r = ix.search("zeta eta theta iota", match=match)  # type: ignore[arg-type]
        assert r.required == 1 and r.docs[:2] == [0, 1], match  # ...but comes second
        assert r.matched[:2] == [4, 3]
    r = ix.search("zeta eta theta", match="any")  # 3 words, any: the same rule
    assert r.docs[:2] == [1, 0] and r.matched[:2] == [3, 3]


def test_model_feedback_skips_function_words_terms() -> None:
    docs = [("Its crisis", "its its its its crisis crisis bank")] * 2 + [
        (f"other {i}", f"unrelated text number {i}") for i in range(8)]
    ix = model.ReferenceIndex(docs)
    assert "it" in ix.postings  # "its" is not a stop word: Porter makes it "it"
    r = ix.search("crisis bank loans rates", model.Model(feedback_terms=50))
    assert r.expansion and "it" not in r.expansion
    assert "it" in ix.function_terms()


def test_model_feedback_by_hand() -> None:
    ix = _tiny()
    m = model.Model(feedback_docs=2, feedback_terms=3)
    first = ix.search("storm goal housing rain", model.Model(feedback_docs=0))
    assert not first.expansion  # no feedback documents: the first pass stands
    r = ix.search("storm goal housing rain", m)
    top2 = first.docs[:2]
    weights = first.scores[:2]
    rel: dict[str, float] = {}
    for d, w in zip(top2, weights, strict=True):
        terms = ix.title_terms[d] + ix.body_terms[d]
        for t in set(terms):
            rel[t] = rel.get(t, 0.0) + w / sum(weights) * terms.count(t) / len(terms)
    n = ix.n
    ok = {t: v for t, v in rel.items()
          if not t.isdigit() and ix.df(t) * 2 < n}  # fewer than half the documents
    best = sorted(ok.items(), key=lambda tv: (-tv[1], tv[0]))[:3]
    total = sum(v for _, v in best)
    assert r.expansion == pytest.approx({t: v / total for t, v in best})
    assert "2024" not in r.expansion  # digits only
    assert "river" not in r.expansion and "flood" not in r.expansion  # in half or more
    # the mixed query re-scores the same matches
    assert r.total == first.total and sorted(r.docs) == sorted(first.docs)
    mixed = {t: 0.5 / 4 for t in ix.query("storm goal housing rain").terms}
    for t, v in r.expansion.items():
        mixed[t] = mixed.get(t, 0.0) + 0.5 * v
    scores, _ = ix.weighted_scores(mixed, m)
    # times the coordination of the query's own words: documents 2 and 3 have two of the four
    have = {0: 1, 1: 1, 2: 2, 3: 2}
    assert r.matched == [have[d] for d in r.docs]
    assert r.scores == pytest.approx([scores[d] * (have[d] / 4) ** 0.25 for d in r.docs])


def test_lab_is_the_model_and_searchlib_today_on_the_fixture(fixture_index: Path) -> None:
    c = load(FIXTURE)
    index = lab.LabIndex(c.docs)
    reference = model.ReferenceIndex((d.title, d.body) for d in c.docs)
    texts = [sanitise(q.text) for q in c.queries] + [
        "floods roads", "river storm", "flood defences mayor council river budget", "storm goal"]
    for match in ("auto", "any", "all"):
        params = study.chosen_params(model.Model(), match)
        for text in texts:
            a = index.rank(text, params, 100)
            b = reference.search(text, match=match)  # type: ignore[arg-type]
            assert a.docs == b.docs, (match, text)
            assert a.scores == pytest.approx(b.scores, rel=1e-12), (match, text)
            assert a.relaxed == b.relaxed and a.expanded == bool(b.expansion), (match, text)
    for params, config in ((lab.CURRENT_DEFAULT, systems.SearchlibConfig()),
                           (lab.CURRENT_ANY, systems.SearchlibConfig(match="any"))):
        if config.match and not systems.searchlib_knobs()["match"]:
            continue
        system = systems.SearchlibSystem(fixture_index, "searchlib", config)
        try:
            for text in texts:
                ids = [index.ids[d] for d in index.rank(text, params, 100).docs]
                assert ids == system.search(text, 100).ids, (config, text)
        finally:
            system.close()


# -- Cranfield and CISI ------------------------------------------------------------------------


def _corpus_systems(path: Path, tmp: Path) -> dict[str, Any]:
    """searchlib (defaults, match="any"), the baselines and the chosen model on a collection:
    {name: (nDCG@10, queries with no hits)}."""
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    run = _run_module()
    c = load(path)
    systems.build_searchlib(c.docs, tmp / "searchlib")
    systems.build_whoosh(c.docs, tmp / "whoosh")
    okapi = bm25.ReferenceBM25(c.docs, bm25.BM25Params())
    todo: list[Any] = [systems.SearchlibSystem(tmp / "searchlib", "searchlib")]
    if systems.searchlib_knobs()["match"]:
        config = systems.SearchlibConfig(match="any")
        todo.append(systems.SearchlibSystem(tmp / "searchlib", "searchlib match=any", config))
    reference = model.ReferenceIndex((d.title, d.body) for d in c.docs)
    todo += [
        systems.WhooshSystem(tmp / "whoosh", "or"),
        systems.SqliteSystem(c.docs),
        systems.ReferenceSystem(c, bm25.BM25Params(), "reference-okapi", model=okapi),
        systems.ReferenceRM3System(c, model=okapi),
        systems.ChosenSystem(c, "auto", index=reference),
        systems.ChosenSystem(c, "any", index=reference),
    ]
    out: dict[str, Any] = {"_docs": len(c.docs), "_queries": len(c.judged_queries()),
                           "_collection": c, "_index": tmp / "searchlib"}
    for system in todo:
        try:
            row = run.measure(system, c, 100, "x")
        finally:
            system.close()
        out[system.name] = (metrics.mean(row.per_query)["ndcg@10"], row.zero_results)
    return out


@pytest.fixture(scope="module")
def cranfield(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _corpus_systems(CRANFIELD, tmp_path_factory.mktemp("cranfield"))


@pytest.fixture(scope="module")
def cisi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _corpus_systems(CISI, tmp_path_factory.mktemp("cisi"))


BASELINES = ("whoosh-or", "sqlite-fts5", "reference-okapi", "reference-okapi+rm3")


def _ndcg(results: dict[str, Any]) -> dict[str, float]:
    return {k: v[0] for k, v in results.items() if not k.startswith("_")}


def test_cranfield_questions_find_something_and_baselines_are_sane(
    cranfield: dict[str, Any],
) -> None:
    assert (cranfield["_docs"], cranfield["_queries"]) == (1398, 225)
    # natural-language questions never come back empty, in any system
    assert all(v[1] == 0 for k, v in cranfield.items() if not k.startswith("_"))
    ndcg = _ndcg(cranfield)
    # the reference and the baselines land where BM25 lands on Cranfield
    assert 0.33 < ndcg["reference-okapi"] < 0.37
    assert 0.36 < ndcg["reference-okapi+rm3"] < 0.39
    assert 0.36 < ndcg["whoosh-or"] < 0.40
    assert 0.34 < ndcg["sqlite-fts5"] < 0.38
    assert ndcg["searchlib"] > 0.25


def test_cisi_is_read_whole_and_baselines_are_sane(cisi: dict[str, Any]) -> None:
    assert (cisi["_docs"], cisi["_queries"]) == (1460, 76)
    ndcg = _ndcg(cisi)
    assert 0.27 < ndcg["whoosh-or"] < 0.31
    assert 0.30 < ndcg["sqlite-fts5"] < 0.34
    assert 0.25 < ndcg["reference-okapi"] < 0.29
    assert 0.30 < ndcg["reference-okapi+rm3"] < 0.34


def test_cisi_searchlib_scores_are_bm25f(cisi: dict[str, Any]) -> None:
    # CISI has words like ***medlearn***: Whoosh's tokenizer keeps the stars, and so must the
    # reference, or every average length, and so every score, is a little off
    result = scorecheck.check(cisi["_collection"], cisi["_index"], quantize=True)
    assert result["hits_compared"] > 7000
    assert result["hits_beyond_rounding"] == 0, result["worst"]
    assert result["identical_rankings"] == result["queries"] == 76


def test_cisi_raw_files_are_the_converted_collection() -> None:
    if not CISI.exists():
        pytest.skip(f"corpus not available: {CISI}")
    a, b = load(CISI), load_smart(CISI)
    assert a.qrels == b.qrels
    assert [q.qid for q in a.queries] == [q.qid for q in b.queries]
    assert [" ".join(q.text.split()) for q in a.queries] == [q.text for q in b.queries]
    assert [(d.id, " ".join(d.title.split()), " ".join(d.body.split())) for d in a.docs] == [
        (d.id, d.title, d.body) for d in b.docs]


@pytest.mark.parametrize("name", ["cranfield", "cisi"])
def test_the_chosen_model_beats_the_best_baseline_by_002(
    name: str, request: pytest.FixtureRequest
) -> None:
    results = request.getfixturevalue(name)
    ndcg = _ndcg(results)
    best = max(ndcg[b] for b in BASELINES)
    assert ndcg["chosen"] >= best + 0.02, ndcg
    assert ndcg["chosen match=any"] >= best + 0.02, ndcg


@pytest.mark.parametrize("name", ["cranfield", "cisi"])
@pytest.mark.parametrize("mode", ["searchlib", "searchlib match=any"])
@pytest.mark.xfail(
    strict=True,
    reason="issue 14 phase 2: searchlib does not rank with the chosen model yet (today's "
    "defaults 0.293 / 0.224 and match='any' 0.380 / 0.297 against best baselines 0.381 "
    "(Whoosh OR) and 0.317 (FTS5) on Cranfield / CISI); see benchmarks/relevance/MODEL.md",
)
def test_searchlib_beats_the_best_baseline_by_002(
    name: str, mode: str, request: pytest.FixtureRequest
) -> None:
    ndcg = _ndcg(request.getfixturevalue(name))
    if mode not in ndcg:
        pytest.fail(f"searchlib has no {mode}")
    best = max(ndcg[b] for b in BASELINES)
    assert ndcg[mode] >= best + 0.02, ndcg
