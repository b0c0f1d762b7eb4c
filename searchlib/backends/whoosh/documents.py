"""Articles as Whoosh documents, and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...model import ENTITY_KINDS, Article, Entity
from . import schema as sf


def _clean_value(value: str) -> str:
    return " ".join(value.replace(sf.VALUE_SEPARATOR, " ").split())


def to_document(article: Article, digest: str) -> dict[str, Any]:
    """The Whoosh document for an article (its entities already extracted)."""
    doc: dict[str, Any] = {
        sf.ID: article.id,
        sf.HASH: digest,
        sf.ORIGIN: article.origin,
        sf.TITLE: article.title,
        sf.BODY: article.body,
        sf.SPELL: sf.spell_text(f"{article.title}\n{article.body}"),
        sf.TAGS: tuple(article.tags),
        sf.RELATED: tuple(article.related),
        sf.ENTITIES: tuple(
            (e.kind, e.name, e.mentions, tuple(e.aliases)) for e in article.entities
        ),
    }
    from ... import dedup

    doc[sf.DUP_SIG] = dedup.to_bytes(dedup.signature(article.title, article.body))
    if article.date is not None:
        doc[sf.DATE] = dt.datetime.combine(article.date, dt.time.min)
        doc[sf.DAY] = article.date.isoformat()
        doc[sf.DATE_SORT] = article.date.toordinal()
    if article.source:
        doc[sf.SOURCE] = article.source
    if article.url:
        doc[sf.URL] = article.url
    values: dict[str, list[str]] = {kind: list(article.entities_of(kind)) for kind in ENTITY_KINDS}
    values["tag"] = list(article.tags)
    values["source"] = [article.source] if article.source else []
    for name, (text_field, facet_field) in sf.FACET_FIELDS.items():
        cleaned = list(dict.fromkeys(v for v in map(_clean_value, values[name]) if v))
        if cleaned:
            joined = sf.VALUE_SEPARATOR.join(cleaned)
            doc[text_field] = joined
            doc[facet_field] = joined
    return doc


def from_stored(stored: dict[str, Any]) -> Article:
    """Rebuild an :class:`Article` from a document's stored fields."""
    date = stored.get(sf.DATE)
    return Article(
        id=stored[sf.ID],
        title=stored.get(sf.TITLE, ""),
        body=stored.get(sf.BODY, ""),
        date=date.date() if isinstance(date, dt.datetime) else None,
        source=stored.get(sf.SOURCE),
        url=stored.get(sf.URL),
        tags=tuple(stored.get(sf.TAGS) or ()),
        related=tuple(stored.get(sf.RELATED) or ()),
        entities=tuple(
            Entity(kind=kind, name=name, mentions=mentions, aliases=tuple(aliases))
            for kind, name, mentions, aliases in stored.get(sf.ENTITIES) or ()
        ),
        origin=stored.get(sf.ORIGIN),
    )


__all__ = ["from_stored", "to_document"]
