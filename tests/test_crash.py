"""Crash safety: SIGKILL `searchlib index` at random moments; nothing committed is ever lost.

After each kill: the index opens, search works, every article of every commit that completed
before the kill is present and intact (id and content hash), and re-running the same command
completes with no duplicates and the exact count. The kill times are seeded and spread over the
whole run, so they land in reading, extraction, writing, commit and merge.

The default run does a sample of 10 trials; ``python -m pytest -m slow`` runs 30 more.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchlib import Article, Index, content_hash, default_extractor, read_paths

ARTICLES = 900
BATCH = 60


def _corpus(path: Path) -> None:
    rng = random.Random(11)
    words = [
        "convoy", "aid", "ceasefire", "militants", "envoy", "minister", "government", "troops",
        "report", "weapons", "civilians", "council", "meeting", "statement", "offensive",
        "border", "talks", "city", "province", "agreement",
    ]  # fmt: skip
    places = ["Aleppo", "Idlib", "Moscow", "Damascus", "Geneva", "Ankara", "Beirut"]
    people = ["Sergey Lavrov", "Staffan de Mistura", "Angela Merkel", "John Kerry"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(ARTICLES):
            sentences = [
                f"{rng.choice(people)} said the {rng.choice(words)} in {rng.choice(places)} "
                f"would {rng.choice(words)} the {rng.choice(words)}."
                for _ in range(rng.randint(8, 30))
            ]
            record = {
                "id": f"k{i:05d}",
                "title": f"{rng.choice(words).capitalize()} in {rng.choice(places)} {i}",
                "body": " ".join(sentences),
                "date": f"2016-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "source": rng.choice(["rt", "reuters", "sana"]),
            }
            f.write(json.dumps(record) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Article], dict[str, str]]:
    path = tmp_path_factory.mktemp("crash") / "input.jsonl"
    _corpus(path)
    articles = [a for a in read_paths([path]) if isinstance(a, Article)]
    assert len(articles) == ARTICLES
    name = default_extractor().name
    return path, articles, {a.id: content_hash(a, name) for a in articles}


def _command(source: Path, index: Path, procs: int) -> list[str]:
    return [
        sys.executable, "-m", "searchlib", "index", str(source), "--index", str(index),
        "--batch-size", str(BATCH), "--verbose", "--procs", str(procs),
    ]  # fmt: skip


def _run_and_kill(cmd: list[str], delay: float) -> tuple[int, int]:
    """Start ``cmd``, SIGKILL it after ``delay`` s; return (articles committed, exit status)."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    committed = 0

    def read() -> None:
        nonlocal committed
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("committed "):
                committed = int(line.split()[1])

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)  # the writing process only, not its workers
    code = proc.wait()
    reader.join(timeout=30)  # stderr closes when the last worker holding it has gone
    if reader.is_alive():
        os.killpg(proc.pid, signal.SIGKILL)
        reader.join()
        pytest.fail("worker processes outlived the killed writer")
    return committed, code


def _check_intact(index: Path, expected: dict[str, str], must_have: list[str]) -> int:
    name = default_extractor().name
    with Index(index) as ix:
        ix.search("convoy", limit=5)  # search works
        everything = ix.search("", limit=1000, facets=None, histogram=False, fragments=0)
        ids = [h.id for h in everything.hits]
        assert len(ids) == len(set(ids)) == ix.count() == everything.total
        for article_id in set(ids) | set(must_have):
            stored = ix.get(article_id)  # raises if a committed article is missing
            plain = dataclasses.replace(stored, entities=(), origin=None)
            assert content_hash(plain, name) == expected[article_id], f"{article_id} damaged"
        return len(ids)


def _trials(
    corpus: tuple[Path, list[Article], dict[str, str]], tmp_path: Path, seed: int, count: int
) -> None:
    source, articles, expected = corpus
    order = [a.id for a in articles]
    rng = random.Random(seed)
    # time a full run once, so kill moments spread over all of it
    started = time.perf_counter()
    full = subprocess.run(
        _command(source, tmp_path / "calibrate", 1), capture_output=True, text=True
    )
    assert full.returncode == 0, full.stderr
    duration = time.perf_counter() - started
    half = tmp_path / "half"
    with Index(half, create=True) as ix:
        ix.add(articles[: ARTICLES // 2])

    for trial in range(count):
        index = tmp_path / f"trial{trial}"
        prefilled = trial % 3 == 1  # kill while merging into an existing, larger index
        if prefilled:
            shutil.copytree(half, index)
        procs = 2 if trial % 5 == 4 else 1
        delay = rng.uniform(0.05, 1.0) * duration
        committed, code = _run_and_kill(_command(source, index, procs), delay)
        if code == 0:
            continue  # finished before the kill: nothing to check beyond the normal tests
        assert code == -signal.SIGKILL
        start = ARTICLES // 2 if prefilled else 0
        must_have = order[: start + committed] if committed or prefilled else []
        if index.exists() and any(index.glob("_MAIN_*.toc")):
            present = _check_intact(index, expected, must_have)
            assert present >= start + committed
        else:
            assert committed == 0 and not prefilled
        rerun = subprocess.run(_command(source, index, 1), capture_output=True, text=True)
        assert rerun.returncode == 0, f"trial {trial} (delay {delay:.2f}s): {rerun.stderr}"
        assert _check_intact(index, expected, order) == ARTICLES
        shutil.rmtree(index)


def test_kill_trials_sample(
    corpus: tuple[Path, list[Article], dict[str, str]], tmp_path: Path
) -> None:
    _trials(corpus, tmp_path, seed=2016, count=10)


@pytest.mark.slow
def test_kill_trials_full(
    corpus: tuple[Path, list[Article], dict[str, str]], tmp_path: Path
) -> None:
    _trials(corpus, tmp_path, seed=1007, count=30)
