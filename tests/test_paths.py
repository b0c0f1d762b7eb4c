"""Where the default index and the bundled seeds are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from searchlib.paths import bundled_seeds, default_index_path, user_data_dir


def test_env_var_wins(tmp_path: Path) -> None:
    env = {"SEARCHLIB_INDEX": str(tmp_path / "ix"), "XDG_DATA_HOME": "/elsewhere"}
    assert default_index_path(env) == tmp_path / "ix"


def test_tilde_is_expanded() -> None:
    assert default_index_path({"SEARCHLIB_INDEX": "~/news"}) == Path.home() / "news"


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="XDG applies to Linux and other Unix"
)
def test_xdg_data_home(tmp_path: Path) -> None:
    assert user_data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "searchlib"
    assert user_data_dir({}) == Path.home() / ".local" / "share" / "searchlib"
    assert default_index_path({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "searchlib" / "index"


def test_bundled_seeds_hold_the_demo_article() -> None:
    seeds = bundled_seeds()
    text = (seeds / "000_8685ec8866dbeeaa.txt").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Russia ready to support UN envoy's proposal")
