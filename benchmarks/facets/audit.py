"""Facet audit: the top values of the person, org and location facets over real news, labelled.

A facet value is an entity's canonical name and its count is the number of articles carrying
it, so running the extractor over each corpus and counting articles per ``(kind, name)`` gives
exactly the facet an index of that corpus shows (no index needed). The articles are read with
searchlib's own reader (``read_paths``), as ``searchlib index`` reads them.

The top-N values of each kind on each corpus are joined with hand-written labels kept as data in
``labels.tsv`` (``corpus, kind, value, label, reason``; label ``good`` or ``bad``; see
``README.md`` for the labelling rules). The junk share of a kind on a corpus is the number of
``bad`` values among its top N divided by N. A value without a label is never counted as good:
the audit lists it and refuses to record results until someone has labelled it by hand.

Usage::

    python -m benchmarks.facets.audit                        # the tables, and what is unlabelled
    python -m benchmarks.facets.audit --todo /tmp/todo.tsv   # unlabelled values, to label by hand
    python -m benchmarks.facets.audit --show fakes person "Assad"   # the articles behind a value
    python -m benchmarks.facets.audit --record "what changed"  # append a row to results.json/.md
    python -m benchmarks.facets.audit --extractor spacy      # the same for the spaCy extractor
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from searchlib.entities import Extractor
from searchlib.model import Article, Entity
from searchlib.readers import read_paths

from .. import entities_conll as conll

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

CORPORA_DIR = ROOT.parent / "shared" / "corpora"
CORPORA = {
    "fakes": Path("fa-kes/fa-kes.jsonl"),
    "reuters": Path("reuters21578/reuters21578-dev.jsonl.gz"),
    "bbc": Path("bbc/bbc.jsonl.gz"),
}
KINDS = ("person", "org", "location")
LABELS = HERE / "labels.tsv"
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
LABEL_FIELDS = ("corpus", "kind", "value", "label", "reason")

Key = tuple[str, str, str]  # corpus, kind, value


@dataclass
class Label:
    """One hand-written judgement of a facet value."""

    label: str  # "good" or "bad"
    reason: str


def read_articles(corpus: str) -> list[Article]:
    """The corpus's articles as searchlib's reader yields them (read errors are skipped)."""
    path = CORPORA_DIR / CORPORA[corpus]
    if not path.exists():
        raise SystemExit(f"corpus not available: {path}")
    return [a for a in read_paths(path) if isinstance(a, Article)]


def unmerged_people(entities: tuple[Entity, ...]) -> list[str]:
    """People of one article whose name is the trailing words of another person's name in the
    same article ("Blair" beside "Tony Blair"): a within-article merge that did not happen."""
    names = [e.name.split() for e in entities if e.kind == "person"]
    return [
        " ".join(short)
        for short in names
        if any(len(long) > len(short) and long[-len(short) :] == short for long in names)
    ]


def facet_counts(
    articles: list[Article], ex: Extractor, splits: Counter[str] | None = None
) -> tuple[dict[str, Counter[str]], dict[tuple[str, str], list[tuple[str, Entity]]]]:
    """Articles per value for each kind, and (article id, entity) behind each value.

    ``splits`` (if given) counts, per surname, the articles where it stayed apart from a full
    name given in the same article.
    """
    counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    where: dict[tuple[str, str], list[tuple[str, Entity]]] = {}
    for a in articles:
        entities = ex.extract(a.title, a.body)
        for e in entities:
            if e.kind in counts:
                counts[e.kind][e.name] += 1  # names are unique per article and kind
                where.setdefault((e.kind, e.name), []).append((a.id, e))
        if splits is not None:
            splits.update(unmerged_people(entities))
    return counts, where


def top(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    """The N most frequent values, ties broken by name (stable between runs)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def read_labels(path: Path = LABELS) -> dict[Key, Label]:
    """The labels file as a mapping; a malformed row stops the audit with its line number."""
    out: dict[Key, Label] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        for i, row in enumerate(rows, 1):
            if not row or row[0].startswith("#") or row[0] == "corpus":
                continue
            if len(row) < 4 or row[3] not in ("good", "bad") or row[1] not in KINDS:
                raise SystemExit(f"{path}:{i}: bad row {row!r}")
            if row[3] == "bad" and (len(row) < 5 or not row[4].strip()):
                raise SystemExit(f"{path}:{i}: a bad value needs a reason")
            key = (row[0], row[1], row[2])
            if key in out:
                raise SystemExit(f"{path}:{i}: {key} labelled twice")
            out[key] = Label(row[3], row[4] if len(row) > 4 else "")
    return out


@dataclass
class Cell:
    """The audit of one kind on one corpus."""

    values: list[tuple[str, int]]
    bad: list[str]
    unlabelled: list[str]
    splits: int = 0  # person only: articles with a surname left apart from its full name

    @property
    def junk_share(self) -> float:
        """Bad values among the top N (unlabelled ones are not counted as good or bad)."""
        return len(self.bad) / len(self.values) if self.values else 0.0


def audit(
    ex: Extractor, corpora: list[str], n: int, labels: dict[Key, Label]
) -> tuple[dict[str, dict[str, Cell]], dict[str, dict[tuple[str, str], list[tuple[str, Entity]]]]]:
    """Every corpus's top-N per kind, joined with the labels."""
    table: dict[str, dict[str, Cell]] = {}
    wheres = {}
    for corpus in corpora:
        splits: Counter[str] = Counter()
        counts, where = facet_counts(read_articles(corpus), ex, splits)
        wheres[corpus] = where
        table[corpus] = {}
        for kind in KINDS:
            values = top(counts[kind], n)
            bad, unlabelled = [], []
            for value, _ in values:
                lab = labels.get((corpus, kind, value))
                if lab is None:
                    unlabelled.append(value)
                elif lab.label == "bad":
                    bad.append(value)
            n_splits = sum(splits.values()) if kind == "person" else 0
            table[corpus][kind] = Cell(values, bad, unlabelled, n_splits)
    return table, wheres


def git_commit() -> str:
    """The current commit (``+dirty`` when the work tree has changes), or ``unknown``."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (rev or "unknown") + ("+dirty" if dirty else "")


def conll_figures(ex: Extractor) -> dict[str, float] | None:
    """Span F1 and facet F1 on both halves of CoNLL-2003 dev (None without the data)."""
    if not conll.DEFAULT_DATA.exists():
        return None
    sentences = conll.read_conll(conll.DEFAULT_DATA)
    docs = conll.build_docs(sentences)
    tuning, held_out = conll.split_docs(docs, len(sentences))
    spans = conll.predict(docs, ex)
    facets = conll.predict_facets(docs, ex)
    out: dict[str, float] = {}
    for half, ds in (("tuning", tuning), ("held_out", held_out)):
        res = conll.score(ds, spans)
        fac = conll.facet_scores(ds, facets)
        out[f"{half}_f1_all"] = round(float(res["micro all"]["f1"]), 4)
        out[f"{half}_org_recall"] = round(float(res["ORG"]["recall"]), 4)
        out[f"{half}_facet_micro_f1"] = round(float(fac["micro"]["f1"]), 4)
    return out


def render_markdown(rows: list[dict[str, object]], n: int) -> str:
    """results.md: one row per recorded change, junk share per corpus and kind."""
    corpora = list(CORPORA)
    head = ["#", "change", "extractor", "commit"]
    head += [f"{c} {k[:3]}" for c in corpora for k in KINDS]
    head += [f"unmerged {c}" for c in corpora]
    head += ["CoNLL F1 tune / held", "ORG R tune / held", "facet F1 tune / held"]
    lines = [
        "# Facet audit results",
        "",
        f"Junk share of the top-{n} values of each facet kind on each corpus (bad values / {n};",
        "labels in `labels.tsv`, rules in `README.md`), and CoNLL-2003 dev figures (span F1 over",
        "all four types, ORG span recall, document-level facet micro F1) on the tuning and",
        "held-out halves (`benchmarks/entities_conll.py`). *unmerged*: person values that stayed",
        'apart from a full name given in the same article ("Blair" beside "Tony Blair"),',
        "summed over the corpus's articles. One row per change, oldest first;",
        "written by `python -m benchmarks.facets.audit --record ...`.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(" --- " for _ in head) + "|",
    ]
    for i, row in enumerate(rows, 1):
        cells = [str(i), str(row["change"]), str(row["extractor"]), f"`{row['commit']}`"]
        junk = row["junk"]
        assert isinstance(junk, dict)
        for c in corpora:
            for k in KINDS:
                v = junk.get(c, {}).get(k)
                cells.append("" if v is None else f"{100 * v['share']:.1f}%")
        unmerged = row.get("unmerged_people")
        for c in corpora:
            cells.append(str(unmerged.get(c, "")) if isinstance(unmerged, dict) else "")
        cf = row.get("conll")
        if isinstance(cf, dict):
            for key in ("f1_all", "org_recall", "facet_micro_f1"):
                cells.append(f"{cf[f'tuning_{key}']:.3f} / {cf[f'held_out_{key}']:.3f}")
        else:
            cells += ["", "", ""]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the audit."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="values per kind (default 40)")
    ap.add_argument("--corpus", action="append", choices=list(CORPORA), help="default: all")
    ap.add_argument("--extractor", default="rules", choices=conll.EXTRACTORS)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--todo", type=Path, help="write the unlabelled values here (TSV)")
    ap.add_argument("--show", nargs=3, metavar=("CORPUS", "KIND", "VALUE"))
    ap.add_argument("--show-max", type=int, default=12, help="articles listed by --show")
    ap.add_argument("--record", metavar="CHANGE", help="append a results row for this change")
    ap.add_argument("--quiet", action="store_true", help="print only the summary table")
    args = ap.parse_args(argv)

    corpora = args.corpus or list(CORPORA)
    ex = conll.make_extractor(args.extractor)
    labels = read_labels(args.labels)
    if args.show:
        corpus, kind, value = args.show
        articles = {a.id: a for a in read_articles(corpus)}
        _, where = facet_counts(list(articles.values()), ex)
        hits = where.get((kind, value), [])
        print(f"{len(hits)} articles carry {kind} {value!r} in {corpus}")
        for aid, ent in hits[: args.show_max]:
            a = articles[aid]
            text = f"{a.title}\n\n{a.body}"
            forms = sorted({ent.name, *ent.aliases}, key=len, reverse=True)
            at = min((i for f in forms if (i := text.find(f)) >= 0), default=0)
            snippet = " ".join(text[max(0, at - 90) : at + 110].split())
            print(f"  {aid}: aliases={list(ent.aliases)}\n      ...{snippet}...")
        return 0

    t0 = time.perf_counter()
    table, _ = audit(ex, corpora, args.n, labels)
    elapsed = time.perf_counter() - t0
    todo: list[tuple[str, str, str, int]] = []
    print(f"extractor {ex.name}, top {args.n}, {elapsed:.1f} s")
    for corpus in corpora:
        for kind in KINDS:
            cell = table[corpus][kind]
            print(
                f"\n{corpus} {kind}: junk {len(cell.bad)}/{len(cell.values)}"
                f" = {100 * cell.junk_share:.1f}%"
                + (f", {len(cell.unlabelled)} UNLABELLED" if cell.unlabelled else "")
            )
            if args.quiet:
                continue
            for value, count in cell.values:
                lab = labels.get((corpus, kind, value))
                mark = "?" if lab is None else ("x" if lab.label == "bad" else " ")
                why = f"  ({lab.reason})" if lab is not None and lab.label == "bad" else ""
                print(f"  {mark} {count:5} {value}{why}")
            todo.extend((corpus, kind, v, c) for v, c in cell.values if v in set(cell.unlabelled))
    if args.quiet:
        todo = [
            (c, k, v, n_)
            for c in corpora
            for k in KINDS
            for v, n_ in table[c][k].values
            if v in set(table[c][k].unlabelled)
        ]
    print("\nsummary (junk share of the top values; unmerged: person values left apart from")
    print("a full name in the same article, summed over articles)")
    print(f"{'corpus':<9}" + "".join(f"{k:>10}" for k in KINDS) + f"{'unmerged':>10}")
    for corpus in corpora:
        print(
            f"{corpus:<9}"
            + "".join(f"{100 * table[corpus][k].junk_share:>9.1f}%" for k in KINDS)
            + f"{table[corpus]['person'].splits:>10}"
        )
    if todo:
        print(f"\n{len(todo)} values have no label yet")
    if args.todo:
        with args.todo.open("w", encoding="utf-8") as f:
            for corpus, kind, value, count in todo:
                f.write(f"{corpus}\t{kind}\t{value}\t\t# {count}\n")
    if args.record:
        if todo:
            print("not recorded: label every value first (--todo)", file=sys.stderr)
            return 1
        rows = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
        rows.append(
            {
                "change": args.record,
                "extractor": ex.name,
                "commit": git_commit(),
                "n": args.n,
                "junk": {
                    c: {
                        k: {
                            "share": round(table[c][k].junk_share, 4),
                            "bad": table[c][k].bad,
                            "top": [v for v, _ in table[c][k].values],
                        }
                        for k in KINDS
                    }
                    for c in corpora
                },
                "unmerged_people": {c: table[c]["person"].splits for c in corpora},
                "conll": conll_figures(ex),
            }
        )
        RESULTS_JSON.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
        RESULTS_MD.write_text(render_markdown(rows, args.n), encoding="utf-8")
        print(f"recorded row {len(rows)} in {RESULTS_JSON.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
