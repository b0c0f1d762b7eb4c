"""Can searchlib afford the chosen ranking model? A numpy prototype timed on Reuters-21578.

Usage::

    python benchmarks/relevance/feasibility.py [--corpus FILE.jsonl.gz] [--sizes 18000 100000]
                                               [--queries N] [--out FILE.json]

It holds the data the library's vectorised scorer has (``searchlib/scoring.py``): for each
term and field a posting list as numpy arrays (document numbers, term frequencies; title
weights carry the index's x2 boost), per-document field lengths quantised to one byte, the
exact average lengths, and the stored title and body text; documents are analysed by
``searchlib.backends.whoosh.schema.text_analyzer()``. On that data it times, per query, with
every posting
list already decoded (the library keeps them in an LRU cache; the benchmark's medians are
taken after a warm-up pass):

* **today's scoring**: per word, BM25 of title and body with their own idf, united by dense
  accumulation (as ``SegmentScorer._union``), words intersected (AND) or united (OR, with
  coordination 0.25), all matches ordered (``ranking.order``);
* **the chosen model's first pass**: per word, the fields' normalised term frequencies
  accumulated densely, one idf from the either-field df, one saturation; the same AND / OR
  with coordination, OR ordered with the documents that have every word first;
* **feedback** (only for searches that do not require every word): the best documents'
  stored title and body re-analysed (with Whoosh's analyser, and with a plain-Python
  equivalent that gives the same terms), RM3 weights, the expansion terms (each checked to be
  in fewer than half the documents), their BM25F over the same matches, the re-ordering.

Queries: the 240 two-word AND queries of ``benchmarks/queries.json`` (what mode (c) runs) and
240 long queries, Reuters titles of 4 or more content words (seeded sample), run as OR. Sizes
above the corpus are the corpus repeated (document numbers shifted), as the speed benchmark's
100k is the same articles resampled. Medians and p95 in milliseconds are written to
``results/feasibility.json`` and ``.md``. The machine has 2 shared cores: compare the ratios.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "reuters21578-dev.jsonl.gz"
sys.path.insert(0, str(HERE))

from releval.model import FUNCTION_WORDS, IDF_FLOOR, Model, stored_length  # noqa: E402

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

K1_TODAY, B_TODAY, COORD_TODAY = 1.2, 0.75, 0.25


def whoosh_analyze() -> Callable[[str], list[str]]:
    """searchlib's analyser as text -> terms."""
    from searchlib.backends.whoosh.schema import text_analyzer

    analyzer = text_analyzer()
    return lambda text: [t.text for t in analyzer(text)]


def fast_analyze() -> Callable[[str], list[str]]:
    """The same terms as ``text_analyzer()`` in plain Python. Every filter of the analyser
    (lower case, Whoosh's accent table, its stop list and minimum length 2, the Porter stem)
    works on one word at a time, so each distinct word's term (or its absence) is computed
    once and remembered; the text is split with the same word pattern."""
    from whoosh.analysis import STOP_WORDS
    from whoosh.lang.porter import stem
    from whoosh.support.charset import accent_map

    from searchlib.backends.whoosh.schema import WORD

    table = str.maketrans(accent_map)
    stops = frozenset(STOP_WORDS)
    words = re.compile(WORD.pattern.replace("(", "(?:"))  # findall returns whole matches
    memo: dict[str, str | None] = {}

    def term(word: str) -> str | None:
        w = word.lower().translate(table)
        found = stem(w) if len(w) >= 2 and w not in stops else None
        if len(memo) >= 500_000:
            memo.clear()
        memo[word] = found
        return found

    def analyze(text: str) -> list[str]:
        get = memo.get
        out = []
        for word in words.findall(text):
            t = get(word, "")
            if t == "":
                t = term(word)
            if t is not None:
                out.append(t)
        return out

    return analyze


@dataclass
class Data:
    """What the library's scorer can read, for one index."""

    n: int
    title: dict[str, tuple[IntArray, FloatArray]]  # weights x2
    body: dict[str, tuple[IntArray, FloatArray]]
    len_title: FloatArray  # quantised
    len_body: FloatArray
    avg_title: float
    avg_body: float
    texts: list[tuple[str, str]]


def load_docs(path: Path) -> list[tuple[str, str]]:
    """(title, body) of every article with some text."""
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            title, body = (r.get("title") or "").strip(), (r.get("body") or "").strip()
            if title or body:
                out.append((title, body))
    return out


def build(texts: list[tuple[str, str]], analyze: Callable[[str], list[str]]) -> Data:
    """Analyse ``texts`` into posting arrays and quantised lengths."""
    lists: dict[str, dict[str, tuple[list[int], list[float]]]] = {"title": {}, "body": {}}
    lengths = {"title": [], "body": []}  # type: dict[str, list[int]]
    for i, (title, body) in enumerate(texts):
        for name, text, boost in (("title", title, 2.0), ("body", body, 1.0)):
            terms = analyze(text)
            lengths[name].append(len(terms))
            for t, f in Counter(terms).items():
                ids, ws = lists[name].setdefault(t, ([], []))
                ids.append(i)
                ws.append(f * boost)
    n = len(texts)

    def arrays(d: dict[str, tuple[list[int], list[float]]]) -> dict[
        str, tuple[IntArray, FloatArray]
    ]:
        return {
            t: (np.asarray(ids, dtype=np.int32), np.asarray(ws, dtype=np.float64))
            for t, (ids, ws) in d.items()
        }

    return Data(
        n=n,
        title=arrays(lists["title"]),
        body=arrays(lists["body"]),
        len_title=np.asarray([stored_length(x) for x in lengths["title"]], dtype=np.float64),
        len_body=np.asarray([stored_length(x) for x in lengths["body"]], dtype=np.float64),
        avg_title=sum(lengths["title"]) / n,
        avg_body=sum(lengths["body"]) / n,
        texts=texts,
    )


def tile(d: Data, size: int) -> Data:
    """``d`` repeated to ``size`` documents (document numbers shifted per copy)."""
    copies = math.ceil(size / d.n)

    def rep(post: dict[str, tuple[IntArray, FloatArray]]) -> dict[
        str, tuple[IntArray, FloatArray]
    ]:
        out = {}
        for t, (ids, ws) in post.items():
            all_ids = np.concatenate([ids + k * d.n for k in range(copies)])
            keep = all_ids < size
            out[t] = (all_ids[keep].astype(np.int32), np.tile(ws, copies)[keep])
        return out

    return Data(
        n=size,
        title=rep(d.title),
        body=rep(d.body),
        len_title=np.tile(d.len_title, copies)[:size],
        len_body=np.tile(d.len_body, copies)[:size],
        avg_title=d.avg_title,
        avg_body=d.avg_body,
        texts=(d.texts * copies)[:size],
    )


_EMPTY = (np.zeros(0, dtype=np.int32), np.zeros(0))


class Today:
    """searchlib's scoring today (``scoring.SegmentScorer``), on the arrays."""

    def __init__(self, d: Data) -> None:
        self.d = d

    def term(self, t: str) -> tuple[IntArray, FloatArray]:
        d = self.d
        parts = []
        for post, lengths, avg in ((d.title, d.len_title, d.avg_title),
                                   (d.body, d.len_body, d.avg_body)):
            ids, w = post.get(t, _EMPTY)
            if not len(ids):
                continue
            idf = math.log(d.n / (len(ids) + 1.0)) + 1.0
            fl = lengths[ids]
            s = idf * ((w * (K1_TODAY + 1)) / (w + K1_TODAY * ((1 - B_TODAY)
                                                             + B_TODAY * fl / avg)))
            parts.append((ids, s))
        if len(parts) < 2:
            return parts[0] if parts else _EMPTY
        total = np.zeros(d.n)
        present = np.zeros(d.n, dtype=np.bool_)
        for ids, s in parts:
            total[ids] += s
            present[ids] = True
        docs = np.flatnonzero(present).astype(np.int32)
        return docs, total[docs]

    def search(self, terms: Sequence[str], all_words: bool) -> tuple[IntArray, FloatArray]:
        parts = [self.term(t) for t in terms]
        if all_words:
            docs, scores = parts[0]
            for more_docs, more in parts[1:]:
                docs, a, b = np.intersect1d(docs, more_docs, assume_unique=True,
                                            return_indices=True)
                scores = scores[a] + more[b]
        else:
            total = np.zeros(self.d.n)
            count = np.zeros(self.d.n, dtype=np.int32)
            for ids, s in parts:
                total[ids] += s
                count[ids] += 1
            docs = np.flatnonzero(count).astype(np.int32)
            scores = total[docs]
            if len(terms) > 1:
                scores = scores * (count[docs] / len(terms)) ** COORD_TODAY
        order = np.lexsort([docs, -scores])
        return docs[order], scores[order]


class Chosen:
    """The chosen model's scoring (``releval.model``), on the same arrays."""

    def __init__(
        self,
        d: Data,
        m: Model,
        analyze: Callable[[str], list[str]],
        *,
        score_cache: bool = False,
    ) -> None:
        """``score_cache``: keep each term's BM25F scores per document once computed (they
        depend only on the index and the model), as the library keeps decoded postings."""
        self.d, self.m, self.analyze = d, m, analyze
        self.cache: dict[str, tuple[IntArray, FloatArray]] | None = {} if score_cache else None
        # the per-document normalisers depend only on the index and the model: computed once
        self.bt = (1 - m.b_title + m.b_title * d.len_title / d.avg_title) * 2.0 / m.title_weight
        self.bb = 1 - m.b_body + m.b_body * d.len_body / d.avg_body
        self.timings: dict[str, list[float]] = {}
        self.depth = 10  # hits wanted (mode (c) shows 10)
        self.function_terms = frozenset(t for w in FUNCTION_WORDS for t in analyze(w))
        # scratch arrays for feedback, reused from query to query (reset where touched)
        self.tf_scratch = np.zeros(d.n)
        self.mark = np.zeros(d.n, dtype=np.bool_)
        self.extra = np.zeros(d.n)

    def _tf(self, t: str) -> tuple[IntArray, FloatArray]:
        d = self.d
        ti, tw = d.title.get(t, _EMPTY)
        bi, bw = d.body.get(t, _EMPTY)
        if not len(ti):
            return bi, bw / self.bb[bi]
        if not len(bi):
            return ti, tw / self.bt[ti]
        acc = np.zeros(d.n)
        present = np.zeros(d.n, dtype=np.bool_)
        acc[ti] += tw / self.bt[ti]  # title weights hold tf x2; bt divides by title_weight/2
        acc[bi] += bw / self.bb[bi]
        present[ti] = True
        present[bi] = True
        docs = np.flatnonzero(present).astype(np.int32)
        return docs, acc[docs]

    def add_term(self, t: str, weight: float) -> None:
        """``extra += weight * BM25F(t)`` for every document with ``t``, in time proportional
        to its postings (scratch arrays, no pass over all documents)."""
        if self.cache is not None:
            found = self.cache.get(t)
            if found is None:
                found = self.cache[t] = self.term(t)
            self.extra[found[0]] += weight * found[1]
            return
        d = self.d
        ti, tw = d.title.get(t, _EMPTY)
        bi, bw = d.body.get(t, _EMPTY)
        tf, mark = self.tf_scratch, self.mark
        tf[ti] += tw / self.bt[ti]
        tf[bi] += bw / self.bb[bi]
        mark[ti] = True
        only_body = bi[~mark[bi]]
        mark[ti] = False
        docs = np.concatenate([ti, only_body])
        df = len(docs)
        idf = max(IDF_FLOOR, math.log((d.n - df + 0.5) / (df + 0.5)))
        x = tf[docs]
        k1 = self.m.k1
        self.extra[docs] += weight * idf * x * (k1 + 1) / (x + k1)
        tf[docs] = 0.0

    def term(self, t: str) -> tuple[IntArray, FloatArray]:
        if self.cache is not None and t in self.cache:
            return self.cache[t]
        docs, tf = self._tf(t)
        if not len(docs):
            return docs, tf
        df = len(docs)
        idf = max(IDF_FLOOR, math.log((self.d.n - df + 0.5) / (df + 0.5)))
        k1 = self.m.k1
        scores = idf * tf * (k1 + 1) / (tf + k1)
        if self.cache is not None:
            self.cache[t] = (docs, scores)
        return docs, scores

    def df_below_half(self, t: str) -> bool:
        """Fewer than half the documents have ``t`` (decided from per-field dfs when possible,
        as Whoosh's term info gives them, else from the union)."""
        n = self.d.n
        dt = len(self.d.title.get(t, _EMPTY)[0])
        db = len(self.d.body.get(t, _EMPTY)[0])
        if dt + db == 0 or max(dt, db) >= n / 2:
            return False
        if dt + db < n / 2:
            return True
        return len(self._tf(t)[0]) < n / 2

    def search(
        self, terms: Sequence[str], all_words: bool, feedback: bool
    ) -> tuple[IntArray, FloatArray]:
        m, n = self.m, len(terms)
        parts = [self.term(t) for t in terms]
        count = None
        if all_words:
            docs, scores = parts[0]
            for more_docs, more in parts[1:]:
                docs, a, b = np.intersect1d(docs, more_docs, assume_unique=True,
                                            return_indices=True)
                scores = scores[a] + more[b]
        else:
            total = np.zeros(self.d.n)
            count = np.zeros(self.d.n, dtype=np.int32)
            for ids, s in parts:
                total[ids] += s
                count[ids] += 1
            docs = np.flatnonzero(count).astype(np.int32)
            scores = total[docs]
            if n > 1 and m.coordination:
                scores = scores * (count[docs] / n) ** m.coordination
        if count is None:
            order = np.lexsort([docs, -scores])
        else:  # documents with every word first
            order = np.lexsort([docs, -scores, count[docs] < n])
        docs, scores = docs[order], scores[order]
        if not feedback or all_words or not len(docs):
            return docs, scores
        clock = time.perf_counter
        t0 = clock()
        first = docs[: m.feedback_docs].tolist()
        weights = scores[: m.feedback_docs].tolist()
        analysed = [self.analyze(self.d.texts[i][0]) + self.analyze(self.d.texts[i][1])
                    for i in first]
        t1 = clock()
        total_w = sum(weights)
        rel: Counter[str] = Counter()
        for terms_d, w in zip(analysed, weights, strict=True):
            if terms_d:
                inv = w / total_w / len(terms_d)
                for t, f in Counter(terms_d).items():
                    rel[t] += inv * f
        chosen: list[tuple[str, float]] = []
        for t, v in sorted(rel.items(), key=lambda tv: (-tv[1], tv[0])):
            if len(chosen) == m.feedback_terms:
                break
            if not t.isdigit() and t not in self.function_terms and self.df_below_half(t):
                chosen.append((t, v))
        t2 = clock()
        norm = sum(v for _, v in chosen)
        a = m.feedback_query_weight
        for t, v in chosen:
            self.add_term(t, (1 - a) * v / norm)
        extra = self.extra[docs]
        for t, _ in chosen:  # reset the scratch where the expansion terms touched it
            self.extra[self.d.title.get(t, _EMPTY)[0]] = 0.0
            self.extra[self.d.body.get(t, _EMPTY)[0]] = 0.0
        if n > 1 and m.coordination and count is not None:
            extra = extra * (count[docs] / n) ** m.coordination
        # the original words' part is the first pass's score (coordination included), rescaled
        new = a / n * scores + extra
        # the best ``depth``: documents with every word first, then by score, then number
        assert count is not None
        key = np.where(count[docs] >= n, new + (new.max() - new.min() + 1.0), new)
        k = min(self.depth, len(key))
        cut = np.partition(-key, k - 1)[k - 1]
        head = np.flatnonzero(-key <= cut)  # the k best and any tied with the k-th
        order = head[np.lexsort([docs[head], -new[head], count[docs[head]] < n])][:k]
        t3 = clock()
        for key, value in (("analyse", t1 - t0), ("select", t2 - t1), ("rescore", t3 - t2)):
            self.timings.setdefault(key, []).append(value)
        return docs[order], new[order]  # the best ``depth``, in order


def benchmark_queries() -> list[list[str]]:
    """The 240 queries of ``benchmarks/queries.json`` as word lists."""
    data = json.loads((ROOT / "benchmarks" / "queries.json").read_text())
    return [q["q"].split() for q in data["queries"]]


def long_queries(d: Data, analyze: Callable[[str], list[str]], k: int, seed: int = 14) -> list[
    list[str]
]:
    """``k`` article titles with 4+ content words (function words out), seeded."""
    rng = random.Random(seed)
    word = re.compile(r"\w+(?:\.?\w+)*")
    pool = []
    for title, _ in d.texts:
        words = [w.lower() for w in word.findall(title) if w.lower() not in FUNCTION_WORDS]
        terms = list(dict.fromkeys(t for w in words for t in analyze(w)))
        if len(terms) >= 4:
            pool.append(terms)
    return rng.sample(pool, min(k, len(pool)))


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, p95 and mean in milliseconds."""
    xs = sorted(values)
    return {
        "median_ms": 1000 * statistics.median(xs),
        "p95_ms": 1000 * xs[min(len(xs) - 1, int(0.95 * len(xs)))],
        "mean_ms": 1000 * statistics.fmean(xs),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the timings; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--sizes", type=int, nargs="+", default=[18000, 100000])
    ap.add_argument("--queries", type=int, default=240, help="long queries (default 240)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "feasibility.json")
    args = ap.parse_args(argv)

    texts = load_docs(args.corpus)
    slow, fast = whoosh_analyze(), fast_analyze()
    sample = texts[:2000]
    t_slow = timed(lambda: [slow(a) + slow(b) for a, b in sample])
    t_fast = timed(lambda: [fast(a) + fast(b) for a, b in sample])
    tokens = sum(len(fast(a)) + len(fast(b)) for a, b in sample)
    same = all(slow(a) == fast(a) and slow(b) == fast(b) for a, b in texts)
    print(f"analysers: whoosh {t_slow / tokens * 1e6:.2f} us/term, python "
          f"{t_fast / tokens * 1e6:.2f} us/term, same terms on all {len(texts)} articles: "
          f"{same}", file=sys.stderr)
    started = time.perf_counter()
    base = build(texts, fast)
    print(f"built {base.n} articles in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    short = benchmark_queries()
    analysed_short = [list(dict.fromkeys(t for w in q for t in fast(w))) for q in short]
    longq = long_queries(base, fast, args.queries)
    model = Model()
    results: dict[str, Any] = {
        "command": "python benchmarks/relevance/feasibility.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "corpus": str(args.corpus),
        "articles": base.n,
        "analysers": {
            "whoosh_us_per_term": t_slow / tokens * 1e6,
            "python_us_per_term": t_fast / tokens * 1e6,
            "same_terms": same,
            "terms_per_article": tokens / len(sample),
        },
        "model": model.__dict__,
        "sizes": {},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "numpy": np.__version__},
    }
    for size in args.sizes:
        d = base if size == base.n else tile(base, size)
        today, chosen = Today(d), Chosen(d, model, fast)
        chosen_whoosh = Chosen(d, model, slow)
        chosen_cached = Chosen(d, model, fast, score_cache=True)
        chosen_10 = Chosen(d, replace(model, feedback_terms=10), fast)
        rows: dict[str, Any] = {}
        for label, queries, all_words in (("short AND (mode c's queries)", analysed_short, True),
                                          ("long OR (titles, 4+ words)", longq, False)):
            for q in queries:  # warm-up
                today.search(q, all_words)
                chosen.search(q, all_words, feedback=False)
                chosen_cached.search(q, all_words, feedback=True)
            times: dict[str, list[float]] = {"today": [], "chosen first pass": [],
                                             "chosen + feedback": [],
                                             "chosen + feedback (Whoosh analyser)": [],
                                             "chosen first pass, score cache": [],
                                             "chosen + feedback, score cache": [],
                                             "chosen + feedback, 10 terms": []}
            chosen.timings.clear()
            for q in queries:
                clock = time.perf_counter
                t0 = clock()
                today.search(q, all_words)
                t1 = clock()
                chosen.search(q, all_words, feedback=False)
                t2 = clock()
                chosen.search(q, all_words, feedback=True)
                t3 = clock()
                chosen_whoosh.search(q, all_words, feedback=True)
                t4 = clock()
                chosen_cached.search(q, all_words, feedback=False)
                t5 = clock()
                chosen_cached.search(q, all_words, feedback=True)
                t6 = clock()
                chosen_10.search(q, all_words, feedback=True)
                t7 = clock()
                times["chosen first pass, score cache"].append(t5 - t4)
                times["chosen + feedback, score cache"].append(t6 - t5)
                times["chosen + feedback, 10 terms"].append(t7 - t6)
                times["today"].append(t1 - t0)
                times["chosen first pass"].append(t2 - t1)
                times["chosen + feedback"].append(t3 - t2)
                times["chosen + feedback (Whoosh analyser)"].append(t4 - t3)
            row = {k: summary(v) for k, v in times.items()}
            added = [b - a for a, b in zip(times["chosen first pass"],
                                           times["chosen + feedback"], strict=True)]
            row["feedback added"] = summary(added)
            row["feedback added, score cache"] = summary(
                [b - a for a, b in zip(times["chosen first pass, score cache"],
                                       times["chosen + feedback, score cache"], strict=True)])
            row["feedback added, 10 terms"] = summary(
                [b - a for a, b in zip(times["chosen first pass"],
                                       times["chosen + feedback, 10 terms"], strict=True)])
            row["feedback parts (python analyser)"] = {
                k: summary(v) for k, v in chosen.timings.items()
            }
            row["first pass ratio chosen/today (medians)"] = (
                row["chosen first pass"]["median_ms"] / row["today"]["median_ms"]
            )
            row["queries"] = len(queries)
            rows[label] = row
            print(f"{size} {label}: today {row['today']['median_ms']:.3f} ms, chosen "
                  f"{row['chosen first pass']['median_ms']:.3f} ms, + feedback "
                  f"{row['feedback added']['median_ms']:.3f} ms (Whoosh analyser: "
                  f"{row['chosen + feedback (Whoosh analyser)']['median_ms']:.3f} ms total)",
                  file=sys.stderr)
        results["sizes"][str(size)] = rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(markdown(results))
    return 0


def markdown(r: dict[str, Any]) -> str:
    """The timings as a Markdown report."""
    a = r["analysers"]
    lines = [
        "# Feasibility of the chosen model: numpy prototype timings",
        "",
        f"`{r['command']}` on {r['articles']:,} Reuters articles "
        f"({r['machine']['platform']}, Python {r['machine']['python']}, numpy "
        f"{r['machine']['numpy']}). Postings decoded and in memory, as after the speed "
        "benchmark's warm-up. Milliseconds per query, median / p95.",
        "",
        f"Re-analysing stored text: Whoosh's `text_analyzer()` {a['whoosh_us_per_term']:.2f} "
        f"us per term, the plain-Python equivalent {a['python_us_per_term']:.2f} us per term "
        f"(same terms on every article: {a['same_terms']}); {a['terms_per_article']:.0f} terms "
        "per article.",
        "",
        "| size | queries | today | chosen, first pass | ratio | feedback added | "
        "feedback: analyse / select / rescore | feedback total, Whoosh analyser | "
        "first pass, score cache | feedback added, score cache | feedback added, 10 terms |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size, rows in r["sizes"].items():
        for label, row in rows.items():
            def mp(x: dict[str, float]) -> str:
                return f"{x['median_ms']:.3f} / {x['p95_ms']:.3f}"

            parts = row["feedback parts (python analyser)"]
            fb = "n/a (AND: no feedback)" if not parts else " / ".join(
                f"{parts[k]['median_ms']:.3f}" for k in ("analyse", "select", "rescore")
            )
            added = "0 (not used)" if not parts else mp(row["feedback added"])
            cached = "0" if not parts else mp(row["feedback added, score cache"])
            ten = "0" if not parts else mp(row["feedback added, 10 terms"])
            lines.append(
                f"| {int(size):,} | {label} ({row['queries']}) | {mp(row['today'])} | "
                f"{mp(row['chosen first pass'])} | "
                f"{row['first pass ratio chosen/today (medians)']:.2f} | {added} | {fb} | "
                f"{mp(row['chosen + feedback (Whoosh analyser)'])} | "
                f"{mp(row['chosen first pass, score cache'])} | {cached} | {ten} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
