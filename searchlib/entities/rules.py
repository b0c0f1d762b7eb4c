"""Find entity mentions in raw text with capitalisation, word lists and context rules.

The work is done in three passes over one document:

1. **Runs.** Every run of capitalised words ("Foreign Minister Sergey Lavrov", "Bank of
   England", "Russia and Iran") on an ordinary line is split into pieces, stripped of titles,
   sentence-initial common words and nationality adjectives, and typed by the first rule that
   fits: a curated name or gazetteer place, a place or organisation head word ("... River",
   "... Council", "Ministry of ..."), an acronym, a title or given name before a person, and
   weaker guesses from context ("in X", "X said").
2. **The document.** Names typed with confidence type the other mentions of the same name; a
   single word that is the surname of a person named in full elsewhere in the document is that
   person ("Lavrov" -> "Sergey Lavrov"); "United Nations (UN)" and matching initials tie an
   acronym to its organisation. Anything still untyped is dropped.
3. **Noisy lines.** Lines in upper case or Title Case say nothing by their capitals, so only
   known names are looked for there: the gazetteer, the curated names, and what the rest of the
   document already established.

All state lives in local objects: the module holds only compiled patterns and constant tables.
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import cast

from searchlib.entities import tables as T
from searchlib.entities.lexicon import MEMO_LIMIT, Lexicon, norm_key
from searchlib.model import EntityKind

_UP = "".join(sorted({c for c in map(chr, range(0x41, 0x250)) if c.isupper()}))
_NUMTOK = r"(?:{})[ \t]\d{{1,3}}\b(?![.,:/-]?\d)".format("|".join(sorted(T.NUMBERED_HEADS)))
# "Inc." and "Corp." keep their dot: it belongs to the name. (The look-ahead first: most
# words are not followed by a dot, and then the look-behinds are not tried.)
_ABBR_DOT = "(?=\\.)(?:{})\\.".format(
    "|".join(
        f"(?<={a})"
        for a in ("Inc", "Corp", "Ltd", "Bros", "Jr", "Sr", "Co", "Cos", "St", "Ste", "Mt", "Ft")
    )
)
_CAPWORD = rf"[{_UP}](?:[\w&]|-(?=[{_UP}\d])|['\u2019](?![sS]\b)(?=\w))*(?:{_ABBR_DOT})?"
_INITIALS = rf"(?:[{_UP}]\.){{2,}}"
_INITIAL1 = rf"[{_UP}]\.(?=[ \t]+[{_UP}][a-z])"
_PARTICLE_LIST = "al|el|ad|as|ash|at|ar|az|an|ul|ibn|bin|abu|bel|ben"
_PARTICLE_HYPH = rf"(?:{_PARTICLE_LIST})-[{_UP}]\w*(?:-[{_UP}]\w*)*"
# A hyphenated Korean given name after a short surname: "Ban Ki-moon", "Kim Jong-un".
_KOREAN = (
    rf"(?=[{_UP}][a-z]{{1,3}}-)"
    + "(?:{})".format("|".join(rf"(?<=\b[{_UP}][a-z]{{{k}}}[ ])" for k in (1, 2, 3)))
    + rf"[{_UP}][a-z]{{1,3}}-"
    r"(?!(?:led|run|held|made|born|based|backed|owned|style|era|wide|bound|like|type|free)\b)"
    r"[a-z]{2,5}\b(?!-)"
)
_TOK = rf"(?:{_NUMTOK}|{_INITIALS}|{_INITIAL1}|{_PARTICLE_HYPH}|{_KOREAN}|{_CAPWORD})"
_PARTICLES = (
    *("de", "da", "das", "del", "della", "dei", "der", "den", "des", "di", "do", "dos", "du"),
    *("la", "le", "van", "von", "ter", "ten", "zu", "bin", "ibn", "bint", "al", "el"),
)
_CONN = r"(?:of(?:[ ]the)?|for(?:[ ]the)?|and|&|upon|in|{})".format("|".join(_PARTICLES))
_SP = r"[ \t\u00a0]+"
# A run starts with a capital or an Arabic article ("al-Assad"): the look-ahead spares the
# engine trying every kind of token at every other word.
RUN_RE = re.compile(
    rf"(?<![\w&-])(?=[{_UP}]|(?:{_PARTICLE_LIST})-){_TOK}(?:{_SP}(?:{_CONN}{_SP})?{_TOK})*"
)
_IN_RUN_RE = re.compile(rf"{_NUMTOK}|\S+")
_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019.&-]*")
_NEXT_RE = re.compile(r"(?:['\u2019]s?)?[ \t]*,?[ \t]*([a-z]+)")
_SCORE_RE = re.compile(r"[ \t]+\d+(?:[-/]\d+)?(?:[ \t]|$|,|\))", re.M)
_NAME_SCORE_RE = re.compile(
    rf"(?<![\w.'-])([{_UP}][\w'.-]*)[ \t]+\d+(?:[-/]\d+)?(?=[ \t]|$|,|\)|\.(?!\d))", re.M
)
_LIST_GAP_RE = re.compile(r",[ ]|[ ]and[ ]|,[ ]and[ ]")
_AGE_RE = re.compile(r",?[ \t]+\d{1,2},?[ \t]+(?:said|says|told|a|an|who|from|was|is)\b")
_TABLE_ROW_RE = re.compile(r"(?:[ \t]+[-+]?[\d.]+(?:[-/]\d+)?){2,}[ \t]*(?:\n|$)")
_LINE_RE = re.compile(r"[^\n]+")
_WORD_START_RE = re.compile(r"\b[^\W\d_]")
_LOWER_START_RE = re.compile(r"\b[a-z\u00df-\u00ff]")
_ACRONYM_RE = re.compile(
    rf"[{_UP}][{_UP}&]*[{_UP}]s?|(?:[{_UP}]\.){{2,}}|[{_UP}][a-z]?[{_UP}]{{2,}}"
)

_SKIP = T.NEVER | T.FUNCTION_WORDS
_NEXT_CUES = T.SAY_VERBS | T.PLACE_NOUNS | {"v", "vs"}
_START = operator.attrgetter("start")
_MISSING = object()  # not in a memo
_CONNECTORS = frozenset(["of", "for", "the", "and", "&", "upon", "in", *_PARTICLES])
_OPENERS_STR = "\"'\u201c\u2018([{*_\u2022\u00ab"
_OPENERS = frozenset(_OPENERS_STR)
_SPACES = " \t\u00a0"
_BLANKS = (" ", "\t")
_SPACES_OPENERS = _SPACES + _OPENERS_STR
_PUNCT_STRIP = "\"'\u201c\u201d\u2018\u2019()[]{}*_,;:.!?"
_BOUNDARIES = frozenset(".!?:;\u2013\u2014|\u2022")
_MAX_NGRAM = 4
_MAX_NAME_WORDS = 7  # longer runs of capitals are headlines or menus, not names

STRONG = 3  # curated name or gazetteer place
PATTERN = 2  # a rule that rarely errs: head word, title, given name
WEAK = 1  # a guess from context

_Hit = tuple[EntityKind, str, int, str]  # kind, canonical name, strength, rule
_RunHit = tuple[EntityKind | None, str, int, bool, str]  # kind, canonical, strength, common, rule
# A candidate remembered with its span relative to its run: start, end, surface, kind,
# canonical, strength, ntok, common, rule.
_RunCand = tuple[int, int, str, EntityKind | None, str, int, int, bool, str]


@dataclass(slots=True)
class Cand:
    """A candidate mention: a span of the text and what the rules made of it."""

    start: int
    end: int
    surface: str
    kind: EntityKind | None
    canonical: str
    strength: int
    ntok: int = 1
    common: bool = False  # one common word ("Government"): only the document can type it
    rule: str = ""  # which rule typed it (for tuning and debugging)


@dataclass(slots=True)
class _Tok:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class _Ctx:
    initial: bool
    prev: str
    prev_punct: str
    next: str
    possessive: bool
    score: bool = False  # a number follows ("Chicago 4 Houston 3")
    prev2: str = ""  # the word before ``prev`` ("town" in "the town of X")


@dataclass(slots=True)
class _Doc:
    text: str
    lex: Lexicon
    cands: list[Cand] = field(default_factory=list)
    noisy: list[tuple[int, int]] = field(default_factory=list)
    runs: dict[tuple[str, bool, int, str, bool, bool, int], tuple[_RunHit, ...]] = field(
        default_factory=dict
    )
    results: dict[int, bool] = field(default_factory=dict)  # line start -> a results line


def is_acronym(token: str) -> bool:
    """True for "UN", "NATO", "U.S.", "NGOs", "AT&T"-style tokens."""
    return len(token) >= 2 and _ACRONYM_RE.fullmatch(token) is not None


def find_mentions(text: str, lex: Lexicon) -> list[Cand]:
    """All typed mentions in ``text``, in order, not overlapping."""
    doc = _Doc(text, lex)
    blocked = _company_spans(doc)
    if ("'s " in text or "\u2019s " in text) and _LEGAL_WORD_RE.search(text):
        blocked = sorted(blocked + _possessive_companies(doc, blocked))
    _scan_runs(doc, blocked)
    _resolve_document(doc)
    for ls, le in doc.noisy:
        _scan_noisy_line(doc, ls, le)
    out = []
    for c in doc.cands:
        if c.kind is None:
            continue
        if c.kind == "org" and c.strength < STRONG:
            name = company_name(c.canonical, lex)
            if not name:
                continue  # "Co Inc": legal forms only, a fragment
            c.canonical = name
        out.append(c)
    out.sort(key=_START)
    return out


def _scan_runs(doc: _Doc, blocked: list[tuple[int, int]]) -> None:
    """Pass 1: every run of capitalised words on an ordinary line, outside the ``blocked``
    spans (company names and tickers already found), becomes candidates; noisy lines are set
    aside for pass 3."""
    text, lex = doc.text, doc.lex
    memo = lex.memo
    bi = 0
    for m in _LINE_RE.finditer(text):
        ls, le = m.span()
        if _is_noisy_line(text, ls, le, lex):
            doc.noisy.append((ls, le))
            continue
        for run in RUN_RE.finditer(text, ls, le):
            word = run.group()
            if word in _SKIP:
                continue  # "The", "He", "Thursday": most runs are one of these
            rs, re_ = run.span()
            if blocked:
                while bi < len(blocked) and blocked[bi][1] <= rs:
                    bi += 1
                if bi < len(blocked) and blocked[bi][0] < re_:
                    rs, re_ = _outside(text, rs, re_, blocked[bi])
                    if re_ <= rs:
                        continue
                    word = text[rs:re_]
                    if word in _SKIP:
                        continue
            sp = word.find(" ")
            if sp > 0 and word[:sp] in _SKIP and norm_key(word) not in lex.known:
                # "In Aleppo", "On Thursday", "But Lavrov": drop the function word.
                if word in lex.places:
                    _classify_run(doc, rs, re_)
                    continue
                word = _after_function_word(word, sp)
                rs = re_ - len(word)
                if word in _SKIP or word in _CONNECTORS:
                    continue
            # The commonest case, a single known name ("Russia", "UN"), needs no context unless
            # it could be a word ("Turkey") or a team ("Chicago 4"). The lexicon remembers the
            # answer for every run (the only string keys of its memo).
            got = memo.get(word, _MISSING)
            if got is _MISSING:
                got = _fast_hit(lex, word)
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[word] = got
            hit = cast("_Hit | None", got)
            if hit is not None and (hit[0] != "location" or _SCORE_RE.match(text, re_) is None):
                ntok = word.count(" ") + 1
                doc.cands.append(Cand(rs, re_, word, hit[0], hit[1], STRONG, ntok, rule=hit[3]))
                continue
            _classify_run(doc, rs, re_)


def _outside(text: str, rs: int, re_: int, block: tuple[int, int]) -> tuple[int, int]:
    """The part of the run ``rs:re_`` outside a company name or ticker it overlaps (an empty
    span when the run lies inside it)."""
    bs, be = block
    if bs <= rs and re_ <= be:
        return rs, rs  # inside a company name or a ticker
    if rs < bs:  # a run that reaches into it: keep the part before
        return rs, len(text[rs:bs].rstrip(" \t,<(")) + rs
    # a run that starts inside: keep the part after
    return be + len(text[be:re_]) - len(text[be:re_].lstrip(" \t>)")), re_


def _after_function_word(word: str, sp: int) -> str:
    """A run without its opening function word and the connectors after it ("Trends in
    Aleppo" -> "Aleppo")."""
    rest = word[sp:].lstrip(" \t\u00a0")
    head, _, tail = rest.partition(" ")
    while head in _CONNECTORS and tail:
        rest = tail.lstrip(" \t\u00a0")
        head, _, tail = rest.partition(" ")
    return rest


# --- companies ---------------------------------------------------------------------------


def company_name(name: str, lex: Lexicon) -> str:
    """An organisation's facet value: its name without a trailing legal form or partnership
    tail, and without commas ("General Motors Corp" -> "General Motors", "Goldman, Sachs and
    Co" -> "Goldman Sachs", "Cofinec S.A." -> "Cofinec"), so that the forms one company is
    written in across articles are one value. A name that is only legal forms ("Co Inc")
    gives ""; a name that would be left as one common word keeps its legal form."""
    if "," not in name and name.rpartition(" ")[2] not in T.LEGAL_FORMS:
        return name  # the common case: nothing to drop
    words = name.replace(",", " ").split()
    cut = len(words)
    while cut and words[cut - 1] in T.LEGAL_FORMS:
        cut -= 1
        if cut and words[cut - 1] in ("and", "&"):
            cut -= 1
    if cut == len(words) and "," not in name:
        return name
    if cut == 0:
        return ""
    if cut == 1 and (lex.is_word(words[0]) or words[0] in T.TITLES):
        return name  # "Central Corp", "General Co": the legal form is what makes it a name
    return " ".join(words[:cut])


_CO = r"[A-Z][\w'&.-]*"
_CO_NAME = rf"{_CO}(?:[ ]{_CO})*"
_CO_END = (
    r"(?:(?:Co|Cos|Inc|Corp|Ltd|Bros)\.?|Company|Sons|Partners|Associates|Securities|Brothers)"
)
# "Kidder, Peabody and Co Inc", "Smith Barney, Harris Upham and Co", "Goldman, Sachs and Co",
# "Donaldson, Lufkin and Jenrette Securities Corp": partners' names listed with commas.
_PARTNERSHIP_RE = re.compile(
    rf"(?<![\w&.-]){_CO_NAME}(?:(?:,[ ]{_CO_NAME})+,?[ ](?:and|&)[ ](?:{_CO}[ ])*?{_CO_END}"
    rf"|[ ](?:and|&)[ ](?:{_CO}[ ])?{_CO_END})"
    r"(?:[ ](?:Inc|Ltd|Corp|Co)\.?)?(?![\w&-])"
)
_PARTNERSHIP_END_RE = re.compile(rf"(?:and|&)[ ](?:{_CO}[ ])*?{_CO_END}(?![\w&-])")
# (A precondition for _POSS_CO_RE, whose every match it finds: with no word boundary in front,
# the engine can skip to the first letters of the alternatives.)
_LEGAL_WORD_RE = re.compile(r"(?:Inc|Corp|Co|Ltd|Cos|Bancshares|Bancorp)\b")
# "Royal Dutch/Shell Group": two names joined by a slash, with an organisation's last word.
_SLASH_CO_RE = re.compile(rf"(?<![\w&./-]){_CO_NAME}/{_CO_NAME}(?![\w&/-])")
# Wire copy marks companies with angle brackets: "<Airbus Industrie>", and tickers: "<SRD>".
_BRACKET_RE = re.compile(r"<([^<>\n]{1,100})>")
_TICKER_RE = re.compile(r"[A-Z0-9][A-Z0-9.&/-]{0,9}")
# "Moody's Investors Service Inc": a possessive that is part of a company's name.
_POSS_CO_RE = re.compile(
    rf"(?<![\w&.-])((?:{_CO}[ ](?:and|&)[ ])?{_CO})['\u2019]s((?:[ ]{_CO})*?"
    r"[ ](?:Inc|Corp|Co|Ltd|Cos|Bancshares|Bancorp)"
    r"\.?)(?![\w&-])"
)


def _company_spans(doc: _Doc) -> list[tuple[int, int]]:
    """Company names marked by wire-copy brackets or written as a partnership, added as
    organisations; returns the spans the run scanner must skip (names and tickers)."""
    text = doc.text
    spans: list[tuple[int, int]] = []
    if "<" in text:
        _bracketed_companies(doc, spans)
    _partnerships(doc, spans)
    if "/" in text:
        for m in _SLASH_CO_RE.finditer(text):
            s, e = m.span()
            name = m.group()
            if name.rsplit(None, 1)[-1] not in T.ORG_SUFFIXES or any(
                a < e and s < b for a, b in spans
            ):
                continue
            doc.cands.append(
                Cand(s, e, name, "org", name, PATTERN, name.count(" ") + 1, rule="slash-co")
            )
            spans.append((s, e))
    spans.sort()
    return spans


def _bracketed_companies(doc: _Doc, spans: list[tuple[int, int]]) -> None:
    """ "<Airbus Industrie>" is an organisation, "<SRD>" a ticker; both spans are skipped."""
    text = doc.text
    for m in _BRACKET_RE.finditer(text):
        inner = m.group(1)
        s = m.start(1) + len(inner) - len(inner.lstrip())
        e = m.end(1) - (len(inner) - len(inner.rstrip()))
        name = text[s:e]
        if not name or not name[0].isupper():
            continue
        spans.append((m.start(), m.end()))
        if _TICKER_RE.fullmatch(name):
            continue  # "<SRD>", "<RD.AS>": a ticker symbol is not a name
        doc.cands.append(Cand(s, e, name, "org", name, PATTERN, name.count(" ") + 1))
        doc.cands[-1].rule = "wire-brackets"


def _partnerships(doc: _Doc, spans: list[tuple[int, int]]) -> None:
    """ "Kidder, Peabody and Co Inc", "Goldman, Sachs and Co": partners' names listed with
    commas and a company's last word, added as organisations (their spans to ``spans``)."""
    text = doc.text
    lex = doc.lex
    found: list[re.Match[str]] = []
    done = 0
    for anchor in _PARTNERSHIP_END_RE.finditer(text):
        # The full pattern is slow on long text: try it only just before each possible end.
        lo = max(done, text.rfind("\n", 0, anchor.start()) + 1, anchor.start() - 200)
        for m in _PARTNERSHIP_RE.finditer(text, lo, anchor.end() + 12):
            if m.end() >= anchor.end():
                found.append(m)
                done = m.end()
                break
    for m in found:
        s, e = m.span()
        if any(a < e and s < b for a, b in spans):
            continue
        name = m.group()
        # Drop sentence-initial common words in front ("Yesterday Kidder, Peabody ...").
        while True:
            head, sep, rest = name.partition(" ")
            if not sep or "," in head:
                break
            if not (
                head in _SKIP
                or head in T.TITLES
                or (lex.is_word(head) and head not in lex.surnames)
            ):
                break
            s += len(head) + 1
            name = rest
        parts = [p.strip() for p in re.split(r",|\band\b|&", name) if p.strip()]
        if any(_rank(lex, p) >= 3 or norm_key(p) in lex.known for p in parts):
            continue  # "Britain, France and ...": a list of known names
        if any(
            p.rsplit(None, 1)[-1] in T.LEGAL_FORMS or p.rsplit(None, 1)[-1] in T.ORG_SUFFIXES
            for p in parts[:-1]
        ):
            continue  # "Johnson Controls Inc and Lear Corp": two companies
        doc.cands.append(Cand(s, e, name, "org", name, PATTERN, len(parts), rule="partnership"))
        spans.append((s, e))


def _rank(lex: Lexicon, name: str) -> int:
    place = lex.places.get(name)
    return 0 if place is None else place.rank


def _possessive_companies(doc: _Doc, blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ "Moody's Investors Service Inc", "Boatmen's Bancshares": added as organisations."""
    lex = doc.lex
    out = []
    for m in _POSS_CO_RE.finditer(doc.text):
        s, e = m.span()
        owner = m.group(1)
        if any(a < e and s < b for a, b in blocked):
            continue
        first, sep, last = owner.partition(" and ")
        if sep and (first in lex.places or first in _SKIP or lex.is_word(first)):
            s += len(first) + len(sep)  # "Britain and Moody's ...": only "Moody's ..."
            owner = last
        if owner in lex.places or owner in lex.demonyms or norm_key(owner) in lex.known:
            continue  # "Britain's ... Ltd": a place owns it, it is not the name
        name = doc.text[s:e]
        doc.cands.append(
            Cand(s, e, name, "org", name, PATTERN, name.count(" ") + 1, rule="possessive-co")
        )
        out.append((s, e))
    return out


# --- lines -------------------------------------------------------------------------------


def _is_noisy_line(text: str, ls: int, le: int, lex: Lexicon) -> bool:
    """Upper-case or Title Case lines, where capitals carry no information."""
    if len(_LOWER_START_RE.findall(text, ls, min(le, ls + 200))) >= 8:
        return False  # ordinary prose (a noisy line would need 24+ capitalised words)
    lower = len(_LOWER_START_RE.findall(text, ls, le))
    n = len(_WORD_START_RE.findall(text, ls, le))
    if n == 0 or lower * 3 >= n:
        return False
    words = _WORD_RE.findall(text, ls, le)
    n = len(words)
    caps = sum(1 for w in words if len(w) > 1 and w.isupper())
    if caps >= 2 and caps * 5 >= n * 3:
        return True
    if n == 1 and caps == 1 and len(words[0]) > 5:
        return True
    if n < 4:
        return False
    cap_common = sum(
        1 for w in words[1:] if w[0].isupper() and not w.isupper() and w.lower() in lex.words
    )
    return cap_common >= 3 and cap_common * 2 >= n - lower


# --- pass 1: runs ------------------------------------------------------------------------


def _context(text: str, start: int, end: int) -> _Ctx:
    """What stands around a run: sentence start, the word before, the word after."""
    lo = max(0, start - 48)
    window = text[lo:start]
    head = window.rstrip(_SPACES_OPENERS)
    punct = window[len(head) :].strip(_SPACES)
    initial = False
    prev = prev2 = ""
    last = head[-1:] or "\n"
    if last == "\n":
        initial = True
    elif last in _BOUNDARIES or (last == "-" and head[-2:-1] == " "):
        punct += last
        initial = True
        if last == ".":
            before = head[:-1].rsplit(None, 1)[-1] if len(head) > 1 else ""
            before = before.lstrip(_OPENERS_STR)
            if before in T.ABBREVIATIONS or (len(before) == 1 and before.isupper()):
                initial = False
                prev = before.lower()
            elif "." in before and before.replace(".", "").isupper():
                initial = False
    else:
        if last == ",":
            punct += ","
            head = head[:-1].rstrip(_SPACES)
        chunks = head.rsplit(None, 2)
        if chunks:
            prev = chunks[-1].strip(_PUNCT_STRIP).lower()
        if len(chunks) > 1:
            prev2 = chunks[-2].strip(_PUNCT_STRIP).lower()
    possessive = text.startswith(("'s", "\u2019s", "'S"), end)
    m = _NEXT_RE.match(text, end)
    nxt = m.group(1) if m else ""
    # A score is a blank, then digits: look at the next two characters before the pattern.
    after = text[end : end + 2]
    score = (
        after[:1] in _BLANKS
        and (after[1:].isdigit() or after[1:] in _BLANKS)
        and _SCORE_RE.match(text, end) is not None
    )
    return _Ctx(initial, prev, punct, nxt, possessive, score, prev2)


def _fast_hit(lex: Lexicon, run: str) -> _Hit | None:
    """The answer for a known name that does not depend on its context, if any."""
    if "\t" in run or "\u00a0" in run or "  " in run:
        return None
    single = " " not in run
    if single and run.lower() in lex.words:
        return None  # "Turkey", "Nice": the context decides
    hit = _name_hit(lex, run, False, single)
    return hit if hit is not None and hit[2] == STRONG else None


def _classify_run(doc: _Doc, start: int, end: int) -> None:
    """Type one run of capitalised words: a single word (remembered per context), or a longer
    run (remembered across articles by the lexicon's memo, when no score follows it: see
    :func:`_context_key`)."""
    text = doc.text
    word = text[start:end]
    single = " " not in word and "\t" not in word and "\u00a0" not in word
    if single and len(word) > 1:
        tok = _Tok(word, start, end)
        if _bare_possessive(doc, tok) is None:
            _classify_single(doc, tok)
            return
    ctx = _context(text, start, end)
    if ctx.score:
        _classify_toks(doc, start, end, single, ctx)
        return
    memo = doc.lex.memo
    key = ("run", word, _context_key(doc, start, end, ctx))
    done: tuple[_RunCand, ...] | None = memo.get(key)  # type: ignore[assignment]
    if done is None:
        n0 = len(doc.cands)
        _classify_toks(doc, start, end, single, ctx)
        done = tuple(_relative(c, start) for c in doc.cands[n0:])
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = done
        return
    for s, e, surface, kind, canonical, strength, ntok, common, rule in done:
        doc.cands.append(
            Cand(start + s, start + e, surface, kind, canonical, strength, ntok, common, rule)
        )


def _relative(c: Cand, start: int) -> _RunCand:
    """A candidate as remembered, its span relative to its run's ``start``."""
    s, e = c.start - start, c.end - start
    return s, e, c.surface, c.kind, c.canonical, c.strength, c.ntok, c.common, c.rule


def _context_key(doc: _Doc, start: int, end: int, ctx: _Ctx) -> int:
    """Everything the rules read around a run at ``start:end``, as a small number: the word
    before and the word after as far as the rules tell them apart (they only ever test them
    for membership in the cue word lists), the punctuation before, a sentence start, a
    possessive, an age after it ("Ahmed, 24, said") and whether it continues a list of places
    after a place noun. Inside a run every other thing the rules read is the run's own text,
    so a run with the same text and key gets the same answer in any article (a score after it
    is left out: callers do not remember such runs)."""
    code = _PREV_CLASS.get(ctx.prev, 0)
    if code & _OF and ctx.prev2 in T.PLACE_NOUNS:
        code |= _OF_PLACE
    code |= _NEXT_CLASS.get(ctx.next, 0)
    if ctx.prev_punct:
        code |= _COMMA if ctx.prev_punct == "," else _PUNCT
    if ctx.initial:
        code |= _INITIAL
    if ctx.possessive:
        code |= _POSSESSIVE
    if _AGE_RE.match(doc.text, end) is not None:
        code |= _AGE
    if _continues_list(doc, start):
        code |= _LISTED
    return code | _more_cues(doc, end, ctx) << 17


def _more_cues(doc: _Doc, end: int, ctx: _Ctx) -> int:
    """The rest of what the rules read around a name, as bits: "the" or a place preposition
    before it, a work role before "in" ("her role in ..."), a role word after it (see
    :func:`_role_after`)."""
    code = 0
    prev = ctx.prev
    if prev == "the":
        code |= 1
    elif prev in T.PLACE_PREPOSITIONS:
        code |= 2
        if prev == "in" and ctx.prev2 in T.WORK_ROLES_BEFORE_IN:
            code |= 4
    role = _role_after(doc, end, ctx)
    if role is not None:
        code |= 8 if role == "misc" else 16
    if _employer_cue(ctx):
        code |= 32
    if _LEGAL_AFTER_RE.match(doc.text, end):
        code |= 64
    return code


# The bits of a context key (see _context_key).
_PERSON_CUE, _PLACE_CUE, _ORG_CUE, _MISC_CUE, _OF, _VERSUS, _NAMED = (1 << i for i in range(7))
_OF_PLACE, _SAY, _PLACE_NOUN, _NEXT_VERSUS = (1 << i for i in range(7, 11))
_COMMA, _PUNCT, _INITIAL, _POSSESSIVE, _AGE, _LISTED = (1 << i for i in range(11, 17))


def _word_classes(*classes: tuple[frozenset[str] | set[str], int]) -> MappingProxyType[str, int]:
    """Each word of the given sets -> the bits of the sets it is in."""
    out: dict[str, int] = {}
    for words, bit in classes:
        for w in words:
            out[w] = out.get(w, 0) | bit
    return MappingProxyType(out)


_PREV_CLASS = _word_classes(
    (T.PERSON_CUES_BEFORE, _PERSON_CUE),
    (T.PLACE_CUES_BEFORE, _PLACE_CUE),
    (T.ORG_CUES_BEFORE, _ORG_CUE),
    (T.MISC_CUES_BEFORE, _MISC_CUE),
    ({"of"}, _OF),
    ({"v", "vs"}, _VERSUS),
    ({"named", "called"}, _NAMED),
)
_NEXT_CLASS = _word_classes(
    (T.SAY_VERBS, _SAY), (T.PLACE_NOUNS, _PLACE_NOUN), ({"v", "vs"}, _NEXT_VERSUS)
)


def _continues_list(doc: _Doc, start: int) -> bool:
    """Whether a name at ``start`` follows a place named after a place noun, as the next item
    of a list ("the neighbourhoods of al-Mazzeh and Ruken Eddin")."""
    cands = doc.cands
    return (
        bool(cands)
        and cands[-1].rule == "place-noun"
        and _LIST_GAP_RE.fullmatch(doc.text, cands[-1].end, start) is not None
    )


def _classify_toks(doc: _Doc, start: int, end: int, single: bool, ctx: _Ctx) -> None:
    """Type a run as a known name as a whole, or else by its pieces between connectors and
    breaking words."""
    text = doc.text
    if single:
        toks = [_Tok(text[start:end], start, end)]
    else:
        toks = [_Tok(m.group(), m.start(), m.end()) for m in _IN_RUN_RE.finditer(text, start, end)]
        if not toks:
            return
    # Fast path: the whole run is a known name ("Bosnia and Herzegovina", "Bank of England").
    if len(toks) > 1:
        whole = _lookup(doc, toks, ctx.initial)
        if whole is not None:
            doc.cands.append(_team(doc, whole, ctx))
            return
    pieces, before = _split_run(doc, toks, ctx.prev)
    kept = [(p, b) for p, b in zip(pieces, before, strict=True) if p]
    last = len(kept) - 1
    for i, (piece, prev) in enumerate(kept):
        pctx = _Ctx(
            initial=ctx.initial if i == 0 else False,
            prev=prev,
            prev_punct=ctx.prev_punct if i == 0 else "",
            next=ctx.next if i == last else "",
            possessive=ctx.possessive if i == last else False,
            score=ctx.score if i == last else False,
            prev2=ctx.prev2 if i == 0 else "",
        )
        _classify_piece(doc, piece, pctx)


def _single_cue(ctx: _Ctx) -> int:
    """The kind of context before a single word, as a small number (0: none)."""
    if ctx.prev in T.PERSON_CUES_BEFORE:
        return 1
    if ctx.prev in T.PLACE_CUES_BEFORE and not ctx.prev_punct:
        return 2
    if ctx.prev in T.ORG_CUES_BEFORE and not ctx.prev_punct:
        return 3
    if ctx.prev == "of" and ctx.prev2 in T.PLACE_NOUNS:
        return 4
    if ctx.prev in ("v", "vs"):
        return 5
    if ctx.prev_punct == ",":
        return 6
    if ctx.prev in T.MISC_CUES_BEFORE:
        return 7
    return 0


def _classify_single(doc: _Doc, tok: _Tok) -> None:
    """A run of one word. A repeated single word in the same kind of context gets the same
    answer, so the answer is remembered per document by the word and its context's signature;
    the first answer in a document comes from the lexicon's memo when an earlier article asked
    the same question (:func:`_context_key` holds everything the rules read around it)."""
    text = doc.text
    word, start, end = tok.text, tok.start, tok.end
    ctx = _context(text, start, end)
    nxt = ctx.next if ctx.next in _NEXT_CUES else ""
    score = ctx.score and _results_line(doc, start, end)
    more = _more_cues(doc, end, ctx)
    sig = (word, ctx.initial, _single_cue(ctx), nxt, score, ctx.possessive, more)
    done = doc.runs.get(sig)
    if done is None:
        memo = doc.lex.memo
        key = ("single", word, _context_key(doc, start, end, ctx), ctx.score, score)
        done = memo.get(key)  # type: ignore[assignment]
        if done is None:
            n0 = len(doc.cands)
            _classify_piece(doc, [tok], ctx)
            done = tuple(
                (c.kind, c.canonical, c.strength, c.common, c.rule) for c in doc.cands[n0:]
            )
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = done
            doc.runs[sig] = done
            return
        doc.runs[sig] = done
    for kind, canonical, strength, common, rule in done:
        doc.cands.append(Cand(start, end, word, kind, canonical, strength, 1, common, rule))


def _split_run(doc: _Doc, toks: list[_Tok], prev: str) -> tuple[list[list[_Tok]], list[str]]:
    """The pieces of a run and the connector (or breaking word) before each: a run splits at a
    lone capital, a capitalised function word, a site-furniture word, a bare possessive and a
    connector that does not join its neighbours (see :func:`_join`)."""
    run_last = toks[-1].text
    pieces: list[list[_Tok]] = [[]]
    before: list[str] = [prev]  # the connector before each piece
    conns: list[_Tok] = []
    for i, tok in enumerate(toks):
        if tok.text in _CONNECTORS:
            conns.append(tok)
            continue
        if (
            len(tok.text) == 1
            and tok.text.isupper()
            and not conns
            and pieces[-1]
            and pieces[-1][-1].text in doc.lex.given_names
            and i + 1 < len(toks)
            and toks[i + 1].text not in _CONNECTORS
        ):
            pieces[-1].append(tok)  # a middle initial without its dot: "George W Bush"
            continue
        if len(tok.text) == 1 or tok.text in T.BREAKERS or tok.text in T.BOILERPLATE_WORDS:
            # A lone capital ("W D L") or a capitalised function word ("... Qalamoun The
            # Syrian army", a Title Case headline run into the text) ends a piece.
            if pieces[-1]:
                pieces.append([])
                before.append(tok.text.lower())
            conns = []
            continue
        bare = _bare_possessive(doc, tok)
        if bare is not None:
            tok = bare
        cur = pieces[-1]
        if not cur:
            cur.append(tok)
        elif conns and not _join(doc, cur, conns, tok, run_last):
            pieces.append([tok])
            before.append(conns[-1].text)
        else:
            cur.extend(conns)
            cur.append(tok)
        conns = []
        if bare is not None:
            pieces.append([])
            before.append("")
    return pieces, before


def _bare_possessive(doc: _Doc, tok: _Tok) -> _Tok | None:
    """ "Syrias" for "Syria's" (apostrophes lost in some feeds): the name without its "s"."""
    w = tok.text
    if len(w) < 5 or not w.endswith("s") or w[-2] == "s" or w.isupper():
        return None
    lex = doc.lex
    if w in lex.places or w in lex.demonyms or lex.is_word(w) or norm_key(w) in lex.known:
        return None
    stem = w[:-1]
    place = lex.places.get(stem)
    if (place is not None and place.rank >= 2) or norm_key(stem) in lex.known:
        return _Tok(stem, tok.start, tok.end - 1)
    return None


def _join(doc: _Doc, cur: list[_Tok], conns: list[_Tok], nxt: _Tok, run_last: str) -> bool:
    """Whether ``cur + conns + nxt`` stays one name or splits at the connector."""
    c = conns[0].text
    if c == "&":
        left = _lookup(doc, cur, False)
        right = _lookup(doc, [nxt], False)
        return not (left is not None and right is not None and left.kind == right.kind)
    if c in _PARTICLES or c == "upon":
        return True
    if c == "in":
        surface = doc.text[cur[0].start : nxt.end]
        return norm_key(surface) in doc.lex.known
    head = cur[-1].text
    if c in ("of", "for"):
        # "Bank of England", "Gulf of Mexico", "Secretary of State"
        return head in T.ORG_OF_HEADS or head in T.LOC_OF_HEADS or head in T.PERSON_TITLES
    if c == "and":
        if any(t.text in ("of", "for") for t in cur):
            return True
        surface = doc.text[cur[0].start : nxt.end]
        key = norm_key(surface)
        if key in doc.lex.known or surface in doc.lex.places:
            return True
        # "London International Financial Futures and Options Exchange"
        return (
            run_last in T.ORG_SUFFIXES
            and (head not in T.ORG_SUFFIXES or head.endswith("s"))  # "Securities and Exchange"
            and len(cur) > 1
            and _lookup(doc, cur, False) is None
        )
    return False


def _lookup(doc: _Doc, toks: list[_Tok], initial: bool) -> Cand | None:
    """A curated name, a gazetteer place or a demonym covering exactly ``toks``."""
    s, e = toks[0].start, toks[-1].end
    surface = doc.text[s:e]
    ntok = len(toks)
    got = doc.lex.memo.get((surface, initial, ntok == 1), _MISSING)  # as _name_hit remembers
    hit = _name_hit(doc.lex, surface, initial, ntok == 1) if got is _MISSING else got
    if hit is None:
        return None
    h = cast("_Hit", hit)
    return Cand(s, e, surface, h[0], h[1], h[2], ntok, rule=h[3])


def _name_hit(lex: Lexicon, surface: str, initial: bool, single: bool) -> _Hit | None:
    """A curated name, place, nationality or listed company covering ``surface``, if any (the
    answer depends on nothing else, so the lexicon remembers it)."""
    memo = lex.memo
    mkey = (surface, initial, single)
    if mkey in memo:
        return memo[mkey]  # type: ignore[return-value]
    hit = _name_hit_uncached(lex, surface, initial, single)
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[mkey] = hit
    return hit


def _name_hit_uncached(lex: Lexicon, surface: str, initial: bool, single: bool) -> _Hit | None:
    key = norm_key(surface)
    known = lex.known.get(key)
    if known is not None:
        if initial and single and surface.lower() in lex.words:
            return None  # "IS", "WHO", "Shell" starting a sentence in ordinary case
        return known.kind, known.canonical, STRONG, "known"
    if surface in lex.demonyms:
        return "misc", surface, STRONG, "demonym"
    place = lex.places.get(surface)
    if place is None and (not single or (surface.isupper() and len(surface) > 3)):
        # "Al Bab" is "Al-Bab", "Deir Ez-Zor" is "Deir ez-Zor": spaces, hyphens and the case
        # of a multi-word name do not matter (nor those of a word in capitals).
        place = lex.places_folded.get(key.casefold())
    if place is None:
        company = lex.companies.get(key)
        if company is None or (surface.isupper() and not single):
            return None
        # A listed company: "Morgan Stanley", "Alcoa". A one-word name that is also a surname
        # ("Dell") is a weaker hint, so that a person named in full in the article wins.
        strength = PATTERN if single and surface in lex.surnames else STRONG
        return "org", company, strength, "company"
    rank = place.rank
    if rank <= 2 and single:
        word = surface.lower() in lex.words
        if word and (initial or rank == 1):
            return None  # "Reading", "Nice", "Mobile" as words
        if rank == 1:
            return None  # a town of 15,000 people: only context ("in X") makes it a place
    strength = STRONG if rank >= 2 else WEAK
    return "location", place.canonical, strength, f"place{rank}"


def _emit(
    doc: _Doc,
    toks: list[_Tok],
    kind: EntityKind | None,
    strength: int,
    rule: str,
    common: bool = False,
) -> None:
    s, e = toks[0].start, toks[-1].end
    surface = doc.text[s:e]
    n = sum(1 for t in toks if t.text not in _CONNECTORS)
    doc.cands.append(Cand(s, e, surface, kind, surface, strength, n, common, rule))


def _classify_piece(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> None:
    """Type one piece of a run: trim its edges and sentence-initial words, take titles and
    nationalities off its front, then type the rest (:func:`_classify_core`)."""
    toks, initial = _trim_edges(toks, ctx.initial)
    if not toks:
        return
    whole = _lookup(doc, toks, initial)
    if whole is not None:
        doc.cands.append(_team(doc, whole, ctx))
        return
    n = len(toks)
    if n > _MAX_NAME_WORDS and sum(1 for t in toks if t.text not in _CONNECTORS) > _MAX_NAME_WORDS:
        return  # a Title Case line or a menu ("Android Youtube Satellite Coverage ...")
    if initial or toks[0].text == "The":
        got = _drop_opening_word(doc, toks, initial)
        if got is None:
            return
        toks = got
        n = len(toks)
    if n > 3 and (_split_name_title(doc, toks, ctx) or _strip_title_of(doc, toks, ctx)):
        return
    headed = n > 1 and _is_headed(toks)
    # Titles: "German Chancellor Angela Merkel", "UN Secretary-General Ban Ki-moon".
    if n > 1 and not headed:
        k = _title_end(doc, toks)
        if k > 0:
            _emit_prefix(doc, toks[:k])
            rest = toks[k:]
            if rest:
                _classify_core(doc, rest, ctx, person_cue=True)
            return
    # Nationality words and countries in front: "Syrian Government", "U.S. Labor Day".
    if n > 1 and not headed:
        k = _nationality_end(doc, toks)
        if k:
            _emit_prefix(doc, toks[:k])
            _classify_core(doc, toks[k:], ctx, person_cue=False)
            return
    _classify_core(doc, toks, ctx, person_cue=False)


def _trim_edges(toks: list[_Tok], initial: bool) -> tuple[list[_Tok], bool]:
    """Drop edges that are never names (weekdays, months, pronouns; trailing connectors and
    plural acronyms: "... Thursday", "Labour MPs"); ``initial`` is False once the front moved."""
    while toks and toks[0].text in T.NEVER:
        toks = toks[1:]
        initial = False
    while toks and (
        toks[-1].text in T.NEVER
        or toks[-1].text in _CONNECTORS
        or _is_plural_acronym(toks[-1].text)
    ):
        toks = toks[:-1]
    return toks, initial


def _drop_opening_word(doc: _Doc, toks: list[_Tok], initial: bool) -> list[_Tok] | None:
    """The piece without a capitalised common word opening a sentence ("Maybe", "Once",
    "Read") or a leading "The"; None when nothing is left or a known name was emitted."""
    lex = doc.lex
    if initial:
        t0 = toks[0].text
        org_headed = len(toks) > 1 and toks[-1].text in T.ORG_SUFFIXES
        if t0 in T.FUNCTION_WORDS or (
            lex.is_word(t0)
            and not org_headed
            and t0 not in T.TITLES
            and not _keeps_first(doc, toks)
        ):
            toks = toks[1:]
            while toks and (toks[0].text in _CONNECTORS or toks[0].text in T.NEVER):
                toks = toks[1:]
            if not toks:
                return None
            whole = _lookup(doc, toks, False)
            if whole is not None:
                doc.cands.append(whole)
                return None
    if toks[0].text == "The" and len(toks) > 1:
        toks = toks[1:]
        whole = _lookup(doc, toks, False)
        if whole is not None:
            doc.cands.append(whole)
            return None
    return toks


def _split_name_title(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """ "Peter Salama Executive Director of the WHO ...": a name, then a title, in one run.
    True when done."""
    n = len(toks)
    if n <= 3 or toks[0].text not in doc.lex.given_names:
        return False
    for k in range(2, n - 1):
        w = toks[k].text
        if w in T.PERSON_TITLES or (w in T.TITLES and toks[k + 1].text in T.PERSON_TITLES):
            _classify_core(doc, toks[:k], ctx, person_cue=True)
            after = _Ctx(False, "", "", ctx.next, ctx.possessive, ctx.score)
            _classify_piece(doc, toks[k:], after)
            return True
    return False


def _strip_title_of(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """ "Executive Director of the WHO Health Emergencies Programme": the title is not the
    name; the organisation after "of" is typed alone. True when done."""
    n = len(toks)
    if not (
        n > 3
        and (toks[0].text in T.TITLES or toks[0].text in T.PERSON_TITLES)
        and (toks[-1].text in T.ORG_SUFFIXES or toks[-1].text in T.MISC_SUFFIXES)
    ):
        return False
    k = 0
    while k < n and (toks[k].text in T.TITLES or toks[k].text in T.PERSON_TITLES):
        k += 1
    if k < n - 1 and toks[k].text in ("of", "for"):
        k += 1
        while k < n and toks[k].text in _CONNECTORS:
            k += 1
        if k < n:
            _classify_piece(doc, toks[k:], _Ctx(False, "of", "", ctx.next, ctx.possessive))
            return True
    return False


def _is_headed(toks: list[_Tok]) -> bool:
    """Whether a head word types the piece: its last word ("... Council", "... River", "...
    Cup") or a head before "of"/"for" ("Syrian Center for Policy Research": then the
    nationality is part of the name)."""
    last = toks[-1].text
    return (
        last in T.ORG_SUFFIXES
        or last in T.LOC_SUFFIXES
        or last in T.MISC_SUFFIXES
        or any(
            t.text in ("of", "for") and toks[j - 1].text in T.ORG_OF_HEADS
            for j, t in enumerate(toks)
            if j > 1
        )
    )


def _nationality_end(doc: _Doc, toks: list[_Tok]) -> int:
    """How many leading tokens are nationality words or countries (never all of them)."""
    lex = doc.lex
    n = len(toks)
    k = 0
    while k < n - 1:
        if k + 1 < n - 1 and doc.text[toks[k].start : toks[k + 1].end] in lex.demonyms:
            k += 2
        elif toks[k].text in lex.demonyms or _is_country(doc, toks[k].text):
            k += 1
        else:
            break
    return k


def _team(doc: _Doc, cand: Cand, ctx: _Ctx) -> Cand:
    """A city followed by a score is a sports team: "Chicago 4 Houston 3", "Surrey 429-7"."""
    if ctx.score and cand.kind == "location":
        place = doc.lex.places_folded.get(norm_key(cand.surface).casefold())
        if place is not None and place.rank < 5:
            cand.kind, cand.canonical, cand.rule = "org", cand.surface, "team"
    return cand


def _is_country(doc: _Doc, word: str) -> bool:
    place = doc.lex.places.get(word)
    return place is not None and place.rank >= 5


def _keeps_first(doc: _Doc, toks: list[_Tok]) -> bool:
    """A sentence-initial common word kept as part of a name ("Will Smith", "China Daily")."""
    lex = doc.lex
    t0 = toks[0].text
    if len(toks) >= 2 and t0 in lex.given_names:
        t1 = toks[1].text
        return not lex.is_word(t1) and t1 not in T.TITLES
    place = lex.places.get(t0)
    return place is not None and place.rank >= 3


def _title_end(doc: _Doc, toks: list[_Tok]) -> int:
    """How many leading tokens are titles and their qualifiers (0 when none).

    The stretch may hold qualifiers ("Foreign", "Health"), nationalities, known places and
    organisations and connectors ("Secretary of State"); it must hold a person title and stops
    at the first word that can only be part of a name.
    """
    lex = doc.lex
    seen_title = False
    stretch = 0
    for i, t in enumerate(toks):
        w = t.text
        if w in T.PERSON_TITLES:
            seen_title = True
            stretch = i + 1
            continue
        if seen_title and w in lex.given_names and w not in T.TITLES and i + 1 < len(toks):
            break  # "President Bill Clinton"
        if seen_title and i + 1 < len(toks) and w not in T.TITLES and w not in _CONNECTORS:
            rest = _lookup(doc, toks[i:], False)
            if rest is not None and rest.kind == "person":
                break  # "Secretary-General Ban Ki-moon": a known name, though "ban" is a word
        if w in T.TITLES or w in lex.demonyms or lex.is_word(w) or w in _CONNECTORS:
            stretch = i + 1
            continue
        if i + 1 < len(toks) and (w in lex.places or norm_key(w) in lex.known):
            stretch = i + 1
            continue  # "UN Secretary-General", "US President"
        break
    if not seen_title:
        return 0
    while stretch > 0 and toks[stretch - 1].text in _CONNECTORS:
        stretch -= 1
    return stretch


def _emit_prefix(doc: _Doc, toks: list[_Tok]) -> None:
    """Entities inside a stripped title: "German" (misc), "UN" (org), "US" (location)."""
    i = 0
    lex = doc.lex
    while i < len(toks):
        if toks[i].text in _CONNECTORS:
            i += 1
            continue
        for n in range(min(_MAX_NGRAM, len(toks) - i), 0, -1):
            part = toks[i : i + n]
            if part[-1].text in _CONNECTORS:
                continue
            w = part[0].text
            if n == 1 and (w in T.PERSON_TITLES or (w in T.TITLES and w not in lex.demonyms)):
                continue
            hit = _lookup(doc, part, False)
            if hit is not None:
                doc.cands.append(hit)
                i += n
                break
        else:
            i += 1


def _classify_core(doc: _Doc, toks: list[_Tok], ctx: _Ctx, person_cue: bool) -> None:
    """Type a piece with no title or nationality in front, by the first rule that fits: a
    known name, a head word, an acronym, a title before it (``person_cue``), a split into
    several names, the words around it, then the name lists."""
    while toks and toks[0].text in _CONNECTORS:
        toks = toks[1:]
    if not toks:
        return
    words = [t.text for t in toks if t.text not in _CONNECTORS]
    n = len(words)
    if _core_known(doc, toks, words) or _core_headed(doc, toks, words):
        return
    if _core_acronym(doc, toks, words, ctx):
        return
    if person_cue:
        _emit(doc, toks, "person", PATTERN, "title")
        return
    last = words[-1]
    if n >= 2 and last in doc.lex.demonyms and toks[-1].text == last:
        # "Assads Alawite sect": a nationality or creed after a name is not part of it.
        _classify_core(
            doc, toks[:-1], _Ctx(ctx.initial, ctx.prev, ctx.prev_punct, "", False), False
        )
        doc.cands.append(
            Cand(toks[-1].start, toks[-1].end, last, "misc", last, STRONG, rule="demonym")
        )
        return
    if n >= 3 and _split_after_head(doc, toks, ctx):
        return
    if _by_context(doc, toks, ctx):
        return
    if n >= 2 and _split_known(doc, toks, ctx):
        return
    if n >= 4 and _split_people(doc, toks, ctx):
        return
    if n >= 2:
        _core_multi(doc, toks, words, ctx)
    else:
        _core_single(doc, toks, ctx)


def _core_known(doc: _Doc, toks: list[_Tok], words: list[str]) -> bool:
    """A known name, a compass word before a known place or nationality ("East Aleppo", "West
    German"), or titles and nationalities only ("British Foreign"). True when done."""
    lex = doc.lex
    whole = _lookup(doc, toks, False)
    if whole is not None:
        doc.cands.append(whole)
        return True
    if len(words) >= 2 and words[0] in T.DIRECTIONS:
        rest = _lookup(doc, toks[1:], False)
        if rest is not None and rest.kind == "location":
            _emit(doc, toks, "location", STRONG, "direction")
            return True
        if rest is not None and rest.kind == "misc":
            _emit(doc, toks, "misc", STRONG, "direction-demonym")  # "West German"
            return True
    w0 = words[0]
    if len(words) >= 2 and w0 in lex.demonyms and toks[0].text == w0:
        rest = _lookup(doc, toks[1:], False)
        if rest is not None and rest.strength == STRONG and rest.kind != "misc":
            s, e = toks[0].start, toks[0].end  # "English Asharq Al-Awsat": a language or a
            doc.cands.append(Cand(s, e, w0, "misc", w0, STRONG, rule="demonym"))  # nationality
            doc.cands.append(rest)  # before a known name is not part of it
            return True
    if (w0 in T.TITLES or w0 in lex.demonyms or w0 in T.DIRECTIONS) and all(
        w in T.TITLES or w in lex.demonyms or w in T.DIRECTIONS for w in words
    ):
        _emit_prefix(doc, toks)  # "British Foreign", "Prime": titles and nationalities only
        return True
    return False


def _core_headed(doc: _Doc, toks: list[_Tok], words: list[str]) -> bool:
    """A name typed by its head word: "... Cup" (misc), "... Council", "Bank of ..." (org),
    "... River", "Lake ...", "Gulf of ..." (location), "... & ..." (org). True when done."""
    if len(words) < 2:
        return False
    first, last = words[0], words[-1]
    if last in T.MISC_SUFFIXES:
        _emit(doc, toks, "misc", PATTERN, "misc-suffix")
        return True
    of_heads = (
        [toks[i - 1].text for i, t in enumerate(toks) if t.text in ("of", "for")]
        if len(toks) > len(words)  # connectors ("of", "for") among the tokens
        else []
    )
    if last in T.ORG_SUFFIXES or any(h in T.ORG_OF_HEADS for h in of_heads):
        _emit(doc, toks, "org", PATTERN, "org-suffix")
        return True
    if (
        last in T.LOC_SUFFIXES
        or first in T.LOC_PREFIXES
        or any(h in T.LOC_OF_HEADS for h in of_heads)
    ):
        _emit(doc, toks, "location", PATTERN, "loc-suffix")
        return True
    if "&" in doc.text[toks[0].start : toks[-1].end]:  # "&" alone or in a token ("AT&T")
        _emit(doc, toks, "org", PATTERN, "ampersand")
        return True
    return False


def _core_acronym(doc: _Doc, toks: list[_Tok], words: list[str], ctx: _Ctx) -> bool:
    """Words in capitals: shouting ("CRUDE OIL") and plurals ("MPs") are dropped, a credit run
    into a name is split ("BBC Michael Howard"), a place in capitals is a place, any other
    acronym is an organisation. True when done."""
    lex = doc.lex
    first = words[0]
    n = len(words)
    if first.isupper() and all(w.isupper() and w.lower() in lex.words for w in words):
        return True  # "CRUDE OIL", "ISSUER", "IN": shouting, not an acronym
    if n == 1 and _is_plural_acronym(first):
        return True  # "MPs", "NGOs", "PCs": a plural, not a name
    if not is_acronym(first) or first in T.ACRONYM_STOP:
        return False
    if n >= 2 and _split_known(doc, toks, ctx):
        return True  # "BBC Michael Howard", "AFP Bashar Assad": a credit run into a name
    if n == 1 and len(first) > 5 and first.isalpha():
        folded = lex.places_folded.get(first.casefold())
        if folded is not None:
            s, e = toks[0].start, toks[0].end
            doc.cands.append(
                Cand(s, e, first, "location", folded.canonical, STRONG, rule="caps-place")
            )
            return True
    _emit(doc, toks, "org", PATTERN, "acronym")
    return True


def _core_multi(doc: _Doc, toks: list[_Tok], words: list[str], ctx: _Ctx) -> None:
    """Several words that no head, title or context typed: the name lists decide."""
    lex = doc.lex
    n = len(words)
    first, last = words[0], words[-1]
    if first in T.ORG_FIRST:
        _emit(doc, toks, "org", PATTERN, "org-first")  # "Jaish al-Islam", "Liwa al-Quds"
        return
    common = [w for w in words[1:] if len(w) > 1 and lex.is_word(w) and w not in lex.surnames]
    if _is_initial(first) and not common:
        _emit(doc, toks, "person", PATTERN, "initial")
        return
    particles = any(t.text in _PARTICLES or "-" in t.text[:4] for t in toks[1:-1])
    if n == 2 and first in ("Abu", "Umm", "Um") and last in lex.given_names:
        return  # "Abu Mohammad told AFP": a kunya ("father of ...") names nobody alone
    if (
        common == [last]
        and n <= 4
        and first in lex.given_names
        and len(last) > 3
        and last.endswith("s")
        and last[:-1] in lex.surnames
    ):
        toks[-1] = _Tok(last[:-1], toks[-1].start, toks[-1].end - 1)
        common = []  # "Donald Trumps new policies": the apostrophe was lost
    if not common and n <= 4 and first in lex.given_names and len(first) > 2:
        _emit(doc, toks, "person", PATTERN, "given-name")
        return
    if particles and n >= 2 and not lex.is_word(last):
        _emit(doc, toks, "person", PATTERN, "particle")
        return
    if all(lex.is_word(w) for w in words):
        return  # "Civilians Injured", "Terrorist Attacks": a Title Case phrase
    _core_multi_rest(doc, toks, words, common, ctx)


def _core_multi_rest(
    doc: _Doc, toks: list[_Tok], words: list[str], common: list[str], ctx: _Ctx
) -> None:
    """The last resorts for several words: a known name in front of common words, a list of
    places, a name-like run (person), a run before "said" (person), else an organisation."""
    lex = doc.lex
    head = _lookup(doc, toks[:1], False)
    if (
        head is not None
        and head.strength == STRONG
        and words[0] not in lex.given_names
        and all(lex.is_word(w) or w in lex.demonyms for w in words[1:])
    ):
        doc.cands.append(head)  # "Hezbollah Syrian Army Kill", "Aleppo Eight"
        _classify_core(doc, toks[1:], ctx, person_cue=False)
        return
    places = []
    for t in toks:
        p = _lookup(doc, [t], False)
        if p is None or p.kind != "location":
            break
        places.append(p)
    else:
        doc.cands.extend(places)  # "Aleppo Syria"
        return
    namey = all(not lex.is_word(w) and w not in lex.places and not w.isupper() for w in words)
    if namey and len(words) <= 3:
        if ctx.prev in T.PLACE_PREPOSITIONS and not ctx.prev_punct and not ctx.possessive:
            _emit(doc, toks, "location", WEAK, "place-prep")  # "positions in Jubb al-Jarrah"
            return
        _emit(doc, toks, "person", WEAK, "namey")
        return
    if (
        ctx.next in T.SAY_VERBS
        and not common
        and ctx.prev != "the"  # "the Civil Defence said": no person's name takes "the"
        and (words[0] in lex.given_names or not lex.is_word(words[0]))
    ):
        _emit(doc, toks, "person", WEAK, "say-multi")
        return
    _emit(doc, toks, "org", WEAK, "multi-default")


def _core_single(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> None:
    """A single word that no lookup, head or context typed: titles, state abbreviations,
    common words, first names, cues around it, then the name lists."""
    lex = doc.lex
    w = toks[0].text
    if w in T.TITLES or w in T.PERSON_TITLES:
        return  # "Sen." before a name, "Maj." in "Maj. Gen.": a title, not a person
    state = T.US_STATE_ABBREVIATIONS.get(w.rstrip("."))
    if state is not None and ctx.prev_punct == ",":
        s, e = toks[0].start, toks[0].end
        doc.cands.append(Cand(s, e, w, "location", state, STRONG, rule="state-abbr"))
        return  # "West Hartford, Conn."
    if lex.is_word(w):
        _emit(doc, toks, None, 0, "common", common=True)
        return
    if w in lex.given_names and (
        ctx.prev in ("named", "called") or _AGE_RE.match(doc.text, toks[0].end)
    ):
        _emit(doc, toks, None, 0, "first-name")  # "a witness named Ahmad", "Ahmed, 24, said"
        return
    if ctx.prev in T.PERSON_CUES_BEFORE:
        _emit(doc, toks, "person", WEAK, "cue-before")
        return
    if ctx.next in T.SAY_VERBS:
        _emit(doc, toks, None, 0, "say")
        return
    if ctx.prev in T.PLACE_CUES_BEFORE and not ctx.prev_punct:
        _emit(doc, toks, "location", WEAK, "place-cue")
        return
    if w in lex.places:
        _emit(doc, toks, None, 0, "town")  # a gazetteer place is never a person on the
        return  # evidence of a name list alone ("the Venice summit"); the document decides
    if w in lex.surnames or w in lex.given_names:
        _emit(doc, toks, "person", WEAK, "surname-list")
        return
    _emit(doc, toks, None, 0, "unknown")


def _person_like(doc: _Doc, toks: list[_Tok]) -> bool:
    """A given name or an initial in front: "P. Simmons", "Ahmed", "Pete Sampras"."""
    first = toks[0].text
    return _is_initial(first) or first in doc.lex.given_names


def _by_context(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """Type a name by the words around it, when they are unambiguous; True when done.

    - a place noun: "the town of Hass", "Hadar village", "the Castello road" (a place);
    - an organisation noun before it: "news agency Tanjug", "serie A club Atalanta" (an org);
    - a sports fixture: "Surrey v Kent", "Lotte 6 Hyundai 2" (a team, so an org).
    """
    lex = doc.lex
    place_noun = (ctx.prev == "of" and ctx.prev2 in T.PLACE_NOUNS) or (
        ctx.next in T.PLACE_NOUNS and not ctx.possessive
    )
    if place_noun and not (len(toks) == 1 and toks[0].text in lex.places):
        _emit(doc, toks, "location", PATTERN, "place-noun")  # gazetteer places keep their rule
        return True
    if doc.cands and doc.cands[-1].rule == "place-noun":
        gap = doc.text[doc.cands[-1].end : toks[0].start]
        if _LIST_GAP_RE.fullmatch(gap):  # "the neighbourhoods of al-Mazzeh and Ruken Eddin"
            _emit(doc, toks, "location", PATTERN, "place-noun")
            return True
    if ctx.prev in T.ORG_CUES_BEFORE and not ctx.prev_punct:
        _emit(doc, toks, "org", PATTERN, "org-cue")
        return True
    if not ctx.prev_punct and (
        ctx.prev in T.MISC_CUES_BEFORE or (ctx.prev == "in" and ctx.prev2 in T.WORK_ROLES_BEFORE_IN)
    ):
        _emit(doc, toks, "misc", PATTERN, "work-cue")  # "the film X", "her role in X"
        return True
    if _employer_cue(ctx) or _LEGAL_AFTER_RE.match(doc.text, toks[-1].end):
        _emit(doc, toks, "org", PATTERN, "employer")  # "vice president of Cargill, Inc."
        return True
    role = _role_after(doc, toks[-1].end, ctx)
    if role:
        _emit(doc, toks, role, PATTERN, "work-cue")  # "X star Imelda Staunton"
        return True
    versus = ctx.next in ("v", "vs") or ctx.prev in ("v", "vs")
    if (
        versus or (ctx.score and _results_line(doc, toks[0].start, toks[-1].end))
    ) and not _person_like(doc, toks):
        _emit(doc, toks, "org", PATTERN, "team")
        return True
    return False


_LEGAL_AFTER_RE = re.compile(
    r"(?:,[ ]|[ ]\([A-Z][A-Za-z.]*\)[ ])(?:Inc|Corp|Co|Ltd|Plc|PLC|LLC|AG|SA|NV|GmbH)\b"
)  # "Cargill, Inc.", "Cargill (U.K.) Ltd": a legal form after a comma or a country


def _employer_cue(ctx: _Ctx) -> bool:
    """Whether the words before a name make it the organisation of someone: "vice president
    of X", "analyst with X", "officials at X"."""
    return (
        ctx.prev in ("of", "with", "at")
        and ctx.prev2 in T.EMPLOYEE_NOUNS
        and not ctx.prev_punct
        and not ctx.possessive  # "head of Tony Blair's policy unit": not his organisation
    )


_ROLE_AFTER_RE = re.compile(r"[ ]([a-z-]+)[ ][A-Z]")
_ROLE_NEXT = frozenset(
    ["and", "co", *T.WORK_ROLES_AFTER, *T.BAND_ROLES_AFTER]
)  # the first letters-only word of a role (``_Ctx.next``)
_TITLE_AFTER_AND_RE = re.compile(r"[ ]and[ ]the[ ][A-Z]")


def _role_after(doc: _Doc, end: int, ctx: _Ctx) -> EntityKind | None:
    """What a role word after a name says it is: a work before "star", "director" and a
    person ("Vera Drake star Imelda Staunton"), a band before "frontman" ("Franz Ferdinand
    frontman Alex Kapranos"), a work before "and the" and a title ("Harry Potter and the
    Prisoner of Azkaban", "Bob Marley and the Wailers"); None otherwise."""
    if ctx.possessive or ctx.next not in _ROLE_NEXT:
        return None
    if ctx.next == "and":
        return "misc" if _TITLE_AFTER_AND_RE.match(doc.text, end) else None
    m = _ROLE_AFTER_RE.match(doc.text, end)
    if m is None:
        return None
    word = m.group(1)
    if word in T.WORK_ROLES_AFTER:
        return "misc"
    return "org" if word in T.BAND_ROLES_AFTER else None


def _results_line(doc: _Doc, pos: int, end: int) -> bool:
    """Whether the name at ``pos:end`` sits in a line of sports results: two names or more
    followed by a score ("Lotte 6 Hyundai 2", "Somerset 83 and 174, Leicestershire 296"), or
    a table row (the name, then numbers only: "Hyundai 57 5 49 .536"). A batting line
    ("S. Waugh b Muralitharan 22") or a headline with a number is neither."""
    text = doc.text
    if _TABLE_ROW_RE.match(text, end) and not text[text.rfind("\n", 0, pos) + 1 : pos].strip(
        "0123456789. \t"
    ):
        return True
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos)
    if le < 0:
        le = len(text)
    got = doc.results.get(ls)
    if got is None:
        names = [w for w in _NAME_SCORE_RE.findall(text, ls, le) if w not in T.NEVER]
        got = doc.results[ls] = len(names) >= 2 and le - ls <= 160  # a short line
    return got


def _split_known(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """Split a run that glues a known name to other words; True when done.

    A place or organisation in front ("Aleppo Mohammad Hazouri", "BBC Michael Howard",
    "Reuters Brazil"), or an organisation at the end ("Aleppo SANA", "Monitor AFP"): datelines,
    credit lines and headlines run into the text. A given name in front of one more word is
    left alone ("Jordan Henderson"), and so is a city before a plural ("Chicago Bulls").
    """
    lex = doc.lex
    n = len(toks)
    for k in range(min(_MAX_NGRAM, n - 1), 0, -1):
        head = _lookup(doc, toks[:k], False)
        if head is None or head.strength < STRONG or head.kind == "misc":
            continue
        rest = toks[k:]
        if rest[0].text in _CONNECTORS:
            return False
        if (
            k == 1
            and toks[0].text in lex.given_names
            and not any(
                (len(t.text) > 1 and lex.is_word(t.text) and t.text not in lex.surnames)
                or t.text in _CONNECTORS
                for t in rest
            )
        ):
            return False  # "Jordan Henderson", "George W Bush"
        if len(rest) == 1 and rest[0].text.endswith("s") and lex.is_word(rest[0].text):
            return False  # "Chicago Bulls", "Philadelphia Eagles": a team
        doc.cands.append(head)
        _classify_core(doc, rest, _Ctx(False, "", "", ctx.next, ctx.possessive, ctx.score), False)
        return True
    for k in range(min(_MAX_NGRAM, n - 1), 0, -1):
        tail = _lookup(doc, toks[n - k :], False)
        if tail is None or tail.strength < STRONG or tail.kind != "org":
            continue
        front = toks[: n - k]
        if front[-1].text in _CONNECTORS or _person_like(doc, front):
            return False
        _classify_core(doc, front, _Ctx(ctx.initial, ctx.prev, ctx.prev_punct, "", False), False)
        doc.cands.append(tail)
        return True
    return False


_HEADS = T.ORG_SUFFIXES | T.MISC_SUFFIXES | T.LOC_SUFFIXES


def _split_after_head(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """Split a run after the head word of a name when another name follows without a
    connector ("Istanbul Film Festival Egon Schiele", "Syrian Democratic Forces Commander
    ..."): a head word ends its name. True when done."""
    n = len(toks)
    for i in range(1, n - 1):
        w, nxt = toks[i].text, toks[i + 1].text
        if w not in _HEADS or nxt in _CONNECTORS or nxt in _HEADS or nxt in T.LEGAL_FORMS:
            continue
        if toks[i - 1].text in _CONNECTORS:
            continue
        rest = toks[i + 1 :]
        if any(t.text in _HEADS or t.text in _CONNECTORS for t in rest):
            continue  # "University College London Hospital": a longer name, leave it
        if len(rest) < 2 or all(doc.lex.is_word(t.text) for t in rest):
            continue  # "Consumer Electronics Show", "Merrill Lynch Capital Markets"
        first = _Ctx(ctx.initial, ctx.prev, ctx.prev_punct, "", False, prev2=ctx.prev2)
        _classify_core(doc, toks[: i + 1], first, False)
        _classify_core(doc, toks[i + 1 :], _Ctx(False, "", "", ctx.next, ctx.possessive), False)
        return True
    return False


def _split_people(doc: _Doc, toks: list[_Tok], ctx: _Ctx) -> bool:
    """Split a run of several full names ("Sergei Lavrov Yusuf bin Alawi Walid al-Muallem",
    a list whose commas were lost) before each given name that follows a surname; True when
    done. Each part must keep two words or more."""
    lex = doc.lex
    if not _person_like(doc, toks):
        return False
    cuts = [0]
    for i in range(2, len(toks) - 1):
        w, before = toks[i].text, toks[i - 1].text
        if (
            w in lex.given_names
            and before not in lex.given_names
            and before not in _CONNECTORS
            and not before.islower()
            and i - cuts[-1] >= 2
        ):
            cuts.append(i)
    if len(cuts) == 1:
        return False
    cuts.append(len(toks))
    for a, b in itertools.pairwise(cuts):
        _classify_core(doc, toks[a:b], _Ctx(False, "", "", "", False), False)
    return True


def _is_plural_acronym(word: str) -> bool:
    return len(word) > 2 and word[-1] == "s" and word[:-1].isupper()


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


# --- pass 2: the document ----------------------------------------------------------------


_CONTEXT_RULES = frozenset(["org-cue", "work-cue", "place-noun", "team"])
_NAME_LIST_RULES = frozenset(
    ["given-name", "namey", "particle", "surname-list", "say-multi", "multi-default", "say"]
)
_ARTICLES = ("al-", "el-", "Al-", "El-", "ad-", "as-", "ash-", "at-", "ar-", "az-")


def _surname_keys(name: str) -> list[str]:
    """The shorter forms a full name goes by within an article: every run of its trailing words
    ("Rami Abdel Rahman" -> "Abdel Rahman", "Rahman"), also without an Arabic article
    ("Bashar al-Assad" -> "Assad")."""
    parts = name.split()
    if len(parts) < 2:
        return []
    keys = []
    for i in range(len(parts) - 1, 0, -1):
        tail = parts[i:]
        if tail[0] in _CONNECTORS or tail[0].islower():
            continue  # "de Mistura" is a key, "Mistura" too; never "de"
        keys.append(" ".join(tail))
    last = parts[-1]
    for prefix in _ARTICLES:
        if last.startswith(prefix) and len(last) > len(prefix) + 1:
            keys.append(last[len(prefix) :])
    if len(parts) >= 3 and parts[-2] in _CONNECTORS:
        keys.append(" ".join(parts[-2:]))  # "de Mistura"
    return keys


def _org_prefixes(surface: str) -> list[str]:
    """The leading words an organisation name is shortened to within an article ("Magna" for
    "Magna International Inc", "Royal Dutch" for "Royal Dutch Petroleum Co")."""
    parts = surface.replace(",", "").replace("/", " ").split()
    out = []
    for i in range(1, len(parts)):
        head = parts[:i]
        if head[-1] in _CONNECTORS or parts[i] in ("of", "for"):
            continue  # never "Bank of" or a cut before "of England"
        out.append(" ".join(head))
    if len(parts) >= 2 and _INITIALS_RE.fullmatch(parts[0]):
        out.extend(_org_prefixes(" ".join(parts[1:])))  # "E.F. Hutton Group" -> "Hutton"
        if parts[-1] not in T.LEGAL_FORMS and len(parts) == 2:
            out.append(parts[1])  # "E.F. Hutton" -> "Hutton"
    return out


_INITIALS_RE = re.compile(r"(?:[A-Z]\.){1,3}")


def _resolve_document(doc: _Doc) -> None:
    """Pass 2: what the whole document says types and names each mention (see the module
    docstring); mentions left untyped are dropped later."""
    known: dict[str, tuple[EntityKind, str]] = {}
    for level in (STRONG, PATTERN):
        for c in doc.cands:
            if c.strength == level and c.kind is not None and c.surface not in known:
                known[c.surface] = (c.kind, c.canonical)
    _bare_possessives(doc, known, {})  # names: "Bashar al-Assads" -> "Bashar al-Assad"
    people, org_heads = _short_forms(doc)
    _link_acronyms(doc, known)
    _bare_possessives(doc, known, people)  # surnames: "Lavrovs" -> "Lavrov"
    _context_over_lists(doc, known)
    for c in doc.cands:
        if not _resolve_short(doc, c, people, org_heads):
            _resolve_weak(doc, c, known, people)
    _listed_with_companies(doc)
    for c in doc.cands:
        if (
            c.kind == "person"
            and c.strength == WEAK
            and c.canonical == c.surface
            and " " not in c.surface
            and c.surface in doc.lex.given_names
            and c.surface not in doc.lex.surnames
            and "+surname" not in c.rule
        ):
            c.kind = None  # a lone given name ("Ahmed, 24, said") identifies nobody


_COORD_RE = re.compile(r",[ ]|,?[ ]and[ ]|[ ]&[ ]")
_COMPANY_RULES = frozenset(
    ["company", "partnership", "slash-co", "possessive-co", "wire-brackets", "listed-company"]
)
_GUESSED = frozenset(["given-name", "surname-list", "namey", "say-multi", "cue-before"])


def _listed_with_companies(doc: _Doc) -> None:
    """A name only guessed to be a person from name lists, listed with companies ("Goldman
    Sachs and Merrill Lynch co-managed", "Wagner and Brown and AFG Industries Inc", "Salomon,
    First Boston and Merrill Lynch") or after a person and "of" ("Zimmer of Merrill Lynch")
    is a company too: every mention of it in the article becomes one. A company here is a
    listed company, an organisation of the curated list, a partnership, a name in wire
    brackets or an organisation ending in a legal form ("AFG Industries Inc")."""
    text = doc.text
    firms: dict[str, str] = {}
    group: list[Cand] = []
    prev: Cand | None = None
    for c in doc.cands:
        if (
            prev is not None
            and prev.kind == "person"
            and _guessed_person(c)
            and text.startswith(" of ", prev.end)
            and prev.end + 4 == c.start
        ):
            firms.setdefault(c.surface, c.surface)  # "Zimmer of Merrill Lynch": her firm
        prev = c
    for nxt in [*doc.cands, None]:
        if nxt is not None and group and _COORD_RE.fullmatch(text, group[-1].end, nxt.start):
            group.append(nxt)
            continue
        if len(group) > 1 and any(_is_company(doc, g) for g in group):
            _firms_of(doc, group, firms)
        group = [nxt] if nxt is not None else []
    if not firms:
        return
    for c in doc.cands:
        name = firms.get(c.surface)
        if name is not None and c.kind == "person" and c.canonical == c.surface:
            c.kind, c.canonical, c.strength = "org", name, PATTERN
            c.rule += "+listed-company"


def _firms_of(doc: _Doc, group: list[Cand], firms: dict[str, str]) -> None:
    """The guessed people of a list with a company in it, as firms (surface -> name); a
    surname joined by "and" to an untyped surname is one firm ("Wagner and Brown")."""
    text = doc.text
    for i, g in enumerate(group):
        if not _guessed_person(g):
            continue
        name = g.surface
        nxt = group[i + 1] if i + 1 < len(group) else None
        if (
            nxt is not None
            and nxt.kind is None
            and nxt.ntok == 1
            and nxt.surface in doc.lex.surnames
            and text[g.end : nxt.start] == " and "
        ):
            name = text[g.start : nxt.end]
        firms.setdefault(g.surface, name)


def _guessed_person(c: Cand) -> bool:
    """A person only by the name lists or a weak cue, and not resolved to a full name."""
    return c.kind == "person" and c.rule.split("+")[0] in _GUESSED and c.canonical == c.surface


def _is_company(doc: _Doc, c: Cand) -> bool:
    """An organisation named by the company lexicon or a company pattern."""
    if c.kind != "org":
        return False
    if c.rule.split("+")[0] in _COMPANY_RULES:
        return True
    if c.surface.rpartition(" ")[2] in T.LEGAL_FORMS or c.rule == "known":
        return True
    if doc.lex.companies.get(norm_key(c.surface)) is not None:
        return True
    if is_acronym(c.surface):  # "AFG" where the article names "AFG Industries Inc"
        head = c.surface + " "
        return any(
            o.kind == "org" and o.surface.startswith(head) and _is_company(doc, o)
            for o in doc.cands
        )
    return False


def _short_forms(doc: _Doc) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The shortened forms the document's full names go by: surnames of people (-> their full
    names) and leading words of organisations (-> their canonical names)."""
    lex = doc.lex
    people: dict[str, set[str]] = {}
    org_heads: dict[str, set[str]] = {}
    for c in doc.cands:
        if c.kind == "person" and c.ntok >= 2:
            for key in _surname_keys(c.canonical):
                people.setdefault(key, set()).add(c.canonical)
        elif c.kind == "org" and c.ntok >= 2 and c.strength >= PATTERN:
            for head in _org_prefixes(c.surface):
                if " " not in head and (is_acronym(head) or lex.is_word(head)):
                    continue  # "Bank", "UN": a word, not a short name
                place = lex.places.get(head)
                if (place is not None and place.rank >= 2) or head in lex.demonyms:
                    continue  # "Chicago", "Syrian": the place or the nationality
                if norm_key(head) in lex.known:
                    continue
                org_heads.setdefault(head, set()).add(c.canonical)
    return people, org_heads


def _context_over_lists(doc: _Doc, known: dict[str, tuple[EntityKind, str]]) -> None:
    """What the words around a name say ("the band Franz Ferdinand", "the film Vera Drake",
    "the town of Hass") beats what a list of first names says, for every mention of it."""
    by_context = {c.surface: c for c in doc.cands if c.rule in _CONTEXT_RULES}
    if not by_context:
        return
    for c in doc.cands:
        ctx_hit = by_context.get(c.surface)
        if ctx_hit is not None and c.rule in _NAME_LIST_RULES:
            c.kind, c.canonical, c.rule = ctx_hit.kind, ctx_hit.canonical, ctx_hit.rule
            known[c.surface] = (ctx_hit.kind or "misc", ctx_hit.canonical)


def _only(names: set[str] | None) -> str | None:
    """The one name of a set, or None when there is none or more than one."""
    if names is None or len(names) != 1:
        return None
    return next(iter(names))


def _resolve_short(
    doc: _Doc, c: Cand, people: dict[str, set[str]], org_heads: dict[str, set[str]]
) -> bool:
    """Within one article a shortened name is always the full one, when only one fits:
    "Erdogan" (even as "President Erdogan") is Recep Tayyip Erdogan, "Magna" is Magna
    International. True when the mention was resolved."""
    weak = c.strength < STRONG and c.rule != "title"
    if (c.kind in ("person", None) or c.rule == "company") and weak:
        key = c.surface
        if " " not in key:
            for prefix in _ARTICLES:
                if key.startswith(prefix):
                    key = key[len(prefix) :]
        name = _only(people.get(key))
        if name is not None and name.count(" ") > c.surface.count(" "):
            c.kind, c.canonical, c.strength = "person", name, PATTERN
            c.rule += "+surname"
            return True
    elif c.kind == "person" and c.rule == "title":
        name = _only(people.get(c.surface))
        if name is not None and name.count(" ") > c.surface.count(" "):
            c.canonical = name  # "President Erdogan" is Recep Tayyip Erdogan
            c.rule += "+surname"
            return True
    if c.kind in ("person", None) and weak:
        org = _only(org_heads.get(c.surface))
        if org is not None and c.surface not in people:
            c.kind, c.canonical, c.strength = "org", org, PATTERN
            c.rule += "+org-head"
            return True
    return False


def _resolve_weak(
    doc: _Doc, c: Cand, known: dict[str, tuple[EntityKind, str]], people: dict[str, set[str]]
) -> None:
    """A weak or untyped mention takes what the document established for the same surface;
    a small place that is the surname of a person named in full is that person; an unknown
    word that is a surname here is a person; anything else weak and common is untyped."""
    if c.strength >= PATTERN and not (c.ntok == 1 and c.kind == "location"):
        return
    if c.strength == STRONG:
        name = _only(people.get(c.surface))
        if name is not None:
            place = doc.lex.places.get(c.surface)
            if place is not None and place.rank <= 4:
                c.kind, c.canonical, c.strength = "person", name, PATTERN
                c.rule = "surname-over-place"
        return
    hit = known.get(c.surface)
    if hit is not None:
        c.kind, c.canonical = hit
        c.strength = PATTERN
        c.rule += "+doc"
        return
    if c.ntok == 1:
        key = c.surface
        for prefix in _ARTICLES[:4]:
            if key.startswith(prefix):
                key = key[len(prefix) :]
        if people.get(key) is not None and c.kind is None:
            c.kind, c.strength = "person", WEAK
            c.rule += "+surname?"
            return
    if c.common or c.strength == 0:
        c.kind = None


def _bare_possessives(
    doc: _Doc, known: dict[str, tuple[EntityKind, str]], people: dict[str, set[str]]
) -> None:
    """ "Bashar al-Assads", "Lavrovs": a name seen elsewhere, its apostrophe lost."""
    lex = doc.lex
    for c in doc.cands:
        surface = c.surface
        if c.strength == STRONG or len(surface) < 5 or surface[-1] != "s" or surface[-2] == "s":
            continue
        stem = surface[:-1]
        hit = known.get(stem)
        if hit is None:
            entry = lex.known.get(norm_key(stem))
            if entry is not None:
                hit = (entry.kind, entry.canonical)
        if hit is None and c.ntok == 1:
            full = people.get(stem)
            if full is not None and len(full) == 1:
                hit = ("person", next(iter(full)))
            elif any(o.surface == stem and o.kind == "person" for o in doc.cands):
                hit = ("person", stem)  # "Assads" where the article says "Assad" too
        if hit is not None:
            c.end -= 1
            c.surface = stem
            c.kind, c.canonical, c.strength = hit[0], hit[1], PATTERN
            c.rule += "+bare-possessive"


def _link_acronyms(doc: _Doc, known: dict[str, tuple[EntityKind, str]]) -> None:
    """ "United Nations (UN)" and initials: give the acronym its organisation's kind and name."""
    text = doc.text
    cands = doc.cands
    by_start = {c.start: c for c in cands}
    long_forms: dict[str, Cand] = {}
    for c in cands:
        if c.kind in ("org", "misc", "location", None) and c.ntok >= 2:
            i = c.end
            if text.startswith(" (", i):
                inner = by_start.get(i + 2)
                if (
                    inner is not None
                    and is_acronym(inner.surface)
                    and text.startswith(")", inner.end)
                ):
                    long_forms[inner.surface] = c
            if c.kind == "org":
                initials = "".join(
                    w[0]
                    for w in c.surface.replace("-", " ").split()
                    if w not in _CONNECTORS and w not in T.LEGAL_FORMS
                )
                if len(initials) >= 2 and initials.isupper():
                    long_forms.setdefault(initials, c)
    if not long_forms:
        return
    for c in cands:
        lf = long_forms.get(c.surface)
        if lf is None or c.ntok != 1 or (c.strength == STRONG and c.surface in doc.lex.known):
            continue
        kind = lf.kind or "org"
        c.kind, c.canonical, c.strength = kind, lf.canonical, PATTERN
        known[c.surface] = (kind, lf.canonical)


# --- pass 3: noisy lines -----------------------------------------------------------------


def _scan_noisy_line(doc: _Doc, ls: int, le: int) -> None:
    """Known names in an upper-case or Title Case line, longest first."""
    text = doc.text
    lex = doc.lex
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text, ls, le)]
    by_fold: dict[str, tuple[EntityKind, str]] = {}
    people: dict[str, str] = {}
    for c in doc.cands:
        if c.kind is not None and c.strength >= PATTERN:
            by_fold.setdefault(norm_key(c.surface).casefold(), (c.kind, c.canonical))
            if c.kind == "person" and c.ntok >= 2:
                for key in _surname_keys(c.canonical):
                    people.setdefault(key.casefold(), c.canonical)
    i = 0
    while i < len(words):
        found = False
        for n in range(min(_MAX_NGRAM, len(words) - i), 0, -1):
            s, e = words[i][0], words[i + n - 1][1]
            if n > 1 and any(
                text[words[j][1] : words[j + 1][0]].strip() for j in range(i, i + n - 1)
            ):
                continue
            surface = text[s:e].rstrip(".'\u2019")
            e = s + len(surface)
            hit = _noisy_lookup(lex, surface, by_fold, people)
            if hit is not None:
                kind, canonical = hit
                if kind == "location" and _SCORE_RE.match(text, e):
                    place = lex.places_folded.get(norm_key(surface).casefold())
                    if place is not None and place.rank < 5:
                        kind, canonical = "org", surface
                doc.cands.append(Cand(s, e, surface, kind, canonical, PATTERN, n, rule="noisy"))
                i += n
                found = True
                break
        if not found:
            i += 1


def _noisy_lookup(
    lex: Lexicon,
    surface: str,
    by_fold: dict[str, tuple[EntityKind, str]],
    people: dict[str, str],
) -> tuple[EntityKind, str] | None:
    key = norm_key(surface)
    fold = key.casefold()
    letters = sum(1 for ch in surface if ch.isalpha())
    is_common = surface.lower() in lex.words or surface.title() in T.FUNCTION_WORDS
    hit = by_fold.get(fold)
    if hit is not None and not (letters <= 3 and is_common):
        return hit
    known = lex.known.get(key if letters < 4 else fold)
    if known is not None and not is_common:
        return known.kind, known.canonical
    if known is not None and surface in ("US", "UK", "UN", "EU"):
        return known.kind, known.canonical
    place = lex.places_folded.get(fold)
    if place is not None and (place.rank >= 3 or (place.rank == 2 and not is_common)):
        return "location", place.canonical
    form = surface.title() if surface.isupper() else surface
    if form in lex.demonyms:
        return "misc", form
    person = people.get(fold)
    if person is not None:
        return "person", person
    return None
