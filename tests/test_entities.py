"""Tests for searchlib.entities: the seed's entities, alias merging, the word lists, pickling."""

from __future__ import annotations

import gzip
import itertools
import json
import pickle
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from searchlib.entities import Extractor, Mention, RulesExtractor, default_extractor
from searchlib.entities.lexicon import load_lexicon, norm_key
from searchlib.model import Entity

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "seeds" / "000_8685ec8866dbeeaa.txt"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def clean_seed() -> tuple[str, str]:
    """The seed's title and body as the reader hands them over: no links, no emphasis."""
    raw = SEED_FILE.read_text(encoding="utf-8")
    paras = [p.strip() for p in raw.strip().split("\n\n") if p.strip()]
    title, rest = paras[0], paras[2:]  # paras[1] is the date line
    body = "\n\n".join(p for p in rest if not p.startswith(("Trends ", "Read more ")))
    body = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", body).replace("*", "")
    return title, body


def by_name(entities: Iterable[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


@pytest.fixture(scope="module")
def seed_entities() -> dict[str, Entity]:
    return by_name(default_extractor().extract(*clean_seed()))


# --- the seed ------------------------------------------------------------------------------

SEED_EXPECTED = {
    "person": [
        "Sergey Lavrov",
        "Staffan de Mistura",
        "Angela Merkel",
        "Steffen Seibert",
        "Bashar Assad",
    ],
    "org": ["United Nations", "UN Security Council", "Al-Nusra Front", "RIA Novosti", "TV 2"],
    "location": ["Russia", "Syria", "Aleppo", "East Aleppo", "Idlib", "Moscow", "Iran", "Denmark"],
}


@pytest.mark.parametrize(
    ("kind", "name"), [(k, n) for k, names in SEED_EXPECTED.items() for n in names]
)
def test_seed_entity_present_with_kind(
    seed_entities: dict[str, Entity], kind: str, name: str
) -> None:
    assert name in seed_entities, sorted(seed_entities)
    assert seed_entities[name].kind == kind


@pytest.mark.parametrize(
    "word",
    ["Read", "Trends", "Thursday", "Friday", "Foreign Minister", "Chancellor", "In", "The",
     "Maybe", "Among", "If", "Similar", "Once", "Instead", "He", "Russian Foreign Minister",
     "Government", "Syrian Government", "Lavrov", "Mistura", "Assad", "Seibert", "UN", "Nusra"],
)  # fmt: skip
def test_seed_false_positives_absent(seed_entities: dict[str, Entity], word: str) -> None:
    assert word not in seed_entities


@pytest.mark.parametrize("demonym", ["Syrian", "Russian", "German"])
def test_seed_demonyms_are_not_entities(seed_entities: dict[str, Entity], demonym: str) -> None:
    assert demonym not in seed_entities
    with_misc = by_name(RulesExtractor(misc=True).extract(*clean_seed()))
    assert with_misc[demonym].kind == "misc"  # only when misc entities are asked for


def test_seed_only_expected_people_orgs_places(seed_entities: dict[str, Entity]) -> None:
    extra_ok = {"Damascus", "Russian Airforce"}
    for e in seed_entities.values():
        if e.kind == "misc":
            continue
        assert e.name in SEED_EXPECTED[e.kind] or e.name in extra_ok, e


def test_seed_aliases_merge(seed_entities: dict[str, Entity]) -> None:
    assert seed_entities["Sergey Lavrov"].aliases == ("Lavrov",)
    assert seed_entities["Sergey Lavrov"].mentions == 6
    assert seed_entities["Staffan de Mistura"].aliases == ("Mistura",)
    assert seed_entities["Bashar Assad"].aliases == ("Assad",)  # "the Assad regime" comes first
    assert seed_entities["Steffen Seibert"].aliases == ("Seibert",)
    assert seed_entities["United Nations"].aliases == ("UN",)
    nusra = seed_entities["Al-Nusra Front"]
    assert set(nusra.aliases) == {"Al Nusra", "Al-Nusra", "Nusra", "Jabhat Al-Nusra"}
    assert nusra.mentions == 7  # title, "Al-Nusra Front", 'Nusra', 4 x Al-Nusra (one "Jabhat")


def test_seed_order_of_first_appearance() -> None:
    names = [e.name for e in default_extractor().extract(*clean_seed())]
    assert names.index("Russia") < names.index("United Nations") < names.index("Aleppo")
    # "Assad" first appears in "the Assad regime", before "Damascus" and "Bashar Assad".
    assert names.index("Bashar Assad") < names.index("Damascus")


def test_seed_title_only() -> None:
    title, _ = clean_seed()
    got = by_name(default_extractor().extract(title, ""))
    assert got["Russia"].kind == "location"
    assert got["Al-Nusra Front"].aliases == ("Al Nusra",)
    assert got["Aleppo"].kind == "location"
    assert got["United Nations"].kind == "org"


# --- merging rules -------------------------------------------------------------------------


def test_surname_never_guessed_across_articles() -> None:
    ex = default_extractor()
    alone = by_name(ex.extract("Assad meets envoy", "Assad said on Monday that talks would go on."))
    assert "Assad" in alone and "Bashar Assad" not in alone
    assert alone["Assad"].kind == "person"
    full = by_name(ex.extract("Assad meets envoy", "Syrian President Bashar Assad said so."))
    assert full["Bashar Assad"].aliases == ("Assad",)
    assert full["Bashar Assad"].mentions == 2


def test_ambiguous_surname_stays_apart() -> None:
    text = "Hafez Assad ruled until 2000. His son Bashar Assad succeeded him. Assad said no."
    got = by_name(default_extractor().extract("", text))
    assert {"Hafez Assad", "Bashar Assad"} <= set(got)
    assert "Assad" in got  # two candidates: no guess
    assert got["Hafez Assad"].aliases == () and got["Bashar Assad"].aliases == ()


def test_acronym_defined_in_parentheses() -> None:
    body = (
        "The Northern Grain Marketing Board (NGMB) raised prices on Monday. "
        "Officials at the NGMB said the rise was needed."
    )
    got = by_name(default_extractor().extract("", body))
    board = got["Northern Grain Marketing Board"]
    assert board.kind == "org"
    assert board.aliases == ("NGMB",)
    assert board.mentions == 3
    assert "NGMB" not in got


def test_acronym_from_initials_within_article() -> None:
    body = "Fighters of the Syrian Democratic Forces advanced. The SDF said the town fell."
    got = by_name(default_extractor().extract("", body))
    assert got["Syrian Democratic Forces"].aliases == ("SDF",)


def test_possessives_and_curated_aliases() -> None:
    body = "Russia's envoy met the UN's envoy and U.S. officials in Britain. The US said no."
    got = by_name(default_extractor().extract("", body))
    assert got["Russia"].kind == "location"
    assert got["United Nations"].aliases == ("UN",)
    assert got["United States"].aliases == ("U.S.", "US")
    assert got["United Kingdom"].aliases == ("Britain",)


def test_titles_are_stripped_and_cue_people() -> None:
    body = "Foreign Minister Sergey Lavrov met Health Minister Olivier Veran and Mr Qwertyuiop."
    ms = default_extractor().mentions(body)
    assert [(m.kind, m.text) for m in ms] == [
        ("person", "Sergey Lavrov"),
        ("person", "Olivier Veran"),
        ("person", "Qwertyuiop"),
    ]


def test_upper_case_headline_uses_gazetteer_and_document() -> None:
    text = "RUSSIA BACKS LAVROV PLAN FOR ALEPPO\n\nSergey Lavrov said Moscow was ready."
    got = by_name(default_extractor().extract("", text))
    assert got["Russia"].kind == "location"
    assert got["Aleppo"].kind == "location"
    assert got["Sergey Lavrov"].aliases == ("LAVROV",)
    assert "PLAN" not in got and "BACKS" not in got


def test_sentence_initial_common_words_are_not_entities() -> None:
    body = "Trends in Aleppo. Read more here. Maybe later. However, Moscow agreed. Turkey did too."
    got = by_name(default_extractor().extract("", body))
    assert set(got) == {"Aleppo", "Moscow", "Turkey"}


def test_misc_is_off_by_default_and_can_be_asked_for() -> None:
    title, body = clean_seed()
    assert {e.kind for e in default_extractor().extract(title, body)} == {
        "person",
        "org",
        "location",
    }
    ex = RulesExtractor(misc=True)
    assert {e.kind for e in ex.extract(title, body)} == {"person", "org", "location", "misc"}
    assert ex.name != default_extractor().name  # different output, different identity


def test_empty_text_gives_nothing() -> None:
    ex = default_extractor()
    assert ex.extract("", "") == ()
    assert ex.extract("  ", "\n\n") == ()
    assert ex.mentions("") == []
    assert ex.extract("the end", "nothing capitalised here at all.") == ()


# --- mentions ------------------------------------------------------------------------------


def test_mentions_are_exact_sorted_and_disjoint() -> None:
    title, body = clean_seed()
    text = f"{title}\n\n{body}"
    ms = default_extractor().mentions(text)
    assert ms and all(isinstance(m, Mention) for m in ms)
    for a, b in itertools.pairwise(ms):
        assert a.end <= b.start
    for m in ms:
        assert text[m.start : m.end] == m.text
        assert not m.text.endswith(("'s", "'"))
    assert ("location", "Russia") in {(m.kind, m.text) for m in ms}  # from "Russia's"


# --- the protocol, pickling, threads -------------------------------------------------------


def test_default_extractor_contract() -> None:
    ex = default_extractor()
    assert isinstance(ex, Extractor)
    assert isinstance(ex.name, str) and ex.name
    assert default_extractor() == ex  # cheap, stateless, equal


def test_protocol_accepts_a_plain_class() -> None:
    class Fixed:
        name = "fixed-1"

        def extract(self, title: str, body: str) -> tuple[Entity, ...]:
            return (Entity("person", title),)

    ex: Extractor = Fixed()
    assert isinstance(ex, Extractor)
    assert ex.extract("Ann", "") == (Entity("person", "Ann"),)


def test_pickle_round_trip() -> None:
    ex = default_extractor()
    data = pickle.dumps(ex)
    assert len(data) < 200  # the word lists are not pickled
    clone = pickle.loads(data)
    assert clone == ex
    assert clone.extract(*clean_seed()) == ex.extract(*clean_seed())


def test_thread_safe() -> None:
    ex = default_extractor()
    title, body = clean_seed()
    expected = ex.extract(title, body)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: ex.extract(title, body), range(16)))
    assert all(r == expected for r in results)


# --- the word lists ------------------------------------------------------------------------


def test_gazetteer_size_and_content() -> None:
    lex = load_lexicon()
    countries = {p.canonical for p in lex.places.values() if p.cls == "country"}
    cities = {p.canonical for p in lex.places.values() if p.cls in ("city", "capital")}
    big = {p.canonical for p in lex.places.values() if p.population >= 100_000}
    assert len(countries) >= 190
    assert len(cities) >= 20_000
    assert len(big) >= 4_000
    for name in ("Aleppo", "Idlib", "Moscow", "Damascus", "Denmark", "Iran", "Asia"):
        assert name in lex.places, name
    assert lex.places["Kiev"].canonical == "Kyiv"
    assert lex.places["U.S."].canonical == "United States"
    assert len(lex.given_names) >= 20_000
    assert len(lex.surnames) >= 30_000
    assert len(lex.words) >= 50_000
    assert "Syrian" in lex.demonyms and "Syrians" in lex.demonyms
    assert lex.known[norm_key("Jabhat al-Nusra")].canonical == "Al-Nusra Front"


def test_norm_key() -> None:
    assert norm_key("Al-Nusra") == norm_key("al Nusra") == "al nusra"
    assert norm_key("U.S.") == "US" != norm_key("us")
    assert norm_key("IS") != norm_key("is")


# --- real news (skipped without ../shared/corpora) -------------------------------------------


def corpus(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def load_jsonl(path: Path, ids: set[str]) -> dict[str, dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    out = {}
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["id"] in ids:
                out[rec["id"]] = rec
    return out


def test_fakes_article() -> None:
    recs = load_jsonl(corpus("fa-kes", "fa-kes.jsonl"), {"fakes-0001"})
    a = recs["fakes-0001"]
    got = by_name(RulesExtractor(misc=True).extract(a["title"], a["body"]))
    assert got["World Health Organization"].kind == "org"
    assert "WHO" in got["World Health Organization"].aliases
    assert got["Bashar Assad"].kind == "person"
    for place in ("Syria", "United States", "Russia", "Idlib", "Damascus"):
        assert got[place].kind == "location", place
    assert got["Syrian"].kind == "misc"


def test_bbc_articles() -> None:
    recs = load_jsonl(corpus("bbc", "bbc.jsonl.gz"), {"bbc-politics-205", "bbc-sport-288"})
    a = recs["bbc-politics-205"]
    got = by_name(default_extractor().extract(a["title"], a["body"]))
    assert got["Desmond Tutu"].kind == "person"
    assert got["Jack Straw"].kind == "person"
    assert got["Guantanamo Bay"].kind == "location"
    assert got["Home Office"].kind == "org"
    assert got["United Kingdom"].kind == "location"
    b = recs["bbc-sport-288"]
    got = by_name(default_extractor().extract(b["title"], b["body"]))
    assert got["Josh Lewsey"].kind == "person"
    assert "Lewsey" in got["Josh Lewsey"].aliases  # the title's "Lewsey puzzle over ..."
    assert got["Ireland"].kind == "location"


def test_fakes_no_title_case_noise() -> None:
    """FA-KES bodies start with their Title Case headline; its words must not become names."""
    recs = load_jsonl(corpus("fa-kes", "fa-kes.jsonl"), {"fakes-0583", "fakes-0783"})
    ex = default_extractor()
    a = recs["fakes-0783"]  # "Child killed 9 Civilians Injured in Terrorist Attacks in ..."
    got = by_name(ex.extract(a["title"], a["body"]))
    assert got["Damascus"].kind == got["Aleppo"].kind == "location"
    assert got["Al-Nusra Front"].kind == "org"
    for noise in ("Civilians Injured", "Terrorist Attacks", "Damascus & Aleppo", "Aleppo Eight"):
        assert noise not in got
    b = recs["fakes-0583"]  # "Hezbollah Syrian Army Kill 2 Al-Nusra Front Commanders in ..."
    got = by_name(ex.extract(b["title"], b["body"]))
    assert got["Hezbollah"].kind == "org"
    assert got["Al-Nusra Front"].kind == "org"
    assert got["Qalamoun"].kind == "location"  # "in Qalamoun", "Syrias Qalamoun region"
    assert not any("Kill" in name or "Syrias" in name for name in got)


def test_wire_copy_dates_and_sign_offs() -> None:
    """Reuters writes dates in capitals and signs off 'Reuter': no false people or orgs."""
    got = by_name(
        default_extractor().extract(
            "SHARES RISE ON MONDAY, APRIL 3",
            "The company said earnings would rise in APR 1987.\n\nREUTER",
        )
    )
    assert not {"MONDAY", "APRIL", "APR", "Reuter", "REUTER"} & set(got)
    assert got["Reuters"].kind == "org"


def test_names_with_and_from_the_alias_table() -> None:
    got = by_name(
        default_extractor().extract(
            "", "The Securities and Exchange Commission said. The SEC agreed."
        )
    )
    assert got["Securities and Exchange Commission"].aliases == ("SEC",)
    assert "Exchange Commission" not in got
