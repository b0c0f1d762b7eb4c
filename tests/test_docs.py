"""Every Python example in the README runs, and checks what it claims (as tantivy-py's
``tests/test_docs.py`` runs its documentation's examples).

The examples run in order, in one empty folder, as a reader following the README would; each
states its results with ``assert``, so a wrong comment or a changed behaviour fails here. The
embedding examples (FastAPI, Flask) are served through their test clients by the example code
itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def examples() -> list[str]:
    """The README's Python blocks, in order."""
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_examples_that_assert() -> None:
    blocks = examples()
    assert len(blocks) >= 5
    assert all("assert" in block for block in blocks), "an example states nothing it checks"


def test_every_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("flask")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("SEARCHLIB_INDEX", raising=False)
    for number, block in enumerate(examples(), start=1):
        namespace: dict[str, object] = {"__name__": f"readme_example_{number}"}
        try:
            exec(compile(block, f"README.md example {number}", "exec"), namespace)
        except AssertionError as exc:
            pytest.fail(f"README example {number} claims something untrue: {exc!r}\n{block}")
        finally:
            index = namespace.get("index")
            close = getattr(index, "close", None)
            if callable(close):
                close()
