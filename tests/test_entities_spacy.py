"""The optional spaCy extractor (extra ``searchlib[spacy]``); skipped when spaCy is absent."""

from __future__ import annotations

import importlib.util

import pytest

from searchlib.entities import Extractor
from searchlib.entities.spacy_ner import MODELS, SpacyExtractor, SpacyUnavailable
from searchlib.errors import SearchlibError


def _model_installed() -> bool:
    if importlib.util.find_spec("spacy") is None:
        return False
    return any(importlib.util.find_spec(m) is not None for m in MODELS)


needs_spacy = pytest.mark.skipif(not _model_installed(), reason="spaCy model not installed")


def test_missing_model_is_a_clear_error() -> None:
    ex = SpacyExtractor(model="no_such_model_package")
    with pytest.raises(SpacyUnavailable) as info:
        ex.extract("A title", "Some body text.")
    assert isinstance(info.value, SearchlibError)
    assert "\n" not in str(info.value) and "pip install" in str(info.value)


@needs_spacy
def test_spacy_extractor_follows_the_protocol() -> None:
    ex = SpacyExtractor()
    assert isinstance(ex, Extractor)
    assert ex.name.startswith("spacy-") and ex.name != SpacyExtractor(misc=True).name
    got = {(e.kind, e.name): e for e in ex.extract(
        "Talks in Moscow",
        "Turkish President Recep Tayyip Erdogan met Vladimir Putin in Moscow on Monday. "
        "Erdogan said General Motors Corp would invest.",
    )}  # fmt: skip
    assert ("person", "Recep Tayyip Erdogan") in got
    assert got[("person", "Recep Tayyip Erdogan")].aliases == ("Erdogan",)  # merged within
    assert ("location", "Moscow") in got
    assert ("org", "General Motors") in got  # the company's facet value, as the rules give


@needs_spacy
def test_spacy_mentions_are_exact_spans() -> None:
    text = "Sergey Lavrov met the United Nations envoy in Geneva."
    ms = SpacyExtractor().mentions(text)
    assert ms
    for m in ms:
        assert text[m.start : m.end] == m.text
