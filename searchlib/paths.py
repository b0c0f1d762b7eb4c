"""Where things live on disk: the default index and the bundled demo corpus."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ENV_INDEX = "SEARCHLIB_INDEX"


def user_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user data directory for searchlib on this platform.

    Linux and other Unix: ``$XDG_DATA_HOME/searchlib`` (default ``~/.local/share/searchlib``);
    macOS: ``~/Library/Application Support/searchlib``; Windows: ``%LOCALAPPDATA%\\searchlib``.
    """
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "searchlib"


def default_index_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$SEARCHLIB_INDEX`` if set, else ``index`` in the per-user data directory."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_INDEX)
    if explicit:
        return Path(explicit).expanduser()
    return user_data_dir(env) / "index"


def bundled_seeds() -> Path:
    """The demo corpus shipped with searchlib.

    An installed wheel carries it as ``searchlib/_seeds``; a source checkout (editable install)
    has it as ``seeds/`` beside the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_seeds", here.parent / "seeds"):
        if candidate.is_dir() and any(candidate.iterdir()):
            return candidate
    raise FileNotFoundError("the bundled seeds are missing from this installation")


__all__ = ["ENV_INDEX", "bundled_seeds", "default_index_path", "user_data_dir"]
