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

from searchlib.entities import tables as T
from searchlib.entities.lexicon import MEMO_LIMIT, Lexicon, norm_key
from searchlib.model import EntityKind

_UP = "".join(sorted({c for c in map(chr, range(0x41, 0x250)) if c.isupper()}))
_NUMTOK = r"(?:{})[ \t]\d{{1,3}}\b(?![.,:/-]?\d)".format("|".join(sorted(T.NUMBERED_HEADS)))
# "Inc." and "Corp." keep their dot: it belongs to the name.
_ABBR_DOT = "(?:{})\\.".format(
    "|".join(
        f"(?<={a})"
        for a in ("Inc", "Corp", "Ltd", "Bros", "Jr", "Sr", "Co", "Cos", "St", "Ste", "Mt", "Ft")
    )
)
_CAPWORD = rf"[{_UP}](?:[\w&]|-(?=[{_UP}\d])|['\u2019](?![sS]\b)(?=\w))*(?:{_ABBR_DOT})?"
_INITIALS = rf"(?:[{_UP}]\.){{2,}}"
_INITIAL1 = rf"[{_UP}]\.(?=[ \t]+[{_UP}][a-z])"
_PARTICLE_HYPH = (
    rf"(?:al|el|ad|as|ash|at|ar|az|an|ul|ibn|bin|abu|bel|ben)-[{_UP}]\w*(?:-[{_UP}]\w*)*"
)
# A hyphenated Korean given name after a short surname: "Ban Ki-moon", "Kim Jong-un".
_KOREAN = (
    "(?:{})".format("|".join(rf"(?<=\b[{_UP}][a-z]{{{k}}}[ ])" for k in (1, 2, 3)))
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
RUN_RE = re.compile(rf"(?<![\w&-]){_TOK}(?:{_SP}(?:{_CONN}{_SP})?{_TOK})*")
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
_CONNECTORS = frozenset(["of", "for", "the", "and", "&", "upon", "in", *_PARTICLES])
_OPENERS_STR = "\"'\u201c\u2018([{*_\u2022\u00ab"
_OPENERS = frozenset(_OPENERS_STR)
_SPACES = " \t\u00a0"
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
    memo: dict[tuple[str, bool, bool], _Hit | None] = field(default_factory=dict)
    runs: dict[tuple[str, bool, int, str, bool, bool], list[_RunHit]] = field(default_factory=dict)
    results: dict[int, bool] = field(default_factory=dict)  # line start -> a results line


def is_acronym(token: str) -> bool:
    """True for "UN", "NATO", "U.S.", "NGOs", "AT&T"-style tokens."""
    return len(token) >= 2 and _ACRONYM_RE.fullmatch(token) is not None


def find_mentions(text: str, lex: Lexicon) -> list[Cand]:
    """All typed mentions in ``text``, in order, not overlapping."""
    doc = _Doc(text, lex)
    fast: dict[str, _Hit | None] = {}
    cands = doc.cands
    blocked = _company_spans(doc)
    if ("'s " in text or "\u2019s " in text) and _LEGAL_WORD_RE.search(text):
        blocked = sorted(blocked + _possessive_companies(doc, blocked))
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
                    bs, be = blocked[bi]
                    if bs <= rs and re_ <= be:
                        continue  # inside a company name or a ticker
                    if rs < bs:  # a run that reaches into it: keep the part before
                        re_ = len(text[rs:bs].rstrip(" \t,<(")) + rs
                    else:  # a run that starts inside: keep the part after
                        rs = be + len(text[be:re_]) - len(text[be:re_].lstrip(" \t>)"))
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
                rest = word[sp:].lstrip(" \t\u00a0")
                head, _, tail = rest.partition(" ")
                while head in _CONNECTORS and tail:  # "Trends in Aleppo"
                    rest = tail.lstrip(" \t\u00a0")
                    head, _, tail = rest.partition(" ")
                rs = re_ - len(rest)
                word = rest
                if word in _SKIP or word in _CONNECTORS:
                    continue
            # The commonest case, a single known name ("Russia", "UN"), needs no context unless
            # it could be a word ("Turkey") or a team ("Chicago 4").
            if word in fast:
                hit = fast[word]
            else:
                hit = fast[word] = _fast_hit(lex, word)
            if hit is not None and (hit[0] != "location" or _SCORE_RE.match(text, re_) is None):
                ntok = word.count(" ") + 1
                cands.append(Cand(rs, re_, word, hit[0], hit[1], STRONG, ntok, rule=hit[3]))
                continue
            _classify_run(doc, rs, re_)
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
_LEGAL_WORD_RE = re.compile(r"\b(?:Inc|Corp|Co|Ltd|Cos|Bancshares|Bancorp)\b")
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
    lex = doc.lex
    spans: list[tuple[int, int]] = []
    for m in _BRACKET_RE.finditer(text) if "<" in text else ():
        inner = m.group(1)
        s = m.start(1) + len(inner) - len(inner.lstrip())
        e = m.end(1) - (len(inner) - len(inner.rstrip()))
        name = text[s:e]
        if not name or not name[0].isupper():
            continue
        spans.append((m.start(), m.end()))
        if _TICKER_RE.fullmatch(name):
            continue  # "<SRD>", "<RD.AS>": a ticker symbol is not a name
        canonical = name
        doc.cands.append(Cand(s, e, name, "org", canonical, PATTERN, name.count(" ") + 1))
        doc.cands[-1].rule = "wire-brackets"
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
    score = _SCORE_RE.match(text, end) is not None
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
    text = doc.text
    word = text[start:end]
    if " " not in word and "\t" not in word and "\u00a0" not in word:
        tok = _Tok(word, start, end)
        if len(word) > 1 and _bare_possessive(doc, tok) is None:
            # A repeated single word in the same kind of context gets the same answer.
            ctx = _context(text, start, end)
            if ctx.prev in T.PERSON_CUES_BEFORE:
                cue = 1
            elif ctx.prev in T.PLACE_CUES_BEFORE and not ctx.prev_punct:
                cue = 2
            elif ctx.prev in T.ORG_CUES_BEFORE and not ctx.prev_punct:
                cue = 3
            elif ctx.prev == "of" and ctx.prev2 in T.PLACE_NOUNS:
                cue = 4
            elif ctx.prev in ("v", "vs"):
                cue = 5
            elif ctx.prev_punct == ",":
                cue = 6
            elif ctx.prev in T.MISC_CUES_BEFORE:
                cue = 7
            else:
                cue = 0
            nxt = ctx.next if ctx.next in _NEXT_CUES else ""
            score = ctx.score and _results_line(doc, start, end)
            sig = (word, ctx.initial, cue, nxt, score, ctx.possessive)
            done = doc.runs.get(sig)
            if done is None:
                n0 = len(doc.cands)
                _classify_piece(doc, [tok], ctx)
                doc.runs[sig] = [
                    (c.kind, c.canonical, c.strength, c.common, c.rule) for c in doc.cands[n0:]
                ]
            else:
                for kind, canonical, strength, common, rule in done:
                    doc.cands.append(
                        Cand(start, end, word, kind, canonical, strength, 1, common, rule)
                    )
            return
        toks = [tok]
    else:
        toks = [_Tok(m.group(), m.start(), m.end()) for m in _IN_RUN_RE.finditer(text, start, end)]
        if not toks:
            return
    ctx = _context(text, start, end)
    # Fast path: the whole run is a known name ("Bosnia and Herzegovina", "Bank of England").
    if len(toks) > 1:
        whole = _lookup(doc, toks, ctx.initial)
        if whole is not None:
            doc.cands.append(_team(doc, whole, ctx))
            return
    run_last = toks[-1].text
    pieces: list[list[_Tok]] = [[]]
    before: list[str] = [ctx.prev]  # the connector before each piece
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
    key = (surface, initial, ntok == 1)
    memo = doc.memo
    if key in memo:
        hit = memo[key]
    else:
        hit = memo[key] = _name_hit(doc.lex, surface, initial, ntok == 1)
    if hit is None:
        return None
    return Cand(s, e, surface, hit[0], hit[1], hit[2], ntok, rule=hit[3])


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
    lex = doc.lex
    initial = ctx.initial
    # Edges that are never names: weekdays, months, pronouns.
    while toks and toks[0].text in T.NEVER:
        toks = toks[1:]
        initial = False
    while toks and (
        toks[-1].text in T.NEVER
        or toks[-1].text in _CONNECTORS
        or _is_plural_acronym(toks[-1].text)
    ):
        toks = toks[:-1]  # "... Thursday", "Labour MPs"
    if not toks:
        return
    whole = _lookup(doc, toks, initial)
    if whole is None and sum(1 for t in toks if t.text not in _CONNECTORS) > _MAX_NAME_WORDS:
        return  # a Title Case line or a menu ("Android Youtube Satellite Coverage ...")
    if whole is not None:
        doc.cands.append(_team(doc, whole, ctx))
        return
    # A capitalised common word opening a sentence is not a name ("Maybe", "Once", "Read").
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
                return
            whole = _lookup(doc, toks, False)
            if whole is not None:
                doc.cands.append(whole)
                return
    if toks[0].text == "The" and len(toks) > 1:
        toks = toks[1:]
        whole = _lookup(doc, toks, False)
        if whole is not None:
            doc.cands.append(whole)
            return
    n = len(toks)
    # "Peter Salama Executive Director of the WHO ...": a name, then a title, in one run.
    if n > 3 and toks[0].text in lex.given_names:
        for k in range(2, n - 1):
            w = toks[k].text
            if w in T.PERSON_TITLES or (w in T.TITLES and toks[k + 1].text in T.PERSON_TITLES):
                _classify_core(doc, toks[:k], ctx, person_cue=True)
                after = _Ctx(False, "", "", ctx.next, ctx.possessive, ctx.score)
                _classify_piece(doc, toks[k:], after)
                return
    # "Executive Director of the WHO Health Emergencies Programme": the title is not the name.
    if (
        n > 3
        and (toks[0].text in T.TITLES or toks[0].text in T.PERSON_TITLES)
        and (toks[-1].text in T.ORG_SUFFIXES or toks[-1].text in T.MISC_SUFFIXES)
    ):
        k = 0
        while k < n and (toks[k].text in T.TITLES or toks[k].text in T.PERSON_TITLES):
            k += 1
        if k < n - 1 and toks[k].text in ("of", "for"):
            k += 1
            while k < n and toks[k].text in _CONNECTORS:
                k += 1
            if k < n:
                _classify_piece(doc, toks[k:], _Ctx(False, "of", "", ctx.next, ctx.possessive))
                return
    last = toks[-1].text
    headed = n > 1 and (
        last in T.ORG_SUFFIXES
        or last in T.LOC_SUFFIXES
        or last in T.MISC_SUFFIXES
        or any(  # "Syrian Center for Policy Research": the nationality is part of the name
            t.text in ("of", "for") and toks[j - 1].text in T.ORG_OF_HEADS
            for j, t in enumerate(toks)
            if j > 1
        )
    )
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
        k = 0
        while k < n - 1:
            if k + 1 < n - 1 and doc.text[toks[k].start : toks[k + 1].end] in lex.demonyms:
                k += 2
            elif toks[k].text in lex.demonyms or _is_country(doc, toks[k].text):
                k += 1
            else:
                break
        if k:
            _emit_prefix(doc, toks[:k])
            _classify_core(doc, toks[k:], ctx, person_cue=False)
            return
    _classify_core(doc, toks, ctx, person_cue=False)


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
    lex = doc.lex
    while toks and toks[0].text in _CONNECTORS:
        toks = toks[1:]
    if not toks:
        return
    words = [t.text for t in toks if t.text not in _CONNECTORS]
    n = len(words)
    first, last = words[0], words[-1]
    whole = _lookup(doc, toks, False)
    if whole is not None:
        doc.cands.append(whole)
        return
    if n >= 2 and first in T.DIRECTIONS:
        rest = _lookup(doc, toks[1:], False)
        if rest is not None and rest.kind == "location":
            _emit(doc, toks, "location", STRONG, "direction")
            return
        if rest is not None and rest.kind == "misc":
            _emit(doc, toks, "misc", STRONG, "direction-demonym")  # "West German"
            return
    if all(w in T.TITLES or w in lex.demonyms or w in T.DIRECTIONS for w in words):
        _emit_prefix(doc, toks)  # "British Foreign", "Prime": titles and nationalities only
        return
    if n >= 2:
        if last in T.MISC_SUFFIXES:
            _emit(doc, toks, "misc", PATTERN, "misc-suffix")
            return
        of_heads = [toks[i - 1].text for i, t in enumerate(toks) if t.text in ("of", "for")]
        if last in T.ORG_SUFFIXES or any(h in T.ORG_OF_HEADS for h in of_heads):
            _emit(doc, toks, "org", PATTERN, "org-suffix")
            return
        if (
            last in T.LOC_SUFFIXES
            or first in T.LOC_PREFIXES
            or any(h in T.LOC_OF_HEADS for h in of_heads)
        ):
            _emit(doc, toks, "location", PATTERN, "loc-suffix")
            return
        if any(t.text == "&" or "&" in t.text for t in toks):
            _emit(doc, toks, "org", PATTERN, "ampersand")
            return
    if first.isupper() and all(w.isupper() and w.lower() in lex.words for w in words):
        return  # "CRUDE OIL", "ISSUER", "IN": shouting, not an acronym
    if n == 1 and _is_plural_acronym(first):
        return  # "MPs", "NGOs", "PCs": a plural, not a name
    if is_acronym(first) and first not in T.ACRONYM_STOP:
        if n >= 2 and _split_known(doc, toks, ctx):
            return  # "BBC Michael Howard", "AFP Bashar Assad": a credit run into a name
        if n == 1 and len(first) > 5 and first.isalpha():
            folded = lex.places_folded.get(first.casefold())
            if folded is not None:
                doc.cands.append(
                    Cand(
                        toks[0].start,
                        toks[0].end,
                        first,
                        "location",
                        folded.canonical,
                        STRONG,
                        rule="caps-place",
                    )
                )
                return
        _emit(doc, toks, "org", PATTERN, "acronym")
        return
    if person_cue:
        _emit(doc, toks, "person", PATTERN, "title")
        return
    if n >= 2 and last in lex.demonyms and toks[-1].text == last:
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
        head = _lookup(doc, toks[:1], False)
        if (
            head is not None
            and head.strength == STRONG
            and first not in lex.given_names
            and all(lex.is_word(w) or w in lex.demonyms for w in words[1:])
        ):
            doc.cands.append(head)  # "Hezbollah Syrian Army Kill", "Aleppo Eight"
            _classify_core(doc, toks[1:], ctx, person_cue=False)
            return
        places = [_lookup(doc, [t], False) for t in toks]
        if all(p is not None and p.kind == "location" for p in places):
            doc.cands.extend(p for p in places if p is not None)  # "Aleppo Syria"
            return
        namey = all(not lex.is_word(w) and w not in lex.places and not w.isupper() for w in words)
        if namey and n <= 3:
            _emit(doc, toks, "person", WEAK, "namey")
            return
        if ctx.next in T.SAY_VERBS and not common:
            _emit(doc, toks, "person", WEAK, "say-multi")
            return
        _emit(doc, toks, "org", WEAK, "multi-default")
        return
    # A single word.
    w = first
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
    if ctx.prev in T.MISC_CUES_BEFORE and not ctx.prev_punct:
        _emit(doc, toks, "misc", PATTERN, "work-cue")
        return True
    versus = ctx.next in ("v", "vs") or ctx.prev in ("v", "vs")
    if (
        versus or (ctx.score and _results_line(doc, toks[0].start, toks[-1].end))
    ) and not _person_like(doc, toks):
        _emit(doc, toks, "org", PATTERN, "team")
        return True
    return False


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
    return out


def _resolve_document(doc: _Doc) -> None:
    cands = doc.cands
    lex = doc.lex
    known: dict[str, tuple[EntityKind, str]] = {}
    for level in (STRONG, PATTERN):
        for c in cands:
            if c.strength == level and c.kind is not None and c.surface not in known:
                known[c.surface] = (c.kind, c.canonical)
    people: dict[str, set[str]] = {}
    org_heads: dict[str, set[str]] = {}
    _bare_possessives(doc, known, people)  # names: "Bashar al-Assads" -> "Bashar al-Assad"
    for c in cands:
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
    _link_acronyms(doc, known)
    _bare_possessives(doc, known, people)  # surnames: "Lavrovs" -> "Lavrov"
    # What the words around a name say ("the band Franz Ferdinand", "the film Vera Drake",
    # "the town of Hass") beats what a list of first names says, for every mention of it.
    by_context = {c.surface: c for c in cands if c.rule in _CONTEXT_RULES}
    if by_context:
        for c in cands:
            ctx_hit = by_context.get(c.surface)
            if ctx_hit is not None and c.rule in _NAME_LIST_RULES:
                c.kind, c.canonical, c.rule = ctx_hit.kind, ctx_hit.canonical, ctx_hit.rule
                known[c.surface] = (ctx_hit.kind or "misc", ctx_hit.canonical)
    for c in cands:
        # Within one article a shortened name is always the full one, when only one fits:
        # "Erdogan" (even as "President Erdogan") is Recep Tayyip Erdogan.
        if (
            (c.kind in ("person", None) or c.rule == "company")
            and c.strength < STRONG
            and c.rule != "title"
        ):
            key = c.surface
            if " " not in key:
                for prefix in _ARTICLES:
                    if key.startswith(prefix):
                        key = key[len(prefix) :]
            full = people.get(key)
            if full is not None and len(full) == 1:
                name = next(iter(full))
                if name.count(" ") > c.surface.count(" "):
                    c.kind, c.canonical, c.strength = "person", name, PATTERN
                    c.rule += "+surname"
                    continue
        elif c.kind == "person" and c.rule == "title":
            full = people.get(c.surface)
            if full is not None and len(full) == 1:
                name = next(iter(full))
                if name.count(" ") > c.surface.count(" "):
                    c.canonical = name  # "President Erdogan" is Recep Tayyip Erdogan
                    c.rule += "+surname"
                    continue
        if c.kind in ("person", None) and c.strength < STRONG and c.rule != "title":
            orgs = org_heads.get(c.surface)
            if orgs is not None and len(orgs) == 1 and c.surface not in people:
                c.kind, c.canonical, c.strength = "org", next(iter(orgs)), PATTERN
                c.rule += "+org-head"
                continue
        if c.strength >= PATTERN and not (c.ntok == 1 and c.kind == "location"):
            continue
        if c.strength == STRONG:
            full = people.get(c.surface)
            if full is not None and len(full) == 1:
                place = lex.places.get(c.surface)
                if place is not None and place.rank <= 4:
                    c.kind, c.canonical, c.strength = "person", next(iter(full)), PATTERN
                    c.rule = "surname-over-place"
            continue
        hit = known.get(c.surface)
        if hit is not None:
            c.kind, c.canonical = hit
            c.strength = PATTERN
            c.rule += "+doc"
            continue
        if c.ntok == 1:
            key = c.surface
            for prefix in _ARTICLES[:4]:
                if key.startswith(prefix):
                    key = key[len(prefix) :]
            full = people.get(key)
            if full is not None and c.kind is None:
                c.kind, c.strength = "person", WEAK
                c.rule += "+surname?"
                continue
        if c.common or c.strength == 0:
            c.kind = None
    for c in cands:
        if (
            c.kind == "person"
            and c.strength == WEAK
            and c.canonical == c.surface
            and " " not in c.surface
            and c.surface in lex.given_names
            and c.surface not in lex.surnames
            and "+surname" not in c.rule
        ):
            c.kind = None  # a lone given name ("Ahmed, 24, said") identifies nobody


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
