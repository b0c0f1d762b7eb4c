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
    if t.get("coordination_whatif"):  # written by older runs
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


def _parity(p: dict[str, Any]) -> list[str]:
    lines = [
        "## Parity of the laboratory scorer",
        "",
        "The study's laboratory (`releval/lab.py`) must rank as searchlib does today, so that "
        "the causes it measures are changes of searchlib's real ranking, and as the chosen "
        "model's reference (`releval/model.py`), so that the study's figures are the model's. "
        f"Identical rankings (100 deep) out of {p['queries']} queries:",
        "",
    ]
    rows = [[f"lab today vs searchlib, {k}", f"{v}/{p['queries']}", ""]
            for k, v in p["lab_vs_searchlib"].items()]
    rows += [[f"lab chosen vs releval.model, match={k}",
              f"{v['identical_rankings']}/{p['queries']}", f"{v['max_rel_score_diff']:.1e}"]
             for k, v in p["lab_vs_model"].items()]
    return [*lines, *_table(["check", "identical rankings", "max rel. score diff"], rows, "lrr")]


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
    if data.get("targets"):
        best = data["best_baseline"]
        lines += ["", f"**Targets** (nDCG@10 >= best baseline {best} + 0.02):", ""]
        lines += _table(
            ["system", "nDCG@10", "goal", "met"],
            [[n, _f(t["ndcg@10"]), _f(t["goal"]), "yes" if t["met"] else "**no**"]
             for n, t in data["targets"].items()],
            "lrrl",
        )
    lines += ["", "Paired randomisation tests of nDCG@10 (10,000 sign flips), against the best "
              f"baseline ({data['best_baseline']}) and, for the chosen model, against "
              "searchlib today in the same mode:", ""]
    lines += _table(
        ["system", "versus", "half", "nDCG@10 difference", "p"],
        [
            [s["system"], s.get("versus", data["best_baseline"]), s["half"],
             f"{s['ndcg@10_diff']:+.4f}", f"{s['p_value']:.4f}"]
            for s in data["significance"]
        ],
        "lllrr",
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
    if data.get("parity"):
        lines += [*_parity(data["parity"]), ""]
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
    if data.get("coordination_study"):  # written by older runs
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


# -- the joint study (summary.json) -----------------------------------------------------------


def _delta(d: dict[str, float] | None) -> str:
    if not d:
        return ""
    stars = " *" if d["p"] < 0.05 else ""
    return f"{d['diff']:+.4f} (p {d['p']:.3f}){stars}"


def _study_table(rows: list[dict[str, Any]], names: list[str], *, previous: str,
                 baseline: bool = True, measures: tuple[str, ...] = ("ndcg@10",)) -> list[str]:
    header = ["change"]
    for n in names:
        header += [f"{n} {SHORT[m]}" for m in measures]
        header.append(f"{n} vs {previous}")
        if baseline:
            header.append(f"{n} vs best baseline")
    body = []
    for r in rows:
        cells = [r["label"]]
        for n in names:
            c = r["collections"][n]
            cells += [_f(c["figures"]["all"][m]) for m in measures]
            cells.append(_delta(c.get("vs_previous")))
            if baseline:
                cells.append(_delta(c.get("vs_best_baseline")))
        body.append(cells)
    return _table(header, body, "l" + "r" * (len(header) - 1))


def _knob_text(k: dict[str, Any]) -> str:
    return (f"k1={k['k1']:g} b={k['b_title']:g}/{k['b_body']:g} title={k['title_weight']:g} "
            f"coordination on long queries: {'yes' if k['coordination_long_queries'] else 'no'}, "
            f"feedback {k['feedback_docs']} docs/{k['feedback_terms']} terms/"
            f"{k['feedback_query_weight']}")


def summary(data: dict[str, Any]) -> str:
    """The joint study (``summary.json``) as Markdown."""
    names = list(data["collections"])
    st = data["study"]
    m = data["model"]
    lines = [
        "# Ranking study of issue 14: every collection",
        "",
        f"`{data['command']}` ({data['seconds']} s; {st['runs']} laboratory runs). "
        "nDCG@10 on all judged queries unless a half is named; differences are paired "
        "randomisation tests of nDCG@10 over the queries (10,000 sign flips, two-sided), "
        "`*` where p < 0.05. The model's spec is `benchmarks/relevance/MODEL.md`.",
        "",
        "Chosen model: " + ", ".join(f"{k}={v}" for k, v in m.items()) + ".",
        "",
        "## Systems",
        "",
    ]
    for n, c in data["collections"].items():
        lines += [f"### {n} ({c['documents']} documents, {c['judged_queries']} judged queries: "
                  f"{c['halves']['odd']} odd, {c['halves']['even']} even)", ""]
        header = ["system", "kind", *(f"{SHORT[x]} all" for x in MEASURES),
                  "nDCG@10 odd", "nDCG@10 even"]
        body = []
        for s in c["systems"]:
            name = s["name"] + (" (best baseline)" if s["name"] == c["best_baseline"] else "")
            body.append([name, s["kind"], *(_f(s["figures"]["all"][x]) for x in MEASURES),
                         _f(s["figures"]["odd"]["ndcg@10"]), _f(s["figures"]["even"]["ndcg@10"])])
        lines += _table(header, body, "ll" + "r" * 5)
        lines += ["", "Targets (nDCG@10 >= best baseline + 0.02): " + "; ".join(
            f"{k} {_f(t['ndcg@10'])} vs {_f(t['goal'])}: {'met' if t['met'] else 'NOT met'}"
            for k, t in c["targets"].items()) + "."]
        sig = [x for x in c["significance"] if x["half"] == "all"
               and x["system"].startswith("chosen")]
        if sig:
            lines += ["", "The chosen model, paired tests on all queries: " + "; ".join(
                f"{x['system']} vs {x['versus']} {x['ndcg@10_diff']:+.4f} (p {x['p_value']:.4f})"
                for x in sig) + "."]
        par = c["parity"]
        lines += ["", "Checks: the laboratory ranks as searchlib today ("
                  + ", ".join(f"{k}: {v}/{par['queries']}"
                              for k, v in par["lab_vs_searchlib"].items())
                  + " identical rankings) and as `releval.model` ("
                  + ", ".join(f"{k}: {v['identical_rankings']}/{par['queries']}, scores within "
                              f"{v['max_rel_score_diff']:.0e}"
                              for k, v in par["lab_vs_model"].items())
                  + "); searchlib's scores are the reference BM25F's ("
                  + ", ".join(f"{x['searchlib']}{' quantised' if x['quantized_lengths'] else ''}"
                              f": {x['hits_beyond_rounding']} of {x['hits_compared']} hits beyond "
                              "rounding" for x in c["score_check"] if x["quantized_lengths"])
                  + f"); measures agree with pytrec_eval: {c['trec_eval_agrees']}.", ""]
    lines += [
        "## The causes, one at a time",
        "",
        "Each row changes one thing in searchlib's ranking today (reproduced exactly by the "
        "laboratory: see the checks above) and is tested against it: `any` rows against "
        "today's `match=\"any\"`, `default` rows against today's default.",
        "",
    ]
    causes = st["causes"]
    for cause in dict.fromkeys(r["cause"] for r in causes):
        group = [dict(r, label=f"[{r['base']}] {r['label']}") for r in causes
                 if r["cause"] == cause]
        lines += [f"**{cause}**", "", *_study_table(group, names, previous="today"), ""]
    for match, rows in st["chain"].items():
        lines += [
            f"## The chosen model, one change at a time (`match=\"{match}\"`)" if match != "auto"
            else "## The chosen model, one change at a time (default mode)",
            "",
            *_study_table(rows, names, previous="previous row",
                          measures=("ndcg@10", "map", "recall@100")),
            "",
        ]
    lines += ["## Ablation of the chosen model (default mode)", "",
              *_study_table(st["ablation"], names, previous="chosen"), ""]
    lines += [
        "## Query modes",
        "",
        "The chosen scoring under each mode, on the collections' questions and on keyword "
        "queries made from them (`keywords-K`: each question's K content words that are "
        "rarest in the collection, in the question's order).",
        "",
    ]
    sets = list(dict.fromkeys(r["queries"] for r in st["modes"]))
    header = ["mode", *(f"{q} {n}" for q in sets for n in names)]
    variants = list(dict.fromkeys(r["label"] for r in st["modes"]))
    body = []
    for v in variants:
        cells = [v]
        for q in sets:
            for n in names:
                r = next(x for x in st["modes"] if x["label"] == v and x["queries"] == q)
                cells.append(_f(r["collections"][n]["figures"]["all"]["ndcg@10"]))
        body.append(cells)
    lines += [*_table(header, body), ""]
    t = st["tuning"]
    lines += [
        "## Tuning on half the queries",
        "",
        f"{t['settings']} settings in {t['seconds']} s; one setting for all collections, "
        "chosen on one half of every collection's queries and reported on the other half. "
        "Criterion `min_margin` (the target's form, used to choose the defaults): the smallest "
        "over the collections of nDCG@10 minus the best baseline's on that half; `mean`: the "
        "mean of the collections' nDCG@10 on that half, for comparison. Grid: "
        + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in t["grid"].items())
        + " (feedback values on each half's 3 best first-stage settings).",
        "",
    ]
    header = ["criterion: chosen on", "knobs", *(f"{n} tuning half" for n in names),
              *(f"{n} held out" for n in names), *(f"{n} held out vs best baseline"
                                                   for n in names)]
    body = []
    for c in t["choices"].values():
        row = [f"{c['criterion']}: {c['tuning_half']} -> {c['reported_half']}",
               _knob_text(c["knobs"])]
        row += [_f(c["collections"][n]["tuning"]["ndcg@10"]) for n in names]
        row += [_f(c["collections"][n]["reported"]["ndcg@10"]) for n in names]
        row += [_delta({"diff": x["diff"], "p": x["p"]})
                if (x := c["collections"][n]["vs_best_baseline_reported"]) else ""
                for n in names]
        body.append(row)
    lines += _table(header, body, "ll" + "r" * (len(header) - 2))
    d = t["defaults"]
    f = t["flatness"]
    lines += [
        "",
        f"The defaults ({_knob_text(d['knobs'])}): smallest margin over the best baselines "
        f"{d['min_margin']['all']:+.4f} on all queries (odd {d['min_margin']['odd']:+.4f}, "
        f"even {d['min_margin']['even']:+.4f}); rank {d['rank_on_all']} of {t['settings']} on "
        f"all queries. Flatness: the best setting's smallest margin is "
        f"{f['best_on_all']:+.4f}; {f['within_0.005']} settings are within 0.005 of it and "
        f"{f['within_0.01']} within 0.01; the median setting's is {f['median']:+.4f}.",
        "",
        "Best settings on all queries by smallest margin (optimistic):",
        "",
    ]
    header = ["knobs", "min margin all", "odd", "even", *(f"{n} nDCG@10" for n in names)]
    body = [[_knob_text(x["knobs"]), f"{x['min_margin_all']:+.4f}",
             f"{x['min_margin_odd']:+.4f}", f"{x['min_margin_even']:+.4f}",
             *(_f(x["per_collection"][n]) for n in names)] for x in t["top"]]
    lines += [*_table(header, body), ""]
    return "\n".join(lines)
