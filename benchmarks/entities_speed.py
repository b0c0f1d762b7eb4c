"""Throughput of the default entity extractor on one core, for seed-sized news articles.

The articles are the demo seed (markup removed, as the reader would) plus every FA-KES and BBC
article whose title and body together are 2-5 KB, i.e. around the seed's 3.5 KB. Each run calls
``extract(title, body)`` on every article once, in one thread; the word lists are loaded (and
timed) before the first run. The figure reported is the median of the runs.

The extractor remembers context-free answers across articles (the lexicon's bounded memo), as
it does over a long ingest. So that a run never times articles the extractor has already seen,
the memo is emptied before each timed pass and then warmed with other articles of the same
corpora (``--warmup``, untimed, none of them among the timed ones): each pass times unseen
articles, with a memo as warm as after a few hundred articles of an archive.

The machine is shared, so each pass is timed twice: by the wall clock and by the CPU time of
the process (``time.process_time``). Articles per CPU-second is the throughput per core that
the extractor would have on a core of its own; wall-clock rates fall whenever other programs
take the core, and are reported beside it.

With ``--baseline REF`` the same articles are also run through the extractor of another
version of searchlib, the tree of git revision ``REF`` (e.g. ``main``), in the same run: each
version runs in a process of its own, and their runs alternate (current, baseline, current,
...), so that the noise of a shared machine falls on both alike. Both medians and their ratio
are reported.

Usage::

    python benchmarks/entities_speed.py [--runs 7] [--limit 600] [--out results.json]
    python benchmarks/entities_speed.py --baseline main [--runs 9]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SEED = ROOT / "seeds" / "000_8685ec8866dbeeaa.txt"
MIN_BYTES, MAX_BYTES = 2_000, 5_000
SEED_REPEAT = 200
WARMUP = 600

Article = tuple[str, str]


def seed_article() -> Article:
    """The seed's title and body, with the link and emphasis markup a reader strips."""
    raw = SEED.read_text(encoding="utf-8")
    paras = [p.strip() for p in raw.strip().split("\n\n") if p.strip()]
    title, rest = paras[0], paras[2:]  # paras[1] is the date
    body = "\n\n".join(p for p in rest if not p.startswith(("Trends ", "Read more ")))
    body = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", body).replace("*", "")
    return title, body


def corpus_articles() -> list[Article]:
    """FA-KES and BBC articles, all sizes (empty when the corpora are absent)."""
    out: list[Article] = []
    fakes = CORPORA / "fa-kes" / "fa-kes.jsonl"
    bbc = CORPORA / "bbc" / "bbc.jsonl.gz"
    if fakes.exists():
        with fakes.open(encoding="utf-8") as f:
            out.extend((r["title"], r["body"]) for r in map(json.loads, f))
    if bbc.exists():
        with gzip.open(bbc, "rt", encoding="utf-8") as f:
            out.extend((r["title"], r["body"]) for r in map(json.loads, f))
    return out


def seed_sized(article: Article) -> bool:
    """Whether title and body together are 2-5 KB, around the seed's size."""
    return MIN_BYTES <= len((article[0] + article[1]).encode("utf-8")) <= MAX_BYTES


def benchmark_articles(limit: int, warmup: int = 0) -> tuple[list[Article], list[Article]]:
    """The timed articles (the seed, then seed-sized corpus articles, at most ``limit`` in all;
    0: no limit) and up to ``warmup`` other corpus articles to warm the memo with (the
    seed-sized ones left over first, then the others)."""
    corpus = corpus_articles()
    sized = [a for a in corpus if seed_sized(a)]
    timed = [seed_article(), *sized]
    if limit:
        timed = timed[:limit]
    chosen = set(timed)
    rest = [a for a in sized if a not in chosen] + [a for a in corpus if not seed_sized(a)]
    return timed, rest[:warmup]


class Bench:
    """One extractor, loaded in this process, timed over a fixed list of articles."""

    def __init__(self, articles: list[Article], warmup: list[Article]) -> None:
        from searchlib.entities import default_extractor
        from searchlib.entities.lexicon import load_lexicon

        t0 = time.perf_counter()
        self.lex = load_lexicon()
        self.load_s = time.perf_counter() - t0
        self.ex = default_extractor()
        self.articles = articles
        self.warmup = warmup

    def _fresh(self) -> None:
        """Forget every remembered answer, then warm the memo with the warm-up articles
        (versions before the memo, such as rules-2, have nothing to forget)."""
        memo = getattr(self.lex, "memo", None)
        if memo is not None:
            memo.clear()
        for title, body in self.warmup:
            self.ex.extract(title, body)

    def run(self) -> tuple[float, float]:
        """Articles per CPU-second and per wall-clock second over one pass."""
        self._fresh()
        extract = self.ex.extract
        c, t = time.process_time(), time.perf_counter()
        for title, body in self.articles:
            extract(title, body)
        n = len(self.articles)
        return n / (time.process_time() - c), n / (time.perf_counter() - t)

    def run_seed(self) -> tuple[float, float]:
        """Articles per CPU-second and per wall-clock second over the seed alone, repeated
        (after the first time the seed's own answers are remembered, as for any repeat)."""
        self._fresh()
        extract = self.ex.extract
        title, body = self.articles[0]
        c, t = time.process_time(), time.perf_counter()
        for _ in range(SEED_REPEAT):
            extract(title, body)
        return SEED_REPEAT / (time.process_time() - c), SEED_REPEAT / (time.perf_counter() - t)


def worker(limit: int, warmup: int) -> int:
    """Serve timing requests on stdin ("run" / "seed"), one JSON answer per line: the mode
    used by ``--baseline`` for each version (``PYTHONPATH`` chooses which searchlib)."""
    import searchlib

    bench = Bench(*benchmark_articles(limit, warmup))
    hello = {"name": bench.ex.name, "module": searchlib.__file__, "load_s": bench.load_s}
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        rate = bench.run() if cmd == "run" else bench.run_seed()
        print(json.dumps(rate), flush=True)
    return 0


class Remote:
    """A worker process running one version of searchlib."""

    def __init__(self, src: Path, limit: int, warmup: int) -> None:
        env = dict(os.environ, PYTHONPATH=str(src))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"]
        self.proc = subprocess.Popen(
            [*cmd, "--limit", str(limit), "--warmup", str(warmup)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(src),
        )
        self.hello = json.loads(self._read())
        if Path(self.hello["module"]).resolve().parents[1] != src.resolve():
            raise SystemExit(f"worker imported {self.hello['module']}, not the tree at {src}")

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("a benchmark worker died")
        return line

    def ask(self, cmd: str) -> tuple[float, float]:
        """One timed pass ("run" or "seed") in the worker: CPU and wall-clock rates."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        cpu, wall = json.loads(self._read())
        return float(cpu), float(wall)

    def close(self) -> None:
        """Stop the worker."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def export_tree(ref: str, dest: Path) -> str:
    """Write the ``searchlib`` package of git revision ``ref`` under ``dest``; its commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tar = subprocess.run(
        ["git", "archive", "--format=tar", commit, "searchlib"], cwd=ROOT, capture_output=True
    )
    if tar.returncode != 0:
        raise SystemExit(f"git archive {ref} failed: {tar.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(tar.stdout)) as tf:
        tf.extractall(dest, filter="data")
    return commit


Rates = list[tuple[float, float]]  # (per CPU-second, per wall-clock second) of each pass


def summary(rates: Rates, seed_rates: Rates, n_bytes: int, n: int) -> dict[str, object]:
    """The figures of one extractor's runs."""
    cpu = [r[0] for r in rates]
    wall = [r[1] for r in rates]
    median = statistics.median(cpu)
    return {
        "articles_per_cpu_s_median": round(median, 1),
        "articles_per_cpu_s_all_runs": [round(r, 1) for r in cpu],
        "kb_per_cpu_s_median": round(median * n_bytes / n / 1024, 1),
        "articles_per_wall_s_median": round(statistics.median(wall), 1),
        "articles_per_wall_s_all_runs": [round(r, 1) for r in wall],
        "seed_only_articles_per_cpu_s_median": round(
            statistics.median(r[0] for r in seed_rates), 1
        ),
    }


def compare(args: argparse.Namespace, articles: list[Article], n_bytes: int) -> dict[str, object]:
    """Current tree against ``args.baseline``, runs alternating, one process each."""
    with tempfile.TemporaryDirectory(prefix="entities-speed-") as tmp:
        commit = export_tree(args.baseline, Path(tmp))
        sides = {
            "current": Remote(ROOT, args.limit, args.warmup),
            "baseline": Remote(Path(tmp), args.limit, args.warmup),
        }
        rates: dict[str, Rates] = {k: [] for k in sides}
        seeds: dict[str, Rates] = {k: [] for k in sides}
        order = list(sides)
        for i in range(args.runs):
            for side in order if i % 2 == 0 else order[::-1]:
                rates[side].append(sides[side].ask("run"))
        for i in range(args.runs):
            for side in order if i % 2 == 0 else order[::-1]:
                seeds[side].append(sides[side].ask("seed"))
        for r in sides.values():
            r.close()
    out: dict[str, object] = {}
    for side, remote in sides.items():
        out[side] = {
            "extractor": remote.hello["name"],
            "lexicon_load_s": round(remote.hello["load_s"], 3),
            **summary(rates[side], seeds[side], n_bytes, len(articles)),
        }
    out["baseline_ref"] = f"{args.baseline} ({commit})"
    cur = statistics.median(r[0] for r in rates["current"])
    base = statistics.median(r[0] for r in rates["baseline"])
    out["ratio_current_to_baseline"] = round(cur / base, 3)
    # Paired: the runs alternate, so run i of each side saw about the same machine.
    pairs = [c[0] / b[0] for c, b in zip(rates["current"], rates["baseline"], strict=True)]
    out["ratio_median_of_pairs"] = round(statistics.median(pairs), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (optionally save) the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--limit", type=int, default=600, help="articles per run (0 = all)")
    ap.add_argument("--warmup", type=int, default=WARMUP, help="untimed articles before a pass")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--baseline", metavar="REF", help="also time git revision REF, alternating")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.limit, args.warmup)

    articles, warmup = benchmark_articles(args.limit, args.warmup)
    n_bytes = sum(len((t + b).encode("utf-8")) for t, b in articles)
    result: dict[str, object] = {
        "python": sys.version.split()[0],
        "articles": len(articles),
        "mean_article_bytes": round(n_bytes / len(articles)),
        "runs": args.runs,
        "warmup_articles": len(warmup),
    }
    print(f"Python {result['python']}, one thread per extractor; rates per CPU-second")
    print(
        f"{len(articles)} articles (seed + FA-KES/BBC, {MIN_BYTES}-{MAX_BYTES} bytes), "
        f"mean {result['mean_article_bytes']} bytes; memo emptied and warmed with "
        f"{len(warmup)} other articles before each pass"
    )
    if args.baseline:
        result.update(compare(args, articles, n_bytes))
        sides = ["current", "baseline"]
    else:
        bench = Bench(articles, warmup)
        rates = [bench.run() for _ in range(args.runs)]
        seeds = [bench.run_seed() for _ in range(args.runs)]
        result["current"] = {
            "extractor": bench.ex.name,
            "lexicon_load_s": round(bench.load_s, 3),
            **summary(rates, seeds, n_bytes, len(articles)),
        }
        sides = ["current"]
    for side in sides:
        r = result[side]
        assert isinstance(r, dict)
        label = side if side == "current" else f"baseline {result['baseline_ref']}"
        print(
            f"{label}: {r['extractor']}, word lists loaded in {r['lexicon_load_s'] * 1000:.0f} ms;"
            f" median of {args.runs} runs: {r['articles_per_cpu_s_median']:,.0f} articles/s"
            f" ({r['kb_per_cpu_s_median']:,.0f} KB/s); runs: "
            + ", ".join(f"{x:,.0f}" for x in r["articles_per_cpu_s_all_runs"])
            + f"; seed alone: {r['seed_only_articles_per_cpu_s_median']:,.0f} articles/s;"
            f" wall clock: median {r['articles_per_wall_s_median']:,.0f} articles/s"
        )
    if args.baseline:
        print(
            f"ratio current/baseline: {result['ratio_current_to_baseline']:.3f} (medians), "
            f"{result['ratio_median_of_pairs']:.3f} (median of alternating pairs)"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
