"""Merge one article's mentions into entities under their canonical names.

Mentions already carry a canonical name (the rules resolved surnames, acronyms and curated
aliases within the document); here mentions with the same canonical name become one
:class:`~searchlib.model.Entity`, whose kind is the one the strongest evidence gave, whose
``mentions`` counts every occurrence and whose ``aliases`` lists the other surface forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from searchlib.entities.rules import Cand
from searchlib.model import ENTITY_KINDS, Entity, EntityKind


@dataclass(slots=True)
class _Group:
    votes: dict[EntityKind, int] = field(default_factory=dict)
    count: int = 0
    aliases: list[str] = field(default_factory=list)


def clean_name(name: str) -> str:
    """A name with its whitespace collapsed and typographic apostrophes straightened."""
    if "\u2019" in name:
        name = name.replace("\u2019", "'")
    if "\n" in name or "  " in name or "\t" in name or "\u00a0" in name:
        name = " ".join(name.split())
    return name


def merge(cands: Iterable[Cand], kinds: frozenset[EntityKind] | None = None) -> tuple[Entity, ...]:
    """Group typed mentions by canonical name, in order of first appearance.

    ``kinds`` limits the output to those kinds (all kinds when ``None``).
    """
    groups: dict[str, _Group] = {}
    for c in cands:
        if c.kind is None:
            continue
        name = clean_name(c.canonical)
        g = groups.get(name)
        if g is None:
            g = groups[name] = _Group()
        g.count += 1
        g.votes[c.kind] = g.votes.get(c.kind, 0) + 1 + 2 * c.strength
        if c.surface == c.canonical:
            continue  # the commonest case: not an alias
        surface = clean_name(c.surface)
        if surface.casefold() != name.casefold() and surface not in g.aliases:
            g.aliases.append(surface)
    out: list[Entity] = []
    for name, g in groups.items():
        votes = g.votes
        if len(votes) == 1:
            kind = next(iter(votes))
        else:
            kind = max(votes, key=lambda k: (votes[k], -ENTITY_KINDS.index(k)))
        if kinds is not None and kind not in kinds:
            continue
        out.append(Entity(kind=kind, name=name, mentions=g.count, aliases=tuple(g.aliases)))
    return tuple(out)
