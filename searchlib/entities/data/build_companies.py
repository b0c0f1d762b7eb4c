"""Build ``companies.tsv.gz``, the company lexicon, from US exchange listings (run by hand).

Not used at run time. Inputs are the CSV files of three Data Packages published under the Open
Data Commons Public Domain Dedication and License (see ``SOURCES.md`` for the exact commits and
checksums)::

    python searchlib/entities/data/build_companies.py \\
        nasdaq-listed.csv other-listed.csv constituents.csv

Each listed security that is a company's stock (not an ETF, fund, note, warrant, right, unit,
preferred share or depositary receipt of a fund) gives its company name, cleaned: the share
class ("Common Stock", "Class A Ordinary Shares") and the legal form ("Inc.", "Corporation",
"plc") are dropped, and so is a trailing "Group"/"Holdings"/"Company" when what is left is still
a name ("The Goldman Sachs Group, Inc." -> "Goldman Sachs"). The output has one line per name
form: ``form<TAB>canonical``. The file is sorted and gzipped with a fixed timestamp, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "companies.tsv.gz"

_NOT_A_COMPANY = re.compile(
    r"\b(?:ETF|ETN|ETNs|Fund|Funds|Trust|Notes?|Debentures?|Warrants?|Rights?|Units?|Preferred"
    r"|Depositary Shares? representing|Bonds?|Index|Portfolio|Income Shares|Acquisition"
    r"|SPAC|Subordinated|Perpetual|Series [A-Z]\b|%|Dep Shs|Pfd|repstg|Rpstg|Depositary)",
    re.I,
)
_SHARE = re.compile(
    r"\s*(?:-\s*)?(?:Class [A-Z]\s+)?(?:Common Stock|Ordinary Shares?|Common Shares?|Shares of"
    r" Beneficial Interest|American Depositary Shares?|ADSs?|Sponsored ADR|New|Capital Stock"
    r"|Voting Shares|Subordinate Voting Shares)\b.*$",
    re.I,
)
_LEGAL = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "plc",
    "llc", "lp", "l.p", "n.v", "nv", "s.a", "sa", "ag", "se", "s.p.a", "spa", "ab", "asa",
    "oyj", "holdings", "holding", "group", "the", "de", "cv", "s.a.b", "sab", "bv", "b.v",
}  # fmt: skip
_GENERIC = {"group", "holdings", "holding", "company", "corporation", "companies", "inc"}


def clean(name: str) -> str | None:
    """A listed security's company name as news writes it, or None when it is not a company."""
    name = name.split(" - ")[0]
    if _NOT_A_COMPANY.search(name):
        return None
    name = _SHARE.sub("", name)
    name = re.sub(r"\s*\((?:The|the)\)", "", name)
    name = re.sub(r"^The\s+", "", name)
    name = name.replace(",", " ").replace(" & ", " & ")
    words = name.split()
    while words and (words[-1].rstrip(".").casefold() in _LEGAL or words[-1] in ("&", "and")):
        words.pop()
    if not words:
        return None
    if name.isupper() and len(name) > 5:
        return None  # "ADS-TEC ENERGY PLC": capitals, no spelling to trust
    out = " ".join(words)
    return out if len(out) >= 3 and sum(ch.isalpha() for ch in out) >= 2 else None


def forms(name: str) -> list[str]:
    """The name and its short form without a trailing generic word."""
    out = [name]
    words = name.split()
    while len(words) > 1 and words[-1].casefold() in _GENERIC:
        words.pop()
        out.append(" ".join(words))
    return out


def rows(paths: list[Path]) -> list[tuple[str, str]]:
    """(form, canonical) pairs from the listings, first listing wins a form."""
    seen: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            for rec in csv.DictReader(f):
                if rec.get("ETF") == "Y" or rec.get("Test Issue") == "Y":
                    continue
                raw = rec.get("Security Name") or rec.get("Security") or ""
                name = clean(raw)
                if name is None:
                    continue
                all_forms = forms(name)
                canonical = all_forms[-1]
                for form in all_forms:
                    seen.setdefault(form, canonical)
    return sorted(seen.items())


def main(argv: list[str]) -> int:
    """Write companies.tsv.gz from the CSV files named on the command line."""
    if not argv:
        sys.stderr.write(f"{__doc__}\n")
        return 2
    pairs = rows([Path(a) for a in argv])
    text = "".join(f"{form}\t{canonical}\n" for form, canonical in pairs)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    OUT.write_bytes(buf.getvalue())
    companies = len({c for _, c in pairs})
    sys.stdout.write(f"{len(pairs)} forms, {companies} companies -> {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
