"""Synthetic syndication copies of real articles, made with a fixed seed.

A copy gets a random subset of the edits an outlet makes when it republishes a wire story:

* ``dateline``: a new dateline/outlet prefix on the first paragraph ("BEIRUT (The Daily
  Star) -"), replacing a leading date line when the article has one (FA-KES bodies do);
* ``byline``: a byline paragraph at the top, or a reporting/editing credit at the end;
* ``headline``: the headline tweaked: case changed, an outlet suffix or ``UPDATE 1-`` prefix
  added, a word swapped for a synonym or dropped, or shortened;
* ``reflow``: paragraphs merged or split at sentence ends, lines re-wrapped;
* ``drop``: one paragraph (not the first) removed;
* ``add``: one paragraph from another article of the same corpus inserted (background);
* ``boilerplate``: outlet furniture appended (copyright line, "Read more", follow-us);
* ``words``: light word edits: synonyms, spelling variants, a deleted word, a typo.

``light`` copies get 2-4 of dateline/byline/headline/reflow/boilerplate plus ``words`` at 2 %;
``moderate`` copies get those plus ``drop`` and ``add`` and ``words`` at 5 %.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Sequence

from .labelset import Doc, Pair

OUTLETS = [
    "The Daily Star",
    "Gulf News",
    "The National",
    "Asharq Al-Awsat",
    "Hurriyet Daily News",
    "The Straits Times",
    "Irish Times",
    "Toronto Star",
    "Sydney Morning Herald",
    "Khaleej Times",
]
PLACES = ["BEIRUT", "LONDON", "NEW YORK", "AMMAN", "ISTANBUL", "WASHINGTON", "TOKYO", "PARIS"]
NAMES = ["Sarah Jones", "Ahmed Hassan", "Maria Lopez", "John Smith", "Li Wei", "Anna Petrova"]
BOILERPLATE = [
    "Copyright {year} {outlet}. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed.",
    "Follow {outlet} on Twitter and Facebook for the latest news.",
    "Read more: {other}",
    "Click here to subscribe to our daily newsletter.",
    "This story has been corrected to fix a typographical error.",
    "({outlet} contributed to this report.)",
]
SYNONYMS = {
    "said": "says",
    "says": "said",
    "killed": "left dead",
    "kill": "slay",
    "big": "large",
    "large": "big",
    "buy": "purchase",
    "bought": "purchased",
    "rise": "increase",
    "rose": "increased",
    "fell": "declined",
    "fall": "decline",
    "about": "around",
    "around": "about",
    "government": "administration",
    "company": "firm",
    "firm": "company",
    "shares": "stock",
    "announced": "said",
    "also": "additionally",
    "people": "persons",
    "children": "kids",
    "attack": "assault",
    "city": "town",
    "near": "close to",
    "percent": "per cent",
    "pct": "percent",
    "dlrs": "dollars",
    "mln": "million",
    "organization": "organisation",
    "organisation": "organization",
    "program": "programme",
    "center": "centre",
    "labor": "labour",
    "defense": "defence",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "first": "1st",
    "Syrian": "Syria's",
    "U.S.": "US",
    "US": "U.S.",
}
_SENT_END = re.compile(r"(?<=[.!?])\s+")
_LEADING_DATE = re.compile(
    r"^\s*(?:(?:Date of publication|Published|Last updated at|Posted)\s+)?"
    r"(?:[A-Z][a-z]{2,8},?\s+)?(?:\d{1,2}[ -./])?(?:[A-Z][a-z]{2,8}|\d{1,2})[ -./]\d{1,4}"
    r"(?:[ -./]?\d{2,4})?\s*"
)


def paragraphs(body: str) -> list[str]:
    """The paragraphs of a body; a single-paragraph body is cut into runs of 2-3 sentences."""
    paras = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    if len(paras) == 1:
        sents = _SENT_END.split(paras[0])
        paras = [" ".join(sents[i : i + 3]) for i in range(0, len(sents), 3)]
    return paras


def _edit_words(text: str, rate: float, rng: random.Random) -> str:
    """Edit about ``rate`` of the words: a synonym when there is one, else a deletion or a typo
    (half each)."""
    out: list[str] = []
    for tok in text.split(" "):
        core = tok.strip(".,;:\"'()")
        if not core or rng.random() >= rate:
            out.append(tok)
        elif core in SYNONYMS and rng.random() < 0.7:
            out.append(tok.replace(core, SYNONYMS[core]))
        elif rng.random() < 0.5:
            continue  # deleted
        elif len(core) > 4 and core.isalpha():
            i = rng.randrange(1, len(core) - 2)
            out.append(tok.replace(core, core[:i] + core[i + 1] + core[i] + core[i + 2 :]))
        else:
            out.append(tok)
    return " ".join(out)


def _headline(title: str, outlet: str, rng: random.Random) -> str:
    ops = ["case", "suffix", "update", "synonym", "drop", "shorten", "keep"]
    op = rng.choice(ops)
    ws = title.split()
    if op == "case":
        return title.title() if title.isupper() else title.upper()
    if op == "suffix":
        return f"{title} - {outlet}"
    if op == "update":
        return f"UPDATE {rng.randint(1, 3)}-{title}"
    if op == "synonym":
        swaps = [i for i, w in enumerate(ws) if w in SYNONYMS or w.lower() in SYNONYMS]
        if swaps:
            i = rng.choice(swaps)
            ws[i] = SYNONYMS.get(ws[i], SYNONYMS.get(ws[i].lower(), ws[i]))
            return " ".join(ws)
        return f"{title} | {outlet}"
    if op == "drop" and len(ws) > 3:
        del ws[rng.randrange(1, len(ws))]
        return " ".join(ws)
    if op == "shorten" and len(ws) > 5:
        return " ".join(ws[: max(3, len(ws) * 2 // 3)])
    return title


def make_copy(
    doc: Doc, others: Sequence[Doc], level: str, rng: random.Random, n: int
) -> tuple[Doc, list[str]]:
    """One synthetic copy of ``doc`` and the names of the edits applied."""
    outlet = rng.choice(OUTLETS)
    paras = paragraphs(doc.body)
    basic = ["dateline", "byline", "headline", "reflow", "boilerplate"]
    edits = rng.sample(basic, rng.randint(2, 4))
    if level == "moderate":
        edits += ["drop", "add"]
    edits.append("words")
    title = doc.title
    other = rng.choice(others)
    if "add" in edits:
        extra = paragraphs(other.body)
        if extra:
            paras.insert(rng.randint(1, len(paras)), rng.choice(extra))
    if "drop" in edits and len(paras) >= 3:
        del paras[rng.randrange(1, len(paras))]
    rate = 0.02 if level == "light" else 0.05
    paras = [_edit_words(p, rate, rng) for p in paras]
    if "dateline" in edits and paras:
        first = _LEADING_DATE.sub("", paras[0], count=1)
        paras[0] = f"{rng.choice(PLACES)} ({outlet}) - {first}"
    if "byline" in edits:
        name = rng.choice(NAMES)
        if rng.random() < 0.5:
            paras.insert(0, f"By {name}, {outlet}")
        else:
            paras.append(f"(Reporting by {name}; Editing by {rng.choice(NAMES)})")
    if "boilerplate" in edits:
        for line in rng.sample(BOILERPLATE, rng.randint(1, 2)):
            paras.append(
                line.format(year=rng.randint(1987, 2018), outlet=outlet, other=other.title)
            )
    if "headline" in edits:
        title = _headline(title, outlet, rng)
    if "reflow" in edits and len(paras) >= 2:
        i = rng.randrange(len(paras) - 1)
        paras[i : i + 2] = [paras[i] + " " + paras[i + 1]]
        if rng.random() < 0.5:
            paras = [textwrap.fill(p, width=rng.choice([60, 72, 80])) for p in paras]
    body = "\n\n".join(paras)
    copy = Doc(
        f"{doc.uid}~{level}{n}", doc.corpus, title, body, doc.date, doc.topics, doc.group, outlet
    )
    return copy, edits


def synthetic_pairs(
    docs: Sequence[Doc], count: int, rng: random.Random, exclude: set[str]
) -> list[Pair]:
    """``count`` (original, copy) pairs, half light and half moderate, from articles of 60+
    words that are not in ``exclude``."""
    pool = sorted(
        (d for d in docs if d.uid not in exclude and len(d.body.split()) >= 60 and d.title),
        key=lambda d: d.uid,
    )
    chosen = rng.sample(pool, min(count, len(pool)))
    out = []
    for n, doc in enumerate(chosen):
        level = "light" if n % 2 == 0 else "moderate"
        copy, edits = make_copy(doc, pool, level, rng, n)
        out.append(Pair(doc, copy, True, f"synthetic-{level}", "+".join(edits)))
    return out
