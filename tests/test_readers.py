"""Tests for searchlib.readers: discovery, the seed text format, JSON Lines and CSV.

Tests over the real corpora locate them beside the repository (``../shared/corpora``) and are
skipped when they are absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import os
import pickle
import re
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import FAKES_OPTIONS
from hypothesis import given
from hypothesis import strategies as st

import searchlib.readers
import searchlib.readers.decode
import searchlib.readers.jsonl
import searchlib.readers.records
from searchlib.dates import DateOrder
from searchlib.model import Article, ReadError, ReadEvent, ReadWarning
from searchlib.readers import (
    FORMATS,
    MAX_BODY_CHARS,
    MAX_FILE_BYTES,
    MAX_TITLE_CHARS,
    ReadOptions,
    Source,
    derive_title,
    discover,
    format_for,
    read_paths,
    read_source,
)
from searchlib.readers.decode import squash
from searchlib.readers.text import _TRENDS, _strip_emphasis, clean_inline, parse_text

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_8685ec8866dbeeaa.txt"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def corpus(relative: str) -> Path:
    """A path inside the shared corpora, skipping the test when it is not there."""
    path = CORPORA / relative
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def events(*paths: str | Path, **options: object) -> list[ReadEvent]:
    return list(read_paths(list(paths), ReadOptions(**options)))  # type: ignore[arg-type]


def articles(items: Iterable[ReadEvent]) -> list[Article]:
    return [item for item in items if isinstance(item, Article)]


def errors(items: Iterable[ReadEvent]) -> list[ReadError]:
    return [item for item in items if isinstance(item, ReadError)]


def one_article(path: Path, **options: object) -> Article:
    found = events(path, **options)
    assert len(found) == 1, found
    assert isinstance(found[0], Article), found
    return found[0]


def one_error(path: Path, **options: object) -> ReadError:
    found = events(path, **options)
    assert len(found) == 1, found
    assert isinstance(found[0], ReadError), found
    return found[0]


# -- the seed text format ------------------------------------------------------------------------


def test_seed_article_exactly() -> None:
    article = one_article(SEED)
    assert article.id == "000_8685ec8866dbeeaa.txt"
    assert article.origin == "000_8685ec8866dbeeaa.txt"
    assert article.title == (
        "Russia ready to support UN envoy's proposal to allow Al Nusra to exit Aleppo with arms"
        " – Lavrov"
    )
    assert article.date == dt.date(2016, 10, 7)
    assert article.tags == ("Syria unrest",)
    assert article.related == (
        "Russian FM urges 'care' of all Aleppo residents, not just those in east of city",
        "'S-300, S-400 air defenses in place': Russian MoD warns US-led coalition not to strike"
        " Syrian army",
    )
    assert article.source is None
    assert article.url is None
    assert article.entities == ()

    body = article.body
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 15  # 18 blocks after the date, less 1 Trends and 2 Read more
    assert paragraphs[0].startswith("Russia is ready to urge the Syrian government")
    assert paragraphs[-1].endswith('Instead the Syrian leader called such forces "a myth."')
    for markup in ("](", "(#)", "*", "Trends", "Read more", "\n\n\n", "  "):
        assert markup not in body, markup
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)
    # The author's editorial brackets stay; links become their text; emphasis loses its marks.
    assert "separate themselves [from it], on paper" in body
    assert '"If you [Al-Nusra] did decide to leave' in body
    assert "Security Council [are from] 'Jabhat Al-Nusra" in body
    assert "During an interview with Denmark's TV 2 channel" in body
    assert (
        'Russia "will be ready to call on the Syrian Government to agree with that," Lavrov' in body
    )
    assert 'what she described as "atrocious" violence' in body
    assert 'in doing so "deals" and "amnesties" should' in body
    assert 'there is "moderate" opposition' in body


def test_bbc_layout_has_no_date() -> None:
    text = "Chelsea sack Mutu\n\nChelsea have sacked Adrian Mutu.\n\nThe 25-year-old tested.\n"
    article = parse_text(text, id="x")
    assert article.title == "Chelsea sack Mutu"
    assert article.date is None
    assert article.body == "Chelsea have sacked Adrian Mutu.\n\nThe 25-year-old tested."


def test_paragraph_lines_are_joined_and_whitespace_collapsed() -> None:
    text = "\n\n  Title   with  spaces \n\n07/10/2016\n\nOne\tline\n  two   lines\n\n\n\nNext.\n"
    article = parse_text(text, id="x")
    assert article.title == "Title with spaces"
    assert article.body == "One line two lines\n\nNext."


def test_title_only_is_an_article_with_empty_body(tmp_path: Path) -> None:
    article = one_article(write(tmp_path / "t.txt", "\nJust a title\n\n07/10/2016\n"))
    assert (article.title, article.body, article.date) == ("Just a title", "", dt.date(2016, 10, 7))
    assert one_article(write(tmp_path / "u.txt", "Just a title")).body == ""


def test_trends_and_read_more_lines() -> None:
    text = (
        "Title\n\n07/10/2016\n\nFirst.\n\n"
        "Trends [Syria unrest](#), [Aleppo](https://example.com/aleppo)\n\n"
        "Trends: [Syria unrest](#)\n"
        "Read more: [One](#) [Two](http://x.org/a_(b))\n\n"
        "Last [link](http://x.org/p?q=1) here.\n"
    )
    article = parse_text(text, id="x")
    assert article.tags == ("Syria unrest", "Aleppo")
    assert article.related == ("One", "Two")
    assert article.body == "First.\n\nLast link here."


def test_a_trends_word_in_a_sentence_is_body() -> None:
    article = parse_text("T\n\nTrends in [the data](#) are clear.\n", id="x")
    assert article.tags == ()
    assert article.body == "Trends in the data are clear."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('He said *"no"* today', 'He said "no" today'),
        ('"*deals*" and "*a myth*."', '"deals" and "a myth."'),
        (
            "**bold** and ***both*** and _under_ and __dunder__",
            "bold and both and under and dunder",
        ),
        ("**_nested_**", "nested"),
        ("5 * 3 = 15", "5 * 3 = 15"),
        ("2*3*4 and a*b", "2*3*4 and a*b"),
        ("Footnote* and * bullet", "Footnote* and * bullet"),
        ("snake_case_name and file_", "snake_case_name and file_"),
        ("an [interview](#) with", "an interview with"),
        ("see ![chart](img.png) below", "see chart below"),
        ("[from it] and [a] (b)", "[from it] and [a] (b)"),
        ("[x](http://a.org/wiki/X_(y)) end", "x end"),
        ("a  \t b", "a b"),
    ],
)
def test_inline_markup(raw: str, clean: str) -> None:
    assert clean_inline(raw) == clean


def test_markup_in_title_and_tags_is_cleaned() -> None:
    article = parse_text("*Big* [news](#)\n\nTrends [**Syria**](#)\n\nBody.", id="x")
    assert article.title == "Big news"
    assert article.tags == ("Syria",)


@pytest.mark.parametrize(
    "content",
    [
        "\r\nTitle\r\n\r\n07/10/2016\r\n\r\nOne\r\ntwo\r\n\r\nThree\r\n",
        "\rTitle\r\r07/10/2016\r\rOne\rtwo\r\rThree\r",
        "\ufeff\nTitle\n\n07/10/2016\n\nOne\ntwo\n\nThree\n",
    ],
    ids=["crlf", "cr", "bom"],
)
def test_line_ends_and_bom(tmp_path: Path, content: str) -> None:
    article = one_article(write(tmp_path / "a.txt", content))
    assert article.title == "Title"
    assert article.date == dt.date(2016, 10, 7)
    assert article.body == "One two\n\nThree"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Título\n\n07/10/2016\n\nCuerpo.\n".encode("utf-16"))
    article = one_article(path)
    assert (article.title, article.body) == ("Título", "Cuerpo.")


def test_date_order_option(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Title\n\n07/10/2016\n\nBody.\n")
    assert one_article(path).date == dt.date(2016, 10, 7)
    assert one_article(path, date_order=DateOrder.MDY).date == dt.date(2016, 7, 10)
    assert one_article(path, date_order="mdy").date == dt.date(2016, 7, 10)
    assert one_article(write(tmp_path / "b.txt", "T\n\n7 October 2016\n\nB")).date == dt.date(
        2016, 10, 7
    )


@pytest.mark.parametrize("date", ["13/13/2016", "31/02/2016"])
def test_impossible_date_is_an_error_naming_it(tmp_path: Path, date: str) -> None:
    error = one_error(write(tmp_path / "a.txt", f"\nTitle\n\n{date}\n\nBody.\n"))
    assert error.origin == "a.txt"
    assert error.line == 4
    assert error.reason == f"impossible date '{date}' (day/month order dmy)"


def test_impossible_under_mdy(tmp_path: Path) -> None:
    error = one_error(write(tmp_path / "a.txt", "Title\n\n25/12/2016\n\nBody"), date_order="mdy")
    assert "impossible date '25/12/2016' (day/month order mdy)" in error.reason


def test_no_title_when_the_first_line_is_a_date(tmp_path: Path) -> None:
    error = one_error(write(tmp_path / "a.txt", "\n07/10/2016\n\nBody.\n"))
    assert error.reason.startswith("no title")
    assert "07/10/2016" in error.reason
    assert error.line == 2


@pytest.mark.parametrize("content", [b"", b"\n\n", b"  \r\n\t \n"], ids=["empty", "blank", "ws"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    assert one_error(write(tmp_path / "a.txt", content)).reason == "empty file"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"Title\n\nBody \x00\x01\x02", "NUL"),
        (b"\x89PNG\r\n\x1a\n" + b"IHDR data", "PNG"),
        (gzip.compress(b"Title\n\nBody"), "gzip"),
        (b"%PDF-1.4\nstuff", "PDF"),
        (b"PK\x03\x04zipped", "zip"),
    ],
)
def test_binary_files(tmp_path: Path, content: bytes, kind: str) -> None:
    error = one_error(write(tmp_path / "a.txt", content))
    assert error.reason.startswith("binary file, not text")
    assert kind in error.reason


def test_non_utf8_is_read_as_cp1252_with_a_warning_first(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "Price\n\nIt cost £5 – “cheap”.\n".encode("cp1252"))
    found = events(path)
    assert [type(e) for e in found] == [ReadWarning, Article]
    warning, article = found
    assert isinstance(warning, ReadWarning) and isinstance(article, Article)
    assert warning.origin == "a.txt"
    assert warning.message.startswith("not valid UTF-8")
    assert warning.message.endswith("read as cp1252")
    assert article.body == "It cost £5 – “cheap”."


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path: Path) -> None:
    found = events(write(tmp_path / "a.txt", b"Title\n\nA \x81 and \xe9\n"))
    assert isinstance(found[0], ReadWarning)
    assert found[0].message.endswith("read as latin-1")
    assert isinstance(found[1], Article)
    assert found[1].body == "A \x81 and é"


def test_id_prefix_and_relative_ids(tmp_path: Path) -> None:
    write(tmp_path / "news" / "sport" / "1.txt", "One\n\nBody")
    found = articles(events(tmp_path / "news", id_prefix="bbc:"))
    assert [a.id for a in found] == ["bbc:sport/1.txt"]
    assert found[0].origin == "sport/1.txt"


# -- discovery -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.txt", "text"),
        ("A.TXT", "text"),
        ("a.text", "text"),
        ("a.md", "text"),
        ("a.jsonl", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.csv", "csv"),
        ("a.csv.gz", "csv"),
        ("a.json", None),
        ("a.gz", None),
        ("a.txt.bak", None),
        ("txt", None),
    ],
)
def test_format_for(name: str, fmt: str | None) -> None:
    assert format_for(Path("dir") / name) == fmt
    assert fmt is None or fmt in FORMATS


def test_discover_walks_sorted_skips_hidden_and_unknown(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.txt", "sub/c.md", "sub/z.jsonl", ".hidden.txt", ".git/x.txt", "n.json"]:
        write(tmp_path / rel, "T\n\nB")
    found = list(discover([tmp_path]))
    sources = [s for s in found if isinstance(s, Source)]
    # The warning comes first, so that it can be shown before any file is read.
    assert found[0] == ReadWarning(
        os.fspath(tmp_path),
        "skipped 1 file(s) without a known lower-case extension (n.json); "
        "choose files with --glob (and --format) to read them",
    )
    assert len(sources) == len(found) - 1
    assert [s.origin for s in sources] == ["a.txt", "b.txt", "sub/c.md", "sub/z.jsonl"]
    assert [s.format for s in sources] == ["text", "text", "text", "jsonl"]
    assert all(s.root == tmp_path for s in sources)
    assert sources[0].size == 4


def test_upper_case_extensions_are_read_when_chosen(tmp_path: Path) -> None:
    write(tmp_path / "STORY.TXT", "Title\n\nBody")
    (error,) = discover([tmp_path])  # nothing else to read: an error naming what was skipped
    assert isinstance(error, ReadError) and "STORY.TXT" in error.reason
    (source,) = discover([tmp_path], ReadOptions(glob="*.TXT"))
    assert isinstance(source, Source) and source.format == "text"


def test_a_directory_with_nothing_to_read_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (error,) = discover([tmp_path / "empty"])
    assert isinstance(error, ReadError) and "no files with a known extension" in error.reason
    write(tmp_path / "a.txt", "T\n\nB")
    (error,) = discover([tmp_path], ReadOptions(glob="*.csv"))
    assert isinstance(error, ReadError) and "no files matching '*.csv'" in error.reason


def test_a_file_is_taken_as_given(tmp_path: Path) -> None:
    path = write(tmp_path / "deep" / "story.txt", "T\n\nB")
    (source,) = discover([path])
    assert isinstance(source, Source)
    assert (source.root, source.origin, source.format) == (path.parent, "story.txt", "text")
    assert list(discover(str(path))) == [source]  # a single path, not a list, works too


def test_unknown_extension_given_directly(tmp_path: Path) -> None:
    path = write(tmp_path / "story.dat", "T\n\nB")
    (error,) = discover([path])
    assert isinstance(error, ReadError)
    assert "unknown format" in error.reason
    (source,) = discover([path], ReadOptions(format="text"))
    assert isinstance(source, Source) and source.format == "text"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*.txt", ["a.txt", "sub/b.txt", "sub/deep/c.txt"]),
        ("sub/*.txt", ["sub/b.txt"]),
        ("**/*.txt", ["a.txt", "sub/b.txt", "sub/deep/c.txt"]),
        ("sub/**/*.txt", ["sub/b.txt", "sub/deep/c.txt"]),
        ("[ab].*", ["a.txt", "sub/b.txt"]),
        ("*.story", ["x.story"]),
    ],
)
def test_glob(tmp_path: Path, pattern: str, expected: list[str]) -> None:
    for rel in ["a.txt", "sub/b.txt", "sub/deep/c.txt", "sub/d.md", "x.story"]:
        write(tmp_path / rel, "T\n\nB")
    found = list(discover([tmp_path], ReadOptions(glob=pattern, format="text")))
    assert [s.origin for s in found if isinstance(s, Source)] == expected


def test_glob_match_with_unknown_format_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "x.story", "T\n\nB")
    (error,) = discover([tmp_path], ReadOptions(glob="*.story"))
    assert isinstance(error, ReadError) and "unknown format" in error.reason


def test_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    found = events(missing, SEED)
    assert isinstance(found[0], ReadError)
    assert found[0].origin == str(missing)
    assert found[0].reason == "no such file or directory"
    assert isinstance(found[1], Article)  # and it goes on


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    write(tmp_path / "top" / "a.txt", "A\n\nB")
    (tmp_path / "top" / "loop").symlink_to(tmp_path / "top", target_is_directory=True)
    (tmp_path / "top" / "self.txt").symlink_to(tmp_path / "top" / "self.txt")
    found = list(discover([tmp_path / "top"]))
    assert [s.origin for s in found] == ["a.txt", "self.txt"]
    assert isinstance(found[1], ReadError)
    assert "symbolic link" in found[1].reason  # "too many levels of symbolic links"


def test_symlinked_directory_is_followed_once(tmp_path: Path) -> None:
    write(tmp_path / "real" / "a.txt", "A\n\nB")
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "top" / "link2").symlink_to(tmp_path / "real", target_is_directory=True)
    assert [a.id for a in articles(events(tmp_path / "top"))] == ["link/a.txt"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "T\n\nB")
    path.chmod(0)
    try:
        assert "permission denied" in one_error(path).reason
    finally:
        path.chmod(0o644)


def test_read_source_unreadable_file_is_an_error(tmp_path: Path) -> None:
    source = Source(tmp_path / "gone.txt", tmp_path, "text", 0)
    (error,) = read_source(source)
    assert isinstance(error, ReadError) and error.reason.startswith("cannot read file")


def test_read_options_validation() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        ReadOptions(fields={"headline": "x"})
    with pytest.raises(ValueError, match="unknown format"):
        ReadOptions(format="xml")
    with pytest.raises(ValueError, match="unknown date order"):
        ReadOptions(date_order="dym")  # type: ignore[arg-type]
    assert ReadOptions(date_order="mdy").date_order is DateOrder.MDY  # type: ignore[arg-type]
    mapping = {"title": "a"}
    options = ReadOptions(fields=mapping)
    mapping["body"] = "b"
    assert dict(options.fields) == {"title": "a"}  # a frozen copy
    assert options == ReadOptions(fields={"title": "a"})
    assert hash(options) == hash(ReadOptions(fields={"title": "a"}))
    assert pickle.loads(pickle.dumps(options)) == options
    with pytest.raises(TypeError):
        options.fields["body"] = "b"  # type: ignore[index]


# -- JSON Lines ----------------------------------------------------------------------------------


def jsonl(path: Path, *records: object, raw: Iterable[str] = ()) -> Path:
    lines = [json.dumps(r) if not isinstance(r, str) else r for r in records]
    return write(path, "\n".join([*lines, *raw]) + "\n")


def test_jsonl_records(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "a.jsonl",
        {
            "id": "x1",
            "title": "One",
            "date": "2016-10-07",
            "body": "B\r\n\r\nC",
            "tags": ["a", "b"],
        },
        "",
        {
            "id": 7,
            "title": " Two ",
            "date": None,
            "source": "RT",
            "url": "http://x",
            "tags": "a, b,",
        },
        {"title": "Three", "body": "Body", "extra": {"ignored": True}},
    )
    one, two, three = events(path, id_prefix="p:")
    assert one == Article(
        id="p:x1",
        title="One",
        body="B\n\nC",
        date=dt.date(2016, 10, 7),
        tags=("a", "b"),
        origin="a.jsonl:1",
    )
    assert isinstance(two, Article)
    assert (two.id, two.title, two.date, two.source, two.url) == (
        "p:7",
        "Two",
        None,
        "RT",
        "http://x",
    )
    assert two.tags == ("a", "b")
    assert two.origin == "a.jsonl:3"
    assert isinstance(three, Article) and three.id == "p:a.jsonl#4"


def test_jsonl_field_mapping_and_date_order(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.ndjson", {"headline": "H", "text": "T", "when": "07/10/2016"})
    article = one_article(
        path, fields={"title": "headline", "body": "text", "date": "when"}, date_order="mdy"
    )
    assert (article.title, article.body, article.date) == ("H", "T", dt.date(2016, 7, 10))


def test_jsonl_bad_lines_are_errors_and_reading_goes_on(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "a.jsonl",
        '{"title": "broken',
        "[1, 2]",
        {"title": "ok1"},
        {"title": "T", "date": 5},
        {"title": {"nested": 1}},
        {"title": "T", "date": "13/13/2016"},
        {"title": "T", "tags": [1]},
        {"title": "T", "id": [1]},
        {"title": "", "body": "  "},
        {"title": "ok2", "date": None},
    )
    found = events(path)
    assert [a.title for a in articles(found)] == ["ok1", "ok2"]
    reasons = {e.line: e.reason for e in errors(found)}
    assert reasons[1].startswith("invalid JSON")
    assert reasons[2] == "expected a JSON object, got an array"
    assert reasons[4] == "field 'date' must be a string, not a number"
    assert reasons[5] == "field 'title' must be a string, not an object"
    assert reasons[6] == "field 'date': impossible date '13/13/2016' (day/month order dmy)"
    assert "field 'tags'" in reasons[7]
    assert "field 'id'" in reasons[8]
    assert reasons[9] == "no title or body"
    assert set(reasons) == {1, 2, 4, 5, 6, 7, 8, 9}


def test_jsonl_wrong_type_names_the_mapped_key(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", {"headline": 3})
    error = one_error(path, fields={"title": "headline"})
    assert error.reason == "field 'headline' (title) must be a string, not a number"


def test_jsonl_title_derived_from_body(tmp_path: Path) -> None:
    long_sentence = "word " * 40
    path = jsonl(
        tmp_path / "a.jsonl",
        {"body": "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26\n\nTwo weeks ended."},
        {"title": None, "body": "The U.S. Treasury said. Then more."},
        {"body": long_sentence},
        {"title": "BRIEF ONLY", "body": ""},
    )
    one, two, three, four = articles(events(path))
    assert one.title == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert one.body.startswith("FEDERAL RESERVE")
    assert two.title == "The U.S. Treasury said"
    assert three.title.endswith("word…")
    assert len(three.title) <= 100
    assert (four.title, four.body) == ("BRIEF ONLY", "")


def test_derive_title() -> None:
    assert derive_title("Short line. Next sentence.") == "Short line"
    assert derive_title("Mr. Smith went home! Then") == "Mr. Smith went home!"
    cut = derive_title("a" * 30 + " " + "b" * 30 + " " + "c" * 60)
    assert cut == "a" * 30 + " " + "b" * 30 + "…"


def test_jsonl_gz_and_corrupt_gz(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"title": f"T{i}", "body": "x" * 200}) + "\n" for i in range(500))
    data = gzip.compress(lines.encode())
    assert len(articles(events(write(tmp_path / "ok.jsonl.gz", data)))) == 500
    found = events(write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2]))
    assert len(articles(found)) > 0
    assert isinstance(found[-1], ReadError)
    assert found[-1].reason.startswith("corrupt gzip data")
    assert len(found) - 1 == len(articles(found))


def test_jsonl_encoding_bom_and_empty(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.jsonl",
        b'\xef\xbb\xbf{"title": "A"}\n{"title": "caf\xe9"}\n{"title": "\xe9t\xe9"}\n',
    )
    found = events(path)
    assert [type(e) for e in found] == [Article, ReadWarning, Article, Article]  # warned once
    assert isinstance(found[2], Article) and found[2].title == "café"
    assert found[1] == ReadWarning("a.jsonl", "not valid UTF-8; read as cp1252", 2)
    assert one_error(write(tmp_path / "e.jsonl", "\n\n")).reason == "empty file"
    assert "binary" in one_error(write(tmp_path / "b.jsonl", b"\x89PNG\r\n\x1a\nxx")).reason


# -- CSV -----------------------------------------------------------------------------------------


def csv_file(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_csv_automatic_columns(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "a.csv",
        [
            ["ID", "Headline", "Date", "Text", "Source", "Tags", "Other"],
            ["a1", "First", "07/10/2016", "Body one", "RT", "x, y", "z"],
            ["", "Second", "", "Line one\nline two", "", "", ""],
        ],
    )
    first, second = events(path)
    assert first == Article(
        id="a1",
        title="First",
        body="Body one",
        date=dt.date(2016, 10, 7),
        source="RT",
        tags=("x", "y"),
        origin="a.csv:2",
    )
    assert isinstance(second, Article)
    assert (second.id, second.body, second.date, second.origin) == (
        "a.csv#2",
        "Line one\nline two",
        None,
        "a.csv:3",
    )


def test_csv_mapping_and_quoted_newlines_keep_line_numbers(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "a.csv",
        [
            ["unit_id", "article_title", "article_content", "date"],
            ["1", "One", "para one\r\n\r\npara two\nthree", "1/2/2016"],
            ["2", "Two", "short"],
            ["3", "Three", "ok", "12/31/2016"],
        ],
    )
    options = {
        "fields": {"title": "article_title", "body": "article_content", "date": "date"},
        "date_order": "mdy",
    }
    one, bad, three = events(path, **options)
    assert isinstance(one, Article)
    assert one.body == "para one\n\npara two\nthree"
    assert (one.id, one.date, one.origin) == ("a.csv#1", dt.date(2016, 1, 2), "a.csv:2")
    assert bad == ReadError("a.csv", "row has 3 cells but the header has 4", 6)
    assert isinstance(three, Article)
    assert (three.id, three.date, three.origin) == ("a.csv#3", dt.date(2016, 12, 31), "a.csv:7")


def test_csv_header_without_title_or_body(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "a.csv", [["a", "b", "c"], ["1", "2", "3"]])
    error = one_error(path)
    assert error.reason.startswith(
        "CSV header has no title or body column (columns: a, b, c); map them with --field title="
    )


def test_csv_missing_mapped_column(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "a.csv", [["title", "body"], ["T", "B"]])
    error = one_error(path, fields={"date": "published"})
    assert (
        error.reason
        == "mapped column 'published' (for date) not in the CSV header (columns: title, body)"
    )


def test_csv_bad_date_crlf_bom_and_cp1252(tmp_path: Path) -> None:
    data = "\ufefftitle,date\r\nA,31/02/2016\r\nB,2016-02-03\r\n".encode()
    found = events(write(tmp_path / "a.csv", data))
    assert found[0] == ReadError(
        "a.csv", "field 'date': impossible date '31/02/2016' (day/month order dmy)", 2
    )
    assert isinstance(found[1], Article) and found[1].date == dt.date(2016, 2, 3)
    path = csv_file(tmp_path / "w.csv", [["title", "body"], ["Café", "£5"]], encoding="cp1252")
    warning, article = events(path)
    assert isinstance(warning, ReadWarning) and warning.message.endswith("read as cp1252")
    assert isinstance(article, Article) and (article.title, article.body) == ("Café", "£5")


def test_csv_big_field_gz_and_empty(tmp_path: Path) -> None:
    big = "word " * 100_000  # bigger than csv's default 128 KiB field limit
    path = csv_file(tmp_path / "big.csv", [["title", "body"], ["Big", big]])
    assert one_article(path).body == big.strip()
    data = gzip.compress(path.read_bytes())
    assert one_article(write(tmp_path / "big.csv.gz", data)).title == "Big"
    assert one_error(write(tmp_path / "e.csv", "\r\n")).reason == "empty file"
    only_header = list(read_paths([write(tmp_path / "h.csv", "title,body\n")]))
    assert only_header == [ReadWarning("h.csv", "CSV file has a header but no rows")]


def test_csv_unclosed_quote_says_how_far_it_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'title,body\nA,ok\n"B,never closed\nC,lost\nD,lost\n')
    first, error = events(path)
    assert isinstance(first, Article) and first.title == "A"
    assert error == ReadError(
        "a.csv",
        "row has 1 cell but the header has 2; it runs from line 3 to the end of the file "
        "(line 5): is a closing quote missing?",
        3,
    )


def test_csv_nul_in_a_late_cell_fails_that_row(tmp_path: Path) -> None:
    rows = "".join(f"Title {i},Body {i}\n" for i in range(1000))  # past the 8 kB sniffed
    path = write(tmp_path / "a.csv", f"title,body\n{rows}Bad,a\x00b\nLast,ok\n")
    found = events(path)
    assert errors(found) == [
        ReadError("a.csv", "body contains NUL characters (binary data?)", 1002)
    ]
    assert len(articles(found)) == 1001


# -- bad input: limits, dates, binary data, pathological text --------------------------------------


def test_limits_are_public() -> None:
    assert (MAX_TITLE_CHARS, MAX_BODY_CHARS, MAX_FILE_BYTES) == (1000, 16_000_000, 64 * 2**20)
    assert {"MAX_TITLE_CHARS", "MAX_BODY_CHARS", "MAX_FILE_BYTES"} <= set(searchlib.readers.__all__)


def test_title_limit_in_every_format(tmp_path: Path) -> None:
    ok, long = "T" * MAX_TITLE_CHARS, "T" * (MAX_TITLE_CHARS + 1)
    reason = "title is 1,001 characters long (limit 1,000)"
    assert one_article(write(tmp_path / "ok.txt", f"{ok}\n\nBody")).title == ok
    error = one_error(write(tmp_path / "long.txt", f"\n{long}\n\nBody"))
    assert error == ReadError(
        "long.txt", f"{reason}; the first line of a text file is its title", 2
    )
    # whitespace runs are collapsed first, so this one fits
    assert one_article(write(tmp_path / "ok.jsonl", json.dumps({"title": ok + " " * 50}) + "\n"))
    found = events(jsonl(tmp_path / "a.jsonl", {"title": "fine"}, {"title": long}))
    assert errors(found) == [ReadError("a.jsonl", reason, 2)]
    path = csv_file(tmp_path / "a.csv", [["title", "body"], [long, "x"], ["fine", "y"]])
    found = events(path)
    assert errors(found) == [ReadError("a.csv", reason, 2)] and len(articles(found)) == 1


def test_body_limit_in_every_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchlib.readers.records, "MAX_BODY_CHARS", 20)
    reason = "body is 21 characters long (limit 20)"
    assert one_article(write(tmp_path / "ok.txt", "T\n\n" + "b" * 20)).body == "b" * 20
    assert one_error(write(tmp_path / "a.txt", "T\n\n" + "b" * 21)) == ReadError("a.txt", reason)
    found = events(jsonl(tmp_path / "a.jsonl", {"body": "b" * 21}))
    assert found == [ReadError("a.jsonl", reason, 1)]
    found = events(csv_file(tmp_path / "a.csv", [["title", "body"], ["T", "b" * 21]]))
    assert found == [ReadError("a.csv", reason, 2)]


def test_text_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchlib.readers.decode, "MAX_FILE_BYTES", 100)
    assert one_article(write(tmp_path / "ok.txt", "T\n\n" + "b" * 97)).title == "T"  # 100 bytes
    error = one_error(write(tmp_path / "big.txt", "T\n\n" + "b" * 98))
    assert error == ReadError("big.txt", "file is 101 bytes long (limit 100 for one article)")

    class NoSize:  # as /proc files and some pipes report: the limit holds while reading too
        st_size = 0

    monkeypatch.setattr(searchlib.readers.decode.os, "fstat", lambda fd: NoSize())
    error = one_error(tmp_path / "big.txt")
    assert error.reason == "file is more than 100 bytes long (limit 100 for one article)"


def test_jsonl_line_over_the_size_limit_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searchlib.readers.jsonl, "MAX_FILE_BYTES", 100)
    big = json.dumps({"title": "big", "body": "b" * 200})
    path = jsonl(tmp_path / "a.jsonl", {"title": "one"}, big, {"title": "three"}, raw=[big])
    found = events(path)
    assert [a.title for a in articles(found)] == ["one", "three"]
    reason = f"line is {len(big) + 1} bytes long (limit 100 for one record)"
    assert errors(found) == [ReadError("a.jsonl", reason, 2), ReadError("a.jsonl", reason, 4)]


def test_future_dates_fail_in_every_format(tmp_path: Path) -> None:
    why = "implausible date '07/10/2916' (2916-10-07): more than a year in the future"
    error = one_error(write(tmp_path / "a.txt", "Title\n\n07/10/2916\n\nBody"))
    assert error == ReadError("a.txt", why, 3)
    found = events(jsonl(tmp_path / "a.jsonl", {"title": "T", "date": "07/10/2916"}))
    assert found == [ReadError("a.jsonl", f"field 'date': {why}", 1)]
    found = events(csv_file(tmp_path / "a.csv", [["title", "date"], ["T", "07/10/2916"]]))
    assert found == [ReadError("a.csv", f"field 'date': {why}", 2)]
    next_year = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    assert one_article(write(tmp_path / "soon.txt", f"T\n\n{next_year}\n\nB")).date is not None


def test_nul_bytes_anywhere_in_a_text_file(tmp_path: Path) -> None:
    head = "Title\n\n" + "A long paragraph of text.\n" * 400  # past the 8 kB sniffed
    error = one_error(write(tmp_path / "a.txt", head + "zeros \x00\x00\n"))
    assert error == ReadError("a.txt", "binary file, not text (contains NUL bytes)", 403)


def test_jsonl_nul_escape_and_gzipped_binary(tmp_path: Path) -> None:
    found = events(jsonl(tmp_path / "a.jsonl", {"title": "T", "body": "a\u0000b"}))
    assert found == [ReadError("a.jsonl", "body contains NUL characters (binary data?)", 1)]
    path = write(tmp_path / "b.jsonl.gz", gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(300)))
    assert one_error(path).reason == "gzip file holds binary data, not text (PNG image)"


def test_jsonl_nesting_never_raises(tmp_path: Path) -> None:
    deep = 100_000
    path = jsonl(
        tmp_path / "a.jsonl",
        "[" * deep + "]" * deep,
        '{"a": ' * deep + "1" + "}" * deep,
        {"title": "shallow junk is fine", "extra": json.loads("[" * 50 + "]" * 50)},
    )
    found = events(path)
    assert errors(found) == [
        ReadError("a.jsonl", "invalid JSON: nested too deeply", 1),
        ReadError("a.jsonl", "invalid JSON: nested too deeply", 2),
    ]
    assert [a.title for a in articles(found)] == ["shallow junk is fine"]


def test_jsonl_messages_name_the_problem(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", '{"title": "cut', '{"title": 1,}', raw=['{"a": 1'])
    assert [e.reason for e in errors(events(path))] == [
        "invalid JSON: Unterminated string starting at column 11",
        "invalid JSON: Expecting property name enclosed in double quotes (column 13)",
        "invalid JSON: Expecting ',' delimiter (column 8)",
    ]


def test_symlink_loop_is_named(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert one_error(loop).reason == (
        "cannot access: symbolic link loop (too many levels of symbolic links)"
    )


# The two regular expressions _strip_emphasis replaced; it must do exactly what they did.
_OLD_EMPHASIS = {
    "*": re.compile(r"(?<![\w*\\])(\*{1,3})(?![\s*])(.+?)(?<![\s*\\])\1(?![\w*])"),
    "_": re.compile(r"(?<![\w\\])(_{1,3})(?![\s_])(.+?)(?<![\s_\\])\1(?!\w)"),
}
_MARKUP = st.lists(
    st.sampled_from(["*", "**", "***", "_", "__", " ", "a", "é", "1", "\\", "\n", ".", "\t"]),
    max_size=24,
).map("".join)


@given(_MARKUP)
def test_strip_emphasis_matches_the_old_regular_expressions(text: str) -> None:
    for mark, old in _OLD_EMPHASIS.items():
        assert _strip_emphasis(text, mark) == old.sub(r"\2", text)


@given(
    st.lists(
        st.sampled_from([" ", "  ", "\t", "\n", "\r\n", "\xa0", "\u2003", "\x1c", "a", "b"])
    ).map("".join)
)
def test_squash_is_split_and_join(text: str) -> None:
    assert squash(text) == " ".join(text.split())


@pytest.mark.parametrize(
    "line",
    [
        "*a " * 200_000,  # quadratic before: 80 s for 160 kB
        "_a " * 200_000,
        "Trends " + "[a](#)     " * 2_000 + "and text",  # exponential before: 15 links hung
        "Read more " + "[a](#) ,  " * 2_000 + "and text",
        "[a](" * 100_000,
    ],
    ids=["stars", "underscores", "trends", "read-more", "links"],
)
def test_pathological_lines_take_linear_time(line: str) -> None:
    started = time.perf_counter()
    article = parse_text(f"Title\n\n{line}\n\nEnd.", id="x")
    assert article.body.endswith("End.") and not article.tags and not article.related
    assert time.perf_counter() - started < 5


def test_trends_line_with_spaced_links_is_still_tags() -> None:
    assert _TRENDS.fullmatch("Trends [a](#)     [b](#) ,  [c](#)")
    article = parse_text("T\n\nTrends [Syria](#)   [Iraq](#)\n\nBody.", id="x")
    assert article.tags == ("Syria", "Iraq") and article.body == "Body."


def test_derived_title_of_a_huge_first_line_is_quick() -> None:
    started = time.perf_counter()
    assert derive_title("A. " * 2_000_000 + "Done.") == " ".join(["A."] * 33) + "…"
    assert derive_title("Mr. Smith went. " * 500_000).startswith("Mr. Smith went")
    assert time.perf_counter() - started < 5


# -- the real corpora ----------------------------------------------------------------------------


def test_bbc_raw_corpus() -> None:
    root = corpus("bbc/raw/bbc")
    found = events(root, glob="*.txt")
    counts = Counter(type(e).__name__ for e in found)
    assert counts == {"Article": 2225, "ReadWarning": 1}
    index = next(i for i, e in enumerate(found) if isinstance(e, ReadWarning))
    warning, article = found[index], found[index + 1]
    assert isinstance(warning, ReadWarning) and isinstance(article, Article)
    assert warning.origin == "sport/199.txt"
    assert "cp1252" in warning.message
    assert article.id == "sport/199.txt"
    assert article.title == "Chelsea sack Mutu"
    assert "£15.8m" in article.body
    bbc = articles(found)
    assert all(a.date is None and a.title and a.body for a in bbc)
    assert Counter(a.id.split("/")[0] for a in bbc) == {
        "business": 510,
        "entertainment": 386,
        "politics": 417,
        "sport": 511,
        "tech": 401,
    }
    # Walking without a glob takes lower-case extensions only: the dataset's README.TXT is
    # not an article, and the warning names it.
    default = events(root)
    assert len(articles(default)) == 2225
    skipped = [e for e in default if isinstance(e, ReadWarning) and e.origin == str(root)]
    assert len(skipped) == 1 and "README.TXT" in skipped[0].message


def test_fakes_seedlike_corpus() -> None:
    found = events(corpus("fa-kes/seedlike"))
    fakes = articles(found)
    assert len(fakes) == len(found) == 804
    assert all(a.date is not None for a in fakes)
    assert min(a.date for a in fakes if a.date) == dt.date(2011, 2, 2)
    assert max(a.date for a in fakes if a.date) == dt.date(2018, 7, 18)


def test_fakes_csv_corpus() -> None:
    options = FAKES_OPTIONS
    found = list(read_paths([corpus("fa-kes/FA-KES-Dataset.csv")], options))
    fakes = articles(found)
    assert len(fakes) == len(found) == 804
    dates = [a.date for a in fakes if a.date]
    assert len(dates) == 804
    assert (min(dates), max(dates)) == (dt.date(2011, 2, 2), dt.date(2018, 7, 18))
    assert len({a.id for a in fakes}) == 804
    assert fakes[0].id == "FA-KES-Dataset.csv#1"
    assert fakes[0].title == "Syria attack symptoms consistent with nerve agent use WHO"
    assert fakes[0].date == dt.date(2017, 4, 5)
    assert Counter(a.source for a in fakes)["ahram"] == 149


def test_reuters_jsonl_corpus() -> None:
    found = events(corpus("reuters21578/reuters21578-dev.jsonl.gz"))
    reuters = articles(found)
    # 18,000 records; one (NEWID 12793, an UNPROC item) has neither title nor body in the
    # original SGML, so it is the one error.
    assert len(found) == 18_000
    assert len(reuters) == 17_999
    assert errors(found) == [
        ReadError("reuters21578-dev.jsonl.gz", "no title or body", 12793),
    ]
    assert all(a.date is not None for a in reuters)
    assert min(a.date for a in reuters if a.date) == dt.date(1987, 2, 26)
    assert max(a.date for a in reuters if a.date) == dt.date(1987, 6, 2)
    first = reuters[0]
    assert (first.id, first.title, first.date) == (
        "reuters21578-1",
        "BAHIA COCOA REVIEW",
        dt.date(1987, 2, 26),
    )
    assert first.source == "Reuters"
    title_only = [a for a in reuters if not a.body]
    assert len(title_only) == 1283  # BRIEF records
    derived = [a for a in reuters if a.body and a.body.startswith(a.title.rstrip("…"))]
    assert len(derived) >= 719  # UNPROC records get a title from their body
    by_id = {a.id: a for a in reuters}
    assert by_id["reuters21578-11"].title  # every article has a title
    assert all(a.title for a in reuters)
