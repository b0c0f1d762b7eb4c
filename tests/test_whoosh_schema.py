"""The schema: field names in one place, analysers that behave as documented."""

from __future__ import annotations

from searchlib.backends.whoosh import schema as sf


def test_every_named_field_is_in_the_schema() -> None:
    names = set(sf.build_schema().names())
    fixed = {sf.ID, sf.HASH, sf.ORIGIN, sf.TITLE, sf.BODY, sf.SPELL, sf.DATE, sf.DAY, sf.DATE_SORT}
    fixed.add(sf.DUP_SIG)
    stored = {sf.TAGS, sf.RELATED, sf.ENTITIES, sf.URL, sf.SOURCE}
    facets = {f for pair in sf.FACET_FIELDS.values() for f in pair}
    assert fixed | stored | facets == names
    assert set(sf.QUERY_FIELDS.values()) <= names


def test_title_is_boosted_and_body_stored() -> None:
    schema = sf.build_schema()
    assert schema[sf.TITLE].format.field_boost == sf.TITLE_BOOST > 1
    assert schema[sf.BODY].stored and schema[sf.TITLE].stored


def test_text_analyzer_stems_folds_and_drops_stop_words() -> None:
    tokens = [t.text for t in sf.text_analyzer()("The militants exited Genève")]
    assert tokens == ["milit", "exit", "genev"]


def test_plain_analyzer_keeps_words_whole() -> None:
    assert [t.text for t in sf.plain_analyzer()("The Militants exited Genève")] == [
        "the",
        "militants",
        "exited",
        "geneve",
    ]


def test_spell_text_matches_the_plain_analyzer() -> None:
    text = "Réunion à Genève: U.S. officials said 3.5 Aleppo's Al-Nusra said"
    expected = list(dict.fromkeys(t.text for t in sf.plain_analyzer()(text)))
    assert sf.spell_text(text).split() == expected


def test_facet_analyzer_keeps_exact_values() -> None:
    joined = sf.VALUE_SEPARATOR.join(["Sergey Lavrov", "Staffan de Mistura"])
    assert [t.text for t in sf.facet_analyzer()(joined)] == ["Sergey Lavrov", "Staffan de Mistura"]


def test_the_signature_column_matches_dedup() -> None:
    from searchlib import dedup

    assert sf.SIGNATURE_BYTES == 4 * dedup.NUM_PERM
    assert dedup.to_bytes(dedup.signature("", "")) == sf.EMPTY_SIGNATURE
