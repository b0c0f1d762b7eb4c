"""Metadata given at index time: ``ReadOptions.source``, ``tags`` and ``tag_from_folder``."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from searchlib.model import Article, ReadEvent
from searchlib.readers import ReadOptions, ReadOptionsError, read_paths

DATA = Path(__file__).resolve().parent / "data" / "readers"
FOLDERS = DATA / "folders"


def read(*paths: Path, **options: object) -> dict[str, Article]:
    events: list[ReadEvent] = list(read_paths(list(paths), ReadOptions(**options)))  # type: ignore[arg-type]
    assert all(isinstance(e, Article) for e in events), events
    return {e.id: e for e in events if isinstance(e, Article)}


def test_tag_from_folder_names_the_folder_holding_each_file() -> None:
    found = read(FOLDERS, tag_from_folder=True)
    assert {key: a.tags for key, a in found.items()} == {
        "business/001.txt": ("business",),
        "business/more.jsonl#1": ("business",),  # records in a folder get it too
        "sport/001.txt": ("sport",),
        "sport/football/002.txt": ("football",),  # the folder holding the file
        "top.txt": (),  # directly in the folder given: no folder tag
    }


def test_without_tag_from_folder_there_are_no_folder_tags() -> None:
    assert all(a.tags == () for a in read(FOLDERS).values())


def test_tag_from_folder_is_relative_to_the_root_given() -> None:
    found = read(FOLDERS / "sport", tag_from_folder=True)
    assert {key: a.tags for key, a in found.items()} == {
        "001.txt": (),
        "football/002.txt": ("football",),
    }
    (article,) = read(FOLDERS / "business" / "001.txt", tag_from_folder=True).values()
    assert article.tags == ()  # a file given by itself is its own root


def test_tags_are_added_after_the_articles_own(tmp_path: Path) -> None:
    path = tmp_path / "news" / "a.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps({"title": "T", "tags": ["own", "archive"]}) + "\n")
    (article,) = read(tmp_path, tags=("archive", " 2016  batch "), tag_from_folder=True).values()
    assert article.tags == ("own", "archive", "news", "2016 batch")


def test_source_fills_articles_without_one_and_keeps_a_records_own(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    records = [{"title": "A", "source": "ahram"}, {"title": "B"}, {"title": "C", "source": " "}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    found = read(path, source="FA-KES")
    assert [a.source for a in found.values()] == ["ahram", "FA-KES", "FA-KES"]
    (text,) = read(FOLDERS / "top.txt", source="  BBC   News ").values()
    assert text.source == "BBC News"
    assert all(a.source is None for a in read(FOLDERS).values())


def test_metadata_on_the_bbc_layout() -> None:
    found = read(FOLDERS, source="BBC", tags=("bbc",), tag_from_folder=True, glob="*.txt")
    article = found["sport/001.txt"]
    assert (article.title, article.source, article.tags) == ("Chelsea win", "BBC", ("sport", "bbc"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"source": "  "}, "source must not be empty"),
        ({"source": "x" * 2001}, "source is 2,001 characters long (limit 2,000)"),
        ({"tags": "one"}, "tags must be a tuple or list of strings, not str"),
        ({"tags": ("ok", "")}, "tag must not be empty"),
        ({"tags": ("ok", 3)}, "tag must be a string, not int"),
        ({"list_separator": ""}, "list_separator must be a non-empty string"),
        ({"format": "xml"}, "unknown format 'xml'"),
        ({"date_order": "dym"}, "unknown date order"),
    ],
)
def test_bad_options_are_one_line_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ReadOptionsError) as caught:
        ReadOptions(**options)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_options_stay_immutable_hashable_and_picklable() -> None:
    options = ReadOptions(
        fields={"person": "people"}, source="RT", tags=["a", "b", "a"], tag_from_folder=True
    )
    assert options.tags == ("a", "b")  # a tuple, without repeats
    assert hash(options) == hash(
        ReadOptions(fields={"person": "people"}, source="RT", tags=("a", "b"), tag_from_folder=True)
    )
    assert pickle.loads(pickle.dumps(options)) == options
    with pytest.raises(TypeError):
        ReadOptions("text")  # type: ignore[misc]  # keyword-only
