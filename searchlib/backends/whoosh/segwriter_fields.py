"""How the batched writer turns each field of a document into terms, and a batch into postings.

For every field of the schema a :class:`FieldPlan` says how its values are analysed. The
analysers searchlib's schema uses are recognised exactly (the class of every tokenizer and
filter and each of their settings must match) and replaced by :mod:`searchlib.text` and a
per-batch cache from each word as written to its term number, so a word is analysed once per
batch, not once per occurrence:

* ``TEXT``: ``RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) | StopFilter |
  StemFilter`` (title, body), stop words kept as ``-1`` so positions can be renumbered later;
* ``PLAIN``: the same without stop words and stemming (entity, tag and source names);
* ``REGEX``: a ``RegexTokenizer`` alone (the spelling field, the facet fields);
* ``ID``: an ``IDTokenizer`` alone (``ID`` fields);
* ``NUMERIC``: ``NUMERIC`` and ``DATETIME`` fields, whose terms are cached by value;
* ``GENERIC``: anything else is indexed by the field's own ``index()``, as Whoosh does.

A batch keeps, per field, the term numbers of every document's tokens in flat arrays; at
commit, :func:`new_postings` sorts them once into the field's :class:`PostingTable`.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import fields as wfields
from whoosh import formats
from whoosh.analysis import (
    CharsetFilter,
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang.porter import stem as porter_stem
from whoosh.support.charset import accent_map

from searchlib import text

from .codec_pickle import (
    I64,
    Ragged,
    exclusive_cumsum,
    position_values,
    segment_ranks,
    stable_argsort,
)
from .codec_postings import PostingTable

#: Postings whose position values are encoded at once (bounds temporary memory).
_VALUE_CHUNK = 1 << 18


class Mode(Enum):
    """How a field's values become terms (see the module docstring)."""

    TEXT = "text"
    PLAIN = "plain"
    REGEX = "regex"
    ID = "id"
    NUMERIC = "numeric"
    GENERIC = "generic"


class UnsupportedSchema(ValueError):
    """The schema has a feature the batched writer does not reproduce (vectors, spelling)."""


@dataclass(frozen=True)
class FieldPlan:
    """How one schema field is written."""

    name: str
    field: Any
    mode: Mode
    #: "positions", "frequency", "existence" or "other" (the postings format)
    fmt: str
    fixed_size: int | None
    field_boost: float
    pattern: re.Pattern[str] | None = None
    #: for a pattern ``[^...]+`` of literal characters: those characters
    separators: str = ""
    #: every separator but the first mapped to the first (for :meth:`str.translate`)
    separator_map: Mapping[int, str] = field(default_factory=dict)

    @property
    def indexed(self) -> bool:
        """True when the field has postings."""
        return bool(self.field.indexed)

    @property
    def stored(self) -> bool:
        """True when the field's value is stored."""
        return bool(self.field.stored)

    @property
    def scorable(self) -> bool:
        """True when the field records per-document lengths."""
        return bool(self.field.scorable)

    @property
    def column(self) -> Any:
        """The field's column type, or None."""
        return self.field.column_type


def _items(analyzer: Any) -> list[Any]:
    if type(analyzer) is CompositeAnalyzer:
        return list(analyzer.items)
    return [analyzer]


def _is_default_tokenizer(item: Any) -> bool:
    return (
        type(item) is RegexTokenizer
        and item.expression.pattern == default_pattern.pattern
        and item.expression.flags == default_pattern.flags
        and not item.gaps
    )


def _is_text_tail(items: list[Any]) -> bool:
    """Lower-case, accent map: the start of both of searchlib's word analysers."""
    return (
        len(items) >= 3
        and _is_default_tokenizer(items[0])
        and type(items[1]) is LowercaseFilter
        and type(items[2]) is CharsetFilter
        and items[2].charmap == accent_map
    )


def analyzer_mode(analyzer: Any) -> tuple[Mode, re.Pattern[str] | None]:
    """Which fast path reproduces ``analyzer`` exactly (GENERIC when none does)."""
    items = _items(analyzer)
    if _is_text_tail(items) and len(items) == 3:
        return Mode.PLAIN, None
    if _is_text_tail(items) and len(items) == 5:
        stop, stemmer = items[3], items[4]
        if (
            type(stop) is StopFilter
            and stop.stops == STOP_WORDS
            and stop.min == text.MIN_TERM_LENGTH
            and stop.max is None
            and stop.renumber
            and type(stemmer) is StemFilter
            and stemmer.stemfn is porter_stem
            and stemmer.lang is None
            and not stemmer.ignore
        ):
            return Mode.TEXT, None
    if len(items) == 1 and type(items[0]) is RegexTokenizer and not items[0].gaps:
        return Mode.REGEX, items[0].expression
    if len(items) == 1 and type(items[0]) is IDTokenizer:
        return Mode.ID, None
    return Mode.GENERIC, None


def _format_kind(fmt: Any) -> str:
    kind = type(fmt)
    if kind is formats.Positions:
        return "positions"
    if kind is formats.Frequency:
        return "frequency"
    if kind is formats.Existence:
        return "existence"
    return "other"


def plan_field(name: str, fieldobj: Any) -> FieldPlan:
    """The plan of one schema field; raises :class:`UnsupportedSchema` for vectors or a
    separate spelling field (searchlib uses neither)."""
    if fieldobj.vector:
        raise UnsupportedSchema(f"field {name!r} stores term vectors")
    if fieldobj.separate_spelling():
        raise UnsupportedSchema(f"field {name!r} has a separate spelling field")
    fmt = fieldobj.format
    if not fieldobj.indexed or fmt is None:
        return FieldPlan(name, fieldobj, Mode.GENERIC, "other", None, 1.0)
    kind = _format_kind(fmt)
    boost = float(fmt.field_boost)
    fixed = fmt.fixed_value_size()
    if isinstance(fieldobj, wfields.NUMERIC):
        mode, pattern = (Mode.NUMERIC if kind == "existence" else Mode.GENERIC), None
    elif type(fieldobj) in (wfields.TEXT, wfields.ID, wfields.KEYWORD) and kind != "other":
        mode, pattern = analyzer_mode(fieldobj.analyzer)
    else:
        mode, pattern = Mode.GENERIC, None
    if mode in (Mode.TEXT, Mode.PLAIN) and kind != "positions" and kind != "frequency":
        mode = Mode.GENERIC
    separators = _separators(pattern)
    to_first = {ord(c): separators[0] for c in separators[1:]}
    return FieldPlan(name, fieldobj, mode, kind, fixed, boost, pattern, separators, to_first)


def _separators(pattern: re.Pattern[str] | None) -> str:
    """The characters of a pattern ``[^abc]+`` (escaped or not), else ""."""
    if pattern is None or pattern.flags & ~(re.UNICODE):
        return ""
    found = re.fullmatch(r"\[\^((?:\\.|[^\]\\])+)\]\+", pattern.pattern)
    if not found:
        return ""
    chars = []
    escapes = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v"}
    body = found.group(1)
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1]
            if nxt.isalnum() and nxt not in escapes:
                return ""  # a class such as \w or \d
            c = escapes.get(nxt, nxt)
            i += 1
        elif c == "-" and 0 < i < len(body) - 1:
            return ""  # a range
        chars.append(c)
        i += 1
    return "".join(chars)


class Vocabulary(dict[Hashable, int]):
    """Term -> term number for one batch; ``encoded[n]`` is term number ``n`` as the index
    stores it (UTF-8 bytes)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[bytes] = []

    def __missing__(self, term: Hashable) -> int:
        number = self[term] = len(self.encoded)
        self.encoded.append(term if isinstance(term, bytes) else str(term).encode("utf-8"))
        return number

    def key(self, number: int) -> bytes:
        """The bytes of term number ``number`` as the index stores them."""
        return self.encoded[number]


class _Memo(dict[Any, Any]):
    """A dict that computes missing values with a function (one batch's analysis cache)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._compute(key)
        return value


@dataclass
class Analysis:
    """The per-batch analysis caches shared by all fields of a writer."""

    vocab: Vocabulary = field(default_factory=Vocabulary)

    def __post_init__(self) -> None:
        vocab = self.vocab

        def text_term(word: str) -> int:
            term = text.analyse(word)
            return -1 if term is None else vocab[term]

        self.text = _Memo(text_term)
        self.plain = _Memo(lambda word: vocab[text.fold(word)])
        self.numeric: dict[str, _Memo] = {}

    def numeric_terms(self, plan: FieldPlan) -> _Memo:
        """Value -> term numbers of a ``NUMERIC``/``DATETIME`` field."""
        memo = self.numeric.get(plan.name)
        if memo is None:
            vocab = self.vocab
            fieldobj = plan.field

            def terms_of(value: Any) -> tuple[int, ...]:
                return tuple(vocab[tb] for tb, _, _, _ in fieldobj.index(value))

            memo = self.numeric[plan.name] = _Memo(terms_of)
        return memo


@dataclass
class FieldBuffer:
    """The tokens of one field for a batch of documents."""

    ids: array[int] = field(default_factory=lambda: array("i"))
    docs: array[int] = field(default_factory=lambda: array("i"))
    counts: array[int] = field(default_factory=lambda: array("i"))
    boosts: dict[int, float] = field(default_factory=dict)
    generic: list[tuple[bytes, int, float, bytes]] = field(default_factory=list)
    generic_lengths: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.docs) + len(self.generic)


def split_words(plan: FieldPlan, value: str) -> list[str]:
    """The tokens of a ``RegexTokenizer`` alone. Its two patterns in searchlib's schema,
    runs of anything but one separator set, split with ``str.split`` when the text holds only
    the first separator (which is what ``spell_text`` and the facet values give)."""
    pattern = plan.pattern
    assert pattern is not None
    separators = plan.separators
    if len(separators) == 1:
        return list(filter(None, value.split(separators)))
    if separators:
        return list(filter(None, value.translate(plan.separator_map).split(separators[0])))
    if pattern.groups == 0:
        return list(pattern.findall(value))
    return [m.group(0) for m in pattern.finditer(value)]


def tokens_of(plan: FieldPlan, value: Any, analysis: Analysis) -> list[int] | None:
    """The term numbers of ``value`` (``-1`` for stop words), or None when the value must go
    through the field's own ``index()`` (a list of pre-split words, or a generic field)."""
    mode = plan.mode
    if mode is Mode.NUMERIC:
        if isinstance(value, (list, tuple)):
            return None
        return list(analysis.numeric_terms(plan)[value])
    if mode is Mode.GENERIC or isinstance(value, (list, tuple)):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not unicode or sequence")
    if mode is Mode.TEXT:
        return list(map(analysis.text.__getitem__, text.tokens(value)))
    if mode is Mode.PLAIN:
        return list(map(analysis.plain.__getitem__, text.tokens(value)))
    if mode is Mode.REGEX:
        return list(map(analysis.vocab.__getitem__, split_words(plan, value)))
    return [analysis.vocab[value]]  # Mode.ID


def generic_postings(
    plan: FieldPlan, value: Any, doc: int, boost: float
) -> tuple[list[tuple[bytes, int, float, bytes]], int]:
    """The postings of a value indexed by the field's own ``index()``, and its length."""
    length = 0
    out = []
    scorable = plan.scorable
    for tbytes, freq, weight, vbytes in plan.field.index(value):
        if scorable:
            length += freq
        out.append((tbytes, doc, weight * boost, vbytes))
    return out, length


# -- from a batch's tokens to postings -----------------------------------------------------------


def _empty_table(with_values: bool) -> PostingTable:
    empty = np.zeros(0, dtype=np.int64)
    values = Ragged(np.zeros(0, np.uint8), empty) if with_values else None
    return PostingTable([], empty, empty, np.zeros(0, dtype=np.float64), values)


def _has_values(plan: FieldPlan) -> bool:
    return plan.fixed_size != 0


def new_postings(
    plan: FieldPlan, buffer: FieldBuffer, vocab: Vocabulary, ndocs: int
) -> tuple[PostingTable, I64]:
    """The postings of the batch's documents in one field, and each document's length."""
    stream = TokenStream(plan, buffer, vocab, ndocs)
    chunks = list(stream.chunks())
    lengths = stream.lengths
    token_table = _concat_chunks(chunks, stream.keys, plan)
    if not buffer.generic:
        return token_table, lengths
    generic_table = _generic_table(plan, buffer.generic)
    for doc, length in buffer.generic_lengths.items():
        lengths[doc] += length
    return merge_interleaved(token_table, generic_table), lengths


def _concat_chunks(
    chunks: list[tuple[int, PostingTable]], keys: list[bytes], plan: FieldPlan
) -> PostingTable:
    if not chunks:
        return _empty_table(_has_values(plan))
    values = [c.values for _, c in chunks]
    return PostingTable(
        keys,
        np.concatenate([c.term + first for first, c in chunks]),
        np.concatenate([c.doc for _, c in chunks]),
        np.concatenate([c.weight for _, c in chunks]),
        Ragged.concat([v for v in values if v is not None]) if values[0] is not None else None,
    )


def _ranks32(counts: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    """Each element's index in its group, for groups of these sizes laid end to end."""
    total = int(counts.sum(dtype=np.int64))
    starts = np.zeros(len(counts), dtype=np.int32)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=starts[1:])
    out: npt.NDArray[np.int32] = np.arange(total, dtype=np.int32) - np.repeat(starts, counts)
    return out


#: Tokens turned into postings at once (bounds the memory of a field's commit).
CHUNK_TOKENS = 1 << 18


class TokenStream:
    """One field's tokens in a batch, turned into postings a range of terms at a time.

    Holding a whole large batch's postings at once costs ~45 bytes a posting; this keeps
    about 6 bytes a token (the term's rank and its chunk) and makes the postings of about
    :data:`CHUNK_TOKENS` tokens at a time, in term order, each chunk a :class:`PostingTable`
    whose term numbers count from the chunk's first term (:attr:`keys` has them all).
    :attr:`lengths` is each document's field length (its terms, counted as Whoosh does), final
    once every chunk was made.
    """

    def __init__(self, plan: FieldPlan, buffer: FieldBuffer, vocab: Vocabulary, ndocs: int) -> None:
        self.plan = plan
        self.lengths = np.zeros(ndocs, dtype=np.int64)
        self.keys: list[bytes] = []
        self._boosts = buffer.boosts
        self._ndocs = ndocs
        ids = np.frombuffer(buffer.ids, dtype=np.int32)
        counts = np.frombuffer(buffer.counts, dtype=np.int32)
        self._docs = np.frombuffer(buffer.docs, dtype=np.int32).astype(np.int64)
        nentries = len(counts)
        kept = counts.astype(np.int64)
        first = np.zeros(nentries, dtype=np.int64)
        token_start = exclusive_cumsum(kept)
        # the work goes a slice of about CHUNK_TOKENS tokens at a time (whole entries)
        cuts = np.unique(
            np.concatenate(
                [
                    [0],
                    np.searchsorted(token_start, np.arange(0, len(ids), CHUNK_TOKENS)),
                    [nentries],
                ]
            )
        ).tolist()
        slices = [
            (e0, e1, int(token_start[e0]) if e0 < nentries else len(ids),
             int(token_start[e1]) if e1 < nentries else len(ids))
            for e0, e1 in itertools.pairwise(cuts)
        ]  # fmt: skip
        text_mode = plan.mode is Mode.TEXT
        present = np.zeros(len(vocab.encoded), dtype=np.int64)
        for e0, e1, t0, t1 in slices:
            part = ids[t0:t1]
            if text_mode:
                # StopFilter(renumber=True): the first word kept keeps its position, the next
                # ones follow it one by one
                c = counts[e0:e1]
                keep = part >= 0
                entry = np.repeat(np.arange(e1 - e0, dtype=np.int32), c)
                within = _ranks32(c)
                k = np.bincount(entry[keep], minlength=e1 - e0).astype(np.int64)
                kept[e0:e1] = k
                has = k > 0
                first[e0:e1][has] = within[keep][exclusive_cumsum(k)[has]]
                part = part[keep]
            present += np.bincount(part, minlength=len(present))
        self._kept_starts = exclusive_cumsum(kept)
        self._first = first
        if plan.scorable and plan.fmt != "existence":
            self.lengths[self._docs] += kept  # one value per document and field
        total = int(kept.sum())
        self._rank = np.zeros(total, dtype=np.int32)
        if not total:
            return
        # term numbers -> ranks in byte order of the terms
        numbers = np.flatnonzero(present)
        keys = list(map(vocab.encoded.__getitem__, numbers.tolist()))
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = [keys[i] for i in order]
        lookup = np.zeros(len(present), dtype=np.int32)
        ranks = np.empty(len(order), dtype=np.int32)
        ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
        lookup[numbers] = ranks
        at = 0
        for _, _, t0, t1 in slices:
            part = ids[t0:t1]
            if text_mode:
                part = part[part >= 0]
            self._rank[at : at + len(part)] = lookup[part]
            at += len(part)

    def chunks(self) -> Iterator[tuple[int, PostingTable]]:
        """(first term's rank, postings of a range of terms), in term order."""
        rank = self._rank
        nterms = len(self.keys)
        if not nterms:
            return
        per_term = np.bincount(rank, minlength=nterms).astype(np.int64)
        cuts = _chunk_cuts(per_term, CHUNK_TOKENS)
        if len(cuts) == 2:
            yield 0, self._chunk(np.arange(len(rank), dtype=np.int64), 0, nterms)
            return
        dtype = np.uint16 if len(cuts) < 2**16 else np.int32
        bucket = (np.searchsorted(cuts, np.arange(nterms), side="right") - 1).astype(dtype)
        token_bucket = bucket[rank]
        del bucket
        for b in range(len(cuts) - 1):
            tokens = np.flatnonzero(token_bucket == b)
            yield int(cuts[b]), self._chunk(tokens, int(cuts[b]), int(cuts[b + 1]))

    def _chunk(self, tokens: I64, first_term: int, end_term: int) -> PostingTable:
        """The postings of the (kept) tokens at these indices, all of the terms ranked
        ``first_term`` to ``end_term - 1``; the indices ascend (document and position order)."""
        plan = self.plan
        rank = self._rank[tokens] - np.int32(first_term)
        sort = stable_argsort(rank)
        tokens, rank = tokens[sort], rank[sort]
        del sort
        entry = np.searchsorted(self._kept_starts, tokens, side="right") - 1
        doc = self._docs[entry]
        boundary = np.ones(len(rank), dtype=np.bool_)
        boundary[1:] = (rank[1:] != rank[:-1]) | (doc[1:] != doc[:-1])
        starts = np.flatnonzero(boundary)
        del boundary
        freq = np.diff(np.append(starts, len(rank))).astype(np.int64)
        p_term, p_doc = rank[starts].astype(np.int64), doc[starts]
        boost = np.ones(len(p_doc), dtype=np.float64)
        if self._boosts:
            per_doc = np.ones(self._ndocs, dtype=np.float64)
            for d, b in self._boosts.items():
                per_doc[d] = b
            boost = per_doc[p_doc]
        values: Ragged | None
        if plan.fmt == "positions":
            positions = self._first[entry] + (tokens - self._kept_starts[entry])
            deltas = np.diff(positions, prepend=np.int64(0))
            deltas[starts] = positions[starts]
            del positions
            values = _position_values(freq, deltas)
            weight = freq.astype(np.float64) * plan.field_boost * boost
        elif plan.fmt == "frequency":
            values = Ragged(
                freq.astype(">u4").view(np.uint8).copy(), np.full(len(freq), 4, dtype=np.int64)
            )
            weight = freq.astype(np.float64) * plan.field_boost * boost
        else:  # existence: one posting per distinct term
            values = None
            base = 1.0 if plan.mode is Mode.NUMERIC else plan.field_boost
            weight = np.full(len(freq), base, dtype=np.float64) * boost
            if plan.scorable:
                np.add.at(self.lengths, p_doc, 1)
        return PostingTable(self.keys[first_term:end_term], p_term, p_doc, weight, values)


def _chunk_cuts(per_term: I64, limit: int) -> I64:
    """Term ranks where chunks of about ``limit`` tokens start (whole terms), and the end."""
    cumulative = np.cumsum(per_term)
    total = int(cumulative[-1])
    targets = np.arange(limit, total, limit, dtype=np.int64)
    inner = np.searchsorted(cumulative, targets, side="left") + 1
    cuts = np.unique(np.concatenate([[0], inner[inner < len(per_term)], [len(per_term)]]))
    return cuts.astype(np.int64)


def _position_values(freq: I64, deltas: I64) -> Ragged:
    if len(freq) <= _VALUE_CHUNK:
        return position_values(freq, deltas)
    parts = []
    token_start = exclusive_cumsum(freq)
    for p0 in range(0, len(freq), _VALUE_CHUNK):
        p1 = min(p0 + _VALUE_CHUNK, len(freq))
        t0 = int(token_start[p0])
        t1 = int(token_start[p1]) if p1 < len(freq) else len(deltas)
        parts.append(position_values(freq[p0:p1], deltas[t0:t1]))
    return Ragged.concat(parts)


def _generic_table(
    plan: FieldPlan, postings: list[tuple[bytes, int, float, bytes]]
) -> PostingTable:
    # Whoosh's posting pool sorts whole tuples
    postings = sorted(postings)
    keys = sorted({p[0] for p in postings})
    index = {k: i for i, k in enumerate(keys)}
    term = np.fromiter((index[p[0]] for p in postings), dtype=np.int64, count=len(postings))
    doc = np.fromiter((p[1] for p in postings), dtype=np.int64, count=len(postings))
    weight = np.fromiter((p[2] for p in postings), dtype=np.float64, count=len(postings))
    values = Ragged.from_bytes([p[3] for p in postings]) if _has_values(plan) else None
    return PostingTable(keys, term, doc, weight, values)


def _remap(tables: list[PostingTable]) -> tuple[list[bytes], list[I64]]:
    """The sorted union of the tables' keys, and each table's term numbers in it."""
    keys = sorted(set().union(*(t.keys for t in tables)))
    index = {k: i for i, k in enumerate(keys)}
    maps = [
        np.fromiter((index[k] for k in t.keys), dtype=np.int64, count=len(t.keys)) for t in tables
    ]
    return keys, [m[t.term] if len(t.term) else t.term for m, t in zip(maps, tables, strict=True)]


def _concat_values(tables: list[PostingTable]) -> Ragged | None:
    parts = [t.values for t in tables if t.values is not None]
    if not parts:
        return None
    return Ragged.concat(parts)


def merge_interleaved(a: PostingTable, b: PostingTable) -> PostingTable:
    """Two tables whose documents interleave, as one sorted by term then document."""
    keys, terms = _remap([a, b])
    term = np.concatenate(terms)
    doc = np.concatenate([a.doc, b.doc])
    order = np.lexsort((doc, term))
    values = _concat_values([a, b])
    return PostingTable(
        keys,
        term[order],
        doc[order],
        np.concatenate([a.weight, b.weight])[order],
        values.take(order) if values is not None else None,
    )


def merge_in_order(tables: list[PostingTable]) -> PostingTable:
    """Tables whose documents follow each other (all of the first table's documents come
    before the second's, and so on), as one table sorted by term then document.

    The order is found per (term, table) run, not per posting, and the values stay where they
    are (the result's values are a view), so merging big segments stays cheap.
    """
    tables = [t for t in tables if len(t)]
    if len(tables) == 1:
        return tables[0]
    if not tables:
        return _empty_table(False)
    keys, terms = _remap(tables)
    run_term, run_source, run_start, run_length = [], [], [], []
    base = 0
    for source, term in enumerate(terms):
        boundary = np.ones(len(term), dtype=np.bool_)
        boundary[1:] = term[1:] != term[:-1]
        starts = np.flatnonzero(boundary)
        run_term.append(term[starts])
        run_source.append(np.full(len(starts), source, dtype=np.int64))
        run_start.append(starts + base)
        run_length.append(np.diff(np.append(starts, len(term))))
        base += len(term)
    rt, rs = np.concatenate(run_term), np.concatenate(run_source)
    order = np.lexsort((rs, rt))
    lengths = np.concatenate(run_length)[order]
    starts = np.concatenate(run_start)[order]
    take = np.repeat(starts, lengths) + segment_ranks(lengths)
    term = np.concatenate(terms)[take]
    doc = np.concatenate([t.doc for t in tables])[take]
    weight = np.concatenate([t.weight for t in tables])[take]
    values = _concat_values(tables)
    return PostingTable(keys, term, doc, weight, values.take(take) if values is not None else None)
