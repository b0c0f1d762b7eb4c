"""The readers package's shape: a format table, public helpers only, short functions, same API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import searchlib.readers
from searchlib.model import ReadError
from searchlib.readers import FORMATS, READERS, Source, read_source
from searchlib.readers.csv import read_csv
from searchlib.readers.jsonl import read_jsonl
from searchlib.readers.text import read_text

PACKAGE = Path(searchlib.readers.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
MAX_FUNCTION_LINES = 80


def test_the_package_has_one_module_per_concern() -> None:
    names = {path.stem for path in MODULES}
    assert {"options", "discover", "decode", "records", "text", "jsonl", "csv"} <= names


def test_formats_are_dispatched_by_a_table() -> None:
    assert dict(READERS) == {"text": read_text, "jsonl": read_jsonl, "csv": read_csv}
    assert tuple(READERS) == FORMATS
    with pytest.raises(TypeError):
        READERS["xml"] = read_text  # type: ignore[index]
    (error,) = read_source(Source(Path("a.xml"), Path("."), "xml", 0))
    assert error == ReadError("a.xml", "unknown format 'xml'")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_private_names_are_imported_across_modules(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("searchlib"):
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{path.name} imports {private} from {node.module}"
            assert node.module != "searchlib.readers" or path.name == "__init__.py", (
                f"{path.name} imports from the package, not from the module that owns the name"
            )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_function_is_over_80_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES  # type: ignore[operator]
    ]
    assert not long, f"{path.name}: {', '.join(long)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_dispatch_by_lazy_import(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
            assert not inner, f"{path.name}: {node.name} imports inside a function"


def test_the_public_api_is_kept() -> None:
    for name in (
        "ReadOptions",
        "read_paths",
        "discover",
        "read_source",
        "FORMATS",
        "FIELDS",
        "Source",
        "format_for",
        "derive_title",
        "MAX_FILE_BYTES",
        "MAX_TITLE_CHARS",
        "MAX_BODY_CHARS",
        "DateOrder",
        "READERS",
        "ReadOptionsError",
    ):
        assert name in searchlib.readers.__all__, name
        assert hasattr(searchlib.readers, name), name
    from searchlib import ReadOptions, read_paths

    assert ReadOptions is searchlib.readers.ReadOptions
    assert read_paths is searchlib.readers.read_paths
