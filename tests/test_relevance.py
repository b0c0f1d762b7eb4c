"""The relevance harness (``benchmarks/relevance/``): metrics, reference BM25, score check.

A tiny collection in ``tests/data/relevance/`` (12 news-like documents, one empty one, six
questions, graded judgments) always runs; the Cranfield check skips when
``../shared/corpora/cranfield`` is not there.
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
CRANFIELD = Path(__file__).parents[1].parent / "shared" / "corpora" / "cranfield"

sys.path.insert(0, str(HARNESS))

from releval import bm25, metrics, scorecheck, systems, tuning  # noqa: E402
from releval.collection import load, sanitise  # noqa: E402


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
    out = tmp_path / "fixture.json"
    assert run.main(["--collection", str(FIXTURE), "--out", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    md = out.with_suffix(".md").read_text()
    assert "| system | nDCG@10 all" in md and "Score check" in md
    by_name = {s["name"]: s for s in data["systems"]}
    expected = {"searchlib", "whoosh-and", "whoosh-or", "sqlite-fts5", "reference-okapi"}
    assert expected <= set(by_name)
    assert data["collection"]["judged_queries"] == 5
    for s in data["systems"]:
        for half in ("all", "odd", "even"):
            assert all(0.0 <= v <= 1.0 for v in s["figures"][half].values())
        if s["trec_eval"] is not None:
            assert s["trec_eval"]["agrees"], s["name"]

    # Query 4, "election AND housing debate": only n11 (grade 2) has all three words, n04
    # (grade 1) has "election". AND finds [n11]: nDCG@10 = 2 / (2 + 1/log2(3)), AP 1/2.
    # OR finds n11 then n04: everything is 1.
    and_ndcg = 2 / (2 + 1 / math.log2(3))
    assert by_name["searchlib"]["per_query_ndcg@10"]["4"] == pytest.approx(and_ndcg)
    assert by_name["whoosh-and"]["per_query_ndcg@10"]["4"] == pytest.approx(and_ndcg)
    for name in ("whoosh-or", "sqlite-fts5", "reference-okapi"):
        assert by_name[name]["per_query_ndcg@10"]["4"] == pytest.approx(1.0), name

    # Query 5 is only stop words: searchlib refuses it (QueryError), which counts as no hits.
    assert by_name["searchlib"]["zero_results"] == 1
    assert by_name["searchlib"]["errors"] == 1
    assert by_name["searchlib"]["per_query_ndcg@10"]["5"] == 0.0
    # the score check ran and agreed
    assert data["score_check"][0]["hits_beyond_rounding"] == 0


@pytest.mark.skipif(not _has_knobs(), reason="searchlib has no ranking knobs yet")
def test_quick_tune_on_the_fixture(tmp_path: Path) -> None:
    run = _run_module()
    out = tmp_path / "tune.json"
    assert run.main(["--collection", str(FIXTURE), "--out", str(out), "--quick-tune",
                     "--quiet"]) == 0
    data = json.loads(out.read_text())
    t = data["tuning"]
    assert set(t["choices"]) == {"tuned_on_odd", "tuned_on_even", "tuned_on_all", "steadiest"}
    assert len(t["coordination_whatif"]) == 12
    assert t["configurations"] >= 16
    assert t["flatness"]["within_0.01"] >= 1
    assert "searchlib tuned on odd" in {s["name"] for s in data["systems"]}
    assert "Tuning searchlib's knobs" in out.with_suffix(".md").read_text()


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


# -- Cranfield -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cranfield(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """searchlib (defaults, and ``match="any"`` when it has it) and the baselines on Cranfield:
    {name: (nDCG@10, queries with no hits)}."""
    if not CRANFIELD.exists():
        pytest.skip(f"corpus not available: {CRANFIELD}")
    run = _run_module()
    c = load(CRANFIELD)
    assert len(c.docs) == 1398 and len(c.judged_queries()) == 225
    tmp = tmp_path_factory.mktemp("cranfield")
    systems.build_searchlib(c.docs, tmp / "searchlib")
    systems.build_whoosh(c.docs, tmp / "whoosh")
    todo: list[Any] = [systems.SearchlibSystem(tmp / "searchlib", "searchlib")]
    if systems.searchlib_knobs()["match"]:
        config = systems.SearchlibConfig(match="any")
        todo.append(systems.SearchlibSystem(tmp / "searchlib", "searchlib match=any", config))
    todo += [
        systems.WhooshSystem(tmp / "whoosh", "or"),
        systems.SqliteSystem(c.docs),
        systems.ReferenceSystem(c, bm25.BM25Params(), "reference-okapi"),
    ]
    out = {}
    for system in todo:
        try:
            row = run.measure(system, c, 100, "x")
        finally:
            system.close()
        out[system.name] = (metrics.mean(row.per_query)["ndcg@10"], row.zero_results)
    return out


def test_cranfield_questions_find_something_and_baselines_are_sane(
    cranfield: dict[str, Any],
) -> None:
    # natural-language questions never come back empty, in any system
    assert all(zero == 0 for _, zero in cranfield.values()), cranfield
    ndcg = {name: value for name, (value, _) in cranfield.items()}
    # the reference and the baselines land where BM25 lands on Cranfield
    assert 0.33 < ndcg["reference-okapi"] < 0.37
    assert 0.36 < ndcg["whoosh-or"] < 0.40
    assert 0.34 < ndcg["sqlite-fts5"] < 0.38
    assert ndcg["searchlib"] > 0.25


@pytest.mark.skipif(not _has_knobs(), reason="searchlib has no ranking knobs yet")
@pytest.mark.xfail(
    strict=True,
    reason="searchlib's match='any' is level with plain Whoosh with OR grouping (nDCG@10 "
    "0.3798 against 0.3807, p=0.87 in a paired randomisation test), not above it: see "
    "benchmarks/relevance/results/cranfield.md",
)
def test_cranfield_searchlib_at_least_matches_the_best_baseline(
    cranfield: dict[str, Any],
) -> None:
    ndcg = {name: value for name, (value, _) in cranfield.items()}
    ours = max(v for name, v in ndcg.items() if name.startswith("searchlib"))
    best = max(v for name, v in ndcg.items() if not name.startswith("searchlib"))
    assert ours >= best, ndcg
