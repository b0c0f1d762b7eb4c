"""The Markdown report of a relevance run (the JSON's figures, as tables)."""

from __future__ import annotations

from typing import Any

HALVES = ("all", "odd", "even")
MEASURES = ("ndcg@10", "map", "recall@100")
SHORT = {"ndcg@10": "nDCG@10", "map": "MAP", "recall@100": "R@100"}


def _f(x: float) -> str:
    return f"{x:.4f}"


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _results(data: dict[str, Any]) -> list[str]:
    header = ["system"]
    for half in HALVES:
        header += [f"{SHORT[m]} {half}" for m in MEASURES]
    header.append("zero-hit queries")
    rows = []
    for s in data["systems"]:
        name = s["name"]
        if name == data["best_baseline"]:
            name = f"**{name}** (best baseline)"
        elif name == data["whoosh_baseline"]:
            name = f"{name} (Whoosh baseline)"
        cells = [name]
        for half in HALVES:
            cells += [_f(s["figures"][half][m]) for m in MEASURES]
        zero = str(s["zero_results"])
        if s.get("relaxed"):
            zero += f" ({s['relaxed']} relaxed)"
        cells.append(zero)
        rows.append(cells)
    return _table(header, rows)


def _score_check(checks: list[dict[str, Any]]) -> list[str]:
    header = [
        "searchlib",
        "reference",
        "hits",
        "max rel. diff",
        "median rel. diff",
        "beyond 6-decimal rounding",
        "identical rankings",
        "identical top 10",
        "top-10 overlap",
        "Kendall tau",
    ]
    rows = [
        [
            c["searchlib"],
            c["reference"],
            str(c["hits_compared"]),
            f"{c['max_rel_diff']:.2e}",
            f"{c['median_rel_diff']:.2e}",
            str(c["hits_beyond_rounding"]),
            f"{c['identical_rankings']}/{c['queries']}",
            f"{c['identical_top10']}/{c['queries']}",
            f"{c['mean_overlap_top10']:.4f}",
            f"{c['mean_kendall_tau']:.4f}",
        ]
        for c in checks
    ]
    return _table(header, rows, "ll" + "r" * 8)


def _rounding(checks: list[dict[str, Any]]) -> str:
    rounding = next((c["length_rounding"] for c in checks if c.get("length_rounding")), None)
    if not rounding:
        return ""
    parts = [
        f"{name}: {r['changed']:.0%} of lengths changed, by +{r['mean']:.1%} on average and "
        f"+{r['max']:.1%} at most"
        for name, r in rounding.items()
    ]
    return "On this collection: " + "; ".join(parts) + "."


def _tuning(t: dict[str, Any]) -> list[str]:
    lines = [
        "## Tuning searchlib's knobs",
        "",
        f"{t['configurations']} configurations in {t['seconds']} s. Grid: "
        + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in t["grid"].items())
        + " (proximity only on each half's 3 best stage-one configurations). "
        f"Halves: {t['halves']['odd']} odd and {t['halves']['even']} even qids.",
        "",
    ]
    header = ["chosen on", "configuration", "nDCG@10 on its half", "held-out half",
              "held-out nDCG@10", "held-out MAP", "held-out R@100"]
    rows = []
    for c in t["choices"].values():
        held = c["reported_figures"]
        rows.append(
            [
                c["tuning_half"],
                c["label"],
                _f(c["tuning_figures"]["ndcg@10"]),
                c["reported_half"] + (" (not held out)" if c["reported_half"] == "all" else ""),
                _f(held["ndcg@10"]),
                _f(held["map"]),
                _f(held["recall@100"]),
            ]
        )
    lines += _table(header, rows, "ll" + "r" + "l" + "rrr")
    f = t["flatness"]
    lines += [
        "",
        f"**Flatness** around the best on all queries ({f['best']}, nDCG@10 "
        f"{_f(f['best_ndcg@10'])}): {f['within_0.005']} of {f['configurations']} "
        f"configurations are within 0.005 of it and {f['within_0.01']} within 0.01; the "
        f"median stage-one configuration scores {_f(f['stage_one_median'])}. Neighbours (one "
        "grid step on one knob):",
        "",
    ]
    lines += _table(
        ["neighbour", "nDCG@10"], [[n["label"], _f(n["ndcg@10"])] for n in f["neighbours"]]
    )
    table = f["k1_b_table"]
    bs = sorted({b for row in table["rows"].values() for b in row}, key=lambda s: float(s[2:]))
    lines += ["", f"nDCG@10 (all queries) by k1 and b, {table['fixed']}:", ""]
    lines += _table(
        ["", *bs],
        [[k1, *(_f(row[b]) if b in row else "" for b in bs)] for k1, row in table["rows"].items()],
    )
    lines += ["", "Best nDCG@10 (all queries) reached with each value of each knob:", ""]
    lines += _table(
        ["knob", "values: best nDCG@10"],
        [
            [knob, ", ".join(f"{v}: {_f(x)}" for v, x in values.items())]
            for knob, values in t["knob_effects"].items()
        ],
        "ll",
    )
    if t.get("coordination_whatif"):
        lines += [
            "",
            "**Coordination power.** The reference (searchlib's BM25F, see the score check; "
            "question words kept) multiplies the score by (share of words matched) ** p and "
            "searches k1, b and title_weight for each p, chosen on one half and reported on the "
            "other (searchlib's `Ranking.coordination` is p, 0.25 by default):",
            "",
        ]
        lines += _table(
            ["p", "chosen on", "configuration", "nDCG@10 on its half", "reported on",
             "nDCG@10", "MAP", "R@100"],
            [
                [
                    f"{r['power']:g}",
                    r["tuned_on"],
                    r["config"],
                    _f(r["tuning_figures"]["ndcg@10"]),
                    r["reported_half"],
                    _f(r["reported_figures"]["ndcg@10"]),
                    _f(r["reported_figures"]["map"]),
                    _f(r["reported_figures"]["recall@100"]),
                ]
                for r in t["coordination_whatif"]
            ],
            "rllrlrrr",
        )
    lines += ["", "The 10 best configurations on all queries:", ""]
    header = ["configuration", *(f"nDCG@10 {h}" for h in HALVES), "MAP all", "R@100 all"]
    lines += _table(
        header,
        [
            [x["label"], *(_f(x[h]["ndcg@10"]) for h in HALVES), _f(x["all"]["map"]),
             _f(x["all"]["recall@100"])]
            for x in t["trials"][:10]
        ],
    )
    return lines


def _ablation(rows: list[dict[str, Any]]) -> list[str]:
    header = ["model", "stemming", "stop list", *(f"{SHORT[m]} all" for m in MEASURES),
              "nDCG@10 odd", "nDCG@10 even"]
    body = [
        [
            r["model"] + f" ({r['mode']})",
            "yes" if r["stemming"] else "no",
            r["stopwords"],
            *(_f(r["all"][m]) for m in MEASURES),
            _f(r["odd"]["ndcg@10"]),
            _f(r["even"]["ndcg@10"]),
        ]
        for r in rows
    ]
    params = sorted({f"{r['model']}: {r['params']}" for r in rows})
    return [
        *_table(header, body, "lll" + "r" * 5),
        "",
        "Parameters: " + "; ".join(params) + ". Stop lists: `whoosh` is the 34 words "
        "searchlib's index drops, `english` NLTK's English list (153 words), `none` keeps "
        "every word of 2+ characters.",
    ]


def _coordination(rows: list[dict[str, Any]]) -> list[str]:
    header = ["setting", "ranking", *(f"{SHORT[m]} all" for m in MEASURES),
              "nDCG@10 odd", "nDCG@10 even"]
    body = [
        [
            r["setting"],
            r["ranking"],
            *(_f(r["all"][m]) for m in MEASURES),
            _f(r["odd"]["ndcg@10"]),
            _f(r["even"]["ndcg@10"]),
        ]
        for r in rows
    ]
    return _table(header, body, "ll" + "r" * 5)


def markdown(data: dict[str, Any]) -> str:
    """The report of a run, as Markdown."""
    c = data["collection"]
    lines = [
        f"# Relevance on {c['name']}",
        "",
        f"`{data['command']}`",
        "",
        f"{c['documents']} documents (empty documents left out by every system: "
        f"{', '.join(c['skipped_empty_documents']) or 'none'}), "
        f"{c['judged_queries']} judged queries ({c['halves']['odd']} odd and "
        f"{c['halves']['even']} even qids), {c['judgments']} judgments. Runs are "
        f"{data['depth']} deep; measures follow trec_eval (`ndcg_cut_10` with graded gains, "
        "`map`, `recall_100`; relevant = grade > 0; a query with no hits scores 0). "
        f"searchlib defaults: {data['searchlib_defaults']}. Run took {data['seconds']} s.",
        "",
        "## Results",
        "",
        *_results(data),
        "",
    ]
    for s in data["systems"]:
        lines.append(f"- **{s['name']}**: {s['description']}" + (
            f". {s['note']}" if s["note"] else ""
        ))
    checks = [s["trec_eval"] for s in data["systems"] if s.get("trec_eval")]
    if checks:
        agree = all(x["agrees"] for x in checks)
        worst = max(max(x["max_abs_diff"].values()) for x in checks)
        lines += [
            "",
            f"Every system's measures recomputed with {checks[0]['tool']} (trec_eval's C code): "
            + ("identical" if agree else "DIFFERENT") + f" (largest difference {worst:.1e}).",
        ]
    lines += ["", "Paired randomisation test of nDCG@10 against the best baseline "
              f"({data['best_baseline']}), 10,000 sign flips:", ""]
    lines += _table(
        ["system", "half", "nDCG@10 difference", "p"],
        [
            [s["system"], s["half"], f"{s['ndcg@10_diff']:+.4f}", f"{s['p_value']:.4f}"]
            for s in data["significance"]
        ],
        "llrr",
    )
    lines += [
        "",
        "## Score check: searchlib against the reference BM25F",
        "",
        "The reference recomputes Whoosh's BM25F (idf `log(N/(df+1))+1` per field, title and "
        "body summed, title term frequencies x2, `k1`, `b`) from the raw text, with and without "
        "Whoosh's one-byte field lengths, and ranks in searchlib's match mode.",
        "",
        *_score_check(data["score_check"]),
        "",
        "With quantised lengths the only difference left is `Hit.score`'s rounding to 6 "
        "decimals. With exact lengths, what is left is Whoosh's one-byte length encoding: "
        "a length is stored as the next value of a geometric grid at or above it (exact up to "
        "10 words, then steps of up to 9%), so long fields look a little longer, "
        "their BM25 length normalisation is a little stronger, and near-ties can swap. "
        + _rounding(data["score_check"]),
        "",
    ]
    if data.get("tuning"):
        lines += [*_tuning(data["tuning"]), ""]
    lines += [
        "## Stemming and stop words (reference BM25)",
        "",
        "searchlib cannot switch these without re-indexing, so the reference measures them: "
        "plain Okapi BM25, and `searchlib-equivalent`, the reference set up as searchlib's "
        "ranking (shown identical by the score check) with only the analysis changed.",
        "",
        *_ablation(data["analysis_ablation"]),
        "",
    ]
    if data.get("coordination_study"):
        lines += [
            "## What coordination costs (reference)",
            "",
            "searchlib's ranking reproduced by the reference (as in the score check), with the "
            "score multiplied by (share of the query's words matched) ** p (question words "
            "kept). p=1 is the classic coordination factor, p=0.25 searchlib's default "
            "`Ranking.coordination`, p=0 a plain OR, as the Whoosh OR baseline ranks.",
            "",
            *_coordination(data["coordination_study"]),
            "",
        ]
    return "\n".join(lines)
