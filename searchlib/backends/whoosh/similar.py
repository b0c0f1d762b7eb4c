"""Related articles: key terms plus shared entities.

Two articles are related when they share distinctive words, or name the same people,
organisations and places even when their wording differs. For an article, :func:`related`
builds one weighted OR query from

* its :data:`KEY_TERMS` most distinctive body words (Whoosh's Bo1 key-term model against the
  whole index), each searched in the title and the body with BM25F, weighted by how
  distinctive it is (the best one 1.0);
* every person, organisation and place it names, matched exactly on the facet fields, each
  worth :data:`ENTITY_WEIGHT` times its idf (a rare name shared counts more than "United
  States");

and ranks the other articles with the vectorised scorer (:mod:`searchlib.scoring`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import schema as sf
from . import scoring
from .docvalues import DocValues
from .matching import Budget, VectorPath

#: Distinctive words taken from the article.
KEY_TERMS = 25
#: What one shared entity is worth, times its idf (a key word scores up to about its idf).
ENTITY_WEIGHT = 0.5
#: Characters of the article read for key terms (the start of a very long one is enough).
MAX_TEXT_CHARS = 20_000
#: The entity kinds that make articles related.
ENTITY_KINDS = ("person", "org", "location")


def _clean(value: str) -> str:
    return " ".join(value.replace(sf.VALUE_SEPARATOR, " ").split())


def query_nodes(searcher: Any, stored: dict[str, Any]) -> list[scoring.Node]:
    """The weighted terms that describe an article (its key words and its entities)."""
    text = f"{stored.get(sf.TITLE, '')}\n{stored.get(sf.BODY, '')}"[:MAX_TEXT_CHARS]
    nodes: list[scoring.Node] = []
    terms = searcher.key_terms_from_text(sf.BODY, text, numterms=KEY_TERMS, normalize=True)
    for term, weight in terms:
        word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
        for field in sf.DEFAULT_FIELDS:
            nodes.append(scoring.TermNode(field, word, float(weight)))
    for entity in stored.get(sf.ENTITIES) or ():
        kind, name = entity[0], entity[1]
        if kind in ENTITY_KINDS:
            facet_field = sf.FACET_FIELDS[kind][1]
            nodes.append(scoring.TermNode(facet_field, _clean(name), ENTITY_WEIGHT))
    return list(dict.fromkeys(nodes))


def related(
    searcher: Any,
    docvalues: DocValues,
    postings: scoring.PostingsCache,
    docnum: int,
    *,
    limit: int,
    exclude: set[int] | None = None,
    deadline: float,
) -> list[tuple[float, int, int]]:
    """The ``limit`` articles most related to document ``docnum``, as (score, docnum, day).

    The article itself and the documents in ``exclude`` are left out.
    """
    nodes = query_nodes(searcher, searcher.stored_fields(docnum))
    if not nodes:
        return []
    vector = VectorPath(searcher, docvalues, postings, None, Budget(deadline))
    matched, scores = vector.run(scoring.OrNode(tuple(nodes)))
    if not matched:
        return []
    docnums = np.concatenate([docs.astype(np.int64) + offset for _, offset, _, docs in matched])
    all_scores = np.concatenate(scores)
    days = np.concatenate([table.days[docs] for _, _, table, docs in matched])
    keep = ~np.isin(docnums, np.fromiter({docnum, *(exclude or ())}, dtype=np.int64))
    docnums, all_scores, days = docnums[keep], all_scores[keep], days[keep]
    best = np.lexsort([docnums, -all_scores])[:limit]
    return list(
        zip(all_scores[best].tolist(), docnums[best].tolist(), days[best].tolist(), strict=True)
    )


__all__ = ["ENTITY_WEIGHT", "KEY_TERMS", "query_nodes", "related"]
