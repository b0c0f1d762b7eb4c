"""A damaged index is reported, never a traceback: every command and endpoint, every damage.

Each trial copies a sound index, damages one file (random bytes written into a segment, a few
bytes flipped, a segment truncated, emptied or deleted, the table of contents damaged, emptied or
deleted, the marker file garbled), then runs every command (``query``, ``query '*' --format
csv``, ``show``, ``similar``, ``suggest``, ``stats``, ``check``, ``delete``, ``index``) and every
endpoint (``/search``, ``/articles/ID``, ``/articles/ID/similar``, ``/suggest``, ``/stats``,
``/health``) on the copy. What must hold:

* no traceback, ever: a command ends with exit 0, or a one-line ``Error: ...`` (exit 4 when
  the index is found damaged, 1 for other errors); an endpoint answers 200, 404 or a JSON 503;
* ``searchlib check`` finds the damage every time (exit 4), thanks to the checksums written at
  commit;
* once a request found the index damaged, ``/health`` says so (503);
* nothing is made anew over a damaged index (``index`` never wipes it).

A sample of each kind of damage runs every time; ``-m slow`` runs 150 seeded random trials.
The number of trials and tracebacks seen is written to ``tests/artifacts/corruption.json``.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, generated_articles

from searchlib import Article, Index, IndexCorrupt
from searchlib.cli import main

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sound index of 600 articles in three segments, with long bodies."""
    path = tmp_path_factory.mktemp("sound") / "ix"
    articles = generated_articles(600, seed=11)
    padded = [
        Article(
            id=a.id,
            title=a.title,
            body=(a.body + " ") * 6,
            date=a.date,
            source=a.source,
            tags=a.tags,
            entities=a.entities,
        )
        for a in articles
    ]
    with Index(path, create=True) as ix:
        for start in (0, 200, 400):
            ix.add(padded[start : start + 200])
    return path


def _segments(path: Path) -> list[Path]:
    return sorted(path.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)


def _toc(path: Path) -> Path:
    return sorted(path.glob("_MAIN_*.toc"))[-1]


def _scribble(path: Path, rng: random.Random, length: int) -> None:
    size = path.stat().st_size
    length = min(length, max(1, size // 2))
    at = rng.randrange(0, max(1, size - length))
    with path.open("r+b") as f:
        f.seek(at)
        f.write(rng.randbytes(length))


def _flip(path: Path, rng: random.Random, count: int) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        for _ in range(count):
            at = rng.randrange(size)
            f.seek(at)
            byte = f.read(1)[0]
            f.seek(at)
            f.write(bytes([byte ^ (1 << rng.randrange(8))]))


def _truncate(path: Path, rng: random.Random, keep: float) -> None:
    with path.open("r+b") as f:
        f.truncate(int(path.stat().st_size * keep))


Damage = Callable[[Path, random.Random], str]


def _on_segment(fn: Callable[[Path, random.Random], None]) -> Damage:
    def damage(index: Path, rng: random.Random) -> str:
        target = rng.choice(_segments(index))
        fn(target, rng)
        return target.name

    return damage


DAMAGES: dict[str, Damage] = {
    "100 KB of random bytes in a segment": _on_segment(lambda p, r: _scribble(p, r, 100_000)),
    "16 bytes flipped in a segment": _on_segment(lambda p, r: _flip(p, r, 16)),
    "one byte flipped in a segment": _on_segment(lambda p, r: _flip(p, r, 1)),
    "a segment truncated to half": _on_segment(lambda p, r: _truncate(p, r, 0.5)),
    "a segment truncated by a few bytes": _on_segment(lambda p, r: _truncate(p, r, 0.999)),
    "a zero-length segment": _on_segment(lambda p, r: _truncate(p, r, 0.0)),
    "a segment deleted": _on_segment(lambda p, r: p.unlink()),
    "random bytes in the table of contents": lambda ix, r: (_scribble(_toc(ix), r, 64), "toc")[1],
    "a zero-length table of contents": lambda ix, r: (_truncate(_toc(ix), r, 0.0), "toc")[1],
    "the table of contents deleted": lambda ix, r: (_toc(ix).unlink(), "toc")[1],
    "a garbled searchlib.json": lambda ix, r: (
        (ix / "searchlib.json").write_bytes(r.randbytes(40)),
        "meta",
    )[1],
}


@dataclass
class Tally:
    """What the trials saw."""

    trials: int = 0
    runs: int = 0
    tracebacks: list[str] = field(default_factory=list)
    missed_by_check: list[str] = field(default_factory=list)

    def save(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"corruption-{name}.json").write_text(
            json.dumps(
                {
                    "trials": self.trials,
                    "commands_and_requests": self.runs,
                    "tracebacks": len(self.tracebacks),
                    "damage_missed_by_check": len(self.missed_by_check),
                    "details": self.tracebacks[:20] + self.missed_by_check[:20],
                },
                indent=2,
            )
        )


COMMANDS: list[list[str]] = [
    ["query", "convoy aid"],
    ["query", "*", "-n", "1000", "--format", "csv"],
    ["query", "ceasefire", "--format", "json", "--person", "Sergey Lavrov"],
    ["show", "gen-0005"],
    ["similar", "gen-0005"],
    ["suggest", "con"],
    ["stats", "--format", "json"],
    ["delete", "gen-0007"],
]


def _run_cli(tally: Tally, label: str, args: list[str]) -> int:
    result = CliRunner().invoke(main, args)
    tally.runs += 1
    text = result.output + (result.stderr or "")
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    errors = [line for line in (result.stderr or "").splitlines() if line.startswith("Error:")]
    if crashed or "Traceback" in text or "Aborted" in text:
        what = repr(result.exception) if crashed else text[-300:]
        tally.tracebacks.append(f"{label}: searchlib {' '.join(args[:2])}: {what}")
    elif result.exit_code not in (0, 1, 4) or (result.exit_code == 4 and len(errors) != 1):
        tally.tracebacks.append(f"{label}: {args[:2]} exit {result.exit_code}: {text[-200:]!r}")
    return result.exit_code


def _run_server(tally: Tally, label: str, index: Path) -> None:
    from fastapi.testclient import TestClient

    from searchlib.server import create_app

    try:
        ix = Index(index)
    except IndexCorrupt:
        return  # serve prints one line and exits 4, as the CLI commands above did
    client = TestClient(create_app(ix), raise_server_exceptions=False)
    seen_damage = False
    for url in (
        "/search?q=convoy",
        "/search?q=*&limit=1000",
        "/articles/gen-0005",
        "/articles/gen-0005/similar",
        "/suggest?prefix=con",
        "/stats",
    ):
        r = client.get(url)
        tally.runs += 1
        if r.status_code not in (200, 404, 503) or "Traceback" in r.text:
            tally.tracebacks.append(f"{label}: GET {url}: {r.status_code} {r.text[:200]!r}")
        elif r.status_code == 503:
            seen_damage = True
            if set(r.json()) != {"error"} or str(index) in r.text:
                tally.tracebacks.append(f"{label}: GET {url}: 503 body {r.text[:200]!r}")
    health = client.get("/health")
    tally.runs += 1
    if health.status_code == 500 or (seen_damage and health.status_code != 503):
        tally.tracebacks.append(f"{label}: /health {health.status_code} after damage was seen")
    ix.close()


def trial(tally: Tally, sound: Path, workdir: Path, kind: str, seed: int) -> None:
    """Damage a copy of ``sound`` one way, then run every command and endpoint on it."""
    index = workdir / f"t{tally.trials}"
    shutil.copytree(sound, index)
    tally.trials += 1
    label = f"{kind} (seed {seed}, {DAMAGES[kind](index, random.Random(seed))})"
    for args in COMMANDS:
        _run_cli(tally, label, [*args, "--index", str(index)])
    if _run_cli(tally, label, ["check", "--index", str(index)]) != 4:
        tally.missed_by_check.append(label)
    _run_server(tally, label, index)
    source = workdir / "more.jsonl"
    source.write_text('{"id": "new-1", "title": "Convoy", "body": "A new convoy."}\n')
    before = sorted(p.name for p in index.iterdir())
    _run_cli(tally, label, ["index", str(source), "--index", str(index)])
    lost = [name for name in before if name.endswith(".seg") and not (index / name).exists()]
    if lost and not any(p.name.endswith(".seg") for p in index.iterdir()):
        tally.tracebacks.append(f"{label}: index wiped the damaged index's segments")
    shutil.rmtree(index, ignore_errors=True)


def _trials(sound: Path, workdir: Path, plan: Iterator[tuple[str, int]], name: str) -> Tally:
    tally = Tally()
    for kind, seed in plan:
        trial(tally, sound, workdir, kind, seed)
    tally.save(name)
    return tally


def test_every_damage_once_gives_no_traceback_and_check_finds_it(
    sound: Path, tmp_path: Path
) -> None:
    tally = _trials(sound, tmp_path, ((kind, 1) for kind in DAMAGES), "sample")
    assert tally.trials == len(DAMAGES)
    assert tally.tracebacks == [], "\n".join(tally.tracebacks)
    assert tally.missed_by_check == []


@pytest.mark.slow
def test_random_damage_long_run(sound: Path, tmp_path: Path) -> None:
    rng = random.Random(2026)
    kinds = list(DAMAGES)
    plan = ((rng.choice(kinds), rng.randrange(1 << 30)) for _ in range(150))
    tally = _trials(sound, tmp_path, plan, "long")
    assert tally.trials == 150
    assert tally.tracebacks == [], "\n".join(tally.tracebacks[:10])
    assert tally.missed_by_check == []


def test_sound_index_passes_check(sound: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--index", str(sound)])
    assert result.exit_code == 0, result.output
    assert "ok: 600 articles" in result.stderr
    with Index(sound) as ix:
        assert ix.verify() == []


def test_a_damaged_segment_is_named_in_the_error(sound: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    shutil.copytree(sound, index)
    target = _segments(index)[-1]
    _truncate(target, random.Random(0), 0.5)
    with Index(index) as ix:
        problems = ix.verify()
    assert len(problems) == 1 and problems[0].startswith(target.name)
    result = CliRunner().invoke(main, ["check", "--index", str(index)])
    assert result.exit_code == 4
    assert f"damaged: {target.name}" in result.stderr
    assert "rebuild it from its sources" in result.stderr
