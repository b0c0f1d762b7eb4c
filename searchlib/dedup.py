"""Syndicated and near-duplicate articles: MinHash signatures, LSH band keys and grouping.

The same wire story is often published many times: by several outlets, with a new headline,
another byline or dateline, re-flowed paragraphs, a paragraph cut or added, boilerplate
appended. Titles alone miss these copies (and merge different stories that share a template
headline), so this module compares **bodies**:

* an article is the set of its ``SHINGLE``-word shingles (overlapping runs of words), words
  found with :data:`searchlib.text.WORD` and folded with :func:`searchlib.text.fold`, so a
  change of case, accents, punctuation or line breaks changes nothing. A shingle containing a
  number counts ``NUMBER_WEIGHT`` times (the same template with other figures is another
  story). A body shorter than ``SHORT_BODY_WORDS`` words is compared together with its title;
* a :func:`signature` is the MinHash of that set: ``NUM_PERM`` independent hash functions,
  the minimum of each over the shingles. The fraction of equal positions in two signatures
  (:func:`similarity`) estimates the Jaccard similarity of the two shingle sets;
* two articles are copies (:func:`is_duplicate`) when it is at least ``THRESHOLD``;
* to find copies without comparing all pairs, a signature is cut into ``BANDS`` bands of
  ``ROWS`` values; :func:`band_keys` gives one short token per band. Articles sharing any
  token are candidates, which are then verified. :func:`group` does this for a batch.

Every hash is derived from fixed constants (CRC-32 of the words, multiply-add-shift hashing
with constants taken from BLAKE2b), never from Python's ``hash()``, so a signature is the same
in every process and on every machine and can be stored in the index. ``SIGNATURE_VERSION``
changes whenever that would stop being true.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from . import text as tx
from .errors import InputError

Signature = npt.NDArray[np.uint32]
"""A MinHash signature: a read-only ``uint32`` array of length ``NUM_PERM``."""

SIGNATURE_VERSION: Final = 1
"""Changes whenever signatures or band keys of the same text would change."""

SHINGLE: Final = 4
"""Words per shingle."""

NUMBER_WEIGHT: Final = 3
"""A shingle with a number in it counts this many times: template stories (the same weekly
report with other figures) differ mostly in their numbers, copies keep them."""

SHORT_BODY_WORDS: Final = 20
"""A body with fewer words than this is compared together with its title."""

NUM_PERM: Final = 126
"""Hash functions per signature (its length)."""

BANDS: Final = 42
"""LSH bands per signature (one candidate key each)."""

ROWS: Final = 3
"""Signature values per band: ``BANDS * ROWS == NUM_PERM``."""

THRESHOLD: Final = 0.3
"""Estimated Jaccard similarity at or above which two articles are copies.

Chosen on the tuning half of ``benchmarks/dedup`` (F1 of LSH candidates verified at the
threshold, with ``SHINGLE``, ``NUMBER_WEIGHT`` and the banding). It is low because shortened
versions of a wire story (its first paragraphs only) are copies too, and their shingle sets
overlap less than an edited full copy's; unrelated articles are near 0."""

MAX_COMPARE: Final = 32
"""In one LSH bucket, :func:`group` compares each article with at most this many earlier ones."""

_EMPTY: Final = 0xFFFFFFFF
"""Every value of the signature of a text without words."""

_CHUNK: Final = 4096
"""Shingles hashed at once: bounds the memory of very long bodies."""


def _constants(label: str, count: int) -> npt.NDArray[np.uint64]:
    """``count`` fixed 64-bit constants derived from ``label`` with BLAKE2b (read-only)."""
    values = [
        int.from_bytes(
            hashlib.blake2b(f"searchlib.dedup:{label}:{i}".encode(), digest_size=8).digest(),
            "little",
        )
        for i in range(count)
    ]
    array = np.array(values, dtype=np.uint64)
    array.flags.writeable = False
    return array


# Multiply-add-shift hashing of 32-bit keys: h(x) = ((a * x + b) mod 2**64) >> 32, a odd.
_A: Final = _constants("a", NUM_PERM) | np.uint64(1)
_B: Final = _constants("b", NUM_PERM)
_A.flags.writeable = False
# Mixing of k word hashes into one shingle hash, and of ROWS values into one band key.
_SHINGLE_MUL: Final = int(_constants("shingle", 1)[0]) | 1
_SALTS: Final = _constants("number", 8)
_DIGIT: Final = re.compile(r"\d")
_BAND_MUL: Final = int(_constants("band", 1)[0]) | 1

_U64 = np.uint64


def _mix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The SplitMix64 finaliser, element-wise (wrapping uint64 arithmetic)."""
    x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
    return np.asarray(x ^ (x >> _U64(31)), dtype=np.uint64)


def _words(text: str) -> list[str]:
    """The folded words of ``text``, as the analysers find them."""
    folded = text.lower() if text.isascii() else tx.fold(text)
    return [m.group() for m in tx.WORD.finditer(folded)]


def shingle_words(title: str, body: str) -> list[str]:
    """The words whose shingles make an article's signature: the body's, or the title's and
    the body's when the body has fewer than ``SHORT_BODY_WORDS`` words."""
    words = _words(body)
    if len(words) < SHORT_BODY_WORDS:
        words = _words(title) + words
    return words


def shingle_hashes(
    words: Sequence[str], k: int = SHINGLE, number_weight: int = NUMBER_WEIGHT
) -> npt.NDArray[np.uint64]:
    """The 32-bit hashes (in a ``uint64`` array) of the ``k``-word shingles of ``words``.

    Fewer than ``k`` words make one shingle of all of them; no words make none. A shingle
    with a number in it (a word with a digit) is counted ``number_weight`` times (at most 9),
    as that many differently salted hashes. The result may repeat a hash (a repeated shingle);
    MinHash does not mind.
    """
    if not words:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.fromiter(
        (zlib.crc32(w.encode("utf-8", "surrogatepass")) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    k = max(1, min(k, len(words)))
    count = len(words) - k + 1
    mul = _U64(_SHINGLE_MUL)
    acc = np.full(count, k, dtype=np.uint64)
    for j in range(k):
        acc = (acc * mul) ^ hashes[j : j + count]
    shingles = _mix64(acc)
    out = shingles >> _U64(32)
    if number_weight > 1:
        digits = np.fromiter(
            (_DIGIT.search(w) is not None for w in words), dtype=bool, count=len(words)
        )
        if digits.any():
            # A shingle has a number when any of its k words has a digit.
            window = np.convolve(digits.astype(np.int64), np.ones(k, dtype=np.int64), "valid")
            numeric = shingles[window > 0]
            extra = [_mix64(numeric ^ salt) >> _U64(32) for salt in _SALTS[: number_weight - 1]]
            out = np.concatenate([out, *extra])
    return np.asarray(out, dtype=np.uint64)


def signature_of_hashes(hashes: npt.NDArray[np.uint64]) -> Signature:
    """The MinHash signature of a set of 32-bit shingle hashes (see :func:`shingle_hashes`)."""
    sig = np.full(NUM_PERM, _EMPTY, dtype=np.uint64)
    for start in range(0, len(hashes), _CHUNK):
        x = hashes[start : start + _CHUNK, None]
        values = (x * _A + _B) >> _U64(32)
        np.minimum(sig, values.min(axis=0), out=sig)
    result = sig.astype(np.uint32)
    result.flags.writeable = False
    return result


def signature(title: str, body: str) -> Signature:
    """The MinHash signature of an article: ``NUM_PERM`` values, the same on every machine.

    The body's ``SHINGLE``-word shingles are used; a body shorter than ``SHORT_BODY_WORDS``
    words is taken together with the title. An article without any word gets the *empty*
    signature, which is never a copy of anything.
    """
    return signature_of_hashes(shingle_hashes(shingle_words(title, body)))


def is_empty(sig: Signature) -> bool:
    """Whether ``sig`` is the signature of a text without words."""
    return bool(np.all(sig == _EMPTY))


def to_bytes(sig: Signature) -> bytes:
    """``sig`` as ``4 * NUM_PERM`` bytes (little-endian), for storing in the index."""
    return np.asarray(sig, dtype="<u4").tobytes()


def from_bytes(data: bytes) -> Signature:
    """The signature stored by :func:`to_bytes`.

    Raises :class:`~searchlib.errors.InputError` when ``data`` has the wrong length.
    """
    if len(data) != 4 * NUM_PERM:
        raise InputError(
            f"a MinHash signature is {4 * NUM_PERM} bytes, not {len(data)}: "
            "the index was built with another version of searchlib.dedup"
        )
    sig = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    sig.flags.writeable = False
    return sig


def similarity(a: Signature, b: Signature) -> float:
    """The estimated Jaccard similarity (0 to 1) of two articles' shingle sets.

    It is 0.0 when either signature is empty (an article without words).
    """
    if is_empty(a) or is_empty(b):
        return 0.0
    return int(np.count_nonzero(a == b)) / NUM_PERM


def is_duplicate(a: Signature, b: Signature) -> bool:
    """Whether two articles are copies of one story: :func:`similarity` >= ``THRESHOLD``."""
    return similarity(a, b) >= THRESHOLD


def _band_hashes(sigs: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
    """One 48-bit hash per band of each signature: shape ``(len(sigs), BANDS)``."""
    rows = sigs.reshape(len(sigs), BANDS, ROWS).astype(np.uint64)
    mul = _U64(_BAND_MUL)
    acc = np.arange(BANDS, dtype=np.uint64)[None, :] + _U64(ROWS << 32)
    for j in range(ROWS):
        acc = (acc * mul) ^ rows[:, :, j]
    return np.asarray(_mix64(acc) >> _U64(16), dtype=np.uint64)


def band_keys(sig: Signature) -> list[str]:
    """One short ASCII token per LSH band, ``"<band>:<12 hex digits>"``, to index.

    Two articles whose signatures agree on all ``ROWS`` values of a band share that band's
    key. The chance that two articles share one is ``1 - (1 - J**ROWS)**BANDS`` for a Jaccard
    similarity J: 0.68 at the threshold 0.3, 0.93 at 0.4, 0.996 at 0.5, and 0.5 % for
    unrelated articles (J = 0.05). An empty signature has no keys.
    """
    if is_empty(sig):
        return []
    hashes = _band_hashes(np.asarray(sig, dtype=np.uint32)[None, :])[0]
    return [f"{band}:{int(h):012x}" for band, h in enumerate(hashes)]


def _find(parent: list[int], i: int) -> int:
    """The root of ``i`` in the union-find forest ``parent`` (with path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def group(signatures: Sequence[Signature]) -> list[int]:
    """Cluster a batch into groups of copies: for each input, the index of its group's first
    member (itself when it has no copy).

    Candidates are the articles sharing an LSH band (:func:`band_keys`); a candidate pair is
    joined when its :func:`similarity` is at least ``THRESHOLD``, and groups are closed
    transitively (a copy of a copy is in the group). The cost grows with the number of
    articles, not of pairs: within one band bucket each article is compared with at most
    ``MAX_COMPARE`` earlier ones. Empty signatures stay alone.
    """
    n = len(signatures)
    parent = list(range(n))
    if n < 2:
        return parent
    sigs = np.stack([np.asarray(s, dtype=np.uint32) for s in signatures])
    if sigs.shape[1] != NUM_PERM:
        raise InputError(f"a MinHash signature has {NUM_PERM} values, not {sigs.shape[1]}")
    live = np.flatnonzero(~np.all(sigs == _EMPTY, axis=1))
    hashes = _band_hashes(sigs[live])
    threshold = THRESHOLD * NUM_PERM
    for band in range(BANDS):
        column = hashes[:, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        starts = np.flatnonzero(np.diff(ordered)) + 1
        bounds = np.concatenate(([0], starts, [len(ordered)]))
        sizes = np.diff(bounds)
        for start, size in zip(
            bounds[:-1][sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True
        ):
            members = live[order[start : start + size]].tolist()
            reps = [members[0]]
            for m in members[1:]:
                root = _find(parent, m)
                others = [r for r in reps if _find(parent, r) != root]
                if others:
                    equal = np.count_nonzero(sigs[others] == sigs[m], axis=1)
                    for r, hits in zip(others, equal.tolist(), strict=True):
                        if hits >= threshold:
                            a, b = _find(parent, r), _find(parent, m)
                            if a != b:
                                parent[max(a, b)] = min(a, b)
                if len(reps) < MAX_COMPARE:
                    reps.append(m)
    return [_find(parent, i) for i in range(n)]


_OUTLET_SUFFIX = re.compile(
    r"\s+[-|:\u2013\u2014]\s*(?:reuters|bbc(?: news| sport)?|ap|afp|the associated press|"
    r"associated press|al jazeera(?: english)?|cnn(?:\.com)?|rt|sputnik(?: international)?|"
    r"tass|sana|the guardian|guardian|the new york times|nytimes\.com|npr|the independent|"
    r"al arabiya(?: english)?|daily sabah|jordan times|ahram online|al-masdar news|"
    r"[a-z0-9.]+\.(?:com|org|net|co\.uk|ru|tr|sy))\s*$"
)
_PIPE_TAIL = re.compile(r"\s+\|\s+[^|]{1,40}$")
_DASH_TAIL = re.compile(r"\s+[-\u2013\u2014]\s+((?:[A-Z][\w.&'-]*\s*){1,4})$")
_WIRE_PREFIX = re.compile(
    r"^(?:\(?(?:update|wrapup|corrected|refile|rpt|repeat|urgent|flash|exclusive|breaking|"
    r"analysis|factbox|timeline|instant view)(?:\s*\d+)?\)?\s*[-:\u2013\u2014]\s*)+"
)


def normalise_title(title: str) -> str:
    """A title reduced to what identifies a story, for the title-only comparison.

    A leading wire marker (``UPDATE 1-``, ``(CORRECTED)-``, ``REFILE-``...) and a trailing
    outlet name (``" - Reuters"``, ``"| BBC News"``, any short ``" | ..."`` tail, and in a
    title that is not all capitals a ``" - "`` tail of up to four capitalised words) are
    removed; then the title is lower-cased and de-accented and only its words are kept,
    separated by single spaces.
    """
    text = " ".join(title.split())
    if not text.isupper():
        text = _DASH_TAIL.sub("", text)
    text = text.lower() if text.isascii() else tx.fold(text)
    text = _WIRE_PREFIX.sub("", text)
    text = _OUTLET_SUFFIX.sub("", text)
    text = _PIPE_TAIL.sub("", text)
    return " ".join(m.group() for m in tx.WORD.finditer(text))
