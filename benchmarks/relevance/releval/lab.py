"""The ranking laboratory: one numpy scorer over searchlib's own analysed terms, with every
cause of issue 14 as a switch, so that each can be measured as a controlled change.

The index is built with ``searchlib.backends.whoosh.schema.text_analyzer()`` itself (Whoosh's
word pattern,
lower case, accents folded, Whoosh's 34 stop words and one-letter words dropped, Porter stems;
positions count the kept words, as Whoosh's ``StopFilter`` renumbers them), over the two
fields searchlib searches by default, ``title`` and ``body``. The title's term frequencies
carry the index's field boost (x2), its length does not (Whoosh's ``field_boost``). Field
lengths are Whoosh's one-byte quantised ones when ``quantize`` is set (the engine stores
nothing else), average lengths the exact means.

:class:`LabParams` switches:

* ``idf``: ``whoosh`` ``log(N/(df+1))+1`` | ``rsj`` Robertson-Spärck Jones
  ``log((N-df+0.5)/(df+0.5))`` floored at 1e-6 (``rsj0``: at 0) | ``lucene``
  ``log(1+(N-df+0.5)/(df+0.5))``;
* ``fields``: ``sum`` (Whoosh: BM25 per field with that field's df, summed) | ``bm25f``
  (term frequencies normalised per field with its own ``b``, weighted, added, then saturated
  once; one idf from the number of documents with the term in either field);
* ``drop``: function words left out of the query (``none`` | ``question``: searchlib's
  ``QUESTION_WORDS`` | ``nltk``: NLTK's English list), unless nothing would be left;
* ``mode``: how documents are matched and ordered (:data:`Mode`), with ``coordination`` the
  power of the share of query words matched that multiplies scores, and ``msm`` the
  minimum-should-match rule of ``mode="msm"``;
* ``proximity``: none, ``pairs`` (searchlib's: the score times ``1 + weight * share of adjacent
  query-word pairs found side by side``) or ``window`` (an additive BM25-style score for each
  adjacent pair of query words found within ``window`` words of each other), on the best
  ``depth`` documents;
* ``feedback``: none, ``rm3`` or ``bo1`` pseudo-relevance feedback from the best documents of
  the first pass; the expanded query re-ranks the first pass's matches (it never adds a
  document that has none of the query's words, so counts and facets do not change).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from .bm25 import ENGLISH_STOP_WORDS
from .collection import Doc, query_words

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

IdfKind = Literal["whoosh", "rsj", "rsj0", "lucene"]
FieldKind = Literal["sum", "bm25f"]
DropKind = Literal["none", "question", "nltk"]
Mode = Literal["all-relaxed-primary", "all-relaxed-factor", "any", "msm"]


#: The smallest idf of the ``rsj`` variant (as SQLite FTS5's ``bm25()``): a word in more than
#: half the documents still orders the documents that have only it, but adds almost nothing.
RSJ_FLOOR = 1e-6


@functools.lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """searchlib's function words (``searchlib.ranking.QUESTION_WORDS``)."""
    from searchlib.ranking import QUESTION_WORDS

    return frozenset(QUESTION_WORDS)


@functools.lru_cache(maxsize=1)
def function_stems() -> frozenset[str]:
    """The index terms of searchlib's function words (``has`` -> ``ha``...)."""
    return frozenset(t for w in question_words() for t in analyze(w))


@functools.lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    from searchlib.backends.whoosh.schema import text_analyzer

    return text_analyzer()


def analyze(text: str) -> list[str]:
    """searchlib's index terms of ``text``, in order (``schema.text_analyzer()``)."""
    return [t.text for t in _analyzer()(text)]


def quantize(lengths: IntArray) -> FloatArray:
    """Field lengths as Whoosh stores them (one byte each, decoded)."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    table = {int(x): float(byte_to_length(length_to_byte(int(x)))) for x in set(lengths.tolist())}
    return np.array([table[int(x)] for x in lengths], dtype=np.float64)


@dataclass(frozen=True)
class Msm:
    """Minimum should match for ``n`` query words: every word up to ``all_upto`` words, then
    ``max(all_upto, ceil(share * n))``; ``share=0`` means at least one word past ``all_upto``."""

    all_upto: int = 3
    share: float = 0.0

    def required(self, n: int) -> int:
        """How many of ``n`` distinct query words a document must have."""
        if n <= self.all_upto:
            return n
        if self.share <= 0:
            return 1
        return max(self.all_upto, math.ceil(self.share * n - 1e-9))

    def label(self) -> str:
        """e.g. ``all<=3, then 1`` or ``all<=3, then 50%``."""
        then = "1" if self.share <= 0 else f"{self.share:.0%}"
        return f"all<={self.all_upto}, then {then}"


@dataclass(frozen=True)
class Proximity:
    """A proximity score on the best ``depth`` documents of the first ordering."""

    kind: Literal["pairs", "window"] = "window"
    weight: float = 0.25
    window: int = 1
    depth: int = 200
    from_all_words: bool = False  # pairs from every word (searchlib's), not only content words

    def label(self) -> str:
        """e.g. ``window(w=4, 0.25)``."""
        if self.kind == "pairs":
            return f"pairs({self.weight:g}{', all words' if self.from_all_words else ''})"
        return f"window(w={self.window}, {self.weight:g})"


@dataclass(frozen=True)
class Feedback:
    """Pseudo-relevance feedback from the ``docs`` best first-pass documents.

    ``rm3``: P(w|R) = sum over those documents of (score share) * tf(w, D) / |D|, the ``terms``
    most likely kept and normalised to 1, mixed as ``weight * q/|q| + (1 - weight) * P(w|R)``.
    ``bo1``: Amati's Bo1 weight ``tf_x * log2((1 + Pn) / Pn) + log2(1 + Pn)`` with ``Pn = cf/N``;
    the ``terms`` best get ``weight * w / max(w)`` added to the query words' weight 1.
    Candidate words in ``max_df`` of the documents or more, or made of digits only, are not
    used. ``rerank`` > 0 re-scores only the first pass's ``rerank`` best documents.
    """

    kind: Literal["rm3", "bo1"] = "rm3"
    docs: int = 10
    terms: int = 10
    weight: float = 0.5
    max_df: float = 1.0
    rerank: int = 0
    skip_function_words: bool = False
    on_and: bool = False  # also expand searches that require every word

    def label(self) -> str:
        """e.g. ``rm3(10 docs, 10 terms, 0.5)``."""
        extra = f", df<={self.max_df:g}" if self.max_df < 1 else ""
        extra += f", top {self.rerank}" if self.rerank else ""
        extra += ", no function words" if self.skip_function_words else ""
        return f"{self.kind}({self.docs} docs, {self.terms} terms, {self.weight:g}{extra})"


@dataclass(frozen=True)
class LabParams:
    """One ranking model (see the module docstring). The defaults are searchlib's ranking
    today with ``match="any"``."""

    idf: IdfKind = "whoosh"
    fields: FieldKind = "sum"
    k1: float = 1.2
    b_title: float = 0.75
    b_body: float = 0.75
    title_boost: float = 2.0
    title_weight: float = 1.0
    quantize: bool = True
    drop: DropKind = "question"
    mode: Mode = "any"
    coordination: float = 0.25
    coordination_upto: int = 1_000_000  # coordination only for queries of up to this many words
    msm: Msm = field(default_factory=Msm)
    complete_first: bool = False  # OR searches: documents with every word before the others
    proximity: Proximity | None = None
    feedback: Feedback | None = None

    def label(self) -> str:
        """A short description for reports."""
        parts = [
            f"idf={self.idf}",
            f"fields={self.fields}",
            f"k1={self.k1:g}",
            f"b={self.b_title:g}/{self.b_body:g}",
            f"title={self.title_boost * self.title_weight:g}",
            f"drop={self.drop}",
            f"mode={self.mode}" + (f"[{self.msm.label()}]" if self.mode == "msm" else "")
            + (" complete-first" if self.complete_first else ""),
            f"coord={self.coordination:g}"
            + (f"[n<={self.coordination_upto}]" if self.coordination_upto < 1000 else ""),
        ]
        if self.proximity:
            parts.append(f"prox={self.proximity.label()}")
        if self.feedback:
            parts.append(f"fb={self.feedback.label()}")
        if not self.quantize:
            parts.append("exact lengths")
        return " ".join(parts)


#: searchlib's ranking today, ``match="all"`` (the default): AND, and when nothing has every
#: word, the question's other words ORed, more words matched first, then score.
CURRENT_DEFAULT = LabParams(mode="all-relaxed-primary", coordination=0.0)
#: searchlib's ranking today, ``match="any"``.
CURRENT_ANY = LabParams()


@dataclass(frozen=True)
class Ranked:
    """The best documents (positions in the collection), their scores, how many query words
    each has, the number of query words, and whether the query was relaxed."""

    docs: list[int]
    scores: list[float]
    matched: list[int]
    words: int
    relaxed: bool = False
    expanded: bool = False


@dataclass
class _Term:
    docs: IntArray  # documents with the term in title or body, ascending
    tf_title: FloatArray  # raw term frequencies (no boost), aligned with docs
    tf_body: FloatArray
    df_title: int
    df_body: int
    cf: float  # collection frequency, title + body, raw


_EMPTY = _Term(
    np.zeros(0, np.int64), np.zeros(0), np.zeros(0), 0, 0, 0.0
)


class LabIndex:
    """Title and body of ``docs`` analysed by searchlib's analyser, held as numpy postings."""

    def __init__(self, docs: Sequence[Doc]) -> None:
        self.ids = [d.id for d in docs]
        self.n = len(docs)
        self.title_terms: list[tuple[str, ...]] = []
        self.body_terms: list[tuple[str, ...]] = []
        lists: dict[str, tuple[list[int], list[float], list[float]]] = {}
        len_t = np.zeros(self.n, dtype=np.int64)
        len_b = np.zeros(self.n, dtype=np.int64)
        for i, d in enumerate(docs):
            tt = tuple(analyze(d.title))
            bt = tuple(analyze(d.body))
            self.title_terms.append(tt)
            self.body_terms.append(bt)
            len_t[i], len_b[i] = len(tt), len(bt)
            ct, cb = Counter(tt), Counter(bt)
            for term in ct.keys() | cb.keys():
                ids, ft, fb = lists.setdefault(term, ([], [], []))
                ids.append(i)
                ft.append(float(ct.get(term, 0)))
                fb.append(float(cb.get(term, 0)))
        self.terms: dict[str, _Term] = {}
        for term, (ids, ft, fb) in lists.items():
            a_t, a_b = np.asarray(ft), np.asarray(fb)
            self.terms[term] = _Term(
                np.asarray(ids, dtype=np.int64),
                a_t,
                a_b,
                int(np.count_nonzero(a_t)),
                int(np.count_nonzero(a_b)),
                float(a_t.sum() + a_b.sum()),
            )
        self.exact_title = len_t
        self.exact_body = len_b
        self.avg_title = float(len_t.sum()) / self.n if self.n else 1.0
        self.avg_body = float(len_b.sum()) / self.n if self.n else 1.0
        self.q_title = quantize(len_t)
        self.q_body = quantize(len_b)

    # -- query terms ---------------------------------------------------------------------------

    def query_terms(self, text: str, drop: DropKind) -> tuple[list[str], list[str]]:
        """(content terms, all terms): the distinct analysed words of a plain-words query,
        without and with the function words of ``drop`` (content falls back to all when
        dropping would leave nothing)."""
        words = query_words(text)
        everything = list(dict.fromkeys(analyze(" ".join(words))))
        if drop == "none":
            return everything, everything
        stops = question_words() if drop == "question" else ENGLISH_STOP_WORDS
        kept = list(dict.fromkeys(analyze(" ".join(w for w in words if w not in stops))))
        return (kept or everything), everything

    # -- scoring -------------------------------------------------------------------------------

    def idf(self, kind: IdfKind, df: float) -> float:
        """Inverse document frequency of a term in ``df`` of the ``n`` documents."""
        n = self.n
        if kind == "whoosh":
            return math.log(n / (df + 1.0)) + 1.0
        if kind == "rsj":
            return max(RSJ_FLOOR, math.log((n - df + 0.5) / (df + 0.5)))
        if kind == "rsj0":
            return max(0.0, math.log((n - df + 0.5) / (df + 0.5)))
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def term_scores(self, term: str, p: LabParams) -> tuple[IntArray, FloatArray]:
        """(documents with ``term`` in title or body, their BM25/BM25F score for it)."""
        t = self.terms.get(term, _EMPTY)
        if not len(t.docs):
            return t.docs, np.zeros(0)
        lt = (self.q_title if p.quantize else self.exact_title)[t.docs]
        lb = (self.q_body if p.quantize else self.exact_body)[t.docs]
        nt = (1.0 - p.b_title) + p.b_title * lt / self.avg_title
        nb = (1.0 - p.b_body) + p.b_body * lb / self.avg_body
        k1 = p.k1
        if p.fields == "sum":
            tft = t.tf_title * p.title_boost
            st = np.where(
                tft > 0, (tft * (k1 + 1.0)) / (tft + k1 * nt), 0.0
            ) * self.idf(p.idf, t.df_title) * p.title_weight
            sb = np.where(
                t.tf_body > 0, (t.tf_body * (k1 + 1.0)) / (t.tf_body + k1 * nb), 0.0
            ) * self.idf(p.idf, t.df_body)
            return t.docs, st + sb
        w_t = p.title_boost * p.title_weight
        tf = w_t * t.tf_title / nt + t.tf_body / nb
        return t.docs, self.idf(p.idf, len(t.docs)) * tf * (k1 + 1.0) / (tf + k1)

    def score(
        self, terms: Sequence[str], p: LabParams, weights: Sequence[float] | None = None
    ) -> tuple[FloatArray, IntArray]:
        """(score of every document, how many of ``terms`` it has)."""
        scores = np.zeros(self.n, dtype=np.float64)
        matched = np.zeros(self.n, dtype=np.int64)
        for i, term in enumerate(terms):
            docs, s = self.term_scores(term, p)
            if not len(docs):
                continue
            scores[docs] += s * (1.0 if weights is None else weights[i])
            matched[docs] += 1
        return scores, matched

    # -- ranking -------------------------------------------------------------------------------

    def rank(self, text: str, p: LabParams, depth: int = 100) -> Ranked:
        """The best ``depth`` documents for a plain-words query under model ``p``."""
        content, everything = self.query_terms(text, p.drop)
        relaxed = False
        anded = False  # every query word was required (and something had them all)
        order_keys_primary: IntArray | None = None
        if p.mode in ("all-relaxed-primary", "all-relaxed-factor"):
            # AND of every word (function words included, as searchlib parses them) ...
            scores, matched = self.score(everything, p)
            candidates = np.flatnonzero(matched == len(everything)) if everything else []
            words = len(everything)
            coord = np.ones(self.n)
            if len(candidates) == 0:
                # ... relaxed: the other words ORed
                relaxed = True
                terms = self.query_terms(text, "question")[0] if p.drop == "none" else content
                scores, matched = self.score(terms, p)
                words = len(terms)
                candidates = np.flatnonzero(matched > 0)
                if p.mode == "all-relaxed-primary":
                    order_keys_primary = matched
                else:
                    coord = self._coord(matched, words, p)
            else:
                anded = True
            terms_used = everything if not relaxed else terms
        else:
            terms_used = content
            scores, matched = self.score(content, p)
            words = len(content)
            need = 1
            if p.mode == "msm":
                need = p.msm.required(words)
            candidates = np.flatnonzero(matched >= max(need, 1))
            if len(candidates) == 0 and need > 1:
                relaxed = True
                candidates = np.flatnonzero(matched > 0)
            else:
                anded = need >= words
            coord = self._coord(matched, words, p)
            if p.complete_first and not anded and words > 1:
                order_keys_primary = (matched >= words).astype(np.int64)
        candidates = np.asarray(candidates, dtype=np.int64)
        final = scores * coord
        order = self._order(candidates, final, order_keys_primary)
        expanded = False
        if p.feedback is not None and len(order) and (p.feedback.on_and or not anded):
            expanded = True
            final, order = self._feedback(
                p, terms_used, words, candidates, final, order, order_keys_primary
            )
        if p.proximity is not None and len(order):
            final, order = self._proximity(
                p, content if not p.proximity.from_all_words else everything,
                final, order, order_keys_primary,
            )
        top = order[:depth]
        return Ranked(
            docs=top.tolist(),
            scores=final[top].tolist(),
            matched=matched[top].tolist(),
            words=words,
            relaxed=relaxed,
            expanded=expanded,
        )

    def _coord(self, matched: IntArray, words: int, p: LabParams) -> FloatArray:
        if 1 < words <= p.coordination_upto and p.coordination:
            return np.asarray((matched / words) ** p.coordination, dtype=np.float64)
        return np.ones(self.n)

    @staticmethod
    def _order(
        candidates: IntArray, final: FloatArray, primary: IntArray | None
    ) -> IntArray:
        keys: list[npt.NDArray[np.generic]] = [candidates, -final[candidates]]
        if primary is not None:
            keys.append(-primary[candidates])
        return candidates[np.lexsort(keys)]

    # -- proximity -----------------------------------------------------------------------------

    def _positions(self, doc: int, terms: set[str]) -> tuple[dict[str, list[int]], ...]:
        out: list[dict[str, list[int]]] = []
        for field_terms in (self.title_terms[doc], self.body_terms[doc]):
            pos: dict[str, list[int]] = {}
            for i, t in enumerate(field_terms):
                if t in terms:
                    pos.setdefault(t, []).append(i)
            out.append(pos)
        return tuple(out)

    def _proximity(
        self,
        p: LabParams,
        terms: list[str],
        final: FloatArray,
        order: IntArray,
        primary: IntArray | None,
    ) -> tuple[FloatArray, IntArray]:
        prox = p.proximity
        assert prox is not None
        pairs = list(dict.fromkeys(itertools.pairwise(terms)))
        if not pairs:
            return final, order
        top = order[: prox.depth]
        wanted = set(terms)
        final = final.copy()
        if prox.kind == "window":
            idf = {t: self.idf(p.idf if p.idf != "whoosh" else "lucene",
                               len(self.terms.get(t, _EMPTY).docs)) for t in wanted}
        for d in top.tolist():
            fields = self._positions(d, wanted)
            if prox.kind == "pairs":
                found = 0
                for a, b in pairs:
                    for pos in fields:
                        pa, pb = pos.get(a), pos.get(b)
                        if pa and pb and set(pb) & {x + 1 for x in pa}:
                            found += 1
                            break
                final[d] *= 1.0 + prox.weight * found / len(pairs)
            else:
                bonus = 0.0
                for a, b in pairs:
                    tf = 0.0
                    for fw, pos in zip((p.title_boost * p.title_weight, 1.0), fields, strict=True):
                        pa, pb = pos.get(a), pos.get(b)
                        if pa and pb:
                            diff = np.abs(np.subtract.outer(np.asarray(pa), np.asarray(pb)))
                            tf += fw * int(np.count_nonzero((diff >= 1) & (diff <= prox.window)))
                    if tf:
                        bonus += (idf[a] + idf[b]) / 2 * tf * (p.k1 + 1) / (tf + p.k1)
                final[d] += prox.weight * bonus
        head = self._order(top, final, primary)
        return final, np.concatenate([head, order[len(top):]])

    # -- feedback ------------------------------------------------------------------------------

    def doc_terms(self, doc: int) -> tuple[str, ...]:
        """The analysed words of a document, title then body."""
        return self.title_terms[doc] + self.body_terms[doc]

    def expansion(
        self, fb: Feedback, first: Sequence[int], weights: Sequence[float]
    ) -> dict[str, float]:
        """The expansion terms and their weights from the first-pass documents ``first``
        (RM3: P(w|R) normalised to 1; Bo1: w / max w)."""
        counts = [Counter(self.doc_terms(d)) for d in first]
        max_df = fb.max_df * self.n

        skip = function_stems() if fb.skip_function_words else frozenset()

        def usable(t: str) -> bool:
            info = self.terms.get(t)
            return (
                info is not None
                and not t.isdigit()
                and len(info.docs) < max_df
                and t not in skip
            )

        if fb.kind == "rm3":
            total = sum(weights) or 1.0
            rel: Counter[str] = Counter()
            for c, w in zip(counts, weights, strict=True):
                length = sum(c.values()) or 1
                for t, f in c.items():
                    rel[t] += (w / total) * f / length
            ranked = sorted(rel.items(), key=lambda tv: (-tv[1], tv[0]))
            best = [(t, v) for t, v in ranked if usable(t)][: fb.terms]
            norm = sum(v for _, v in best) or 1.0
            return {t: v / norm for t, v in best}
        tfx: Counter[str] = Counter()
        for c in counts:
            tfx.update(c)
        scored = []
        for t, f in tfx.items():
            if not usable(t):
                continue
            pn = self.terms[t].cf / self.n
            scored.append((f * math.log2((1 + pn) / pn) + math.log2(1 + pn), t))
        scored.sort(key=lambda x: (-x[0], x[1]))
        best_bo = scored[: fb.terms]
        top = best_bo[0][0] if best_bo else 1.0
        return {t: w / top for w, t in best_bo}

    def _feedback(
        self,
        p: LabParams,
        terms: list[str],
        words: int,
        candidates: IntArray,
        final: FloatArray,
        order: IntArray,
        primary: IntArray | None,
    ) -> tuple[FloatArray, IntArray]:
        fb = p.feedback
        assert fb is not None
        first = order[: fb.docs].tolist()
        exp = self.expansion(fb, first, [max(float(final[d]), 0.0) for d in first])
        if not exp:
            return final, order
        if fb.kind == "rm3":
            q = {t: fb.weight / len(terms) for t in terms}
            for t, v in exp.items():
                q[t] = q.get(t, 0.0) + (1.0 - fb.weight) * v
        else:
            q = dict.fromkeys(terms, 1.0)
            for t, v in exp.items():
                q[t] = q.get(t, 0.0) + fb.weight * v
        qt = list(q)
        scores, _ = self.score(qt, p, [q[t] for t in qt])
        # the same match set, the same coordination (over the original words)
        _, matched = self.score(terms, p)
        new = scores * self._coord(matched, words, p)
        if fb.rerank:
            pool = order[: fb.rerank]
            head = self._order(pool, new, primary)
            merged = final.copy()
            merged[pool] = new[pool]
            return merged, np.concatenate([head, order[len(pool):]])
        return new, self._order(candidates, new, primary)


def with_(p: LabParams, **changes: object) -> LabParams:
    """``dataclasses.replace`` for :class:`LabParams` (typed loosely for the study tables)."""
    return replace(p, **changes)  # type: ignore[arg-type]
