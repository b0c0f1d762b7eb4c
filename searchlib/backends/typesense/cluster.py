"""Talking to a Typesense cluster: the location, the API key, the leader, bounded retries.

A location reads ``typesense://HOST:PORT[,HOST:PORT...]/COLLECTION``; the API key comes only
from ``$SEARCHLIB_TYPESENSE_API_KEY`` (never from the URL, the command line or a message).

Every request goes to the **leader** (found with ``GET /debug`` on each node, and remembered),
with the official ``typesense`` client, one client per node and no retries of its own. So a
write that the leader acknowledged has been committed by the cluster's Raft log on a majority,
and a read made after it sees it. When the leader cannot be reached or is no longer the leader
(it was killed, an election is running), :meth:`Cluster.call` looks for the new leader and
tries again, polling every node, for at most ``retry_seconds``; only then does it raise
:class:`~searchlib.errors.IndexUnavailable`. A request that the cluster answered with an error
of the caller's own (a bad key, a missing collection, a malformed filter) is not retried.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import typesense
from typesense import exceptions as tse

from ...errors import IndexNotFound, IndexUnavailable, QueryError, UsageError

T = TypeVar("T")

#: The environment variable that holds the cluster's API key.
ENV_API_KEY = "SEARCHLIB_TYPESENSE_API_KEY"

#: Raft state of a node that is the leader (``GET /debug``).
LEADER_STATE = 1
#: Raft states by number (braft's), for messages and stats.
STATES = {
    1: "leader",
    2: "transferring",
    3: "candidate",
    4: "follower",
    5: "error",
    6: "uninitialized",
    7: "shutting down",
    8: "shut down",
}

#: Seconds a request keeps looking for a leader before it fails (a failover takes ~5-10 s).
DEFAULT_RETRY_SECONDS = 30.0
#: Seconds one request may take (big imports on a busy machine are slow).
DEFAULT_TIMEOUT = 60.0
#: Seconds without an answer from any node after which the cluster is taken to be down.
UNREACHABLE_SECONDS = 3.0
#: Seconds a node has to answer ``/debug`` when the leader is being looked for.
PROBE_TIMEOUT = 1.0

#: Messages of a node that cannot serve a request now (no leader, lagging, shutting down).
_TRANSIENT_WORDS = ("leader", "not ready", "lagging", "shutting", "unavailable", "timed out")


#: Options a location may carry after ``?`` (none of them secret), with their checks.
OPTIONS = {
    "facet_values": "a number of values, or all",
    "days": "auto or all",
    "retry_seconds": "seconds",
    "timeout": "seconds",
}


@dataclass(frozen=True)
class Location:
    """A parsed ``typesense://`` location."""

    hosts: tuple[tuple[str, int], ...]
    collection: str
    options: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        """The location as written, normalised (no secrets in it)."""
        hosts = ",".join(f"{h}:{p}" for h, p in self.hosts)
        query = "&".join(f"{k}={v}" for k, v in self.options)
        return f"typesense://{hosts}/{self.collection}" + (f"?{query}" if query else "")


def _options(query: str, location: str) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if name not in OPTIONS:
            raise UsageError(
                f"unknown option {name!r} in the Typesense location (options: "
                f"{', '.join(OPTIONS)}; the API key goes in ${ENV_API_KEY}, never in the URL)"
            )
        ok = {
            "facet_values": value == "all" or (value.isdigit() and int(value) >= 10),
            "days": value in ("auto", "all"),
        }.get(name, value.replace(".", "", 1).isdigit() and float(value) > 0)
        if not ok:
            raise UsageError(f"bad {name}={value!r} in the Typesense location: {OPTIONS[name]}")
        out.append((name, value))
    return tuple(out)


def parse_location(location: str) -> Location:
    """Parse ``typesense://HOST:PORT[,HOST:PORT...]/COLLECTION[?OPTIONS]``;
    :class:`UsageError` if bad."""
    usage = "use typesense://HOST:PORT[,HOST:PORT...]/COLLECTION"
    scheme, _, rest = location.partition("://")
    if scheme.lower() != "typesense" or "/" not in rest:
        raise UsageError(f"bad Typesense location {location!r}: {usage}")
    rest, _, query = rest.partition("?")
    netloc, _, collection = rest.partition("/")
    if "@" in netloc or "#" in collection:
        raise UsageError(
            f"bad Typesense location: {usage} (the API key goes in ${ENV_API_KEY}, "
            "never in the URL)"
        )
    options = _options(query, location)
    collection = urllib.parse.unquote(collection.strip("/"))
    if not collection or "/" in collection:
        raise UsageError(f"bad Typesense location {location!r}: no collection name; {usage}")
    hosts = []
    for part in netloc.split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"bad Typesense location {location!r}: {part!r} is not HOST:PORT")
        hosts.append((host.strip("[]"), int(port)))
    return Location(tuple(hosts), collection, options)


def api_key() -> str:
    """The API key from ``$SEARCHLIB_TYPESENSE_API_KEY``; :class:`UsageError` when unset."""
    key = os.environ.get(ENV_API_KEY, "")
    if not key:
        raise UsageError(f"set ${ENV_API_KEY} to the Typesense cluster's API key")
    return key


class Transient(Exception):
    """A node could not serve a request now; another node (or a later try) may."""


@dataclass
class Counters:
    """What the cluster connection has had to do (reported in the backend's stats)."""

    requests: int = 0
    retries: int = 0
    leader_changes: int = 0
    retry_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The counters as plain data."""
        with self.lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "leader_changes": self.leader_changes,
                "retry_seconds": round(self.retry_seconds, 3),
            }


class Cluster:
    """The nodes of one Typesense cluster, with the leader remembered (thread-safe)."""

    def __init__(
        self,
        location: Location,
        key: str,
        *,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.location = location
        self.retry_seconds = retry_seconds
        self._clients = [_client(h, p, key, timeout) for h, p in location.hosts]
        self._probes = [_client(h, p, key, PROBE_TIMEOUT) for h, p in location.hosts]
        self._collections: dict[tuple[int, str], Any] = {}
        self._leader: int | None = None
        self._last_leader: int | None = None
        self._answered = time.monotonic()  # when a node last answered a probe
        self._lock = threading.Lock()
        self.counters = Counters()

    @property
    def size(self) -> int:
        """How many nodes the location names."""
        return len(self._clients)

    def node_name(self, i: int) -> str:
        """``HOST:PORT`` of node ``i``."""
        host, port = self.location.hosts[i]
        return f"{host}:{port}"

    def probe(self, i: int) -> int | None:
        """Node ``i``'s Raft state (1 leader, 4 follower...), or None when it does not answer.

        Raises :class:`IndexUnavailable` when the node refuses the API key.
        """
        try:
            return int(self._probes[i].debug.retrieve()["state"])
        except tse.RequestUnauthorized:
            raise self.unauthorized() from None
        except (tse.TypesenseClientError, httpx.HTTPError, OSError, KeyError, ValueError):
            return None

    def unauthorized(self) -> IndexUnavailable:
        """The error for a key the cluster refuses."""
        return IndexUnavailable(
            f"the Typesense cluster refused the API key in ${ENV_API_KEY} ({{index}})",
            index=self.location.url,
        )

    def find_leader(self) -> int | None:
        """Ask every node for its state; the leader's number, or None (no leader now)."""
        answered = False
        for i in range(self.size):
            state = self.probe(i)
            answered = answered or state is not None
            if state == LEADER_STATE:
                with self._lock:
                    if self._last_leader not in (None, i):
                        with self.counters.lock:
                            self.counters.leader_changes += 1
                    self._leader = self._last_leader = i
                    self._answered = time.monotonic()
                return i
        if answered:
            with self._lock:
                self._answered = time.monotonic()
        return None

    def leader(self) -> int | None:
        """The remembered leader, else one found now (None when there is none)."""
        with self._lock:
            known = self._leader
        return known if known is not None else self.find_leader()

    def forget(self, i: int) -> None:
        """Stop sending requests to node ``i`` as the leader."""
        with self._lock:
            if self._leader == i:
                self._leader = None

    def call(self, fn: Callable[[Any], T], *, what: str) -> T:
        """Run ``fn(client)`` on the leader's client, failing over within ``retry_seconds``.

        ``what`` names the operation in messages. Errors the caller caused are raised at once
        (see :func:`translate`); a node that cannot serve is retried with the next leader.
        """
        started = time.monotonic()
        pause = 0.05
        reason = "no node answered"
        tries = 0
        while True:
            target = self.leader()
            if target is not None:
                tries += 1
                with self.counters.lock:
                    self.counters.requests += 1
                    if tries > 1:
                        self.counters.retries += 1
                try:
                    result = fn(self._clients[target])
                except Exception as exc:  # translated below; anything unknown re-raised
                    try:
                        raise translate(exc, self.location.url, what) from None
                    except Transient as transient:
                        reason = f"{self.node_name(target)}: {transient}"
                        self.forget(target)
                else:
                    if tries > 1:
                        with self.counters.lock:
                            self.counters.retry_seconds += time.monotonic() - started
                    return result
            now = time.monotonic()
            elapsed = now - started
            with self._lock:
                silent = now - max(self._answered, started)
            if silent >= UNREACHABLE_SECONDS:
                raise IndexUnavailable(
                    f"cannot {what}: no node of the Typesense cluster at {{index}} answers "
                    f"({reason})",
                    index=self.location.url,
                )
            if elapsed >= self.retry_seconds:
                raise IndexUnavailable(
                    f"cannot {what}: the Typesense cluster at {{index}} has no reachable "
                    f"leader after {elapsed:.0f}s ({reason})",
                    index=self.location.url,
                )
            time.sleep(min(pause, max(self.retry_seconds - elapsed, 0.0)))
            pause = min(pause * 2, 0.5)

    def collection(self, client: Any, name: str) -> Any:
        """The client's handle on a collection, made once (making one warns about APIs of
        newer servers, so it is made with those warnings silenced)."""
        key = (id(client), name)
        with self._lock:
            found = self._collections.get(key)
        if found is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                found = client.collections[name]
            with self._lock:
                self._collections[key] = found
        return found

    def close(self) -> None:
        """Close every connection."""
        for client in (*self._clients, *self._probes):
            close = getattr(getattr(client, "api_call", None), "close", None)
            if close is not None:
                close()


def _client(host: str, port: int, key: str, timeout: float) -> Any:
    with warnings.catch_warnings():  # the client warns about APIs of servers newer than 0.24
        warnings.simplefilter("ignore", DeprecationWarning)
        return _make_client(host, port, key, timeout)


def _make_client(host: str, port: int, key: str, timeout: float) -> Any:
    return typesense.Client(
        {
            "nodes": [{"host": host, "port": port, "protocol": "http"}],
            "api_key": key,
            "connection_timeout_seconds": timeout,
            "num_retries": 0,
            "retry_interval_seconds": 0.0,
            "suppress_deprecation_warnings": True,
        }
    )


def translate(exc: BaseException, index: str, what: str) -> BaseException:
    """The searchlib error for an exception from the client, or :class:`Transient` for one
    that another node or a later try may not have."""
    text = " ".join(str(exc).split())[:200]
    if isinstance(exc, tse.RequestUnauthorized | tse.RequestForbidden):
        return IndexUnavailable(
            f"the Typesense cluster refused the API key in ${ENV_API_KEY} ({{index}})",
            index=index,
        )
    if isinstance(exc, tse.ObjectNotFound):
        return IndexNotFound(f"{{index}} does not exist ({text or 'not found'})", index=index)
    if isinstance(exc, tse.RequestMalformed | tse.ObjectUnprocessable):
        return QueryError(f"Typesense rejected the request to {what}: {text}")
    if isinstance(exc, tse.ServiceUnavailable | tse.ServerError | tse.HTTPStatus0Error):
        return Transient(text or type(exc).__name__)
    if isinstance(exc, httpx.HTTPError | ConnectionError | TimeoutError):
        return Transient(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
    if isinstance(exc, tse.TypesenseClientError):
        if any(word in text.lower() for word in _TRANSIENT_WORDS):
            return Transient(text)
        return IndexUnavailable(f"cannot {what} on {{index}}: {text}", index=index)
    return exc


def is_transient_message(message: str) -> bool:
    """Whether an error message in a response body means "try again on the leader"."""
    lowered = message.lower()
    return any(word in lowered for word in _TRANSIENT_WORDS)


__all__ = [
    "DEFAULT_RETRY_SECONDS",
    "ENV_API_KEY",
    "STATES",
    "Cluster",
    "Counters",
    "Location",
    "Transient",
    "api_key",
    "is_transient_message",
    "parse_location",
    "translate",
]
