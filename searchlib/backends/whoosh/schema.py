"""The Whoosh schema, and every field name, in one place.

Each concept has up to three representations in the index:

* a **searchable** field, analysed (``title``, ``body``, and the entity/tag/source text fields
  so that ``person:lavrov`` or ``tag:syria`` match case-insensitively, word by word);
* a **facet** field (``f_person``...) holding each exact canonical value as one term: facet
  counts, exact filters and display names all come from its terms;
* **stored** values, returned with each hit.

Each article's near-duplicate signature (:mod:`searchlib.dedup`) is a fixed-width column,
read only for the results that a collapsing search examines.

Dates are a ``DATETIME`` (for ranges), a sortable day number (``date_sort``: the proleptic
ordinal, 0 for undated articles so they sort last), and a ``f_day`` keyword (``YYYY-MM-DD``)
from which the histogram counts any bucket width without range queries.
"""

from __future__ import annotations

from whoosh import columns, fields
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

from ... import text as tx

SCHEMA_VERSION = 2
"""Bumped whenever the schema changes in a way an existing index cannot be read with."""

# Identity and bookkeeping
ID = "id"
HASH = "hash"
ORIGIN = "origin"

# Searchable text
TITLE = "title"
BODY = "body"
SPELL = "spell"

# Dates
DATE = "date"
DAY = "f_day"
DATE_SORT = "date_sort"

# Near-duplicate detection: each article's MinHash signature, a fixed-width column
DUP_SIG = "dup_sig"

# Stored-only structured values
TAGS = "s_tags"
RELATED = "s_related"
ENTITIES = "s_entities"
URL = "s_url"
SOURCE = "s_source"

#: The user-visible facet names mapped to (searchable field, facet field).
FACET_FIELDS: dict[str, tuple[str, str]] = {
    "person": ("person", "f_person"),
    "org": ("org", "f_org"),
    "location": ("location", "f_location"),
    "misc": ("misc", "f_misc"),
    "tag": ("tag", "f_tag"),
    "source": ("source_text", "f_source"),
}

#: Fields a query may name (``title:aleppo``), mapped to the schema field searched.
QUERY_FIELDS: dict[str, str] = {
    "title": TITLE,
    "body": BODY,
    "date": DATE,
    "id": ID,
    **{name: pair[0] for name, pair in FACET_FIELDS.items()},
}

#: Fields searched by words without a field name.
DEFAULT_FIELDS: tuple[str, ...] = (TITLE, BODY)

#: How much more a match in the title counts than one in the body.
TITLE_BOOST = 2.0

#: Bytes of a stored near-duplicate signature (``4 * searchlib.dedup.NUM_PERM``), and the
#: stored signature of an article without words (``dedup.to_bytes(dedup.signature("", ""))``:
#: every value 0xFFFFFFFF). Spelled out so that opening an index does not import numpy.
SIGNATURE_BYTES = 4 * 126
EMPTY_SIGNATURE = b"\xff" * SIGNATURE_BYTES

#: Separator between the values of a multi-valued facet field.
VALUE_SEPARATOR = "\x1f"


def text_analyzer() -> Analyzer:
    """Title and body: words, lower-cased, de-accented, stop words removed, Porter-stemmed."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter()
        | StemFilter()
    )


def plain_analyzer() -> Analyzer:
    """Words, lower-cased and de-accented, no stemming and no stop words (names, spelling)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


WORD = tx.WORD
"""How the analysers split text into words (the engine-free :data:`searchlib.text.WORD`)."""

fold = tx.fold
spell_text = tx.spell_text


def facet_analyzer() -> Analyzer:
    """Exact values separated by :data:`VALUE_SEPARATOR`, case kept."""
    return RegexTokenizer(expression=f"[^{VALUE_SEPARATOR}]+")


def build_schema() -> fields.Schema:
    """The schema of a searchlib index (version :data:`SCHEMA_VERSION`)."""
    names = {
        pair[0]: fields.TEXT(analyzer=plain_analyzer(), phrase=True)
        for pair in FACET_FIELDS.values()
    }
    facets = {
        pair[1]: fields.TEXT(analyzer=facet_analyzer(), phrase=False)
        for pair in FACET_FIELDS.values()
    }
    return fields.Schema(
        **{
            ID: fields.ID(unique=True, stored=True),
            HASH: fields.ID(stored=True),
            ORIGIN: fields.STORED(),
            TITLE: fields.TEXT(analyzer=text_analyzer(), stored=True, field_boost=TITLE_BOOST),
            BODY: fields.TEXT(analyzer=text_analyzer(), stored=True),
            SPELL: fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False),
            DATE: fields.DATETIME(stored=True),
            DATE_SORT: fields.NUMERIC(int, bits=32, sortable=True, default=0),
            DAY: fields.ID(),
            DUP_SIG: fields.COLUMN(
                columns.FixedBytesColumn(SIGNATURE_BYTES, default=EMPTY_SIGNATURE)
            ),
            SOURCE: fields.STORED(),
            URL: fields.STORED(),
            TAGS: fields.STORED(),
            RELATED: fields.STORED(),
            ENTITIES: fields.STORED(),
            **names,
            **facets,
        }
    )


def is_compatible(schema: fields.Schema) -> bool:
    """True when an existing index's schema has every field this version of searchlib needs."""
    expected = build_schema()
    return all(name in schema for name in expected.names())


__all__ = [
    "BODY",
    "DATE",
    "DAY",
    "DEFAULT_FIELDS",
    "FACET_FIELDS",
    "QUERY_FIELDS",
    "SCHEMA_VERSION",
    "TITLE",
    "build_schema",
    "is_compatible",
]
