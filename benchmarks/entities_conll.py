"""Precision, recall and F1 of the default entity extractor on CoNLL-2003 (English, dev split).

Scoring is exact span and exact type: a predicted entity counts only if it covers exactly the
characters of a gold entity and has its type (person=PER, org=ORG, location=LOC, misc=MISC).

The CoNLL text is tokenized ("Russia 's", "( UN )"), while the extractor reads raw text. So each
document is *detokenized* first: tokens are joined with single spaces except before closing
punctuation and clitics (``, . ; : ! ? ) ] % 's n't``) and after opening ones (``( [ $ ```), and
straight double quotes alternate between opening and closing. Every token keeps its character
offsets, so a gold entity (a run of tokens) becomes a character span in that text, and the
extractor's :class:`~searchlib.entities.Mention` spans are compared with it directly. Sentences
are put one per line. This copy of the data has no ``-DOCSTART-`` markers, so documents are
rebuilt from the dateline sentences ("LONDON 1996-08-30"): a document starts at the headline just
before each dateline. No gold label is used to build the text or the documents.

Because only the dev split is available here and the rules were tuned on it, the documents are
split once, deterministically, into a **tuning half** (the first documents, up to the document
boundary nearest the middle sentence) and a **held-out half** (the rest). Rules were developed by
looking at errors of the tuning half only (``--errors``, which refuses any other split); the
held-out half is the honest figure. Both halves and the full set are reported.

**Document-level facet F1** scores what a facet shows: the set of people, organisations and
places of each document, each counted once. The gold values of a document are its gold PER, ORG
and LOC mentions grouped into entities within the document, by two conservative rules: a
mention whose words are the trailing words of exactly one longer gold name of the same type is
that entity ("Lavrov" with "Sergey Lavrov"), and an all-capitals mention that is the initials of
exactly one longer gold name of the same type, or stands in brackets right after it, is that
entity ("UN" with "United Nations"). Names are compared case-folded, without dots or
apostrophes, with hyphens as spaces. A predicted entity (``extract(title, body)`` with the
document's first line as the title) is correct when its kind matches and its name or one of its
aliases is a surface of a gold entity not matched yet; each gold entity is matched at most once,
so a name split into two values scores one true and one false positive, and two gold entities
glued into one value score one miss.

Usage::

    python benchmarks/entities_conll.py [--data PATH] [--out results.json] [--errors 40]
        [--extractor rules|spacy] [--facet-errors 40]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from searchlib.entities import Extractor, Mention, default_extractor
from searchlib.model import Entity

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "corpora" / "conll2003-dev" / "valid.conll.gz"
KIND_TO_TYPE = {"person": "PER", "org": "ORG", "location": "LOC", "misc": "MISC"}
TYPE_TO_KIND = {v: k for k, v in KIND_TO_TYPE.items()}
FACET_TYPES = ("PER", "ORG", "LOC")
EXTRACTORS = ("rules", "spacy")
TYPES = ("PER", "ORG", "LOC", "MISC")
DATELINE = re.compile(r"\d{4}-\d{2}-\d{2}")

NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "'", "n't", "'s", "'S"}
NO_SPACE_AFTER = {"(", "[", "{", "$", "`"}
CLITICS = re.compile(r"^'(?:s|S|re|ve|ll|d|m|RE|VE|LL|D|M)$")

Sentence = list[tuple[str, str]]
Span = tuple[int, int, str]


@dataclass
class Doc:
    """One rebuilt document: its detokenized text and its gold spans."""

    index: int
    first_sentence: int
    text: str
    gold: list[Span]


def read_conll(path: Path) -> list[Sentence]:
    """Sentences of ``(token, IOB2 tag)`` pairs."""
    sentences: list[Sentence] = []
    cur: Sentence = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if cur:
                    sentences.append(cur)
                    cur = []
                continue
            if parts[0] == "-DOCSTART-":
                continue
            cur.append((parts[0], parts[1]))
    if cur:
        sentences.append(cur)
    return sentences


def doc_starts(sentences: list[Sentence]) -> list[int]:
    """Indexes of the sentences that start a document (the headline before each dateline)."""
    starts = {0}
    for i, s in enumerate(sentences):
        if i > 0 and len(s) <= 6 and DATELINE.fullmatch(s[-1][0]):
            starts.add(i - 1)
    return sorted(starts)


def detokenize(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as raw-looking text plus each token's ``(start, end)`` in it."""
    out: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    quote_open = False
    glue_next = True  # no space before the first token
    for tok, _tag in sentence:
        glue = glue_next
        glue_next = False
        if tok == '"':
            if quote_open:
                glue = True
            else:
                glue_next = True
            quote_open = not quote_open
        elif tok in NO_SPACE_BEFORE or CLITICS.match(tok):
            glue = True
        elif tok in NO_SPACE_AFTER:
            glue_next = True
        if not glue:
            out.append(" ")
            pos += 1
        offsets.append((pos, pos + len(tok)))
        out.append(tok)
        pos += len(tok)
    return "".join(out), offsets


def gold_spans(sentence: Sentence, offsets: list[tuple[int, int]], base: int) -> list[Span]:
    """The gold entities of a sentence as character spans (IOB2; a stray I- starts an entity)."""
    spans: list[Span] = []
    cur: list[int] | None = None
    cur_type = ""
    for i, (_tok, tag) in enumerate(sentence):
        if tag.startswith("B-") or (tag.startswith("I-") and (cur is None or tag[2:] != cur_type)):
            if cur is not None:
                spans.append((base + offsets[cur[0]][0], base + offsets[cur[1]][1], cur_type))
            cur, cur_type = [i, i], tag[2:]
        elif tag.startswith("I-") and cur is not None:
            cur[1] = i
        else:
            if cur is not None:
                spans.append((base + offsets[cur[0]][0], base + offsets[cur[1]][1], cur_type))
            cur = None
    if cur is not None:
        spans.append((base + offsets[cur[0]][0], base + offsets[cur[1]][1], cur_type))
    return spans


def build_docs(sentences: list[Sentence]) -> list[Doc]:
    """Group sentences into documents, one sentence per line."""
    starts = [*doc_starts(sentences), len(sentences)]
    docs: list[Doc] = []
    for d, (a, b) in enumerate(itertools.pairwise(starts)):
        parts: list[str] = []
        gold: list[Span] = []
        base = 0
        for s in sentences[a:b]:
            text, offsets = detokenize(s)
            gold.extend(gold_spans(s, offsets, base))
            parts.append(text)
            base += len(text) + 1
        docs.append(Doc(d, a, "\n".join(parts), gold))
    return docs


def split_docs(docs: list[Doc], n_sentences: int) -> tuple[list[Doc], list[Doc]]:
    """Tuning half (first documents) and held-out half, cut at the boundary nearest the middle."""
    middle = n_sentences // 2
    cut = min(range(len(docs)), key=lambda i: abs(docs[i].first_sentence - middle))
    return docs[:cut], docs[cut:]


def make_extractor(name: str) -> Extractor:
    """The extractor called ``name``: ``rules`` (the default) or ``spacy`` (the extra)."""
    if name == "rules":
        return default_extractor()
    if name == "spacy":
        from searchlib.entities.spacy_ner import SpacyExtractor

        return SpacyExtractor()
    raise SystemExit(f"unknown extractor {name!r} (use one of: {', '.join(EXTRACTORS)})")


def predict(docs: list[Doc], ex: Extractor | None = None) -> dict[int, list[Span]]:
    """The extractor's spans for each document."""
    ex = ex or default_extractor()
    mentions = getattr(ex, "mentions", None)
    if mentions is None:
        raise SystemExit(f"extractor {ex.name} has no mentions(text) method")
    out: dict[int, list[Span]] = {}
    for doc in docs:
        ms: list[Mention] = mentions(doc.text)
        out[doc.index] = [(m.start, m.end, KIND_TO_TYPE[m.kind]) for m in ms]
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    """Precision, recall, F1 and the counts behind them."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "pred": n_pred, "gold": n_gold}


def score(docs: list[Doc], pred: dict[int, list[Span]]) -> dict[str, dict[str, float | int]]:
    """Per-type and micro-averaged scores (all four types, and PER/ORG/LOC only)."""
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for doc in docs:
        g = set(doc.gold)
        p = set(pred[doc.index])
        for s in g:
            n_gold[s[2]] += 1
        for s in p:
            n_pred[s[2]] += 1
            if s in g:
                tp[s[2]] += 1
    out = {t: prf(tp[t], n_pred[t], n_gold[t]) for t in TYPES}
    core = ("PER", "ORG", "LOC")
    out["micro PER/ORG/LOC"] = prf(
        sum(tp[t] for t in core), sum(n_pred[t] for t in core), sum(n_gold[t] for t in core)
    )
    out["micro all"] = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return out


_FOLD = str.maketrans({".": None, "'": None, "\u2019": None, "-": " "})


def fold(name: str) -> str:
    """How facet values are compared: case-folded, no dots or apostrophes, hyphens as spaces."""
    return " ".join(name.translate(_FOLD).casefold().split())


def gold_entities(doc: Doc) -> list[tuple[str, set[str]]]:
    """The document's gold PER/ORG/LOC entities as ``(type, folded surfaces)``, grouped within
    the document by the module's two rules (trailing words, initials or bracketed acronym)."""
    text = doc.text
    surfaces: dict[str, dict[str, None]] = {t: {} for t in FACET_TYPES}  # ordered sets
    after: dict[str, str] = {}  # acronym -> the gold name right before its brackets
    first: dict[str, str] = {}  # folded name -> its first surface ("MOSCOW" is "Moscow")
    spans = sorted(doc.gold)
    for i, (s, e, t) in enumerate(spans):
        if t not in surfaces:
            continue
        name = first.setdefault(fold(text[s:e]), text[s:e])
        surfaces[t][name] = None
        if i and text[e : e + 1] == ")" and text[s - 2 : s] == " (":
            ps, pe, pt = spans[i - 1]
            if pt == t and pe == s - 2:
                after[name] = first.setdefault(fold(text[ps:pe]), text[ps:pe])
    out: list[tuple[str, set[str]]] = []
    for t in FACET_TYPES:
        names = list(surfaces[t])
        words = {n: fold(n).split() for n in names}
        parent: dict[str, str] = {}
        for n in names:
            w = words[n]
            longer = [m for m in names if len(words[m]) > len(w) and words[m][-len(w) :] == w]
            if n.replace(".", "").isupper() and len(n) >= 2:
                initials = [
                    m
                    for m in names
                    if len(words[m]) >= 2
                    and "".join(x[0] for x in words[m] if x not in ("of", "the", "and", "for"))
                    == fold(n).replace(" ", "")
                ]
                if after.get(n) in names:
                    initials = [after[n]]
                if len(initials) == 1 and not longer:
                    longer = initials
            if len(longer) == 1:
                parent[n] = longer[0]
        groups: dict[str, set[str]] = {}
        for n in names:
            root = n
            while root in parent:
                root = parent[root]
            groups.setdefault(root, set()).add(fold(n))
        out.extend((t, g) for g in groups.values())
    return out


def split_title(text: str) -> tuple[str, str]:
    """A CoNLL document as an article: its first line is the title, the rest the body."""
    title, _, body = text.partition("\n")
    return title, body


def predict_facets(docs: list[Doc], ex: Extractor) -> dict[int, tuple[Entity, ...]]:
    """The extractor's entities for each document, as an index would store them."""
    return {doc.index: ex.extract(*split_title(doc.text)) for doc in docs}


FacetErrors = tuple[Counter[str], Counter[str]]


def facet_scores(
    docs: list[Doc], pred: dict[int, tuple[Entity, ...]], errors: FacetErrors | None = None
) -> dict[str, dict[str, float | int]]:
    """Document-level facet precision, recall and F1 per type and micro (PER/ORG/LOC)."""
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for doc in docs:
        gold = gold_entities(doc)
        used = [False] * len(gold)
        for t, _ in gold:
            n_gold[t] += 1
        for ent in pred[doc.index]:
            t = KIND_TO_TYPE.get(ent.kind)
            if t not in FACET_TYPES:
                continue
            n_pred[t] += 1
            forms = {fold(ent.name), *(fold(a) for a in ent.aliases)}
            for j, (gt, gforms) in enumerate(gold):
                if not used[j] and gt == t and forms & gforms:
                    used[j] = True
                    tp[t] += 1
                    break
            else:
                if errors is not None:
                    errors[0][f"{ent.name!r} {t}"] += 1
        if errors is not None:
            for j, (gt, gforms) in enumerate(gold):
                if not used[j]:
                    errors[1][f"{sorted(gforms)} {gt}"] += 1
    out = {t: prf(tp[t], n_pred[t], n_gold[t]) for t in FACET_TYPES}
    out["micro"] = prf(sum(tp.values()), sum(n_pred[t] for t in FACET_TYPES), sum(n_gold.values()))
    return out


def print_table(name: str, n_docs: int, res: dict[str, dict[str, float | int]]) -> None:
    """One result block as a text table."""
    print(f"\n{name} ({n_docs} documents)")
    print(f"{'type':<18} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6} {'pred':>6}")
    for key, r in res.items():
        print(
            f"{key:<18} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f}"
            f" {r['gold']:>6} {r['pred']:>6}"
        )


def show_errors(docs: list[Doc], pred: dict[int, list[Span]], limit: int) -> None:
    """Print false positives and misses (tuning half only), with their line."""
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for doc in docs:
        g = set(doc.gold)
        p = set(pred[doc.index])
        gold_at = {(s, e): t for s, e, t in g}
        for s, e, t in p - g:
            was = gold_at.get((s, e), "O")
            fp[f"{doc.text[s:e]!r} {t} (gold {was})"] += 1
        pred_at = {(s, e): t for s, e, t in p}
        for s, e, t in g - p:
            got = pred_at.get((s, e), "-")
            fn[f"{doc.text[s:e]!r} {t} (pred {got})"] += 1
    print(f"\nfalse positives ({sum(fp.values())}):")
    for k, v in fp.most_common(limit):
        print(f"  {v:4} {k}")
    print(f"\nmisses ({sum(fn.values())}):")
    for k, v in fn.most_common(limit):
        print(f"  {v:4} {k}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="valid.conll.gz")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument(
        "--errors", type=int, default=0, help="list the N commonest errors of the tuning half"
    )
    ap.add_argument("--dump", type=Path, help="write tuning-half documents (text) here")
    ap.add_argument("--extractor", default="rules", choices=EXTRACTORS)
    ap.add_argument(
        "--facet-errors",
        type=int,
        default=0,
        help="list the N commonest facet errors of the tuning half",
    )
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    sentences = read_conll(args.data)
    docs = build_docs(sentences)
    tuning, held_out = split_docs(docs, len(sentences))
    ex = make_extractor(args.extractor)
    t0 = time.perf_counter()
    pred = predict(docs, ex)
    elapsed = time.perf_counter() - t0
    results = {
        "tuning half": score(tuning, pred),
        "held-out half": score(held_out, pred),
        "full dev set": score(docs, pred),
    }
    facets = predict_facets(docs, ex)
    facet_errors: FacetErrors = (Counter(), Counter())
    facet_results = {
        "tuning half": facet_scores(tuning, facets, facet_errors),
        "held-out half": facet_scores(held_out, facets),
        "full dev set": facet_scores(docs, facets),
    }
    name = ex.name
    print(
        f"extractor {name}: {len(sentences)} sentences, {len(docs)} documents, "
        f"{elapsed:.2f} s; tuning half = documents 0-{len(tuning) - 1} "
        f"(sentences 0-{held_out[0].first_sentence - 1})"
    )
    counts = {"tuning half": len(tuning), "held-out half": len(held_out), "full dev set": len(docs)}
    for key, res in results.items():
        print_table(key, counts[key], res)
    print("\ndocument-level facet F1 (person/org/location values per document)")
    for key, res in facet_results.items():
        print_table(f"facets, {key}", counts[key], res)
    if args.errors:
        show_errors(tuning, pred, args.errors)
    if args.facet_errors:
        print(f"\nfacet false positives, tuning half ({sum(facet_errors[0].values())}):")
        for k, v in facet_errors[0].most_common(args.facet_errors):
            print(f"  {v:4} {k}")
        print(f"\nfacet misses, tuning half ({sum(facet_errors[1].values())}):")
        for k, v in facet_errors[1].most_common(args.facet_errors):
            print(f"  {v:4} {k}")
    if args.dump:
        args.dump.write_text("\n\n=====\n\n".join(d.text for d in tuning), encoding="utf-8")
    if args.out:
        payload = {
            "extractor": name,
            "data": str(args.data.name),
            "scoring": "exact character span and type, after detokenization",
            "documents": counts,
            "split": {
                "tuning_docs": [0, len(tuning) - 1],
                "held_out_first_sentence": held_out[0].first_sentence,
            },
            "seconds": elapsed,
            "results": results,
            "facet_scoring": "document-level sets of person/org/location values (see the docs)",
            "facet_results": facet_results,
        }
        args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
