"""The searchlib benchmark suite: query latency, indexing speed and cost growth, against peers.

    python -m benchmarks.run [--size N ...] [--quick] [--engines NAME ...] --out FILE.json
    python -m benchmarks.run --make-queries          # regenerate benchmarks/queries.json

One command measures, for each corpus size and engine (searchlib, plain whoosh, sqlite-fts5,
tantivy), on the same documents and the same fixed query set:

* query latency (median / p95 / p99 over the query set, after a warm-up pass) in four modes:
  (a) top 10; (b) top 10 with highlights; (c) top 10, highlights, facet counts over all matches
  (person, org, location, tag) and a month histogram; (d) as (c) within a date range;
* indexing speed in documents per second, end to end (read the JSON Lines, extract entities,
  index) and index only (pre-read, pre-extracted articles), with 1 and with N processes, each
  run in a fresh subprocess that reports its peak RSS, plus the size of the index on disk;
* whether the engines answer the same question (hit counts per query), and a correctness gate:
  searchlib's facet counts and month histogram must equal plain Whoosh's on the same matches.

It writes FILE.json and FILE.md (a Markdown report) and exits non-zero if the gate fails.

Corpora: Reuters-21578 (18,000 records, 17,999 articles) as is; a smaller size is its first N
articles ("subset"); a larger size is "resampled": the real articles repeated (each pass in a
new seeded random order) with new ids and dates drawn uniformly over ten years.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import pickle
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import searchlib
from searchlib import Article, read_paths

from .common import REUTERS, log, percentile, rss_mb, searchlib_source, version_of
from .common import REUTERS_OPTIONS as READ_OPTIONS
from .common.machine import machine_info as _machine_info
from .peers import (
    ENGINE_NAMES,
    FACETS,
    MODE_DESCRIPTIONS,
    MODES,
    Answer,
    DateRange,
    dir_size,
    load_engine,
)

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.json"

QUERY_SEED = 20240603
RESAMPLE_SEED = 1987
RESAMPLE_START = dt.date(1987, 1, 1)
RESAMPLE_END = dt.date(1996, 12, 31)
QUERIES_PER_KIND = 80
QUICK_SIZE = 1000
QUICK_QUERIES_PER_KIND = 8
DEFAULT_BUDGET_S = 240.0
MIN_SAMPLED_QUERIES = 30
MISMATCH_TOLERANCE = 0.05


# -- small helpers ---------------------------------------------------------------------------


def machine_info(source: dict[str, Any]) -> dict[str, Any]:
    """The machine and the versions of everything measured (``source``: the searchlib code
    measured, taken when the run started)."""
    info = _machine_info("tantivy")
    info["versions"].update(
        searchlib_source=source,
        searchlib_commit=source["commit"],
        searchlib_uncommitted_changes=source["uncommitted_changes"],
    )
    info["versions"]["sqlite"] = sqlite3.sqlite_version
    return info


# -- queries ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+(?:\.?\w+)*")  # Whoosh's default RegexTokenizer expression


class _StopStems:
    """Tells whether a word stems like a stop word in any engine's stemmer.

    Whoosh removes stop words from documents before stemming, FTS5 and tantivy keep them: a
    query word such as "its" (Porter: "it") or "one" (FTS5's Porter: "on") would match every
    article containing the stop word in those engines only, a different question.
    """

    def __init__(self) -> None:
        from whoosh.analysis import STOP_WORDS
        from whoosh.lang.porter import stem
        from whoosh.lang.snowball.english import EnglishStemmer

        self.stop = frozenset(STOP_WORDS)
        self.stemmers = (stem, EnglishStemmer().stem)
        self.stems = {f(w) for w in self.stop for f in self.stemmers} | self.stop
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE stop USING fts5(w, tokenize='porter unicode61')")
        self.db.executemany("INSERT INTO stop(w) VALUES (?)", [(w,) for w in self.stop])
        self.cache: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self.cache.get(word)
        if found is None:
            found = word in self.stop or any(f(word) in self.stems for f in self.stemmers)
            if not found:
                q = '"' + word + '"'
                found = self.db.execute("SELECT 1 FROM stop WHERE stop MATCH ?", (q,)).fetchone()
                found = found is not None
            self.cache[word] = found
        return found


_stop_stems: _StopStems | None = None


def _plain_words(text: str) -> list[str]:
    """Lower-case words of ``text`` that every engine reads alike: ASCII letters only, at least
    3 long, neither a stop word nor stemmed like one (see :class:`_StopStems`)."""
    global _stop_stems
    if _stop_stems is None:
        _stop_stems = _StopStems()
    out = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group()
        if len(word) >= 3 and word.isascii() and word.isalpha() and not _stop_stems(word):
            out.append(word)
    return out


def _distinct_stems(words: Iterable[str]) -> bool:
    from whoosh.lang.porter import stem

    seen = [stem(w) for w in words]
    return len(set(seen)) == len(seen)


def make_queries(corpus: Path, out: Path, per_kind: int = QUERIES_PER_KIND) -> dict[str, Any]:
    """Build the fixed query set from Reuters and write it to ``out``.

    Three kinds, ``per_kind`` each, from one seeded RNG: ``title-pair`` (two words of one
    article's title), ``entity`` (one name found by searchlib's default extractor: half among
    the 200 most frequent names, half among the rest found in at least 2 articles) and
    ``body-pair`` (two of the 300 most frequent body words that occur in the same article).
    Every word passes :func:`_plain_words`, so all engines read the query words the same way
    (they may still stem or split the documents' words differently).
    """
    rng = random.Random(QUERY_SEED)
    articles = [a for a in read_paths([corpus], READ_OPTIONS) if isinstance(a, Article)]
    extractor = searchlib.default_extractor()
    queries: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(text: str, kind: str, **extra: Any) -> bool:
        if text in seen:
            return False
        seen.add(text)
        queries.append({"id": len(queries) + 1, "kind": kind, "q": text, **extra})
        return True

    titled = [a for a in articles if len(set(_plain_words(a.title))) >= 2]
    made = 0
    while made < per_kind:
        article = rng.choice(titled)
        pair = rng.sample(sorted(set(_plain_words(article.title))), 2)
        if _distinct_stems(pair) and add(" ".join(pair), "title-pair", source=article.id):
            made += 1

    df: Counter[tuple[str, str]] = Counter()
    for article in articles:
        for entity in extractor.extract(article.title, article.body):
            df[(entity.kind, entity.name)] += 1
    candidates = [
        (kind, name, n)
        for (kind, name), n in df.most_common()
        if n >= 2 and 1 <= len(name.split()) <= 3 and _plain_words(name) == name.lower().split()
    ]
    for pool, want in (
        (candidates[:200], per_kind // 2),
        (candidates[200:], per_kind - per_kind // 2),
    ):
        made = 0
        for kind, name, n in rng.sample(pool, len(pool)):
            if made == want:
                break
            made += add(name.lower(), "entity", entity=name, entity_kind=kind, entity_docs=n)

    body_df: Counter[str] = Counter()
    body_words = []
    for article in articles:
        words = set(_plain_words(article.body))
        body_words.append(words)
        body_df.update(words)
    frequent = {w for w, _ in body_df.most_common(300)}
    made = 0
    while made < per_kind:
        present = sorted(rng.choice(body_words) & frequent)
        if len(present) < 2:
            continue
        pair = rng.sample(present, 2)
        if _distinct_stems(pair) and add(" ".join(pair), "body-pair"):
            made += 1

    data = {
        "description": "Fixed benchmark queries (plain words, all required), generated by "
        "`python benchmarks/run.py --make-queries` from Reuters-21578.",
        "seed": QUERY_SEED,
        "corpus": corpus.name,
        "kinds": {
            "title-pair": "two words of one article's title",
            "entity": "a name found by searchlib's default extractor (all its words required)",
            "body-pair": "two of the 300 most frequent body words, found in one same article",
        },
        "queries": queries,
    }
    out.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return data


def load_queries(path: Path, per_kind: int | None) -> list[dict[str, Any]]:
    """The query set (the first ``per_kind`` of each kind when given)."""
    queries: list[dict[str, Any]] = json.loads(path.read_text())["queries"]
    if per_kind is None:
        return queries
    taken: Counter[str] = Counter()
    out = []
    for q in queries:
        if taken[q["kind"]] < per_kind:
            taken[q["kind"]] += 1
            out.append(q)
    return out


# -- corpora ---------------------------------------------------------------------------------


@dataclass
class Corpus:
    """One corpus size, prepared on disk."""

    size: int
    label: str  # "real", "subset" or "resampled"
    path: Path
    description: str
    articles: int = 0
    date_min: str | None = None
    date_max: str | None = None
    date_range: tuple[str, str] | None = None
    date_range_articles: int = 0
    articles_pickle: Path | None = None

    def dates(self) -> DateRange | None:
        """The range of mode (d) as dates."""
        if self.date_range is None:
            return None
        return dt.date.fromisoformat(self.date_range[0]), dt.date.fromisoformat(self.date_range[1])


def _usable(record: dict[str, Any]) -> bool:
    return bool((record.get("title") or "").strip() or (record.get("body") or "").strip())


def prepare_corpus(size: int, source: Path, workdir: Path) -> Corpus:
    """The corpus file for ``size`` articles (the source itself when it has exactly that many
    records)."""
    with gzip.open(source, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    usable = [r for r in records if _usable(r)]
    if size == len(records):
        return Corpus(
            size,
            "real",
            source,
            f"Reuters-21578 as is ({len(records):,} records, {len(usable):,} articles)",
        )
    path = workdir / f"corpus-{size}.jsonl.gz"
    if size < len(usable):
        chosen = usable[:size]
        label = "subset"
        description = f"the first {size:,} articles of Reuters-21578"
    else:
        rng = random.Random(RESAMPLE_SEED)
        span = (RESAMPLE_END - RESAMPLE_START).days
        chosen = []
        while len(chosen) < size:
            batch = usable[:]
            rng.shuffle(batch)
            chosen.extend(batch[: size - len(chosen)])
        resampled = []
        for i, record in enumerate(chosen, start=1):
            day = RESAMPLE_START + dt.timedelta(days=rng.randrange(span + 1))
            resampled.append(
                {
                    "id": f"resampled-{i:06d}",
                    "title": record.get("title"),
                    "date": day.isoformat(),
                    "body": record.get("body"),
                    "source": record.get("source"),
                    "url": None,
                    "topics": record.get("topics") or [],
                    "resampled_from": record.get("id"),
                }
            )
        chosen = resampled
        label = "resampled"
        description = (
            f"the {len(usable):,} real Reuters-21578 articles repeated to "
            f"{size:,} (each pass in a new random order, seed {RESAMPLE_SEED}), with new ids "
            f"and dates drawn uniformly from {RESAMPLE_START} to {RESAMPLE_END}"
        )
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as f:
        for record in chosen:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return Corpus(size, label, path, description)


def extract_corpus(corpus: Corpus, workdir: Path) -> list[Article]:
    """Read the corpus and extract every article's entities once (repeated texts reuse the
    first extraction); pickled for the index-only runs. Also sets the date range of mode (d):
    from the 1/3 to the 2/3 quantile of the articles' dates."""
    extractor = searchlib.default_extractor()
    cache: dict[tuple[str, str], Any] = {}
    articles = []
    for event in read_paths([corpus.path], READ_OPTIONS):
        if not isinstance(event, Article):
            continue
        key = (event.title, event.body)
        if key not in cache:
            cache[key] = extractor.extract(event.title, event.body)
        articles.append(replace(event, entities=cache[key], origin=None))
    corpus.articles = len(articles)
    days = sorted(a.date.isoformat() for a in articles if a.date)
    if days:
        corpus.date_min, corpus.date_max = days[0], days[-1]
        lo, hi = days[len(days) // 3], days[(2 * len(days)) // 3]
        corpus.date_range = (lo, hi)
        corpus.date_range_articles = sum(1 for d in days if lo <= d <= hi)
    corpus.articles_pickle = workdir / f"articles-{corpus.size}.pkl"
    with corpus.articles_pickle.open("wb") as f:
        pickle.dump(articles, f, protocol=pickle.HIGHEST_PROTOCOL)
    return articles


# -- indexing (each run in a fresh subprocess) -----------------------------------------------


def index_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one indexing job in this (fresh) process and measure it."""
    engine = load_engine(spec["engine"])
    path = Path(spec["path"])
    procs = int(spec["procs"])
    articles: list[Article] | None = None
    if spec["kind"] == "index-only":
        with open(spec["articles"], "rb") as f:
            articles = pickle.load(f)
    before = rss_mb()
    started = time.perf_counter()
    if articles is not None:
        docs = engine.build(path, articles, procs)
    else:
        docs = engine.ingest(path, Path(spec["corpus"]), READ_OPTIONS, procs)
    seconds = time.perf_counter() - started
    own = rss_mb("VmHWM")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "docs": docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(docs / seconds, 1),
        "peak_rss_mb": round(own, 1),
        "rss_before_mb": before,
        "children_peak_rss_mb": round(children, 1) if children else None,
        "index_mb": round(dir_size(path) / 2**20, 1),
    }


def run_indexing(
    engine: str, corpus: Corpus, kind: str, procs: int, target: Path
) -> dict[str, Any]:
    """One indexing run in a fresh subprocess; returns its measurements."""
    spec = {
        "engine": engine,
        "kind": kind,
        "procs": procs,
        "path": str(target),
        "corpus": str(corpus.path),
        "articles": str(corpus.articles_pickle),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--index-worker", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"indexing run {engine}/{kind}/procs={procs} failed:\n{proc.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def search_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: open an index, answer the query set once cold in mode (c), then in
    every mode; report the cold latencies and the process's peak RSS."""
    engine = load_engine(spec["engine"])
    queries = spec["queries"]
    dates: DateRange | None = None
    if spec["dates"]:
        first, last = (dt.date.fromisoformat(d) for d in spec["dates"])
        dates = (first, last)
    before = rss_mb()
    session = engine.open(Path(spec["path"]))
    cold = []
    try:
        for q in queries:
            started = time.perf_counter()
            session.search(q, "c", dates)
            cold.append((time.perf_counter() - started) * 1000)
        for mode in MODES:
            for q in queries:
                session.search(q, mode, dates)
    finally:
        session.close()
    return {
        "cold_first_ms": round(cold[0], 1),
        "cold_c_median_ms": round(percentile(cold, 50), 2),
        "cold_c_p95_ms": round(percentile(cold, 95), 2),
        "rss_before_mb": before,
        "peak_rss_mb": round(rss_mb("VmHWM"), 1),
    }


def run_search_process(
    engine: str, path: Path, queries: list[dict[str, Any]], dates: DateRange | None
) -> dict[str, Any]:
    """:func:`search_worker` in a fresh subprocess."""
    spec = {
        "engine": engine,
        "path": str(path),
        "queries": [q["q"] for q in queries],
        "dates": [d.isoformat() for d in dates] if dates else None,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--search-worker", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"search process {engine} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, as ratios measured in this run, at the largest size measured."""
    rows = {(r["engine"], r["size"], r["mode"]): r for r in report["queries"]}
    sizes = sorted({r["size"] for r in report["queries"]})
    if not sizes:
        return []
    big = sizes[-1]
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: str, ok: bool | None, detail: str) -> None:
        out.append(
            {"target": name, "size": big, "value": value, "goal": goal, "met": ok, "detail": detail}
        )

    ours = rows.get(("searchlib", big, "c"))
    for peer, goal, limit in (("whoosh", "<= 1/20", 1 / 20), ("sqlite-fts5", "<= 2", 2.0)):
        theirs = rows.get((peer, big, "c"))
        if ours and theirs:
            ratio = ours["p95_ms"] / theirs["p95_ms"]
            add(
                f"mode (c) p95, searchlib / {peer}",
                round(ratio, 4),
                goal,
                ratio <= limit,
                f"{ours['p95_ms']:.2f} ms vs {theirs['p95_ms']:.2f} ms",
            )
    fts = rows.get(("sqlite-fts5", big, "c"))
    if ours and fts:
        ratio = ours["p95_ms"] / fts["p95_ms"]
        add("stretch: mode (c) p95 <= FTS5's", round(ratio, 4), "<= 1", ratio <= 1, "")
    for size in sizes:
        a, b = rows.get(("searchlib", size, "a")), rows.get(("searchlib", size, "b"))
        if a and b:
            delta = b["median_ms"] - a["median_ms"]
            add(
                f"highlights: (b) - (a) median at {size:,}",
                round(delta, 3),
                "< 2 ms",
                delta < 2,
                f"{b['median_ms']:.2f} - {a['median_ms']:.2f} ms",
            )
    idx = [r for r in report["indexing"] if r["size"] == big]
    e2e = max(
        (r for r in idx if r["engine"] == "searchlib" and r["kind"] == "end-to-end"),
        key=lambda r: r["docs_per_s"],
        default=None,
    )
    plain = next(
        (
            r
            for r in idx
            if r["engine"] == "whoosh" and r["kind"] == "index-only" and r["procs"] == 1
        ),
        None,
    )
    if e2e and plain:
        ratio = e2e["docs_per_s"] / plain["docs_per_s"]
        add(
            "indexing end to end, all cores / plain Whoosh index-only, 1 process",
            round(ratio, 3),
            ">= 2",
            ratio >= 2,
            f"{e2e['docs_per_s']:,.0f} (procs {e2e['procs']}) vs {plain['docs_per_s']:,.0f} docs/s",
        )
    ours_idx = [r for r in idx if r["engine"] == "searchlib"]
    if ours_idx:
        peak = max(max(r["peak_rss_mb"], r.get("children_peak_rss_mb") or 0) for r in ours_idx)
        add("peak RSS while indexing", peak, "< 1500 MB", peak < 1500, "largest searchlib run")
    proc = next(
        (
            r
            for r in report.get("search_process", [])
            if r["engine"] == "searchlib" and r["size"] == big
        ),
        None,
    )
    if proc:
        add(
            "search process peak RSS",
            proc["peak_rss_mb"],
            "< 500 MB",
            proc["peak_rss_mb"] < 500,
            "index open, the query set answered in every mode",
        )
    return out


# -- queries ---------------------------------------------------------------------------------


@dataclass
class ModeRun:
    """The timed pass of one engine, size and mode."""

    engine: str
    size: int
    mode: str
    latencies_ms: list[float]
    answers: list[Answer | None]  # aligned with the query set; None where not timed
    warmup_queries: int
    sampled: bool = False
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """The JSON row of the ``queries`` list."""
        timed = [a for a in self.answers if a is not None]
        return {
            "engine": self.engine,
            "size": self.size,
            "mode": self.mode,
            "median_ms": round(percentile(self.latencies_ms, 50), 3),
            "p95_ms": round(percentile(self.latencies_ms, 95), 3),
            "p99_ms": round(percentile(self.latencies_ms, 99), 3),
            "mean_ms": round(sum(self.latencies_ms) / len(self.latencies_ms), 3),
            "max_ms": round(max(self.latencies_ms), 3),
            "total_hits": sum(a.total for a in timed),
            "queries": len(timed),
            "sampled": self.sampled,
            "warmup_queries": self.warmup_queries,
        }


def time_mode(
    session: Any,
    engine: str,
    size: int,
    mode: str,
    queries: list[dict[str, Any]],
    dates: DateRange | None,
    budget_s: float,
) -> ModeRun:
    """Warm up, then time every query (or an evenly spaced subset when the warm-up's pace says
    the full set would take longer than ``budget_s``; 0 means no limit)."""
    n = len(queries)
    warm_started = time.perf_counter()
    warm = 0
    for q in queries:
        session.search(q["q"], mode, dates)
        warm += 1
        if budget_s and time.perf_counter() - warm_started > budget_s / 4:
            break
    pace = (time.perf_counter() - warm_started) / warm
    chosen = list(range(n))
    if budget_s and pace * n > budget_s:
        k = max(MIN_SAMPLED_QUERIES, int(budget_s / pace))
        if k < n:
            chosen = sorted({round(i * n / k) for i in range(k)} - {n})
    answers: list[Answer | None] = [None] * n
    latencies = []
    for i in chosen:
        started = time.perf_counter()
        answer = session.search(queries[i]["q"], mode, dates)
        latencies.append((time.perf_counter() - started) * 1000)
        answers[i] = answer
    return ModeRun(engine, size, mode, latencies, answers, warm, sampled=len(chosen) < n)


# -- comparisons -----------------------------------------------------------------------------


def _close(a: int, b: int) -> bool:
    return abs(a - b) <= MISMATCH_TOLERANCE * max(a, b)


def compare_hits(
    runs: dict[tuple[str, int, str], ModeRun], queries: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per peer, size and mode: how many queries have the same hit count as searchlib, and the
    list of those differing by more than 5%."""
    summary = []
    mismatches = []
    for (engine, size, mode), run in sorted(runs.items()):
        ref = runs.get(("searchlib", size, mode))
        if engine == "searchlib" or ref is None:
            continue
        compared = equal = close = 0
        for i, (a, b) in enumerate(zip(ref.answers, run.answers, strict=True)):
            if a is None or b is None:
                continue
            compared += 1
            equal += a.total == b.total
            if _close(a.total, b.total):
                close += 1
            else:
                mismatches.append(
                    {
                        "engine": engine,
                        "size": size,
                        "mode": mode,
                        "query": queries[i]["q"],
                        "kind": queries[i]["kind"],
                        "searchlib_total": a.total,
                        "engine_total": b.total,
                    }
                )
        summary.append(
            {
                "engine": engine,
                "size": size,
                "mode": mode,
                "compared": compared,
                "equal": equal,
                "within_5pct": close,
                "over_5pct": compared - close,
            }
        )
    return summary, mismatches


def _facets_agree(a: list[tuple[str, int]], b: list[tuple[str, int]]) -> bool:
    """Same top-10 counts, and the same values above the last count (values tied at the
    cut-off may legitimately differ between engines that break ties differently)."""
    if [n for _, n in a] != [n for _, n in b]:
        return False
    if not a:
        return True
    cut = a[-1][1]
    return {v for v, n in a if n > cut} == {v for v, n in b if n > cut}


def facet_agreement(
    runs: dict[tuple[str, int, str], ModeRun],
) -> list[dict[str, Any]]:
    """For every peer: on queries with the same hit count as searchlib, how often the facets
    (tie-tolerant) and the month histogram agree."""
    out = []
    for (engine, size, mode), run in sorted(runs.items()):
        ref = runs.get(("searchlib", size, mode))
        if engine == "searchlib" or ref is None or mode not in ("c", "d"):
            continue
        same_total = facets_ok = months_ok = 0
        for a, b in zip(ref.answers, run.answers, strict=True):
            if a is None or b is None or a.total != b.total:
                continue
            same_total += 1
            facets_ok += all(_facets_agree(a.facets[f], b.facets[f]) for f in FACETS)
            months_ok += a.months == b.months
        out.append(
            {
                "engine": engine,
                "size": size,
                "mode": mode,
                "same_total": same_total,
                "facets_agree": facets_ok,
                "months_agree": months_ok,
            }
        )
    return out


def correctness_gate(
    runs: dict[tuple[str, int, str], ModeRun], queries: list[dict[str, Any]]
) -> dict[str, Any]:
    """searchlib's mode (c)/(d) answers against plain Whoosh's: equal totals, then exactly equal
    top-10 facet values and counts and month histograms."""
    checked = 0
    failures: list[dict[str, Any]] = []
    for (engine, size, mode), run in sorted(runs.items()):
        if engine != "whoosh" or mode not in ("c", "d"):
            continue
        ref = runs.get(("searchlib", size, mode))
        if ref is None:
            continue
        for i, (a, b) in enumerate(zip(ref.answers, run.answers, strict=True)):
            if a is None or b is None:
                continue
            checked += 1
            where = {"size": size, "mode": mode, "query": queries[i]["q"]}
            if a.total != b.total:
                failures.append(
                    {
                        **where,
                        "problem": "hit totals differ",
                        "searchlib": a.total,
                        "whoosh": b.total,
                    }
                )
                continue
            for name in FACETS:
                if a.facets.get(name) != b.facets.get(name):
                    failures.append(
                        {
                            **where,
                            "problem": f"facet {name} differs",
                            "searchlib": a.facets.get(name),
                            "whoosh": b.facets.get(name),
                        }
                    )
            if a.months != b.months:
                failures.append(
                    {
                        **where,
                        "problem": "month histogram differs",
                        "searchlib": a.months,
                        "whoosh": b.months,
                    }
                )
    if checked == 0:
        status = "not run (needs the searchlib and whoosh engines)"
    else:
        status = "passed" if not failures else "FAILED"
    return {
        "status": status,
        "rule": "for every query timed by both in modes (c) and (d): searchlib's total equals "
        "plain Whoosh's, and then its top-10 values and counts for person/org/location/tag "
        "and its non-empty month buckets equal Whoosh's exactly",
        "checked": checked,
        "failures": failures,
    }


# -- the report ------------------------------------------------------------------------------


def _fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def markdown(report: dict[str, Any]) -> str:
    """The Markdown rendering of a report."""
    m = report["machine"]
    v = m["versions"]
    lines = [
        "# searchlib benchmark",
        "",
        f"Run {report['started']} in {report['elapsed_s'] / 60:.1f} min: `{report['command']}`",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB RAM, {m['os']}, "
        f"Python {m['python']}",
        f"- Versions: searchlib {v['searchlib']} (commit {v['searchlib_commit']}, imported "
        f"from `{v['searchlib_source']['path']}`), whoosh3 "
        f"{v['whoosh3']}, tantivy {v['tantivy']}, SQLite {v['sqlite']}",
        f"- Queries: {report['query_set']['count']} from `benchmarks/queries.json` "
        f"({', '.join(f'{n} {k}' for k, n in report['query_set']['kinds'].items())}); "
        "all words required (strict AND) in every engine",
        f"- Warm-up: {report['method']['warmup']}",
        "",
    ]
    if report.get("targets"):
        lines += [
            "## Targets (issue 3), measured in this run",
            "",
            "| target | size | measured | goal | met | detail |",
            "| --- | ---: | ---: | --- | --- | --- |",
        ]
        for t in report["targets"]:
            met = "yes" if t["met"] else "**no**"
            lines.append(
                f"| {t['target']} | {t['size']:,} | {t['value']} | {t['goal']} | {met} | "
                f"{t['detail']} |"
            )
        lines.append("")
    if report.get("search_process"):
        lines += [
            "searchlib in a fresh process (index open, nothing cached): the query set once in "
            "mode (c), then once in every mode:",
            "",
            "| size | first query ms | cold (c) median / p95 ms | peak RSS MB |",
            "| ---: | ---: | ---: | ---: |",
        ]
        for r in report["search_process"]:
            lines.append(
                f"| {r['size']:,} | {r['cold_first_ms']} | {r['cold_c_median_ms']} / "
                f"{r['cold_c_p95_ms']} | {r['peak_rss_mb']} |"
            )
        lines.append("")
    lines += [
        "## Corpora",
        "",
        "| size | kind | articles | dates | date range of mode (d) |",
        "| ---: | --- | ---: | --- | --- |",
    ]
    for c in report["corpora"]:
        dr = c["date_range"]
        lines.append(
            f"| {c['size']:,} | **{c['label']}**: {c['description']} | {c['articles']:,} | "
            f"{c['date_min']} to {c['date_max']} | {dr[0]} to {dr[1]} "
            f"({c['date_range_articles']:,} articles) |"
        )
    engines = report["engines_run"]
    rows = {(r["engine"], r["size"], r["mode"]): r for r in report["queries"]}
    lines += [
        "",
        "## Query latency (ms): median / p95 / p99",
        "",
        "Modes: " + "; ".join(f"{d}" for d in MODE_DESCRIPTIONS.values()) + ".",
        "",
    ]
    for c in report["corpora"]:
        size = c["size"]
        lines += [
            f"### {size:,} articles ({c['label']})",
            "",
            "| mode | " + " | ".join(engines) + " |",
            "| --- | " + " | ".join("---:" for _ in engines) + " |",
        ]
        for mode in MODES:
            cells = []
            for engine in engines:
                r = rows.get((engine, size, mode))
                if r is None:
                    cells.append("-")
                    continue
                cell = (
                    f"{_fmt_ms(r['median_ms'])} / {_fmt_ms(r['p95_ms'])} / {_fmt_ms(r['p99_ms'])}"
                )
                if r["sampled"]:
                    cell += f" ({r['queries']} q)"
                cells.append(cell)
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
        lines += [
            "",
            "Total hits over the queries timed (the same question should give similar sums):",
            "",
            "| mode | " + " | ".join(engines) + " |",
            "| --- | " + " | ".join("---:" for _ in engines) + " |",
        ]
        for mode in MODES:
            cells = []
            for engine in engines:
                r = rows.get((engine, size, mode))
                if r is None:
                    cells.append("-")
                else:
                    extra = f" ({r['queries']} q)" if r["sampled"] else ""
                    cells.append(f"{r['total_hits']:,}{extra}")
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
        lines.append("")
    if any(r["sampled"] for r in report["queries"]):
        lines += [
            "`(N q)`: the full set would have taken longer than the time budget "
            f"({report['method']['budget_s']:g} s per engine, size and mode, judged from the "
            "warm-up's pace), so N evenly spaced queries of the set were timed instead.",
            "",
        ]
    lines += [
        "## Indexing",
        "",
        "Each run is a fresh subprocess. End to end: read the JSON Lines file, extract entities, "
        "index. Index only: articles already read and extracted (loaded before the clock "
        "starts; they count in the RSS). Peak RSS is the process's own; with procs > 1 the "
        "largest worker process is in parentheses.",
        "",
        "| engine | size | kind | procs | docs/s | seconds | peak RSS MB | index MB |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["indexing"]:
        rss = f"{r['peak_rss_mb']:.0f}"
        if r.get("children_peak_rss_mb"):
            rss += f" ({r['children_peak_rss_mb']:.0f})"
        lines.append(
            f"| {r['engine']} | {r['size']:,} | {r['kind']} | {r['procs']} | "
            f"{r['docs_per_s']:,.0f} | {r['seconds']:.1f} | {rss} | {r['index_mb']:.1f} |"
        )
    sizes = [c["size"] for c in report["corpora"]]
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        lines += [
            "",
            f"## Cost growth from {small:,} to {large:,} articles ({large / small:.1f}x)",
            "",
            "Median query latency and indexing time per document, large / small:",
            "",
            "| engine | " + " | ".join(MODES) + " | index-only (procs 1) |",
            "| --- | " + " | ".join("---:" for _ in MODES) + " | ---: |",
        ]
        index_rows = {
            (r["engine"], r["size"], r["kind"], r["procs"]): r for r in report["indexing"]
        }
        for engine in engines:
            cells = []
            for mode in MODES:
                a, b = rows.get((engine, small, mode)), rows.get((engine, large, mode))
                cells.append(f"{b['median_ms'] / a['median_ms']:.1f}x" if a and b else "-")
            ia = index_rows.get((engine, small, "index-only", 1))
            ib = index_rows.get((engine, large, "index-only", 1))
            cells.append(f"{ia['docs_per_s'] / ib['docs_per_s']:.2f}x" if ia and ib else "-")
            lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Do the engines answer the same question?",
        "",
        "Per query, each peer's hit count against searchlib's (queries timed by both):",
        "",
        "| engine | size | mode | compared | equal | within 5% | over 5% |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for s in report["hit_agreement"]:
        lines.append(
            f"| {s['engine']} | {s['size']:,} | {s['mode']} | {s['compared']} | {s['equal']} | "
            f"{s['within_5pct']} | {s['over_5pct']} |"
        )
    mism = report["mismatches"]
    if mism:
        by_query: dict[tuple[str, int, str], list[str]] = {}
        for x in mism:
            key = (x["engine"], x["size"], x["query"])
            by_query.setdefault(key, []).append(
                f"{x['mode']} {x['searchlib_total']} vs {x['engine_total']}"
            )
        lines += [
            "",
            f"Hit counts differing by more than 5% ({len(by_query)} engine/size/query "
            "combinations; searchlib vs the peer):",
            "",
        ]
        for (engine, size, query), where in sorted(by_query.items()):
            lines.append(f"- {engine}, {size:,}: `{query}`: {'; '.join(where)}")
    if report["facet_agreement"]:
        lines += [
            "",
            "Facets and month histograms against searchlib's, on queries with equal hit counts "
            "(facets compared tie-tolerantly: the same counts, and the same values above the "
            "10th count):",
            "",
            "| engine | size | mode | equal totals | facets agree | months agree |",
            "| --- | ---: | --- | ---: | ---: | ---: |",
        ]
        for s in report["facet_agreement"]:
            lines.append(
                f"| {s['engine']} | {s['size']:,} | {s['mode']} | {s['same_total']} | "
                f"{s['facets_agree']} | {s['months_agree']} |"
            )
    gate = report["correctness_gate"]
    lines += [
        "",
        "## Correctness gate",
        "",
        f"**{gate['status']}**: {gate['checked']} query answers checked; rule: {gate['rule']}.",
    ]
    for f in gate["failures"][:20]:
        lines.append(f"- {f['size']:,} {f['mode']} `{f['query']}`: {f['problem']}")
    lines += ["", "## How each engine was driven", ""]
    for name in engines:
        e = report["engines"][name]
        lines.append(f"- **{name}** {e['version']}: facets: {e['facet_method']}. {e['notes']}.")
    lines += ["", "Notes:", ""]
    lines += [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


# -- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the suite (or one of the helper commands)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, nargs="+", default=None, help="corpus sizes")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_SIZE:,} articles, {QUICK_QUERIES_PER_KIND} queries per kind, "
        "procs 1",
    )
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINE_NAMES, default=None, help="default: all available"
    )
    parser.add_argument("--out", type=Path, help="the JSON file (the Markdown goes next to it)")
    parser.add_argument(
        "--procs", type=int, nargs="+", default=None, help="default: 1 and all cores"
    )
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--corpus", type=Path, default=REUTERS)
    parser.add_argument(
        "--budget-s",
        type=float,
        default=DEFAULT_BUDGET_S,
        help="longest timed pass per engine, size and mode before sampling (0: no limit)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep indexes here")
    parser.add_argument("--make-queries", action="store_true", help="regenerate the query set")
    parser.add_argument("--index-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--search-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.index_worker:
        print(json.dumps(index_worker(json.loads(args.index_worker))))
        return 0
    if args.search_worker:
        print(json.dumps(search_worker(json.loads(args.search_worker))))
        return 0
    if not args.corpus.exists():
        print(f"error: corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    if args.make_queries:
        data = make_queries(args.corpus, args.queries)
        print(f"wrote {len(data['queries'])} queries to {args.queries}")
        return 0
    if args.out is None:
        parser.error("--out FILE.json is required")

    available = [n for n in ENGINE_NAMES if n != "tantivy" or version_of("tantivy")]
    engines: list[str] = args.engines or available
    missing = [n for n in engines if n not in available]
    if missing:
        print(f"error: not installed: {', '.join(missing)} (pip install tantivy)", file=sys.stderr)
        return 2
    sizes: list[int] = args.size or ([QUICK_SIZE] if args.quick else [18000, 100000])
    procs_list: list[int] = args.procs or ([1] if args.quick else sorted({1, os.cpu_count() or 1}))
    queries = load_queries(args.queries, QUICK_QUERIES_PER_KIND if args.quick else None)
    source_at_start = searchlib_source()
    started_at = dt.datetime.now().isoformat(timespec="seconds")
    started = time.perf_counter()

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="searchlib-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpora: list[Corpus] = []
    indexing: list[dict[str, Any]] = []
    runs: dict[tuple[str, int, str], ModeRun] = {}
    search_processes: list[dict[str, Any]] = []
    engine_info: dict[str, dict[str, str]] = {}
    inexact: Counter[str] = Counter()
    try:
        for name in engines:
            e = load_engine(name)
            engine_info[name] = {
                "version": e.version(),
                "facet_method": e.facet_method,
                "notes": e.notes,
            }
        for size in sizes:
            log(f"size {size:,}: preparing the corpus")
            corpus = prepare_corpus(size, args.corpus, work)
            extract_corpus(corpus, work)
            corpora.append(corpus)
            log(f"size {size:,}: {corpus.articles:,} articles ({corpus.label})")
            for name in engines:
                engine = load_engine(name)
                query_index = work / f"{name}-{size}"
                for kind in ("index-only", "end-to-end"):
                    for procs in procs_list:
                        if not engine.supports_procs(procs):
                            continue
                        keep = kind == "index-only" and procs == 1
                        target = query_index if keep else work / f"tmp-{name}-{size}"
                        for old in (target,):
                            if old.exists():
                                shutil.rmtree(old) if old.is_dir() else old.unlink()
                        log(f"size {size:,}: indexing {name} {kind} procs={procs}")
                        result = run_indexing(name, corpus, kind, procs, target)
                        indexing.append(
                            {"engine": name, "size": size, "kind": kind, "procs": procs, **result}
                        )
                        log(
                            f"  {result['docs']:,} docs, {result['docs_per_s']:,.0f} docs/s, "
                            f"peak RSS {result['peak_rss_mb']:.0f} MB, index "
                            f"{result['index_mb']:.1f} MB"
                        )
                        if not keep:
                            shutil.rmtree(target) if target.is_dir() else target.unlink()
                if name == "searchlib":
                    log(f"size {size:,}: searchlib in a fresh process (cold queries, peak RSS)")
                    measured = run_search_process(name, query_index, queries, corpus.dates())
                    search_processes.append({"engine": name, "size": size, **measured})
                    log(
                        f"  cold (c): first {measured['cold_first_ms']:.0f} ms, median "
                        f"{measured['cold_c_median_ms']:.2f} ms, p95 "
                        f"{measured['cold_c_p95_ms']:.2f} ms; peak RSS "
                        f"{measured['peak_rss_mb']:.0f} MB"
                    )
                session = engine.open(query_index)
                try:
                    for mode in MODES:
                        run = time_mode(
                            session, name, size, mode, queries, corpus.dates(), args.budget_s
                        )
                        runs[(name, size, mode)] = run
                        r = run.row()
                        log(
                            f"size {size:,}: {name} {mode}: median {r['median_ms']:.2f} ms, "
                            f"p95 {r['p95_ms']:.2f} ms ({r['queries']} queries, "
                            f"{r['total_hits']:,} hits)"
                        )
                finally:
                    inexact[name] += getattr(session, "inexact", 0)
                    session.close()
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)

    hit_summary, mismatches = compare_hits(runs, queries)
    gate = correctness_gate(runs, queries)
    notes = [
        "Every engine indexes the same articles: read by searchlib's JSON Lines reader (Reuters "
        "'topics' as tags), entities from searchlib's default extractor (rules-1); the peers "
        "get them pre-extracted in index-only runs and extract them in their own process in "
        "end-to-end runs.",
        "Each engine is queried on the index built by its index-only, procs=1 run.",
        "Queries are plain lower-case words, all required, matched in title or body; no "
        "phrases. Words were chosen so every engine tokenises them alike (ASCII letters, 3+ "
        "long, not a stop word); hit counts still differ where tokenisation or stemming of the "
        "documents differs (tantivy: Snowball, splits on every non-alphanumeric; FTS5: the "
        "original Porter, splits on punctuation; searchlib/whoosh: Porter, keeps 'u.s' and "
        "'1.5' as one token).",
        "Snippets are not comparable in size: searchlib and whoosh return up to 3 fragments "
        "per hit, FTS5 and tantivy one.",
        "Latency is wall time in this process, from the query string to plain Python values "
        "(ids, snippets, top-10 facet values, month counts).",
    ]
    source_at_end = searchlib_source()
    if source_at_end["digest"] != source_at_start["digest"]:
        notes.insert(
            0,
            "WARNING: searchlib's source files changed during this run (digest "
            f"{source_at_start['digest']} at the start, {source_at_end['digest']} at the end): "
            "the indexing subprocesses may have measured different versions. Re-run on a "
            "quiet checkout, or on a snapshot put first on PYTHONPATH.",
        )
        log(notes[0])
    if source_at_start["uncommitted_changes"]:
        notes.insert(0, "searchlib had uncommitted changes when this run started.")
    for name, n in inexact.items():
        if n:
            what = "partial answers (time limit)" if name == "searchlib" else "inexact answers"
            notes.insert(0, f"WARNING: {name} flagged {n} {what}.")
    report: dict[str, Any] = {
        "benchmark": "searchlib query and indexing benchmark (issue 3)",
        "started": started_at,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "command": "python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": machine_info(source_at_start),
        "corpora": [
            {k: v for k, v in asdict(c).items() if k not in ("path", "articles_pickle")}
            | {"file": c.path.name}
            for c in corpora
        ],
        "query_set": {
            "file": str(args.queries.name),
            "count": len(queries),
            "kinds": dict(Counter(q["kind"] for q in queries)),
        },
        "modes": MODE_DESCRIPTIONS,
        "method": {
            "warmup": "before each engine/size/mode is timed, the query set is run once "
            "untimed in that mode (stopped early after a quarter of the time budget)",
            "budget_s": args.budget_s,
            "percentiles": "linear interpolation between ranks",
            "mismatch_tolerance": MISMATCH_TOLERANCE,
        },
        "engines_run": engines,
        "engines": engine_info,
        "queries": [run.row() for run in runs.values()],
        "indexing": indexing,
        "search_process": search_processes,
        "hit_agreement": hit_summary,
        "mismatches": mismatches,
        "facet_agreement": facet_agreement(runs),
        "correctness_gate": gate,
        "notes": notes,
    }
    report["targets"] = targets(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    md = args.out.with_suffix(".md")
    md.write_text(markdown(report))
    log(f"wrote {args.out} and {md}")
    if gate["status"] == "FAILED":
        print(
            f"CORRECTNESS GATE FAILED: {len(gate['failures'])} differences between searchlib's "
            f"and plain Whoosh's facet counts/histograms/totals (see {md}); first: "
            f"{gate['failures'][0]}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
