"""The labelled pairs for the near-duplicate evaluation, built from the real corpora.

Nothing here uses MinHash or shingles: candidate pairs come from *word-set* overlap, titles,
dates and tags, and every natural pair is labelled by the stated sentence rule
(:func:`rule_copy`), so the measured methods never label their own test set.

**Rule (natural pairs).** Two articles are copies of one story when

1. at least half of the shorter body's words are in *units* that occur near-verbatim in the
   other body (a heading line does not make a table a copy). A
   unit is a sentence of 5+ words (split at ``. ! ?`` and paragraph breaks); a body with fewer
   than 2 such sentences is one unit (its whole word sequence). A unit matches when the other
   body has the same word sequence, or one with a ``difflib`` ratio >= 0.8 **and the same
   number tokens** (digits and number words), so a template story with other figures does not;
2. the shorter body's number tokens (digits, ordinals, number words as digits) all occur in the
   other body, but for 10 % of them rounded down (so 0 for fewer than 10), or one when 80 % of
   the units match (a corrected figure): other figures, other story (the same weekly table on
   another week, the same notice for another company);
3. for Reuters, the dates are at most 3 days apart (FA-KES's date field disagrees with the
   dates printed in some of its bodies, so it is not used; BBC has no dates).

Numbers are counted after a leading date line ("Date of publication 4 October 2017") is
removed; for FA-KES, whose outlets each print their own date lines (also after the title), the
numbers of every date expression (next to a month or weekday name, years) and of the title
that many of its bodies repeat at the start are ignored.

A truncated copy (the first paragraphs of a longer wire story) is a copy under this rule;
an independently written report of the same event, an update with new facts, or a template
story on another day or about another company is not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import gzip
import hashlib
import itertools
import json
import random
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from searchlib import dedup
from searchlib import text as schema

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


@dataclass(frozen=True)
class Doc:
    """One article of a corpus (or a synthetic copy of one)."""

    uid: str
    corpus: str
    title: str
    body: str
    date: str | None = None
    topics: tuple[str, ...] = ()
    group: str = ""  # FA-KES location, BBC category
    source: str = ""


@dataclass(frozen=True)
class Pair:
    """A labelled pair: ``copy`` is the truth, ``kind`` says how the pair was found or made."""

    a: Doc
    b: Doc
    copy: bool
    kind: str
    note: str = ""


# --------------------------------------------------------------------------- loading


def load_corpus(name: str, root: Path = CORPORA) -> list[Doc]:
    """The articles of one corpus (``reuters``, ``bbc`` or ``fakes``) that have a body."""
    docs: list[Doc] = []
    if name == "reuters":
        with gzip.open(root / "reuters21578" / "reuters21578-dev.jsonl.gz", "rt") as f:
            for line in f:
                r = json.loads(line)
                if (r.get("body") or "").strip():
                    docs.append(
                        Doc(
                            r["id"],
                            name,
                            r.get("title") or "",
                            r["body"],
                            r.get("date"),
                            tuple(r.get("topics") or ()),
                            "",
                            "reuters",
                        )
                    )
    elif name == "bbc":
        with gzip.open(root / "bbc" / "bbc.jsonl.gz", "rt") as f:
            for line in f:
                r = json.loads(line)
                docs.append(
                    Doc(r["id"], name, r["title"], r["body"], None, (), r["category"], "bbc")
                )
    elif name == "fakes":
        with open(root / "fa-kes" / "fa-kes.jsonl", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if (r.get("body") or "").strip():
                    docs.append(
                        Doc(
                            r["id"],
                            name,
                            r["title"],
                            r["body"],
                            r.get("date"),
                            (),
                            r.get("location") or "",
                            r.get("source") or "",
                        )
                    )
    else:
        raise ValueError(name)
    return docs


# --------------------------------------------------------------------------- the rule

_SENT = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER_WORDS.update(
    {
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
        "mln": "million",
        "bln": "billion",
        "hundred": "hundred",
        "thousand": "thousand",
        "million": "million",
        "billion": "billion",
        "trillion": "trillion",
    }
)
_NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*(?:st|nd|rd|th)?")


@functools.lru_cache(maxsize=200_000)
def words(text: str) -> tuple[str, ...]:
    """Folded words, as searchlib finds them."""
    return tuple(m.group() for m in schema.WORD.finditer(schema.fold(text)))


@functools.lru_cache(maxsize=200_000)
def _numbers(ws: tuple[str, ...]) -> tuple[str, ...]:
    """The number tokens of a word sequence, number words as digits ("six" -> "6")."""
    return tuple(
        _NUMBER_WORDS.get(w, w.replace(",", ""))
        for w in ws
        if w in _NUMBER_WORDS or _NUMBER.fullmatch(w)
    )


@functools.lru_cache(maxsize=200_000)
def _units(text: str) -> tuple[tuple[str, ...], ...]:
    sents = [tuple(words(s)) for s in _SENT.split(text)]
    units = tuple(s for s in sents if len(s) >= 5)
    if len(units) < 2:
        return (tuple(words(text)),)
    return units


def _contained(short: Sequence[tuple[str, ...]], long_: Sequence[tuple[str, ...]]) -> float:
    """The fraction of ``short``'s words that are in units occurring near-verbatim in
    ``long_``."""
    if not short or not short[0]:
        return 0.0
    exact = set(long_)
    matchers = None
    hits = 0
    for unit in short:
        if unit in exact:
            hits += len(unit)
            continue
        if matchers is None:
            matchers = []
            for o in long_:
                sm = difflib.SequenceMatcher(None, autojunk=False)
                sm.set_seq2(o)
                matchers.append((sm, _numbers(o)))
        nums = _numbers(unit)
        for sm, onums in matchers:
            sm.set_seq1(unit)
            if (
                onums == nums
                and sm.real_quick_ratio() >= 0.8
                and sm.quick_ratio() >= 0.8
                and sm.ratio() >= 0.8
            ):
                hits += len(unit)
                break
    return hits / sum(map(len, short))


def _days_apart(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days)


_DATE_WORDS = frozenset(
    [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "date",
        "of",
        "publication",
        "published",
        "last",
        "updated",
        "at",
        "posted",
        "on",
    ]
)


def _strip_date_prefix(ws: tuple[str, ...]) -> tuple[str, ...]:
    """``ws`` without a leading run of date words and numbers ("Last updated at Feb 092015",
    "Date of publication 4 October 2017"): outlets print the date differently."""
    i = 0
    while i < min(len(ws), 12) and (ws[i] in _DATE_WORDS or ws[i].isdigit()):
        i += 1
    return ws[i:]


_MONTHS_DAYS = _DATE_WORDS - {
    "date",
    "of",
    "publication",
    "published",
    "last",
    "updated",
    "at",
    "posted",
    "on",
    "may",
}
_YEARISH = re.compile(r"(?:19|20)\d\d|\d{6}|\d{1,2}-\d{1,2}-\d{4}")


def _without_dates(ws: tuple[str, ...]) -> tuple[str, ...]:
    """``ws`` without the numbers of date expressions (next to a month or weekday name, years,
    "092015", "05-07-2015"): FA-KES outlets each print their own date lines."""
    keep = []
    for i, w in enumerate(ws):
        near_month = (i > 0 and ws[i - 1] in _MONTHS_DAYS) or (
            i + 1 < len(ws) and ws[i + 1] in _MONTHS_DAYS
        )
        if w[:1].isdigit() and (near_month or _YEARISH.fullmatch(w)):
            continue
        keep.append(w)
    return tuple(keep)


def _number_words(doc: Doc) -> tuple[str, ...]:
    """The words of ``doc``'s body whose numbers the rule compares: without a leading date
    line; for FA-KES also without its date expressions and without the title that many of its
    bodies repeat at the start."""
    ws = _strip_date_prefix(words(doc.body))
    if doc.corpus != "fakes":
        return ws
    title = words(doc.title)
    for start in range(min(len(ws), 12)):
        if title and ws[start : start + len(title)] == title:
            ws = ws[:start] + ws[start + len(title) :]
            break
    return _without_dates(ws)


def rule_features(a: Doc, b: Doc) -> dict[str, float]:
    """The rule's inputs: unit containment of the shorter body, numbers, days apart."""
    wa, wb = words(a.body), words(b.body)
    short, long_ = (a, b) if len(wa) <= len(wb) else (b, a)
    su, lu = _units(short.body), _units(long_.body)
    if len(su) == 1 and len(lu) > 1:
        lu = (tuple(words(long_.body)),)
    contained = _contained(su, lu)
    ns = Counter(_numbers(_number_words(short)))
    nl = Counter(_numbers(_number_words(long_)))
    missing = sum((ns - nl).values())
    # Only Reuters dates are wire timestamps; FA-KES's date field disagrees with the dates
    # printed in some of its bodies (fakes-0010 / fakes-0313), and BBC has none.
    days = _days_apart(a.date, b.date) if a.corpus == b.corpus == "reuters" else None
    return {
        "units": contained,
        "numbers": sum(ns.values()),
        "missing_numbers": missing,
        "days": -1.0 if days is None else days,
    }


def rule_copy(a: Doc, b: Doc) -> bool:
    """The labelling rule (module docstring)."""
    f = rule_features(a, b)
    allowed = f["numbers"] // 10
    if f["units"] >= 0.8:
        allowed = max(allowed, 1)
    return f["units"] >= 0.5 and f["missing_numbers"] <= allowed and f["days"] <= 3


# --------------------------------------------------------------------------- candidate nets


def word_sets(docs: Sequence[Doc]) -> list[frozenset[str]]:
    """Each body's set of folded words."""
    return [frozenset(words(d.body)) for d in docs]


def overlap_pairs(
    sets: Sequence[frozenset[str]], min_jaccard: float
) -> dict[tuple[int, int], float]:
    """Pairs whose word-set Jaccard is >= ``min_jaccard`` (found with probability 0.87 at 0.4,
    0.98 at 0.5, 0.999 at 0.6).

    Found with a 96-value MinHash of the *word sets* (crc32, its own seeded constants), 32
    bands of 3, then verified exactly. Buckets of more than 300 articles are skipped.
    """
    perm, rows = 96, 3
    rng = np.random.default_rng(20240601)
    a = rng.integers(1, 2**63, size=perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=perm, dtype=np.uint64)
    sigs = np.full((len(sets), perm), 2**32 - 1, dtype=np.uint64)
    for i, s in enumerate(sets):
        if s:
            h = np.fromiter((zlib.crc32(w.encode()) for w in s), dtype=np.uint64, count=len(s))
            sigs[i] = ((h[:, None] * a + b) >> np.uint64(32)).min(axis=0)
    live = np.array([bool(s) for s in sets])
    found: dict[tuple[int, int], float] = {}
    for band in range(perm // rows):
        key = np.zeros(len(sets), dtype=np.uint64)
        for j in range(rows):
            key = key * np.uint64(0x9E3779B97F4A7C15) ^ sigs[:, band * rows + j]
        order = np.argsort(key, kind="stable")
        order = order[live[order]]
        ordered = key[order]
        bounds = np.concatenate(([0], np.flatnonzero(np.diff(ordered)) + 1, [len(order)]))
        for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            if 1 < stop - start <= 300:
                members = sorted(order[start:stop].tolist())
                for i, j in itertools.combinations(members, 2):
                    if (i, j) not in found:
                        si, sj = sets[i], sets[j]
                        found[(i, j)] = len(si & sj) / len(si | sj)
    return {p: v for p, v in found.items() if v >= min_jaccard}


_TITLE_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "at",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "be",
        "says",
        "say",
        "said",
        "new",
        "over",
        "after",
        "u",
        "s",
        "vs",
        "inc",
        "corp",
        "co",
        "ltd",
        "plc",
        "sets",
        "set",
    ]
)


def title_words(title: str) -> set[str]:
    """Content words of a title (3+ letters, not in a small stop list)."""
    return {w for w in words(title) if len(w) >= 3 and w not in _TITLE_STOP}


# --------------------------------------------------------------------------- building


def _sample(rng: random.Random, items: list[Pair], cap: int) -> list[Pair]:
    items = sorted(items, key=lambda p: (p.a.uid, p.b.uid))
    rng.shuffle(items)
    return items[:cap]


@dataclass
class LabelSet:
    """The labelled pairs plus what the build saw (for the report)."""

    pairs: list[Pair]
    docs: dict[str, list[Doc]]
    counts: dict[str, int] = field(default_factory=dict)


def natural_pairs(
    corpus: str, docs: Sequence[Doc], rng: random.Random, caps: dict[str, int]
) -> tuple[list[Pair], dict[str, int]]:
    """Natural copies and hard negatives of one corpus, labelled by :func:`rule_copy`."""
    sets = word_sets(docs)
    overlap = overlap_pairs(sets, 0.4)
    seqs = [tuple(words(d.body)) for d in docs]
    norm = [dedup.normalise_title(d.title) for d in docs]
    stats: Counter[str] = Counter()
    stats["overlap>=0.4"] = len(overlap)
    kinds: dict[str, list[Pair]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()

    def add(i: int, j: int, negative_kind: str) -> None:
        if (i, j) in seen:
            return
        seen.add((i, j))
        a, b = docs[i], docs[j]
        if seqs[i] == seqs[j]:
            kinds["natural-identical"].append(Pair(a, b, True, "natural-identical"))
        elif rule_copy(a, b):
            kinds["natural-edited"].append(Pair(a, b, True, "natural-edited"))
        elif negative_kind:
            kinds[negative_kind].append(Pair(a, b, False, negative_kind))

    # Same normalised title (at most 4 pairs per recurring title, so that the daily "FED ADDS
    # RESERVES" does not fill the set).
    by_title: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(norm):
        if t:
            by_title[t].append(i)
    title_pairs: list[tuple[int, int]] = []
    for members in by_title.values():
        combos = list(itertools.combinations(members, 2))
        rng.shuffle(combos)
        title_pairs.extend(combos[:4])
    stats["same-title pairs (max 4 per title)"] = len(title_pairs)
    for i, j in sorted(title_pairs):
        add(i, j, "neg-same-title")
    # Natural copies and overlapping-body negatives (word-set Jaccard >= 0.5, other titles).
    for (i, j), jac in sorted(overlap.items()):
        neg = "neg-overlapping-body" if jac >= 0.5 and norm[i] != norm[j] else ""
        add(i, j, neg)
    # Same day and topic (Reuters: a shared topic tag and 2+ shared title words), same date and
    # location from different outlets (FA-KES), same category and 2+ title words (BBC).
    tw = [title_words(d.title) for d in docs]
    buckets: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        if corpus == "reuters" and d.date:
            for t in d.topics:
                buckets[(d.date, t)].append(i)
        elif corpus == "fakes" and d.date:
            buckets[(d.date, d.group)].append(i)
        elif corpus == "bbc":
            buckets[(d.group,)].append(i)
    topical: set[tuple[int, int]] = set()
    for members in buckets.values():
        for i, j in itertools.combinations(members, 2):
            if corpus == "fakes":
                if docs[i].source != docs[j].source:
                    topical.add((i, j))
            elif len(tw[i] & tw[j]) >= 2:
                topical.add((i, j))
    stats["same-day/topic pairs"] = len(topical)
    for i, j in sorted(topical):
        add(i, j, "neg-same-topic")
    out: list[Pair] = []
    for kind in sorted(kinds):
        stats[f"found {kind}"] = len(kinds[kind])
        out.extend(_sample(rng, kinds[kind], caps.get(kind, 10**9)))
    return out, dict(stats)


def split_of(pairs: Sequence[Pair]) -> list[str]:
    """``tune`` or ``test`` for each pair: whole connected components of the pair graph go to
    one half (by a hash of the component's smallest id), so no article is in both halves."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a.uid), find(p.b.uid)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    out = []
    for p in pairs:
        root = find(p.a.uid)
        bit = hashlib.blake2b(root.encode(), digest_size=1).digest()[0] & 1
        out.append("tune" if bit == 0 else "test")
    return out


def build(
    corpora: Sequence[str] = ("reuters", "bbc", "fakes"),
    root: Path = CORPORA,
    seed: int = 1987,
    caps: dict[str, int] | None = None,
    synthetic: dict[str, int] | None = None,
) -> LabelSet:
    """The whole labelled set: natural pairs of each corpus plus synthetic copies."""
    from .synth import synthetic_pairs  # imported here: synth imports this module

    caps = caps or {
        "natural-identical": 60,
        "natural-edited": 250,
        "neg-overlapping-body": 250,
        "neg-same-title": 250,
        "neg-same-topic": 250,
    }
    synthetic = synthetic if synthetic is not None else {"reuters": 150, "bbc": 150, "fakes": 100}
    rng = random.Random(seed)
    pairs: list[Pair] = []
    docs: dict[str, list[Doc]] = {}
    counts: dict[str, int] = {}
    for corpus in corpora:
        docs[corpus] = load_corpus(corpus, root)
        found, stats = natural_pairs(corpus, docs[corpus], rng, caps)
        pairs.extend(found)
        counts.update({f"{corpus}: {k}": v for k, v in stats.items()})
        n = synthetic.get(corpus, 0)
        if n:
            used = {p.a.uid for p in found} | {p.b.uid for p in found}
            pairs.extend(synthetic_pairs(docs[corpus], n, rng, exclude=used))
    return LabelSet(pairs, docs, counts)
