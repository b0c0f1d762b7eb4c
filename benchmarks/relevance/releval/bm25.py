"""An independent Okapi BM25 / BM25F in numpy: the harness's reference ranker.

It shares no ranking code with searchlib or Whoosh. It uses Whoosh's Porter stemmer
(``whoosh.lang.porter.stem``) and accent table as plain functions, and, only when asked
(``quantize=True``), Whoosh's one-byte length encoding, to reproduce how Whoosh *stores* field
lengths. Everything is a parameter:

* analysis (:class:`Analysis`): stemming on/off, stop list (``none``, ``whoosh``: the 34 words
  of Whoosh's and searchlib's analyser, close to Lucene's classic list, or ``english``: NLTK's
  English list, 153 words once its 26 forms with apostrophes are left out), the shortest word
  kept;
* scoring (:class:`BM25Params`): ``k1``, ``b``, the idf variant, and the fields:

  - ``okapi`` style: one field holding title and body (what Anserini would index as
    ``contents``), Lucene's idf ``log(1 + (N - df + 0.5) / (df + 0.5))``, k1=0.9, b=0.4;
  - ``whoosh`` style (:func:`whoosh_bm25f`): per-field BM25 summed over title and body, each
    field with its own idf ``log(N / (df + 1)) + 1``, document frequency and average length;
    the title's index-time boost multiplies its term frequencies (and not its length), as
    Whoosh's ``field_boost`` does; a query-time weight per field multiplies its contribution.

Queries are bags of *distinct* analysed words (a repeated word counts once, as in Whoosh,
whose query normaliser removes duplicate clauses). :meth:`ReferenceBM25.rank` orders documents
by score (``or``), by words matched then score when no document has them all (``all``, the
AND-with-relaxation of searchlib's default), or by score times the share of the query's words
matched (``any``: OR with coordination).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from .collection import Doc

_ANSERINI_TERM = re.compile(r"[a-z0-9]+")

#: How Whoosh's default ``RegexTokenizer`` (and so searchlib's index) splits text into words:
#: ``2.5`` and ``u.s`` stay one word, and so does ``***medlearn***`` (its pattern counts ``*``
#: as a word character; CISI has a few).
INDEX_WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

StopList = Literal["none", "whoosh", "english"]
IdfKind = Literal["robertson", "lucene", "whoosh"]
Mode = Literal["or", "all", "any", "relaxed"]

#: Whoosh's ``whoosh.analysis.STOP_WORDS`` (searchlib's index drops these), written out so the
#: reference does not depend on Whoosh for it.
_WHOOSH_STOPS = (
    "a an and are as at be by can for from have if in is it may not of on or tbd that the "
    "this to us we when will with yet you your"
)
WHOOSH_STOP_WORDS = frozenset(_WHOOSH_STOPS.split())

#: NLTK's English stop list without its 26 forms with apostrophes (a tokenizer splits those
#: into words already in the list): 153 words.
_ENGLISH_STOPS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just
    don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn
    mustn needn shan shouldn wasn weren won wouldn"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOPS.split())

STOP_LISTS: dict[str, frozenset[str]] = {
    "none": frozenset(),
    "whoosh": WHOOSH_STOP_WORDS,
    "english": ENGLISH_STOP_WORDS,
}


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    from whoosh.support.charset import accent_map

    return str.maketrans(accent_map)


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    from whoosh.lang.porter import stem

    return str(stem(word))


@dataclass(frozen=True)
class Analysis:
    """How text becomes index terms: words, lower-cased, de-accented, stop words, stems.

    The default is searchlib's analyser (``schema.text_analyzer()``): Whoosh's word pattern,
    lower case, accents folded, its 34 stop words and words shorter than 2 characters dropped,
    Porter stems.
    """

    stem: bool = True
    stopwords: StopList = "whoosh"
    min_length: int = 2

    def analyze(self, text: str) -> list[str]:
        """The terms of ``text``, in order, repeats kept."""
        stops = STOP_LISTS[self.stopwords]
        table = _fold_table()
        out = []
        for m in INDEX_WORD.finditer(text):
            word = m.group().lower().translate(table)
            if len(word) < self.min_length or word in stops:
                continue
            out.append(_stem(word) if self.stem else word)
        return out

    def label(self) -> str:
        """A short description, e.g. ``stem+whoosh-stops``."""
        stem = "stem" if self.stem else "nostem"
        return f"{stem}+{self.stopwords}-stops"


@dataclass(frozen=True)
class FieldSpec:
    """A field: its text (``title``, ``body`` or ``all`` = title and body), its index-time
    ``boost`` (multiplies term frequencies, Whoosh's ``field_boost``) and its query-time
    ``weight`` (multiplies its score contribution)."""

    name: Literal["title", "body", "all"]
    boost: float = 1.0
    weight: float = 1.0


@dataclass(frozen=True)
class BM25Params:
    """Scoring parameters; the defaults are plain Okapi BM25 as Anserini runs it."""

    k1: float = 0.9
    b: float = 0.4
    idf: IdfKind = "lucene"
    fields: tuple[FieldSpec, ...] = (FieldSpec("all"),)
    quantize: bool = False
    analysis: Analysis = field(default_factory=Analysis)

    def label(self) -> str:
        """A short description for reports."""
        fields = "+".join(
            f.name
            + (f"x{f.boost:g}" if f.boost != 1 else "")
            + (f"*{f.weight:g}" if f.weight != 1 else "")
            for f in self.fields
        )
        q = ", quantised lengths" if self.quantize else ""
        return (
            f"k1={self.k1:g} b={self.b:g} idf={self.idf} fields={fields} "
            f"{self.analysis.label()}{q}"
        )


def whoosh_bm25f(
    *,
    k1: float = 1.2,
    b: float = 0.75,
    title_boost: float = 2.0,
    title_weight: float = 1.0,
    quantize: bool = True,
) -> BM25Params:
    """The parameters that reproduce searchlib's ranking (Whoosh's BM25F over title and body)."""
    return BM25Params(
        k1=k1,
        b=b,
        idf="whoosh",
        fields=(FieldSpec("title", title_boost, title_weight), FieldSpec("body")),
        quantize=quantize,
        analysis=Analysis(),
    )


def idf(kind: IdfKind, df: FloatArray | float, n: int) -> FloatArray:
    """Inverse document frequency of terms in ``df`` documents out of ``n``."""
    d = np.asarray(df, dtype=np.float64)
    if kind == "robertson":
        return np.asarray(np.log((n - d + 0.5) / (d + 0.5)))
    if kind == "lucene":
        return np.asarray(np.log(1.0 + (n - d + 0.5) / (d + 0.5)))
    if kind == "whoosh":
        return np.asarray(np.log(n / (d + 1.0)) + 1.0)
    raise ValueError(f"unknown idf {kind!r}")


def quantize_lengths(lengths: IntArray) -> FloatArray:
    """Field lengths as Whoosh stores them: one byte each, decoded (exact up to 11 or so, then
    a geometric grid of about 5% steps: 150 becomes 152, 1,000 becomes 1,023)."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    return np.array([byte_to_length(length_to_byte(int(x))) for x in lengths], dtype=np.float64)


@dataclass
class _Field:
    spec: FieldSpec
    lengths: FloatArray
    avg: float
    postings: dict[str, tuple[IntArray, FloatArray]]
    exact: IntArray


@dataclass(frozen=True)
class Ranked:
    """A ranking: document ids, their scores, and how many distinct query words each matched."""

    ids: list[str]
    scores: list[float]
    matched: list[int]
    words: int


class ReferenceBM25:
    """An in-memory BM25/BM25F index over ``docs`` with fixed ``params``."""

    def __init__(self, docs: Sequence[Doc], params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.ids = [d.id for d in docs]
        self.n = len(docs)
        analysis = self.params.analysis
        self.fields: list[_Field] = []
        for spec in self.params.fields:
            lengths = np.zeros(self.n, dtype=np.int64)
            lists: dict[str, tuple[list[int], list[float]]] = {}
            for i, doc in enumerate(docs):
                text = (
                    doc.title if spec.name == "title"
                    else doc.body if spec.name == "body"
                    else f"{doc.title}\n{doc.body}"
                )
                terms = analysis.analyze(text)
                lengths[i] = len(terms)
                for term, freq in Counter(terms).items():
                    ids, tfs = lists.setdefault(term, ([], []))
                    ids.append(i)
                    tfs.append(float(freq))
            postings = {
                t: (np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float64))
                for t, (ids, tfs) in lists.items()
            }
            avg = float(lengths.sum()) / self.n if self.n else 0.0
            stored = (
                quantize_lengths(lengths) if self.params.quantize
                else lengths.astype(np.float64)
            )
            self.fields.append(_Field(spec, stored, avg or 1.0, postings, lengths))
        self._docs = docs
        self._vectors: list[Counter[str]] | None = None

    def length_rounding(self) -> dict[str, dict[str, float]]:
        """Per field, how much Whoosh's one-byte encoding rounds the lengths up: the mean and
        largest relative increase over the non-empty fields, and the share changed."""
        out: dict[str, dict[str, float]] = {}
        for f in self.fields:
            exact = f.exact[f.exact > 0].astype(np.float64)
            if not len(exact):
                continue
            stored = quantize_lengths(f.exact[f.exact > 0])
            rel = (stored - exact) / exact
            out[f.spec.name] = {
                "mean": float(rel.mean()),
                "max": float(rel.max()),
                "changed": float(np.count_nonzero(rel) / len(rel)),
            }
        return out

    def query_terms(self, text: str) -> list[str]:
        """The distinct analysed words of a query, in order."""
        return list(dict.fromkeys(self.params.analysis.analyze(text)))

    def score(self, text: str) -> tuple[FloatArray, IntArray, int]:
        """(score of every document, distinct query words it matches, distinct query words)."""
        terms = self.query_terms(text)
        scores, matched = self.score_terms(dict.fromkeys(terms, 1.0))
        return scores, matched, len(terms)

    def score_terms(self, weights: dict[str, float]) -> tuple[FloatArray, IntArray]:
        """(score of every document for index terms weighted by ``weights``, how many of the
        terms it matches)."""
        p = self.params
        scores = np.zeros(self.n, dtype=np.float64)
        matched = np.zeros(self.n, dtype=np.int64)
        for term, weight in weights.items():
            hit = np.zeros(self.n, dtype=np.bool_)
            for f in self.fields:
                found = f.postings.get(term)
                if found is None:
                    continue
                docs, freqs = found
                tf = freqs * f.spec.boost
                term_idf = float(idf(p.idf, len(docs), self.n))
                norm = p.k1 * ((1.0 - p.b) + p.b * f.lengths[docs] / f.avg)
                scores[docs] += (
                    weight * f.spec.weight * term_idf * (tf * (p.k1 + 1.0)) / (tf + norm)
                )
                hit[docs] = True
            matched += hit
        return scores, matched

    def _doc_vector(self, i: int) -> Counter[str]:
        if self._vectors is None:
            analysis = self.params.analysis
            self._vectors = [
                Counter(analysis.analyze(f"{d.title}\n{d.body}")) for d in self._docs
            ]
        return self._vectors[i]

    def rank_rm3(
        self,
        text: str,
        *,
        depth: int = 100,
        fb_docs: int = 10,
        fb_terms: int = 10,
        original_weight: float = 0.5,
        max_df: float = 0.1,
    ) -> Ranked:
        """BM25 with RM3 feedback as Anserini's ``Rm3Reranker`` does it (its defaults).

        The ``fb_docs`` best documents of an OR search each give a term vector over title and
        body, keeping terms of 2 to 20 characters of ``[a-z0-9]``, in at most ``max_df`` of the
        documents; each vector is cut to its ``fb_terms`` most frequent terms and scaled to
        sum 1, weighted by the document's score, and the vectors are added up; the
        ``fb_terms`` heaviest terms, scaled to sum 1, are mixed with the query's terms (each
        ``1/n``) as ``original_weight * q + (1 - original_weight) * rm``; the mixed weights
        multiply the terms' BM25 scores in a second OR search of the whole collection.
        """
        first = self.rank(text, depth=fb_docs, mode="or")
        terms = self.query_terms(text)
        if not terms:
            return first
        df: dict[str, int] = {}
        for f in self.fields:
            for t, (docs, _) in f.postings.items():
                df[t] = max(df.get(t, 0), len(docs))
        where = {d: i for i, d in enumerate(self.ids)}
        rm: Counter[str] = Counter()
        for doc_id, score in zip(first.ids, first.scores, strict=True):
            vector = Counter(
                {
                    t: f
                    for t, f in self._doc_vector(where[doc_id]).items()
                    if 2 <= len(t) <= 20
                    and _ANSERINI_TERM.fullmatch(t)
                    and df.get(t, 0) <= max_df * self.n
                }
            )
            kept = dict(sorted(vector.items(), key=lambda tf: (-tf[1], tf[0]))[:fb_terms])
            norm = sum(kept.values())
            if norm <= 0:
                continue
            for t, f in kept.items():
                rm[t] += f / norm * score
        best = sorted(rm.items(), key=lambda tw: (-tw[1], tw[0]))[:fb_terms]
        total = sum(w for _, w in best) or 1.0
        mixed = {t: original_weight / len(terms) for t in terms}
        for t, w in best:
            mixed[t] = mixed.get(t, 0.0) + (1.0 - original_weight) * w / total
        scores, matched = self.score_terms(mixed)
        candidates = np.flatnonzero(matched > 0)
        order = candidates[np.lexsort([candidates, -scores[candidates]])][:depth]
        return Ranked(
            ids=[self.ids[i] for i in order],
            scores=scores[order].tolist(),
            matched=matched[order].tolist(),
            words=len(terms),
        )

    def rank(
        self, text: str, *, depth: int = 100, mode: Mode = "or", coordination: float = 1.0
    ) -> Ranked:
        """The best ``depth`` documents for a query (ties: documents in collection order).

        In ``any`` mode scores are multiplied by ``(words matched / query words) **
        coordination`` (1: searchlib's coordination; 0: none, the same as ``or``).
        """
        scores, matched, words = self.score(text)
        coord = np.ones(self.n, dtype=np.float64)
        if mode == "any" and words:
            coord = (matched / words) ** coordination
        order_idx = np.arange(self.n)
        keys: list[npt.NDArray[np.generic]]
        if mode == "relaxed":  # searchlib's partial matches: more words first, then score
            candidates = np.flatnonzero(matched > 0)
            keys = [order_idx[candidates], -scores[candidates], -matched[candidates]]
        elif mode == "all" and words and np.any(matched == words):
            candidates = np.flatnonzero(matched == words)
            keys = [order_idx[candidates], -scores[candidates]]
        else:
            candidates = np.flatnonzero(matched > 0)
            final = scores[candidates] * coord[candidates]
            keys = [order_idx[candidates], -final]
            if mode == "all":
                keys.append(-matched[candidates])
        order = candidates[np.lexsort(keys)][:depth]
        shown = scores[order] * coord[order]
        return Ranked(
            ids=[self.ids[i] for i in order],
            scores=shown.tolist(),
            matched=matched[order].tolist(),
            words=words,
        )

    def scores_of(self, text: str, doc_ids: Sequence[str]) -> list[float]:
        """The (plain, un-coordinated) scores of some documents for a query."""
        scores, _, _ = self.score(text)
        where = {d: i for i, d in enumerate(self.ids)}
        return [float(scores[where[d]]) for d in doc_ids]
