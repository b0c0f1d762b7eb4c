"""The fault scenario of ``tests/test_typesense_fault.py``, recorded: the leader of a fresh local
3-node Typesense cluster is SIGKILLed under steady searches and writes, ``--kills`` times.

    python -m benchmarks.typesense_fault [--kills N] [--before S] [--after S] --out FILE.json

Reports, per kill, the time until a new leader is elected and until the old node is back and
healthy, and over the run: searches and writes done, failed ones (must be 0), the longest wait
of one search and one write (the failover as a client sees it), re-sent requests, acknowledged
writes, the expected and final counts, and acknowledged writes lost (must be 0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .common import typesense_cluster as tc

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--before", type=float, default=5.0)
    ap.add_argument("--after", type=float, default=5.0)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "typesense_fault.json")
    args = ap.parse_args()
    cluster = tc.Cluster.create(Path(tempfile.mkdtemp(prefix="tsfault-")) / "cluster")
    try:
        cluster.start(timeout=90.0)
        figures = tc.fault_scenario(cluster, kills=args.kills, before=args.before, after=args.after)
    finally:
        cluster.remove()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures, indent=1))
    lost = figures["lost_acknowledged"] or figures["final_count"] != figures["expected_count"]
    return 1 if lost or figures["search_failures"] or figures["write_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
