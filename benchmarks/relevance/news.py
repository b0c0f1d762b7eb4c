"""Look at the chosen model's results on news, change by change, for queries users type.

Usage::

    python benchmarks/relevance/news.py [--corpora DIR] [--out FILE.md] [--top 5]

News has no relevance judgments here, so this is for the eye. On FA-KES (804 articles on the
Syrian war), the BBC set (2,225) and Reuters-21578 (18,000) it runs keyword queries of 1 to 5
words (the kind users type: "Aleppo Nusra", "oil prices") and a few questions, through searchlib's
ranking today (reproduced by the laboratory, default and ``match="any"``) and through each step
of the chosen model's chain (:meth:`releval.study.Study.chain`), and writes, per query: the
words searched, the mode the rule picks, how many articles match, for each step the share of
the top 10 that has every content word and the overlap of its top 10 with the previous
step's (then the chosen model's overlap with today's default, and its share without the
every-word-first order), and the top titles of today's default and of the chosen model (cut
to 80 characters), with the expansion terms feedback added.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from releval.collection import Doc, sanitise  # noqa: E402
from releval.lab import CURRENT_ANY, CURRENT_DEFAULT, LabIndex, LabParams, Msm  # noqa: E402
from releval.model import Model, ReferenceIndex  # noqa: E402
from releval.study import chosen_params  # noqa: E402

QUERIES: dict[str, tuple[str, ...]] = {
    "fa-kes": (
        "Aleppo Nusra",
        "chemical weapons",
        "Idlib airstrikes",
        "Ghouta",
        "Raqqa ISIS",
        "Russian air strikes Aleppo",
        "ceasefire talks Geneva",
        "Turkish army Afrin",
        "Syrian army Aleppo offensive",
        "UN Security Council Syria resolution",
        "who attacked the aid convoy near Aleppo",
        "what happened in Douma after the chemical attack",
    ),
    "bbc": (
        "oil prices",
        "interest rates",
        "Microsoft Google",
        "Chelsea Arsenal",
        "Blair Brown election",
        "mobile phone",
        "Oscar nominations",
        "budget deficit euro",
        "Microsoft Google search engine",
        "Yukos Gazprom auction bid",
        "how do music downloads affect CD sales",
        "why did the dollar fall",
    ),
    "reuters": (
        "oil prices",
        "opec output",
        "interest rates",
        "coffee quota",
        "Bank of England",
        "wheat exports Soviet Union",
        "takeover bid",
        "Brazil debt",
        "Japan trade surplus yen",
        "Fed discount rate cut",
        "coffee prices Brazil frost",
        "why did the dollar fall against the yen",
        "what did OPEC decide about oil production quotas",
    ),
}

FILES = {
    "fa-kes": "fa-kes/fa-kes.jsonl",
    "bbc": "bbc/bbc.jsonl.gz",
    "reuters": "reuters21578/reuters21578-dev.jsonl.gz",
}


def read(path: Path) -> list[Doc]:
    """Articles with some text from a JSON Lines file (gzipped or not)."""
    opener = gzip.open if path.suffix == ".gz" else open
    docs = []
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for line in f:
            r = json.loads(line)
            title, body = (r.get("title") or "").strip(), (r.get("body") or "").strip()
            if title or body:
                docs.append(Doc(str(r["id"]), title, body))
    return docs


def steps(model: Model) -> list[tuple[str, LabParams]]:
    """Today's rankings, then the chain to the chosen model (default mode)."""
    m = model
    p = replace(CURRENT_ANY, mode="msm", msm=Msm(m.auto_all_upto, 0.0), complete_first=True)
    out = [("today default", CURRENT_DEFAULT), ("today any", CURRENT_ANY), ("auto rule", p)]
    p = replace(p, idf="rsj")
    out.append(("+RSJ", p))
    p = replace(p, fields="bm25f")
    out.append(("+BM25F", p))
    p = replace(p, k1=m.k1, b_title=m.b_title, b_body=m.b_body, title_weight=m.title_weight / 2)
    out.append(("+params", p))
    out.append(("chosen (+RM3)", chosen_params(m, "auto")))
    return out


def plain_or(model: Model) -> LabParams:
    """The chosen model without its every-word-first order (what plain OR would show)."""
    return replace(chosen_params(model, "auto"), complete_first=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the eye-check report; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "news_eyecheck.md")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args(argv)
    model = Model()
    chain = steps(model)
    lines = [
        "# The chosen model on news, by eye",
        "",
        f"`python benchmarks/relevance/news.py` ({', '.join(FILES)}). For each query: the "
        "content words (function words out) and the mode the automatic rule picks; the "
        "number of matching articles today (default: AND, relaxed if empty) and with the "
        "chosen model; per step of the chain, `all` = how many of its top 10 have every "
        "content word, `same` = how many of its top 10 were in the previous step's top 10 "
        "(last: the chosen model's against today's default, and the chosen model without "
        "its every-word-first order); "
        f"then the top {args.top} titles today (default) and with the chosen model.",
        "",
    ]
    for corpus, rel in FILES.items():
        docs = read(args.corpora / rel)
        lab = LabIndex(docs)
        ref = ReferenceIndex(((d.title, d.body) for d in docs), analyze=None)
        lines += [f"## {corpus} ({len(docs):,} articles)", ""]
        for text in QUERIES[corpus]:
            q = sanitise(text)
            content, _ = lab.query_terms(q, "question")
            n = len(content)
            rule = "AND" if n <= model.auto_all_upto else "OR"
            result = ref.search(q, model, depth=10)
            today = lab.rank(q, CURRENT_DEFAULT, 10_000)
            lines.append(
                f"**{text}** -> {' '.join(content)} ({n} words: {rule}); matches today "
                f"{len(today.docs):,}{' (relaxed)' if today.relaxed else ''}, chosen "
                f"{result.total:,}{' (relaxed)' if result.relaxed else ''}"
                + (f"; feedback added: {', '.join(list(result.expansion)[:10])}"
                   if result.expansion else "")
            )
            lines.append("")
            every: set[int] | None = None
            for t in content:
                have = set(lab.terms[t].docs.tolist()) if t in lab.terms else set()
                every = have if every is None else every & have
            cells = []
            prev: list[int] | None = None
            tops: dict[str, list[int]] = {}
            for label, params in chain:
                r = lab.rank(q, params, 10)
                have_all = sum(1 for d in r.docs if d in (every or set()))
                same = "" if prev is None else f", same {len(set(prev) & set(r.docs))}"
                cells.append(f"{label}: all {have_all}{same}")
                prev = r.docs
                tops[label] = r.docs
            chosen_top = tops["chosen (+RM3)"]
            same_today = len(set(chosen_top) & set(tops["today default"]))
            cells.append(f"chosen vs today default: same {same_today}")
            r = lab.rank(q, plain_or(model), 10)
            cells.append(
                f"chosen without every-word first: all "
                f"{sum(1 for d in r.docs if d in (every or set()))}"
            )
            lines.append("; ".join(cells))
            lines.append("")
            for label in ("today default", "chosen (+RM3)"):
                lines.append(f"- {label}:")
                for d in tops[label][: args.top]:
                    title = docs[d].title or docs[d].body[:80]
                    lines.append(f"  - {title[:80]}")
            lines.append("")
        print(f"{corpus}: done", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
