"""The searchlib command, through click's runner and as the installed console script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from searchlib.cli import main


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean per-user data directory and no SEARCHLIB_INDEX."""
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def test_query_builds_the_default_index_from_the_seeds(home: Path) -> None:
    code, out, err = run("query", "Aleppo Nusra")
    assert code == 0, err
    assert "building it from the bundled demo corpus" in err
    assert "Russia ready to support UN envoy" in out
    assert "**Aleppo**" in out and "**Nusra**" in out
    assert "Sergey Lavrov" in out and "Al-Nusra Front" in out and "Idlib" in out
    assert "2016-10" in out
    assert (home / "data" / "searchlib" / "index").is_dir()
    code, _, err = run("query", "Aleppo")
    assert code == 0 and "building" not in err


def test_query_json_is_stable_and_complete(home: Path) -> None:
    code, out, _ = run("query", "Aleppo Nusra", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {
        "query",
        "total",
        "hits",
        "facets",
        "histogram",
        "relaxed",
        "suggestion",
        "elapsed_ms",
        "page",
        "pages",
    }
    hit = data["hits"][0]
    assert hit["date"] == "2016-10-07" and hit["tags"] == ["Syria unrest"]
    assert {"Aleppo", "Nusra"} <= {
        hit["title_fragment"]["text"][s["start"] : s["end"]] for s in hit["title_fragment"]["spans"]
    }
    assert "<mark>Aleppo</mark>" in hit["fragments"][0]["html"] or any(
        "<mark>" in f["html"] for f in hit["fragments"]
    )
    people = {v["value"] for v in data["facets"]["person"]}
    assert {"Sergey Lavrov", "Bashar Assad"} <= people
    assert data["histogram"] == [
        {"key": "2016-10", "start": "2016-10-01", "end": "2016-10-31", "count": 1}
    ]


def test_query_csv_and_jsonl(home: Path) -> None:
    code, out, _ = run("query", "Aleppo", "--format", "csv")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("rank,id,score,date,title,source,url")
    assert len(lines) == 2
    code, out, _ = run("query", "Aleppo", "--format", "jsonl")
    assert code == 0 and json.loads(out.strip())["title"].startswith("Russia ready")


def test_explicit_missing_index_is_an_error_not_created(tmp_path: Path) -> None:
    code, _, err = run("query", "x", "--index", str(tmp_path / "nope"))
    assert code == 1
    assert err.startswith("Error: index at") and "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["query", "date:[2016-13-01 to 2017]"], "impossible date"),
        (["query", "colour:red"], "unknown field"),
        (["query", "x", "--since", "yesterday"], "bad date"),
        (["query", "AND"], "nothing to search for"),
        (["show", "no-such-id"], "no article with id"),
        (["similar", "no-such-id"], "no article with id"),
        (["query", "aleppo", "--recency", "soon"], "recency must be a half-life"),
        (["suggest", "!!"], "nothing to complete"),
    ],
)
def test_user_errors_are_one_line(home: Path, args: list[str], message: str) -> None:
    assert run("stats")[0] == 0  # builds the demo index first
    code, _out, err = run(*args)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_index_show_stats_delete(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    code, _, err = run("index", str(SEEDS), "--index", ix)
    assert code == 0 and "indexed 1" in err
    code, _, err = run("index", str(SEEDS), "--index", ix)
    assert code == 0 and "unchanged 1" in err
    code, out, _ = run("show", "000_8685ec8866dbeeaa.txt", "--index", ix)
    assert code == 0 and "Sergey Lavrov" in out and "Read more" not in out
    code, out, _ = run("show", "000_8685ec8866dbeeaa.txt", "--index", ix, "--format", "json")
    assert json.loads(out)["date"] == "2016-10-07"
    code, out, _ = run("stats", "--index", ix, "--format", "json")
    stats = json.loads(out)
    assert stats["documents"] == 1 and stats["date_min"] == stats["date_max"] == "2016-10-07"
    assert "segments" in stats["backend"] and "size_bytes" in stats
    code, _, _ = run("delete", "000_8685ec8866dbeeaa.txt", "--index", ix)
    assert code == 0
    code, out, _ = run("stats", "--index", ix, "--format", "json")
    assert json.loads(out)["documents"] == 0


def test_similar_suggest_and_match_any(tmp_path: Path) -> None:
    ix = str(tmp_path / "ix")
    lines = [
        {"id": "a", "title": "Lavrov meets envoy in Geneva", "body": "Talks on the ceasefire."},
        {"id": "b", "title": "Geneva talks go on", "body": "Lavrov and the envoy spoke again."},
        {"id": "c", "title": "Cup final", "body": "The match ended in a draw."},
    ]
    src = tmp_path / "news.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert run("index", str(src), "--index", ix)[0] == 0
    code, out, _ = run("similar", "a", "--index", ix, "--format", "json")
    assert code == 0 and [h["id"] for h in json.loads(out)] == ["b"]
    code, out, _ = run("show", "a", "--index", ix)
    assert code == 0 and "Similar articles:" in out and "Geneva talks go on" in out
    code, out, _ = run("show", "a", "--index", ix, "--format", "json", "--similar", "0")
    assert json.loads(out)["similar"] == []
    code, out, _ = run("suggest", "lav", "--index", ix, "--format", "json")
    assert code == 0 and json.loads(out)[0]["text"].lower().endswith("lavrov")
    code, out, _ = run("suggest", "gen", "--index", ix, "--kind", "word")
    assert code == 0 and out.startswith("geneva")
    code, out, _ = run("query", "lavrov draw", "--index", ix, "--match", "any", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 3 and not json.loads(out)["relaxed"]
    code, out, _ = run("query", "ceasefire", "--index", ix, "--recency", "30d", "--format", "json")
    assert code == 0 and json.loads(out)["hits"][0]["id"] == "a"


def test_serve_starts_on_loopback_and_answers(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    import socket
    import time
    import urllib.request

    ix = str(tmp_path / "ix")
    assert run("index", str(SEEDS), "--index", ix)[0] == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "searchlib", "serve", "--index", ix, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert json.loads(r.read())["documents"] == 1
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("searchlib serve did not answer /health")
        url = f"http://127.0.0.1:{port}/search?q=Aleppo+Nusra"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert json.loads(r.read())["total"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    code, _, err = run("serve", "--index", str(tmp_path / "nope"))
    assert code == 1 and err.startswith("Error: index at") and "does not exist" in err


def test_index_exit_status_reports_failures(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS / "000_8685ec8866dbeeaa.txt", docs / "good.txt")
    (docs / "empty.txt").write_text("")
    code, _, err = run("index", str(docs), "--index", str(tmp_path / "ix"))
    assert code == 3
    assert "failed: empty.txt" in err and "indexed 1" in err and "failed 1" in err
    code, out, _ = run("index", str(docs), "--index", str(tmp_path / "ix"), "--json")
    assert code == 3 and json.loads(out)["failed"] == 1
    code, _, err = run("index", str(tmp_path / "missing"), "--index", str(tmp_path / "ix2"))
    assert code == 1


def test_index_with_field_mapping_and_bad_mapping(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("headline,text,when\nConvoy arrives,The aid convoy arrived.,10/07/2016\n")
    code, _, err = run(
        "index",
        str(f),
        "--index",
        str(tmp_path / "ix"),
        "--field",
        "title=headline",
        "--field",
        "body=text",
        "--field",
        "date=when",
        "--date-order",
        "mdy",
    )
    assert code == 0, err
    code, out, _ = run("query", "convoy", "--index", str(tmp_path / "ix"), "--format", "json")
    assert json.loads(out)["hits"][0]["date"] == "2016-10-07"
    code, _, err = run("index", str(f), "--index", str(tmp_path / "ix"), "--field", "nonsense")
    assert code == 2 and "OURS=THEIRS" in err


def test_no_color_unless_asked(home: Path) -> None:
    _, out, _ = run("query", "Aleppo")
    assert "\x1b[" not in out
    _, out, _ = run("query", "Aleppo", "--color")
    assert "\x1b[1;33mAleppo\x1b[0m" in out


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, command in main.commands.items():
        assert f"searchlib {name}" in readme, f"command {name!r} is not in the README"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in readme, f"option {opt} of {name!r} is not in the README"


def _console_script() -> str:
    found = shutil.which("searchlib", path=str(Path(sys.executable).parent)) or shutil.which(
        "searchlib"
    )
    if not found:
        pytest.fail("the searchlib console script is not installed")
    return found


def test_installed_console_script_end_to_end(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
    }
    env.pop("SEARCHLIB_INDEX", None)
    proc = subprocess.run(
        [_console_script(), "query", "Aleppo Nusra"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Russia ready to support UN envoy" in proc.stdout and "**Nusra**" in proc.stdout
    bad = subprocess.run(
        [_console_script(), "query", "x", "--index", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and bad.stderr.startswith("Error:")


# -- the first day of a new user (issue: "Tried as a new user would") -------------------------


def test_a_mistyped_searchlib_index_is_an_error_not_a_demo(home: Path) -> None:
    """A path in $SEARCHLIB_INDEX that does not exist used to be built silently as the demo."""
    missing = home / "typo" / "news-idx"
    code, out, err = run("query", "Aleppo", env={"SEARCHLIB_INDEX": str(missing)})
    assert code == 1 and out == ""
    assert err.startswith("Error: index at") and "does not exist" in err
    assert not missing.exists()
    assert not (home / "data" / "searchlib" / "index").exists()


def test_a_folder_with_nothing_readable_is_one_error_line_and_no_index(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "notes.json").write_text("{}")
    (src / "picture.gif").write_bytes(b"GIF89a")
    code, _, err = run("index", str(src), "--index", str(tmp_path / "ix"))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "nothing could be read" in lines[0]
    assert not (tmp_path / "ix").exists()


def test_a_refused_folder_is_left_as_it_was(tmp_path: Path) -> None:
    """Refusing a non-empty folder used to leave a searchlib_CREATE file in it."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    code, _, err = run("index", str(SEEDS), "--index", str(folder))
    assert code == 1 and "not empty" in err
    assert sorted(p.name for p in folder.iterdir()) == ["cat.jpg"]


@pytest.mark.parametrize("procs", ["1", "2"])
def test_ctrl_c_says_what_was_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: str
) -> None:
    """Ctrl-C said 'every committed batch is kept' when nothing had been committed. With worker
    processes the articles still with the workers are not written yet: the count says so."""
    import searchlib.bulk as ingest_module

    src = tmp_path / "src.jsonl"
    src.write_text(
        "".join(f'{{"id": "a{i}", "title": "Story {i}", "body": "Body {i}."}}\n' for i in range(30))
    )
    real = ingest_module._Run.write

    def interrupting(self: object, article: object, where: str, mapped: object) -> None:
        if getattr(article, "id", "") == "a25":
            raise KeyboardInterrupt
        real(self, article, where, mapped)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module._Run, "write", interrupting)
    args = ["index", str(src), "--index", str(tmp_path / "ix"), "--batch-size", "10"]
    result = CliRunner().invoke(main, [*args, "--procs", procs])
    assert result.exit_code == 130
    said = re.search(
        r"Interrupted: (\d+) articles written by this run are committed", result.stderr
    )
    assert said, result.stderr
    if procs == "1":
        assert said.group(1) == "20"
        assert "the 5 articles read since the last commit were not" in result.stderr
    from searchlib import Index

    with Index(tmp_path / "ix") as ix:
        assert ix.count() == int(said.group(1))


def test_every_command_has_examples_in_its_help() -> None:
    for name in main.commands:
        code, out, _ = run(name, "--help")
        assert code == 0 and "Examples:" in out, name
    _, out, _ = run("query", "--help")
    assert "Query syntax:" in out and "negotiat*" in out and "see README" not in out
    assert "relevance: best first; date: newest first" in out  # --sort is described
    _, out, _ = run("--help")
    assert "_SEARCHLIB_COMPLETE=bash_source" in out  # shell completion


def test_a_filter_value_that_matches_nothing_suggests_the_nearest(home: Path) -> None:
    code, out, _ = run("query", "", "--person", "Sergei Lavrov")
    assert code == 0
    assert "No article has person 'Sergei Lavrov'; did you mean 'Sergey Lavrov' (1)?" in out
    _, out, _ = run("query", "", "--person", "Sergei Lavrov", "--format", "json")
    (hint,) = json.loads(out)["unmatched_filters"]
    assert hint["value"] == "Sergei Lavrov"
    assert hint["suggestions"][0] == {"value": "Sergey Lavrov", "count": 1}


def test_index_time_source_and_tags(tmp_path: Path) -> None:
    root = tmp_path / "bbc"
    for category in ("business", "sport"):
        (root / category).mkdir(parents=True)
        (root / category / "001.txt").write_text(f"A {category} story\n\nIts body.\n")
    code, _, err = run(
        "index", str(root), "--index", str(tmp_path / "ix"), "--source", "BBC",
        "--tag", "2005", "--tag-from-folder",
    )  # fmt: skip
    assert code == 0, err
    _, out, _ = run("query", "", "--index", str(tmp_path / "ix"), "--format", "json")
    hits = {h["id"]: h for h in json.loads(out)["hits"]}
    assert hits["sport/001.txt"]["source"] == "BBC"
    assert hits["sport/001.txt"]["tags"] == ["sport", "2005"]
    assert hits["business/001.txt"]["tags"] == ["business", "2005"]


def test_problems_are_printed_as_they_happen_and_not_listed_twice(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes("Caf\xe9 story\n\nA body.\n".encode("cp1252"))
    (src / "b.txt").write_text("")
    code, _, err = run("index", str(src), "--index", str(tmp_path / "ix"))
    assert code == 3
    lines = err.strip().splitlines()
    assert lines[0].startswith("warning: ") and "cp1252" in lines[0]
    assert lines[1].startswith("failed: ") and "b.txt" in lines[1]
    assert lines[-1].startswith("indexed 1, updated 0, unchanged 0, failed 1")
    assert len(lines) == 3


def test_serve_on_a_busy_port_says_so_before_announcing(tmp_path: Path) -> None:
    import socket

    pytest.importorskip("fastapi")
    index = tmp_path / "ix"
    assert run("index", str(SEEDS), "--index", str(index))[0] == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        code, out, err = run("serve", "--index", str(index), "--port", str(port))
    assert code == 1
    assert err.strip() == f"Error: cannot listen on 127.0.0.1:{port}: the port is already in use"
    assert "serving" not in out + err
