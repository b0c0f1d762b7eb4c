"""Entity columns: ``ReadOptions.fields`` maps person, org, location and misc to a record's key.

Before this, ``--field location=location`` (FA-KES) and ``--field person=people`` (Reuters) ended
in a ``ValueError`` traceback from ``ReadOptions``; now the values become the article's entities.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import Entity, Index, SearchlibError
from searchlib.cli import main
from searchlib.model import Article, ReadError, ReadEvent
from searchlib.readers import ReadOptions, ReadOptionsError, read_paths

DATA = Path(__file__).resolve().parent / "data" / "readers"
CSV_FIELDS = {
    "title": "headline",
    "body": "text",
    "person": "people",
    "org": "orgs",
    "location": "places",
    "tags": "topics",
}
JSONL_FIELDS = {"person": "people", "location": "places", "org": "orgs", "tags": "topics"}


def read(path: Path, **options: object) -> list[ReadEvent]:
    return list(read_paths([path], ReadOptions(**options)))  # type: ignore[arg-type]


def by_id(events: list[ReadEvent]) -> dict[str, Article]:
    assert all(isinstance(e, Article) for e in events), events
    return {e.id: e for e in events if isinstance(e, Article)}


def names(article: Article, kind: str) -> tuple[str, ...]:
    return article.entities_of(kind)  # type: ignore[arg-type]


def test_csv_entity_columns_become_entities() -> None:
    found = by_id(read(DATA / "entities.csv", fields=CSV_FIELDS))
    talks = found["a1"]
    assert talks.entities == (
        Entity("person", "Sergey Lavrov"),
        Entity("person", "Staffan de Mistura"),  # whitespace normalised
        Entity("org", "United Nations"),
        Entity("location", "Geneva"),
        Entity("location", "Switzerland"),
    )
    assert talks.tags == ("diplomacy", "syria")
    # A cell holding a JSON list of strings is taken item by item (commas inside stay).
    assert names(found["a2"], "org") == ("UN Security Council", "Red Crescent")
    assert names(found["a2"], "location") == ("Aleppo",)
    assert found["a3"].entities == ()  # blank cells: no entities
    # Duplicates dropped in order, empty items dropped.
    assert names(found["a4"], "person") == ("Angela Merkel",)
    assert names(found["a4"], "location") == ("Berlin", "Germany")


def test_jsonl_lists_and_strings_with_a_separator() -> None:
    found = by_id(read(DATA / "entities.jsonl", fields=JSONL_FIELDS, list_separator=";"))
    assert names(found["r1"], "location") == ("el-salvador", "usa", "uruguay")
    assert names(found["r1"], "person") == ()
    assert names(found["r2"], "person") == ("james-baker", "volcker")
    assert names(found["r2"], "org") == ("imf", "worldbank")
    # One string, split on the separator; the same separator splits tags.
    assert names(found["r3"], "person") == ("reagan", "nakasone")
    assert names(found["r3"], "location") == ("usa", "japan")
    assert found["r3"].tags == ("trade", "money-fx")
    assert found["r3"].entities[0] == Entity("person", "reagan")  # kind, name; mentions 1


def test_default_separator_is_a_comma() -> None:
    found = by_id(read(DATA / "entities.jsonl", fields=JSONL_FIELDS))
    assert names(found["r3"], "person") == ("reagan; nakasone",)


def test_entity_kinds_are_read_only_when_mapped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"title": "T", "person": ["Someone"], "misc": "X"}) + "\n")
    (article,) = read(path)
    assert isinstance(article, Article) and article.entities == ()
    (article,) = read(path, fields={"misc": "misc"})
    assert isinstance(article, Article) and article.entities == (Entity("misc", "X"),)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (3, "field 'people' (person) must be a list of strings or a string, not a number"),
        ({"a": 1}, "field 'people' (person) must be a list of strings or a string, not an object"),
        (["ok", 2], "field 'people' (person) must hold strings, not a number"),
        (["x" * 2001], "field 'people' (person) value is 2,001 characters long (limit 2,000)"),
    ],
)
def test_bad_entity_values_are_errors_naming_the_field(
    tmp_path: Path, value: object, reason: str
) -> None:
    path = tmp_path / "a.jsonl"
    lines = [{"title": "good", "people": ["A"]}, {"title": "bad", "people": value}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    good, bad = read(path, fields={"person": "people"})
    assert isinstance(good, Article) and names(good, "person") == ("A",)
    assert bad == ReadError("a.jsonl", reason, 2)


def test_a_missing_mapped_entity_column_is_one_error_for_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("title,body\nT,B\n")
    (error,) = read(path, fields={"location": "places"})
    assert error == ReadError(
        "a.csv",
        "mapped column 'places' (for location) not in the CSV header (columns: title, body)",
    )


def test_entity_kinds_tell_the_pipeline_what_not_to_extract() -> None:
    options = ReadOptions(fields={"location": "places", "title": "h", "person": "people"})
    assert options.entity_kinds == ("person", "location")  # in ENTITY_KINDS order
    assert options.mapped_kinds("csv") == options.mapped_kinds("jsonl") == ("person", "location")
    assert options.mapped_kinds("text") == ()  # a text file has no fields
    assert ReadOptions().entity_kinds == ()


def test_unknown_field_names_are_a_one_line_searchlib_error() -> None:
    with pytest.raises(ReadOptionsError) as caught:
        ReadOptions(fields={"people": "people", "places": "places"})
    error = caught.value
    assert isinstance(error, SearchlibError) and isinstance(error, ValueError)
    assert "\n" not in str(error)
    assert str(error) == (
        "unknown field name(s) in fields: people, places (use: id, title, date, body, source, "
        "url, tags, person, org, location, misc); did you mean 'people' -> 'person', "
        "'places' -> 'location'?"
    )
    with pytest.raises(ReadOptionsError, match="must be a non-empty string"):
        ReadOptions(fields={"person": " "})


def test_cli_index_with_an_entity_column_does_not_end_in_a_traceback(tmp_path: Path) -> None:
    """The reported bug: ``--field location=location`` raised ValueError out of ``index``."""
    csv_path = tmp_path / "fakes.csv"
    csv_path.write_text(
        "article_title,article_content,location\n"
        "Shelling in Idlib,Shelling was reported.,idlib\n"
        "Aid reaches the city,Aid arrived on Monday.,aleppo\n"
        "Talks,Talks went on.,aleppo\n"
    )
    ix = tmp_path / "ix"
    fields = ["title=article_title", "body=article_content", "location=location"]
    args = ["index", str(csv_path), "--index", str(ix)]
    for field in fields:
        args += ["--field", field]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Index(ix) as index:
        assert index.search("", location="aleppo").total == 2
        assert index.search("", location="idlib").total == 1


def test_cli_unknown_field_name_is_one_line(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("title,people\nT,A\n")
    result = CliRunner().invoke(
        main,
        ["index", str(csv_path), "--index", str(tmp_path / "ix"), "--field", "people=people"],
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: unknown field name(s) in fields: people")
    assert "did you mean 'people' -> 'person'" in lines[0]
