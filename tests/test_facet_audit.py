"""The facet audit (benchmarks/facets): counting, labels as data, and what it refuses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.facets import audit
from searchlib.model import Article, Entity


class Fixed:
    """An extractor that returns what the article's title lists: "person:A;org:B"."""

    name = "fixed-1"

    def extract(self, title: str, body: str) -> tuple[Entity, ...]:
        out = []
        for part in title.split(";"):
            kind, _, name = part.partition(":")
            out.append(Entity(kind, name))  # type: ignore[arg-type]
        return tuple(out)


def test_facet_counts_count_articles_and_unmerged_surnames() -> None:
    arts = [
        Article(id="1", title="person:Tony Blair;person:Blair;org:BBC"),
        Article(id="2", title="person:Tony Blair;location:London"),
        Article(id="3", title="person:Blair"),
    ]
    splits: Counter[str] = Counter()
    counts, where = audit.facet_counts(arts, Fixed(), splits)
    assert counts["person"] == Counter({"Tony Blair": 2, "Blair": 2})
    assert counts["org"]["BBC"] == 1 and counts["location"]["London"] == 1
    assert splits == Counter({"Blair": 1})  # only article 1 left "Blair" apart from its name
    assert [aid for aid, _ in where[("person", "Blair")]] == ["1", "3"]


def test_unlabelled_values_are_never_good(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    arts = [Article(id=str(i), title=f"person:P{i % 3}") for i in range(9)]
    monkeypatch.setattr(audit, "read_articles", lambda corpus: arts)
    labels_file = tmp_path / "labels.tsv"
    labels_file.write_text("corpus\tkind\tvalue\tlabel\treason\nx\tperson\tP0\tbad\tjunk\n")
    labels = audit.read_labels(labels_file)
    table, _ = audit.audit(Fixed(), ["x"], 40, labels)
    cell = table["x"]["person"]
    assert cell.bad == ["P0"] and sorted(cell.unlabelled) == ["P1", "P2"]
    assert cell.junk_share == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "row",
    ["x\tperson\tA\tmaybe\t", "x\tperson\tA\tbad\t", "x\tpeople\tA\tgood\t"],
)
def test_malformed_labels_are_refused(tmp_path: Path, row: str) -> None:
    path = tmp_path / "labels.tsv"
    path.write_text(row + "\n")
    with pytest.raises(SystemExit):
        audit.read_labels(path)


def test_repository_labels_are_well_formed() -> None:
    labels = audit.read_labels()
    assert len(labels) >= 360
    bad = [k for k, v in labels.items() if v.label == "bad"]
    assert bad and all(labels[k].reason for k in bad)
    assert {k[0] for k in labels} == set(audit.CORPORA)


def test_every_top_value_of_the_default_extractor_is_labelled() -> None:
    """The labels keep up with the extractor: a change that brings a new value into a top-40
    must come with its label (FA-KES only, to stay quick)."""
    if not (audit.CORPORA_DIR / audit.CORPORA["fakes"]).exists():
        pytest.skip("corpus not available")
    from searchlib.entities import default_extractor

    table, _ = audit.audit(default_extractor(), ["fakes"], 40, audit.read_labels())
    for kind, cell in table["fakes"].items():
        assert not cell.unlabelled, (kind, cell.unlabelled)
