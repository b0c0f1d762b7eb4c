"""Hostile queries: every query returns results or a readable QueryError, in bounded time.

Property-based: hypothesis builds queries from the pieces users (and attackers) type. The
default run feeds 500 queries to ``Index.search`` and 150 to ``searchlib query``;
``python -m pytest -m slow`` runs 5,000 more.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchlib import Article, Index, QueryError
from searchlib.cli import main
from searchlib.query import MAX_EXPANSION, MAX_QUERY_CHARS, MAX_QUERY_TERMS

BOUND_S = 5.0  # no query may take longer than this on the fixture index

WORDS = ["convoy", "aid", "Aleppo", "Lavrov", "talks", "exit", "the", "Genève", "w0042", "zzz"]
FIELDS = [
    "title",
    "body",
    "person",
    "org",
    "location",
    "tag",
    "source",
    "date",
    "id",
    "colour",
    "spell",
    "f_person",
    "http",
]
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(
        [
            "AND",
            "OR",
            "NOT",
            "ANDNOT",
            "(",
            ")",
            '"',
            "'",
            "*",
            "?*",
            "a*",
            "*ing",
            "~",
            "~2",
            "^2",
            "[",
            "]",
            "{",
            "}",
            "to",
            ":",
            "-",
            "+",
        ]
    ),
    st.builds(
        lambda f, w: f"{f}:{w}",
        st.sampled_from(FIELDS),
        st.sampled_from([*WORDS, "", "*", '"Sergey Lavrov"']),
    ),
    st.builds(
        lambda a, b: f"date:[{a} to {b}]",
        st.sampled_from(
            ["2016", "2016-10", "2016-10-07", "2016-13-01", "2016-02-30", "", "x", "1987"]
        ),
        st.sampled_from(["2017", "2016-10-31", "2015", "", "2016-99", "yesterday"]),
    ),
    st.builds(lambda w: w + "~", st.sampled_from(WORDS)),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),  # any script, emoji, controls
    st.sampled_from(["\x00", "\x1b[31m", "\u202e", "🙂", "Алеппо", "حلب", "阿勒颇", "\ufeff"]),
)
QUERIES = st.one_of(
    st.lists(PIECES, max_size=12).map(" ".join),
    st.lists(PIECES, max_size=12).map("".join),
    st.integers(1, 3000).map(lambda n: " OR ".join(f"w{i:04d}" for i in range(n))),
    st.integers(4000, 12000).map(lambda n: ("convoy " * n)[:n]),
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("hostile") / "ix"
    ix = Index(path, create=True)
    vocab = " ".join(f"w{i:04d}" for i in range(1500))  # enough words to trip the expansion limit
    ix.add(
        [Article(id="seed", title="Convoy exits Aleppo", body="Sergey Lavrov spoke. " + vocab)]
        + [
            Article(id=f"a{i}", title=f"Aid talks {i}", body=f"The aid convoy {i} reached Genève.")
            for i in range(40)
        ]
    )
    return ix


def _search_ok(ix: Index, query: str) -> None:
    started = time.perf_counter()
    try:
        results = ix.search(query, limit=5)
    except QueryError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message
    else:
        assert results.total >= len(results.hits)
    assert time.perf_counter() - started < BOUND_S, repr(query)


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_search_never_fails_badly(index: Index, query: str) -> None:
    _search_ok(index, query)


@pytest.mark.slow
@settings(
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_search_never_fails_badly_long(index: Index, query: str) -> None:
    _search_ok(index, query)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_cli_query_never_prints_a_traceback(index: Index, query: str) -> None:
    result = CliRunner().invoke(
        main, ["query", "--index", str(index.path), "--format", "json", "--", query]
    )
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "query,message",
    [
        ("w*", f"matches more than {MAX_EXPANSION:,} different words"),
        ("?*", "matches more than"),
        ("body:[a to zzzz]", "matches more than"),
        ("x" * (MAX_QUERY_CHARS + 1), "too long"),
        (" ".join(f"v{i}" for i in range(MAX_QUERY_TERMS + 1)), "terms; the limit is"),
    ],
)
def test_limits_are_clear_errors(index: Index, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        index.search(query)


def test_limits_leave_reasonable_queries_alone(index: Index) -> None:
    assert index.search("w000*").total == 1  # 10 words
    assert index.search("*").total == 41  # match-all is not an expansion
    assert index.search("convoi~").total >= 1
    assert index.search(" OR ".join(f"w{i:04d}" for i in range(MAX_QUERY_TERMS))).total == 1


def test_time_budget_returns_partial_results(index: Index) -> None:
    started = time.perf_counter()
    results = index.search("aid", timeout=1e-9)
    assert results.partial and time.perf_counter() - started < 1
    assert not index.search("aid").partial
    with pytest.raises(QueryError):
        index.search("aid", timeout=0)


def test_cli_says_when_results_are_partial(index: Index, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "aid", "--index", str(index.path), "--timeout", "0.000000001"]
    )
    assert result.exit_code == 0 and "ran out of time" in result.stdout
