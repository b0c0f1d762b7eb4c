"""Near-duplicate detection (searchlib.dedup): copies are found, different stories are not.

Hand-written fixtures: a wire story, a syndicated copy of it (new headline, dateline, byline,
boilerplate, a few words changed), a re-flowed copy, a shortened copy, and a different story on
the same topic and day. One test reads the real corpora (FA-KES) and skips when they are absent.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import numpy as np
import pytest

from searchlib import dedup
from searchlib.errors import InputError

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

WIRE_TITLE = "Russia backs UN envoy's plan for eastern Aleppo"
WIRE = """\
MOSCOW, Oct 7 (Wire) - Russia is ready to support a proposal by the United Nations envoy
for Syria to escort fighters out of eastern Aleppo, Foreign Minister Sergei Lavrov said on
Friday, adding that Moscow wanted guarantees that the city would then be left in peace.

Speaking after talks with his French counterpart, Lavrov said the plan put forward by
Staffan de Mistura deserved attention because it could end the siege of the eastern districts
without further bloodshed. He said Russian experts were studying its details.

The envoy offered on Thursday to personally accompany about 900 fighters of the Nusra Front
out of the city if that would stop the bombardment, which aid groups say has killed hundreds
of civilians in the past two weeks.

Diplomats at the Security Council are expected to vote this weekend on rival draft
resolutions, one written by France and one by Russia, on a ceasefire in the city.
"""

COPY_TITLE = "Moscow ready to back de Mistura's Aleppo proposal - The Daily Star"
COPY = """\
By Sarah Jones, The Daily Star

BEIRUT (The Daily Star) - Russia is ready to support a proposal by the United Nations envoy
for Syria to escort fighters out of eastern Aleppo, Foreign Minister Sergei Lavrov says,
adding that Moscow wanted guarantees that the city would then be left in peace.

Speaking after talks with his French counterpart, Lavrov said the plan put forward by
Staffan de Mistura deserved attention because it could end the siege of the eastern districts
without more bloodshed. He said Russian experts were studying its details.

The envoy offered on Thursday to personally accompany about 900 fighters of the Nusra Front
out of the city if that would stop the bombardment, which aid groups say has killed hundreds
of civilians in the past two weeks.

Diplomats at the Security Council are expected to vote this weekend on rival draft
resolutions, one written by France and one by Russia, on a ceasefire in the city.

Copyright 2016 The Daily Star. All rights reserved. This material may not be published,
broadcast, rewritten or redistributed.
"""

SHORT_TITLE = "Russia backs UN plan for Aleppo"
SHORT = "\n\n".join(WIRE.split("\n\n")[:3])  # the last paragraph cut

OTHER_TITLE = "Air strikes hit eastern Aleppo as talks on ceasefire stall"
OTHER = """\
ALEPPO, Oct 7 (Wire) - Air strikes pounded rebel-held districts of eastern Aleppo on Friday,
residents and rescue workers said, as diplomats in New York argued over competing plans for
a ceasefire in Syria's largest city.

A hospital in the Sakhour district was put out of action and at least 20 people were killed,
according to the civil defence, a rescue service that works in opposition areas. The
Syrian army said it had targeted militant positions and denied hitting civilians.

Russia and France have each drafted a Security Council resolution on Aleppo, and diplomats
said neither was likely to pass. The United Nations says about 275,000 people remain trapped
in the besieged east, where food and medicine are running out.
"""


def sig(title: str, body: str) -> dedup.Signature:
    return dedup.signature(title, body)


def reflow(text: str) -> str:
    """The same words, with the paragraphs merged and the lines re-wrapped."""
    return textwrap.fill(" ".join(text.split()), width=57)


# --------------------------------------------------------------------------- parameters


def test_parameters_are_consistent() -> None:
    assert dedup.BANDS * dedup.ROWS == dedup.NUM_PERM
    assert 0.0 < dedup.THRESHOLD < 1.0
    s = sig(WIRE_TITLE, WIRE)
    assert s.shape == (dedup.NUM_PERM,) and s.dtype == np.uint32
    assert len(dedup.band_keys(s)) == dedup.BANDS


# --------------------------------------------------------------------------- behaviour


def test_syndicated_copy_is_a_duplicate() -> None:
    a, b = sig(WIRE_TITLE, WIRE), sig(COPY_TITLE, COPY)
    assert dedup.is_duplicate(a, b)
    assert dedup.similarity(a, b) >= dedup.THRESHOLD
    assert set(dedup.band_keys(a)) & set(dedup.band_keys(b))  # LSH finds it


def test_reflowed_copy_is_identical() -> None:
    # Line breaks, paragraph breaks, case and punctuation are not words.
    a = sig(WIRE_TITLE, WIRE)
    b = sig(WIRE_TITLE.upper(), reflow(WIRE).replace(",", " ,"))
    assert dedup.similarity(a, b) == 1.0
    assert dedup.band_keys(a) == dedup.band_keys(b)


def test_shortened_copy_is_a_duplicate() -> None:
    assert dedup.is_duplicate(sig(WIRE_TITLE, WIRE), sig(SHORT_TITLE, SHORT))


def test_different_story_on_the_same_topic_is_not() -> None:
    a, b = sig(WIRE_TITLE, WIRE), sig(OTHER_TITLE, OTHER)
    assert not dedup.is_duplicate(a, b)
    assert dedup.similarity(a, b) < 0.1
    assert not dedup.is_duplicate(sig(COPY_TITLE, COPY), b)


def test_template_notices_with_other_figures_are_not_duplicates() -> None:
    # Short bodies are compared with their titles, and numbers weigh more than words: two
    # dividend notices of other companies with other figures.
    a = sig(
        "RIGGS NATIONAL CORP <RIGS> SETS QUARTERLY",
        "Qtly div 27-1/2 cts vs 27-1/2 cts prior\n\nPay April 15\n\nRecord March 31",
    )
    b = sig(
        "HARTFORD NATIONAL CORP <HNAT> SETS QUARTERLY",
        "Qtly div 30 cts vs 30 cts prior\n\nPay April 20\n\nRecord March 31",
    )
    assert not dedup.is_duplicate(a, b)
    again = sig(
        "RIGGS NATIONAL CORP <RIGS> SETS QUARTERLY DIVIDEND",
        "Qtly div 27-1/2 cts vs 27-1/2 cts prior. Pay April 15. Record March 31.",
    )
    assert dedup.is_duplicate(a, again)


# --------------------------------------------------------------------------- stability


def test_signature_is_deterministic_and_read_only() -> None:
    a, b = sig(WIRE_TITLE, WIRE), sig(WIRE_TITLE, WIRE)
    assert np.array_equal(a, b)
    assert not a.flags.writeable


def test_band_key_is_stable_across_versions() -> None:
    # A fixed text has a fixed first band key: a change of hashing (constants, word splitting,
    # shingling, mixing) changes it, and then stored signatures must be rebuilt
    # (bump SIGNATURE_VERSION).
    keys = dedup.band_keys(sig(WIRE_TITLE, WIRE))
    assert keys[0] == EXPECTED_FIRST_KEY
    assert keys[-1] == EXPECTED_LAST_KEY
    assert all(k.isascii() and " " not in k for k in keys)


EXPECTED_FIRST_KEY = "0:421763d661e7"
EXPECTED_LAST_KEY = "41:498a570404ad"


def test_bytes_round_trip() -> None:
    s = sig(COPY_TITLE, COPY)
    data = dedup.to_bytes(s)
    assert isinstance(data, bytes) and len(data) == 4 * dedup.NUM_PERM
    back = dedup.from_bytes(data)
    assert np.array_equal(back, s) and back.dtype == np.uint32
    assert dedup.similarity(back, s) == 1.0
    with pytest.raises(InputError):
        dedup.from_bytes(data[:-4])


# --------------------------------------------------------------------------- edge cases


def test_empty_and_short_texts() -> None:
    empty = sig("", "")
    assert dedup.is_empty(empty)
    assert dedup.band_keys(empty) == []
    assert dedup.similarity(empty, empty) == 0.0
    assert not dedup.is_duplicate(empty, sig("", ""))
    one = sig("", "Nil.")
    assert not dedup.is_empty(one)
    assert dedup.is_duplicate(one, sig("", "nil"))
    assert not dedup.is_empty(sig("Title only", ""))
    assert not dedup.is_empty(sig("", "é"))
    assert dedup.is_empty(sig("  ", " -- ... "))


def test_long_body() -> None:
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(5000)]
    body = " ".join(rng.choice(vocab) for _ in range(20_000))
    a = sig("", body)
    assert dedup.similarity(a, sig("", body)) == 1.0
    assert dedup.is_duplicate(a, sig("", body[: len(body) * 9 // 10]))


# --------------------------------------------------------------------------- grouping


def _paragraph(rng: random.Random) -> str:
    vocab = ["the", "of", "said", "minister", "army", "city", "talks", "aid", "rebels"]
    return " ".join(rng.choice(vocab) + str(rng.randrange(10_000)) for _ in range(40))


def test_group_clusters_transitively() -> None:
    rng = random.Random(11)
    p = [_paragraph(rng) for _ in range(9)]
    a = sig("", "\n\n".join(p[0:5]))
    b = sig("", "\n\n".join(p[1:6]))  # a copy of a
    c = sig("", "\n\n".join(p[3:8]))  # a copy of b, not of a
    assert dedup.is_duplicate(a, b) and dedup.is_duplicate(b, c)
    assert not dedup.is_duplicate(a, c)
    other = sig(OTHER_TITLE, OTHER)
    empty = sig("", "")
    assert dedup.group([a, other, c, empty, b]) == [0, 1, 0, 3, 0]
    assert dedup.group([c, b, a]) == [0, 0, 0]


def test_group_small_and_identical_batches() -> None:
    assert dedup.group([]) == []
    s = sig(WIRE_TITLE, WIRE)
    assert dedup.group([s]) == [0]
    assert dedup.group([sig("", ""), sig("", "")]) == [0, 1]
    # Many identical articles (more than MAX_COMPARE): one group, not all pairs.
    many = [s] * (3 * dedup.MAX_COMPARE) + [sig(OTHER_TITLE, OTHER)]
    groups = dedup.group(many)
    assert groups[:-1] == [0] * (3 * dedup.MAX_COMPARE) and groups[-1] == len(many) - 1


def test_group_matches_pairwise_decisions() -> None:
    sigs = [
        sig(WIRE_TITLE, WIRE),
        sig(OTHER_TITLE, OTHER),
        sig(COPY_TITLE, COPY),
        sig(SHORT_TITLE, SHORT),
        sig(WIRE_TITLE, reflow(WIRE)),
    ]
    assert dedup.group(sigs) == [0, 1, 0, 0, 0]


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("UPDATE 1-Syria talks stall - Reuters", "syria talks stall"),
        ("Ad sales boost Time Warner profit | BBC News", "ad sales boost time warner profit"),
        ("CORRECTED-Aleppo  ceasefire, holds!", "aleppo ceasefire holds"),
        (
            "(CORRECTED)-CRAZY EDDIE <CRZY> EXECUTIVE OFF BOARD",
            "crazy eddie crzy executive off board",
        ),
        ("Breaking Bad star wins award", "breaking bad star wins award"),
        (
            "Dementieva prevails in Hong Kong - Sydney Morning Herald",
            "dementieva prevails in hong kong",
        ),
        ("FED ADDS RESERVES VIA REPURCHASES", "fed adds reserves via repurchases"),
        ("Qué pasa en Málaga", "que pasa en malaga"),
        ("", ""),
    ],
)
def test_normalise_title(title: str, expected: str) -> None:
    assert dedup.normalise_title(title) == expected


# --------------------------------------------------------------------------- real corpora


def test_precision_and_recall_on_real_articles() -> None:
    """FA-KES: natural syndicated copies and same-day/same-place different stories (labelled by
    the sentence rule of benchmarks/dedup/labelset.py), plus seeded synthetic copies."""
    if not (CORPORA / "fa-kes" / "fa-kes.jsonl").exists():
        pytest.skip(f"corpus not available: {CORPORA}")
    from benchmarks.dedup import labelset

    ls = labelset.build(corpora=("fakes",), root=CORPORA, seed=7, synthetic={"fakes": 60})
    truth = [p.copy for p in ls.pairs]
    assert sum(truth) >= 80 and len(truth) - sum(truth) >= 200
    pred = []
    for p in ls.pairs:
        a, b = sig(p.a.title, p.a.body), sig(p.b.title, p.b.body)
        pred.append(
            dedup.is_duplicate(a, b) and bool(set(dedup.band_keys(a)) & set(dedup.band_keys(b)))
        )
    tp = sum(t and q for t, q in zip(truth, pred, strict=True))
    precision = tp / max(1, sum(pred))
    recall = tp / sum(truth)
    # Measured 0.90 / 0.96 (seed 7). The labels are a rule's, with some noise on FA-KES.
    assert precision >= 0.85, precision
    assert recall >= 0.85, recall
    by_title = sum(
        t and dedup.normalise_title(p.a.title) == dedup.normalise_title(p.b.title) != ""
        for t, p in zip(truth, ls.pairs, strict=True)
    )
    assert recall > by_title / sum(truth) + 0.1  # titles alone miss re-headlined copies
