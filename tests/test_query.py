"""The query language: what parses, what it means, and what is refused with a QueryError."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from searchlib import Article, Index, QueryError
from searchlib.dates import parse_date_bound
from searchlib.query import (
    And,
    DateRange,
    Every,
    Fuzzy,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
    leaves,
    parse_query,
    relaxed,
    without_words,
)


def test_words_are_anded_across_title_and_body() -> None:
    tree = parse_query("Aleppo Nusra").tree
    assert isinstance(tree, And) and len(tree.children) == 2
    assert [(t.field, t.terms) for t in tree.children] == [  # type: ignore[union-attr]
        ("text", ("aleppo",)),
        ("text", ("nusra",)),
    ]


def test_empty_query_and_a_lone_star_match_everything() -> None:
    for text in ("   ", "*", "+ *", "**"):
        parsed = parse_query(text)
        assert parsed.match_all and isinstance(parsed.tree, Every), text


@pytest.mark.parametrize(
    "text,shape",
    [
        ("xa xb OR xc", "And(xa, Or(xb, xc))"),
        ("xa OR xb xc", "And(Or(xa, xb), xc)"),
        ("xa OR xb AND xc", "Or(xa, And(xb, xc))"),
        ("NOT xa xb", "And(Not(xa), xb)"),
        ("xa NOT (xb OR xc)", "And(xa, Not(Or(xb, xc)))"),
        ("xa ANDNOT xb", "And(xa, Not(xb))"),
        ("(xa", "xa"),
        ("xa)", "xa"),
        ("OR xa AND", "xa"),
        ("NOT xa", "And(*, Not(xa))"),
        ("title:(xa xb)", "And(title:xa, title:xb)"),
        ("title:xa xb", "And(title:xa, xb)"),
    ],
)
def test_operators_bind_as_in_whoosh(text: str, shape: str) -> None:
    def show(node: object) -> str:
        if isinstance(node, Term):
            return node.text if node.field == "text" else f"{node.field}:{node.text}"
        if isinstance(node, Every):
            return "*"
        if isinstance(node, Not):
            return f"Not({show(node.child)})"
        if isinstance(node, (And, Or)):
            return f"{type(node).__name__}({', '.join(show(c) for c in node.children)})"
        return repr(node)

    assert show(parse_query(text).tree) == shape


def test_leaf_kinds() -> None:
    assert isinstance(parse_query('"East Aleppo"').tree, Phrase)
    assert parse_query('"East Aleppo"~3').tree.slop == 3  # type: ignore[union-attr]
    assert parse_query("negotiat*").tree == Prefix("text", "negotiat", 0, 9)
    assert isinstance(parse_query("n?got*").tree, Wildcard)
    fuzzy = parse_query("madird~2").tree
    assert isinstance(fuzzy, Fuzzy) and fuzzy.maxdist == 2 and fuzzy.text == "madird"
    assert parse_query("aleppo^2").tree.boost == 2.0  # type: ignore[union-attr]
    assert parse_query("al-nusra").tree.terms == ("al", "nusra")  # type: ignore[union-attr]
    person = parse_query('person:"Sergey Lavrov"').tree
    assert isinstance(person, Phrase) and person.field == "person"
    assert person.terms == ("sergey", "lavrov")
    assert parse_query("id:abc/Def.txt").tree.terms == ("abc/Def.txt",)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("date:2016", dt.date(2016, 1, 1), dt.date(2016, 12, 31)),
        ("date:2016-02", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("date:2016-10-07", dt.date(2016, 10, 7), dt.date(2016, 10, 7)),
        ("date:[2016-10-01 to 2016-10-31]", dt.date(2016, 10, 1), dt.date(2016, 10, 31)),
        ("date:[2014-01-01 TO 2014-06-30]", dt.date(2014, 1, 1), dt.date(2014, 6, 30)),
        ("date:{2016-10-01 to 2016-10-31}", dt.date(2016, 10, 2), dt.date(2016, 10, 30)),
    ],
)
def test_date_queries_are_exact(text: str, start: dt.date, end: dt.date) -> None:
    tree = parse_query(text).tree
    assert isinstance(tree, DateRange)
    assert (tree.first, tree.last) == (start, end)


def test_open_date_range() -> None:
    tree = parse_query("date:[2016-10 to]").tree
    assert isinstance(tree, DateRange)
    assert tree.first == dt.date(2016, 10, 1) and tree.last is None


@pytest.mark.parametrize(
    "text,message",
    [
        ("date:[2016-13-01 to 2016-10-31]", "impossible date"),
        ("date:2016-02-30", "impossible date"),
        ("date:[2017 to 2016]", "starts after it ends"),
        ("date:yesterday", "bad date"),
        ("colour:red", "unknown field 'colour:'"),
        ("spell:aleppo", "unknown field"),
        ("AND", "nothing to search for"),
        ("the of and", "nothing to search for"),
        ("x" * 5000, "too long"),
        (" OR ".join(f"w{i}" for i in range(300)), "300 terms; the limit is 256"),
    ],
)
def test_bad_queries_raise_readable_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_control_characters_are_spaces() -> None:
    assert parse_query("convoy\x00aid\x1b").tree == parse_query("convoy aid ").tree
    assert parse_query("\x00\x07").match_all


def test_field_aliases() -> None:
    assert {t.field for t in leaves(parse_query("source:reuters").tree)} == {"source"}
    assert {t.field for t in leaves(parse_query("place:aleppo").tree)} == {"location"}
    assert {t.field for t in leaves(parse_query("headline:aleppo").tree)} == {"title"}


def test_numbers_with_colons_are_text() -> None:
    tree = parse_query("10:30 meeting").tree
    assert isinstance(tree, And) and tree.children[0].terms == ("10", "30")  # type: ignore[union-attr]


def test_relaxed_query_keeps_not_clauses() -> None:
    tree = relaxed(parse_query("convoy aid NOT football").tree)
    assert isinstance(tree, And)
    assert isinstance(tree.children[0], Or) and isinstance(tree.children[1], Not)
    assert relaxed(parse_query("convoy").tree) is None
    assert relaxed(parse_query("convoy OR aid").tree) is None


def test_question_words_are_left_out_only_when_others_remain() -> None:
    parsed = parse_query("what did Lavrov say about Aleppo")
    kept = without_words(parsed, frozenset({"what", "did", "say", "about"}))
    assert [w.text for w in kept.words] == ["Lavrov", "Aleppo"]
    only = parse_query("what about")
    assert without_words(only, frozenset({"what", "about"})) is only


def test_parse_date_bound() -> None:
    assert parse_date_bound("2016", upper=True) == dt.date(2016, 12, 31)
    assert parse_date_bound("2016-12", upper=True) == dt.date(2016, 12, 31)
    assert parse_date_bound("2016-02", upper=False) == dt.date(2016, 2, 1)
    with pytest.raises(QueryError):
        parse_date_bound("07/10/2016", upper=False)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("q") / "ix"
    with Index(path, create=True) as ix:
        ix.add(
            [
                Article(
                    id="a",
                    title="Lavrov meets envoy",
                    body="Sergey Lavrov met the envoy in Moscow.",
                    date=dt.date(2016, 10, 7),
                    source="RT",
                    tags=("Syria unrest",),
                ),
                Article(
                    id="b",
                    title="Convoy exits Aleppo",
                    body="The convoy exited East Aleppo.",
                    date=dt.date(2016, 11, 2),
                    source="Reuters",
                ),
                Article(
                    id="c",
                    title="Football",
                    body="Match report from Madrid.",
                    date=dt.date(2017, 1, 1),
                ),
            ]
        )
        yield ix


@pytest.mark.parametrize(
    "text,ids",
    [
        ("lavrov", {"a"}),
        ("lavrov OR convoy", {"a", "b"}),
        ("convoy NOT football", {"b"}),
        ('"East Aleppo"', {"b"}),
        ('"Aleppo East"', set()),
        ("exit", {"b"}),  # stemming: exit finds exits/exited
        ("conv*", {"b"}),
        ("madrd~", {"c"}),
        ("madird~2", {"c"}),
        ("title:convoy", {"b"}),
        ("title:moscow", set()),
        ('person:"Sergey Lavrov"', {"a"}),
        ("person:lavrov", {"a"}),
        ("location:aleppo", {"b"}),
        ("source:reuters", {"b"}),
        ("tag:syria", {"a"}),
        ("date:2016", {"a", "b"}),
        ("date:[2016-11-01 to 2017-12-31]", {"b", "c"}),
        ("id:c", {"c"}),
    ],
)
def test_query_language_end_to_end(small_index: Index, text: str, ids: set[str]) -> None:
    results = small_index.search(text, relax=False)
    assert {h.id for h in results.hits} == ids


# -- wildcards, prefixes and fuzzy terms match the words as written, then their stems ---------


@pytest.fixture(scope="module")
def talks(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("talks") / "ix"
    with Index(path, create=True) as ix:
        ix.add(
            [
                Article(id="n1", title="Negotiations resume", body="The negotiations resumed."),
                Article(id="n2", title="Deal", body="They negotiated a deal in Geneva."),
                Article(id="n3", title="Envoy", body="The negotiator spoke."),
                Article(id="n4", title="Plan", body="Both sides will negotiate."),
                Article(id="g1", title="Geneva", body="Talks in Geneva."),
                Article(id="o1", title="Other", body="Nothing to do with it."),
            ]
        )
        yield ix


def test_a_prefix_finds_every_inflection(talks: Index) -> None:
    """``negotiat*`` expanded against the stems matched only ``negotiat`` itself; it is expanded
    against the words as written now, then matched in their analysed forms."""
    assert {h.id for h in talks.search("negotiat*").hits} == {"n1", "n2", "n3", "n4"}
    both = talks.search("negotiat* Geneva")
    assert not both.relaxed and [h.id for h in both.hits] == ["n2"]
    assert {h.id for h in talks.search("de?l").hits} == {"n2"}
    assert {h.id for h in talks.search("Genava~").hits} == {"n2", "g1"}
    highlighted = talks.search("negotiat*", fragments=1).hits
    assert {s for h in highlighted for f in h.fragments for s in f.matches} == {
        "negotiations",
        "negotiated",
        "negotiator",
        "negotiate",
    }


def test_a_lone_star_is_every_article_exactly(talks: Index) -> None:
    for text in ("*", "+ *", ""):
        found = talks.search(text, limit=100)
        assert found.total == talks.count() == 6 and not found.partial, text
        assert not found.relaxed


def test_bbc_prefix_finds_as_many_as_the_inflections_ored(tmp_path: Path) -> None:
    from conftest import corpus

    from searchlib import ingest

    root = corpus("bbc", "raw", "bbc")
    with Index(tmp_path / "ix", create=True) as ix:
        ingest(ix, [root / "politics", root / "business"])
        forms = (
            "negotiation OR negotiations OR negotiate OR negotiated OR negotiating "
            "OR negotiator OR negotiators"
        )
        ored = ix.search(forms, limit=1).total
        prefixed = ix.search("negotiat*", limit=1).total
        assert ored > 20 and prefixed >= ored


def test_fakes_prefix_and_a_second_word(tmp_path: Path) -> None:
    from conftest import FAKES_OPTIONS, corpus

    from searchlib import ingest

    with Index(tmp_path / "ix", create=True) as ix:
        ingest(ix, [corpus("fa-kes", "FA-KES-Dataset.csv")], options=FAKES_OPTIONS)
        assert ix.search("negotiat*").total >= ix.search("negotiations").total > 10
        both = ix.search("negotiat* Geneva")
        assert not both.relaxed and both.total > 0
        top = both.hits[0]
        text = (top.title + " " + " ".join(f.text for f in top.fragments)).lower()
        assert "negotiat" in text and "geneva" in text
