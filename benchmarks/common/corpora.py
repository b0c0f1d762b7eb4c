"""Where the shared corpora are, and a clear stop when one is missing.

The corpora are read-only beside the checkout (``../shared/corpora``) or wherever
``$SEARCHLIB_CORPORA`` points; they are never copied into the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

from searchlib import ReadOptions

_ROOT = Path(__file__).resolve().parents[2]

#: The shared corpora's folder.
CORPORA = Path(os.environ.get("SEARCHLIB_CORPORA") or _ROOT.parent / "shared" / "corpora")
REUTERS = CORPORA / "reuters21578" / "reuters21578-dev.jsonl.gz"
BBC = CORPORA / "bbc"
FAKES = CORPORA / "fa-kes" / "fa-kes.jsonl"
CRANFIELD = CORPORA / "cranfield"
CISI = CORPORA / "cisi"

#: Reuters keeps its topic labels under "topics": they are the articles' tags.
REUTERS_OPTIONS = ReadOptions(fields={"tags": "topics"})


class CorpusMissing(SystemExit):
    """A corpus a harness needs is not there (exits with status 2 and a one-line message)."""


def require(path: Path) -> Path:
    """``path`` if it exists; otherwise stop the harness with a one-line message."""
    if not path.exists():
        raise CorpusMissing(
            f"error: corpus not found: {path} (set $SEARCHLIB_CORPORA to the shared corpora)"
        )
    return path
