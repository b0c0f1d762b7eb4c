"""The Typesense collection schema, and articles as Typesense documents and back.

Typesense 0.24 neither stems nor drops stop words the way searchlib does, so the terms come
from searchlib's own analysis (:mod:`searchlib.text`), exactly the terms Whoosh indexes:

* ``t_title``, ``t_body``, ``t_text``: each article's distinct text terms (folded, stop words
  dropped, Porter-stemmed) of the title, the body and both, as string arrays: a query's words
  become exact filters on them, so a query matches exactly the articles Whoosh's matches (the
  totals, facets and histogram agree);
* ``title_a``, ``body_a``: the same terms in order, joined by spaces, for Typesense's own
  ranking (``q``) and for phrases;
* ``spell``: the distinct words as written, folded (the spelling lexicon: wildcards,
  "did you mean", completion);
* ``x_person`` ... ``x_source``: a digest of each exact facet value (:func:`value_key`), and
  ``xl_person`` ...: a digest of the value ignoring case. Facet counts and filters use these,
  because Typesense counts and filters facet *strings* after its own normalisation (case and
  punctuation: "Assal al-Ward" and "Assal Al-Ward" would be one value) and not at all past
  about 100 characters; the digests are short and exact. The values behind the digests are kept
  in a small side collection (``COLLECTION__values``, :func:`values_schema`);
* ``f_person`` ... ``f_source``: the values as written (completion and phrases on names), and
  ``w_person`` ... ``w_source``: their folded words (``person:lavrov``);
* ``date_sort`` (day number, 0 undated), ``day`` (``YYYY-MM-DD``) and ``month`` (``YYYY-MM``)
  as facets: the histogram counts days (Typesense 0.24 has no date histogram);
* ``aid`` (the article id; the document id is a digest of it, safe in any URL), ``hash``
  (the content hash), ``key`` (a number from the id: the last tie-breaker of every order).

The original title and body, the entities, tags, related titles, URL, origin and the
near-duplicate signature are stored with the document but not indexed (Typesense keeps
fields outside the schema on disk only), so hits show the text as written and highlighting
stays engine-free.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import numpy as np

from ... import dedup
from ... import text as tx
from ...model import ENTITY_KINDS, FACET_NAMES, Article, Entity

SCHEMA_VERSION = 1
"""Bumped whenever the fields change in a way an existing collection cannot be read with."""

#: The marker field whose name tells a searchlib collection and its schema version.
MARKER = f"searchlib_v{SCHEMA_VERSION}"

#: The facet field and the words field of each facet.
FACET_FIELD: dict[str, str] = {name: f"f_{name}" for name in FACET_NAMES}
KEY_FIELD: dict[str, str] = {name: f"x_{name}" for name in FACET_NAMES}
FOLDED_KEY_FIELD: dict[str, str] = {name: f"xl_{name}" for name in FACET_NAMES}
WORDS_FIELD: dict[str, str] = {name: f"w_{name}" for name in FACET_NAMES}

#: Stored-only fields (not in the schema) that :func:`from_document` reads.
STORED = (
    "aid",
    "title",
    "body",
    "date",
    "source",
    "url",
    "tags",
    "related",
    "entities",
    "origin",
)


def schema(name: str) -> dict[str, Any]:
    """The collection schema for a searchlib index called ``name``."""
    fields: list[dict[str, Any]] = [
        {"name": "aid", "type": "string"},
        {"name": "hash", "type": "string"},
        {"name": "key", "type": "int64"},
        {"name": MARKER, "type": "int32", "optional": True, "index": False},
        {"name": "title_a", "type": "string"},
        {"name": "body_a", "type": "string"},
        {"name": "t_title", "type": "string[]"},
        {"name": "t_body", "type": "string[]"},
        {"name": "t_text", "type": "string[]"},
        {"name": "spell", "type": "string[]", "facet": True},
        {"name": "date_sort", "type": "int32"},
        {"name": "day", "type": "string", "facet": True, "optional": True},
        {"name": "month", "type": "string", "facet": True, "optional": True},
    ]
    for facet in FACET_NAMES:
        fields.append(
            {"name": FACET_FIELD[facet], "type": "string[]", "facet": True, "optional": True}
        )
        fields.append({"name": WORDS_FIELD[facet], "type": "string[]", "optional": True})
        fields.append(
            {"name": KEY_FIELD[facet], "type": "string[]", "facet": True, "optional": True}
        )
        fields.append({"name": FOLDED_KEY_FIELD[facet], "type": "string[]", "optional": True})
    return {
        "name": name,
        "fields": fields,
        "default_sorting_field": "date_sort",
        "token_separators": [],
        "symbols_to_index": [],
    }


def values_name(collection: str) -> str:
    """The side collection that maps value digests back to values."""
    return f"{collection}__values"


def values_schema(collection: str) -> dict[str, Any]:
    """The side collection's schema: one document per facet value (id: its digest; ``v``, the
    value, stored only)."""
    return {"name": values_name(collection), "fields": [{"name": "facet", "type": "string"}]}


def value_key(value: str) -> str:
    """The digest of a facet value (whitespace normalised): short, lower-case hex, exact."""
    return hashlib.blake2b(clean(value).encode("utf-8"), digest_size=10).hexdigest()


def folded_key(value: str) -> str:
    """The digest of a facet value ignoring case (as Whoosh's filters match values)."""
    return value_key(clean(value).casefold())


def value_documents(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The side collection's documents for the facet values of one document."""
    out = []
    for facet in FACET_NAMES:
        for value in doc.get(FACET_FIELD[facet]) or ():
            out.append({"id": value_key(value), "facet": facet, "v": value})
    return out


def is_compatible(collection: dict[str, Any]) -> bool:
    """Whether an existing collection has every field this version needs."""
    have = {f.get("name") for f in collection.get("fields", [])}
    return {f["name"] for f in schema("x")["fields"]} <= have


def doc_id(article_id: str) -> str:
    """The Typesense document id of an article id (a digest: safe in URLs and filters)."""
    return hashlib.blake2b(article_id.encode("utf-8"), digest_size=16).hexdigest()


def key_of(article_id: str) -> int:
    """A signed 64-bit number from an article id: the last tie-breaker of every order."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8, person=b"key").digest()
    return int.from_bytes(digest, "big", signed=True)


def clean(value: str) -> str:
    """A facet value with its whitespace normalised (as Whoosh's facet fields store it)."""
    return " ".join(value.split())


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def to_document(article: Article, digest: str) -> dict[str, Any]:
    """The Typesense document for an article (its entities already extracted)."""
    title_terms = [t.text for t in tx.terms(article.title)]
    body_terms = [t.text for t in tx.terms(article.body)]
    doc: dict[str, Any] = {
        "id": doc_id(article.id),
        "aid": article.id,
        "hash": digest,
        "key": key_of(article.id),
        "title_a": " ".join(title_terms),
        "body_a": " ".join(body_terms),
        "t_title": _distinct(title_terms),
        "t_body": _distinct(body_terms),
        "t_text": _distinct(title_terms + body_terms),
        "spell": tx.spell_text(f"{article.title}\n{article.body}").split(),
        "date_sort": article.date.toordinal() if article.date else 0,
        # stored only
        "title": article.title,
        "body": article.body,
        "date": article.date.isoformat() if article.date else None,
        "source": article.source,
        "url": article.url,
        "tags": list(article.tags),
        "related": list(article.related),
        "entities": [[e.kind, e.name, e.mentions, list(e.aliases)] for e in article.entities],
        "origin": article.origin,
        "sig": base64.b64encode(
            dedup.to_bytes(dedup.signature(article.title, article.body))
        ).decode("ascii"),
    }
    if article.date is not None:
        doc["day"] = article.date.isoformat()
        doc["month"] = article.date.isoformat()[:7]
    values: dict[str, list[str]] = {kind: list(article.entities_of(kind)) for kind in ENTITY_KINDS}
    values["tag"] = list(article.tags)
    values["source"] = [article.source] if article.source else []
    for facet in FACET_NAMES:
        cleaned = _distinct([v for v in map(clean, values[facet]) if v])
        if cleaned:
            doc[FACET_FIELD[facet]] = cleaned
            doc[WORDS_FIELD[facet]] = _distinct(
                [t.text for v in cleaned for t in tx.plain_terms(v)]
            )
            doc[KEY_FIELD[facet]] = [value_key(v) for v in cleaned]
            doc[FOLDED_KEY_FIELD[facet]] = _distinct([folded_key(v) for v in cleaned])
    return doc


def from_document(doc: dict[str, Any]) -> Article:
    """Rebuild an :class:`Article` from a stored document."""
    date = doc.get("date")
    return Article(
        id=str(doc["aid"]),
        title=str(doc.get("title") or ""),
        body=str(doc.get("body") or ""),
        date=dt.date.fromisoformat(date) if date else None,
        source=doc.get("source"),
        url=doc.get("url"),
        tags=tuple(doc.get("tags") or ()),
        related=tuple(doc.get("related") or ()),
        entities=tuple(
            Entity(kind=kind, name=name, mentions=int(mentions), aliases=tuple(aliases))
            for kind, name, mentions, aliases in doc.get("entities") or ()
        ),
        origin=doc.get("origin"),
    )


def signature_of(doc: dict[str, Any]) -> Any:
    """The near-duplicate signature stored with a document (the empty one when absent)."""
    stored = doc.get("sig")
    if not stored:
        return dedup.signature("", "")
    return dedup.from_bytes(base64.b64decode(stored))


def empty_signatures(n: int) -> Any:
    """``n`` rows of signatures, to be filled."""
    return np.zeros((n, dedup.NUM_PERM), dtype=np.uint32)


__all__ = [
    "FACET_FIELD",
    "FOLDED_KEY_FIELD",
    "KEY_FIELD",
    "MARKER",
    "SCHEMA_VERSION",
    "STORED",
    "WORDS_FIELD",
    "clean",
    "doc_id",
    "folded_key",
    "from_document",
    "is_compatible",
    "key_of",
    "schema",
    "signature_of",
    "to_document",
    "value_documents",
    "value_key",
    "values_name",
    "values_schema",
]
