"""What the package promises about itself: one Whoosh, typed, seeds bundled, no stray output."""

from __future__ import annotations

import ast
import importlib.metadata as md
from pathlib import Path

import searchlib
from searchlib.paths import bundled_seeds, default_index_path

PACKAGE = Path(searchlib.__file__).resolve().parent
WHOOSH_PACKAGE = PACKAGE / "backends" / "whoosh"


def test_exactly_one_whoosh_distribution_is_installed() -> None:
    names = {d.metadata["Name"].lower() for d in md.distributions()}
    installed = names & {"whoosh", "whoosh3", "whoosh-reloaded", "wesh"}
    assert installed == {"whoosh3"}, f"conflicting Whoosh distributions installed: {installed}"


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_seeds_are_bundled() -> None:
    seeds = bundled_seeds()
    assert (seeds / "000_8685ec8866dbeeaa.txt").is_file()


def test_default_index_path_rules(tmp_path: Path) -> None:
    assert default_index_path({"SEARCHLIB_INDEX": str(tmp_path / "x")}) == tmp_path / "x"
    assert default_index_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "searchlib" / "index"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_the_whoosh_backend_imports_whoosh() -> None:
    """The engine boundary: ``whoosh`` is imported under ``searchlib/backends/whoosh/`` only."""
    importers = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        }
        if "whoosh" in imported:
            assert path.parent == WHOOSH_PACKAGE, f"{path} imports whoosh"
            importers.append(path.name)
    assert "store.py" in importers  # the test looks at the right files


def test_library_never_prints() -> None:
    for path in _modules():
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
        ]
        assert not calls, f"{path} calls print()"


def test_public_api_has_docstrings() -> None:
    for name in searchlib.__all__:
        obj = getattr(searchlib, name)
        if callable(obj) or isinstance(obj, type):
            assert getattr(obj, "__doc__", None), f"searchlib.{name} has no docstring"


def test_the_library_raises_only_specific_errors_with_fields() -> None:
    """The base class is never raised; errors about an index carry its location as a field."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                assert name != "SearchlibError", f"{path}:{node.lineno} raises the base class"
    from searchlib import IndexLocked

    error = IndexLocked("{index} is locked", index="/srv/news")
    assert str(error) == "index at /srv/news is locked"
    assert error.redacted() == "the index is locked" and error.fields == {"index": "/srv/news"}


def test_no_library_function_is_over_80_lines() -> None:
    """Long functions are split into named steps (the CLI's command bodies included)."""
    long = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > 80:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines})")
    assert not long, long
