"""One search, described once: :class:`SearchRequest` holds every option, validated.

The library (:meth:`searchlib.Index.search`), the ``searchlib query`` command and the HTTP
``GET /search`` endpoint all build a ``SearchRequest``. The CLI's options and the HTTP query
parameters are generated from its fields (their ``metadata``), so the three cannot drift apart:
``tests/test_request.py`` checks that they expose the same fields with the same defaults.

Loose values are accepted and normalised when a request is made: one filter value or several
(``person="Sergey Lavrov"`` or ``person=("A", "B")``), dates as ``date`` objects or as
``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` strings (``date_from="2016"`` is 1 January 2016,
``date_to="2016"`` is 31 December), a recency half-life as days or as ``"30d"``. Anything out of
range raises :class:`~searchlib.errors.QueryError` naming the option.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .dates import parse_date_bound
from .errors import QueryError
from .model import DEFAULT_FACETS, FACET_NAMES, FacetName

Sort = Literal["relevance", "date"]
"""``relevance``: best first (BM25F). ``date``: newest first, ties by relevance."""

Match = Literal["auto", "all", "any"]
"""Which articles a query's words match (its function words, "what", "does", "about"..., left
out unless nothing else is left). ``auto`` (the default): every word for a query of up to 3
words (``Ranking.auto_all_upto``), any word for a longer one, those with every word first;
``all``: every word, whatever the length; ``any``: any word, those with every word first. When
every word is required and no article has them all, the search falls back to any word
(``relax``)."""

IntervalChoice = Literal["year", "month", "day", "auto"]
"""The width of a date-histogram bucket, or ``auto`` to pick one from the matches' span."""

#: The largest page size accepted.
MAX_LIMIT = 1000
#: The deepest result accepted (page * limit).
MAX_DEPTH = 100_000
#: Values one facet may return.
MAX_FACET_LIMIT = 1000
#: Seconds a search may take before it returns what it has, flagged as partial.
DEFAULT_TIMEOUT = 10.0
#: Filter values one facet filter (or the exclusions) may hold.
MAX_FILTER_VALUES = 100

_HALF_LIFE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdwmy])\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.4375, "y": 365.25}


def parse_half_life(value: str | float | None) -> float | None:
    """A recency half-life in days from ``"30d"``, ``"12h"``, ``"2w"``, ``"6m"``, ``"1y"`` or a
    number of days; None for none. Raises :class:`QueryError` for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        days = float(value)
    else:
        found = _HALF_LIFE.match(str(value))
        if found is None:
            raise QueryError(
                f"recency must be a half-life like 30d, 12h, 2w, 6m or 1y, not {value!r}"
            )
        days = float(found.group(1)) * _UNIT_DAYS[found.group(2).lower()]
    if not 0 < days <= 36525:
        raise QueryError(f"recency half-life must be more than 0 and at most 100 years: {value!r}")
    return days


def _opt(help: str, **more: Any) -> dict[str, Any]:
    return {"help": help, **more}


def _values(value: str | Sequence[str] | None, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    out = []
    for item in items:
        if not isinstance(item, str):
            raise QueryError(f"{name} values must be strings, not {type(item).__name__}")
        if item.strip():
            out.append(item.strip())
    if len(out) > MAX_FILTER_VALUES:
        raise QueryError(f"too many {name} values (the limit is {MAX_FILTER_VALUES})")
    return tuple(dict.fromkeys(out))


def _date(value: dt.date | str | None, *, upper: bool, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_date_bound(value, upper=upper)
        except QueryError as exc:
            raise QueryError(f"{name}: {exc}") from None
    raise QueryError(f"{name} must be a date or a YYYY-MM-DD string, not {type(value).__name__}")


#: The options that select articles, besides the query (the filters of a search).
FILTER_OPTIONS: tuple[str, ...] = (
    "person",
    "org",
    "location",
    "misc",
    "tag",
    "source",
    "exclude",
    "date_from",
    "date_to",
)

@dataclass(frozen=True, kw_only=True)
class Exclusion:
    """A facet value no result may carry (``exclude="person:Sergey Lavrov"``)."""

    facet: FacetName
    value: str

    @classmethod
    def parse(cls, text: str) -> Exclusion:
        """``facet:value`` (for example ``person:Sergey Lavrov``); QueryError otherwise."""
        name, sep, value = text.partition(":")
        name = name.strip().lower()
        if not sep or name not in FACET_NAMES or not value.strip():
            raise QueryError(
                f"exclude takes FACET:VALUE with a facet of {', '.join(FACET_NAMES)}, not {text!r}"
            )
        return cls(facet=name, value=value.strip())

    def __str__(self) -> str:
        return f"{self.facet}:{self.value}"


@dataclass(frozen=True, kw_only=True)
class SearchRequest:
    """Every option of one search. Frozen; validated and normalised when made.

    See the module docstring for the loose values accepted. Each field's ``metadata`` carries
    its help text, which the CLI and the HTTP API show.
    """

    query: str = field(
        default="",
        metadata=_opt(
            "The query in searchlib's query language; empty (or *) matches every article.",
            cli_argument=True,
            http_name="q",
        ),
    )
    person: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles naming this person (repeatable).")
    )
    org: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles naming this organisation (repeatable).")
    )
    location: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles naming this place (repeatable).")
    )
    misc: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles naming this other name (repeatable).")
    )
    tag: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles with this tag (repeatable).")
    )
    source: tuple[str, ...] = field(
        default=(), metadata=_opt("Only articles from this source (repeatable).")
    )
    exclude: tuple[Exclusion, ...] = field(
        default=(),
        metadata=_opt(
            "Leave out articles with this facet value, as FACET:VALUE, e.g. "
            "'person:Sergey Lavrov' (repeatable).",
            metavar="FACET:VALUE",
        ),
    )
    date_from: dt.date | None = field(
        default=None,
        metadata=_opt(
            "Only articles dated on or after this day (YYYY, YYYY-MM or YYYY-MM-DD).",
            metavar="DATE",
            cli_aliases=("--since",),
        ),
    )
    date_to: dt.date | None = field(
        default=None,
        metadata=_opt(
            "Only articles dated on or before this day (YYYY, YYYY-MM or YYYY-MM-DD).",
            metavar="DATE",
            cli_aliases=("--until",),
        ),
    )
    sort: Sort = field(
        default="relevance",
        metadata=_opt("relevance: best first; date: newest first, ties by relevance."),
    )
    limit: int = field(
        default=10,
        metadata=_opt("Hits per page.", min=1, max=MAX_LIMIT, cli_short="-n"),
    )
    page: int = field(
        default=1,
        metadata=_opt(f"Page number (page x limit <= {MAX_DEPTH:,}).", min=1, max=MAX_DEPTH),
    )
    facets: tuple[FacetName, ...] = field(
        default=DEFAULT_FACETS,
        metadata=_opt(
            f"Facets to count over all matches: a comma list of {', '.join(FACET_NAMES)}, "
            "or 'none'.",
            metavar="NAMES",
            comma_list=True,
        ),
    )
    facet_limit: int = field(
        default=10,
        metadata=_opt("Values shown per facet.", min=1, http_max=MAX_FACET_LIMIT),
    )
    histogram: bool = field(default=True, metadata=_opt("Count the matches by date."))
    interval: IntervalChoice = field(
        default="month", metadata=_opt("Width of the date histogram's bars.")
    )
    fragments: int = field(
        default=3, metadata=_opt("Highlighted fragments per hit (0 for none).", min=0, max=20)
    )
    fragment_chars: int = field(
        default=240, metadata=_opt("Longest fragment, in characters.", min=20, max=2000)
    )
    relax: bool = field(
        default=True,
        metadata=_opt("When nothing matches every word, show the best partial matches."),
    )
    suggest: bool = field(
        default=True, metadata=_opt("Offer a 'did you mean' correction for misspelt words.")
    )
    match: Match = field(
        default="auto",
        metadata=_opt(
            "auto: every word for up to 3 words, any word for more (questions), those with "
            "every word first; all: every word; any: any word. Function words (what, does, "
            "about...) are left out."
        ),
    )
    recency: float | None = field(
        default=None,
        metadata=_opt(
            "Favour newer articles, with this half-life: 30d, 12h, 2w, 6m, 1y (off by default).",
            metavar="HALF-LIFE",
        ),
    )
    collapse: bool = field(
        default=False,
        metadata=_opt(
            "One hit per group of near-duplicate articles (syndicated copies), '+N similar'."
        ),
    )
    timeout: float = field(
        default=DEFAULT_TIMEOUT,
        metadata=_opt(
            "Seconds before the search returns what it has found, marked partial.",
            min_open=0.0,
        ),
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.query, str):
            raise QueryError(f"query must be a string, not {type(self.query).__name__}")
        for name in FACET_NAMES:
            set_(self, name, _values(getattr(self, name), name))
        set_(self, "exclude", self._exclusions(self.exclude))
        set_(self, "date_from", _date(self.date_from, upper=False, name="date_from"))
        set_(self, "date_to", _date(self.date_to, upper=True, name="date_to"))
        set_(self, "facets", self._facet_names(self.facets))
        set_(self, "recency", parse_half_life(self.recency))
        self._check()

    @staticmethod
    def _exclusions(value: Any) -> tuple[Exclusion, ...]:
        items = (value,) if isinstance(value, (str, Exclusion)) else tuple(value or ())
        out = [i if isinstance(i, Exclusion) else Exclusion.parse(str(i)) for i in items]
        if len(out) > MAX_FILTER_VALUES:
            raise QueryError(f"too many exclusions (the limit is {MAX_FILTER_VALUES})")
        return tuple(dict.fromkeys(out))

    @staticmethod
    def _facet_names(value: Any) -> tuple[FacetName, ...]:
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)
        names = [str(n).strip().lower() for n in items if str(n).strip()]
        if names == ["none"]:
            return ()
        unknown = [n for n in names if n not in FACET_NAMES]
        if unknown:
            raise QueryError(f"unknown facet {unknown[0]!r} (facets: {', '.join(FACET_NAMES)})")
        return tuple(dict.fromkeys(names))  # type: ignore[arg-type]

    def _check(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            choices = literal_choices(f)
            if choices and value not in choices:
                raise QueryError(f"{f.name} must be one of {', '.join(choices)}, not {value!r}")
            low, high = f.metadata.get("min"), f.metadata.get("max")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if (low is not None and value < low) or (high is not None and value > high):
                raise QueryError(f"{f.name} must be between {low} and {high}, not {value}")
        if not self.timeout > 0:
            raise QueryError(f"timeout must be more than 0 seconds, not {self.timeout}")
        if self.page * self.limit > MAX_DEPTH:
            raise QueryError(f"page {self.page} is too deep (results stop at {MAX_DEPTH:,})")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(f"date_from {self.date_from} is after date_to {self.date_to}")

    # -- derived values --

    def facet_filters(self) -> Iterator[tuple[FacetName, str]]:
        """Every (facet, value) an article must carry, in a stable order."""
        for name in FACET_NAMES:
            for value in getattr(self, name):
                yield name, value

    @property
    def offset(self) -> int:
        """How many results come before this page."""
        return (self.page - 1) * self.limit

    @property
    def depth(self) -> int:
        """How many results this page needs ranked (page x limit)."""
        return self.page * self.limit

    def replace(self, **changes: Any) -> SearchRequest:
        """A copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)


def literal_choices(f: dataclasses.Field[Any]) -> tuple[str, ...]:
    """The values a ``Literal`` field allows (``()`` for other fields)."""
    hint = {
        "sort": Sort,
        "match": Match,
        "interval": IntervalChoice,
    }.get(f.name)
    return tuple(get_args(hint)) if hint is not None else ()


def request_fields() -> tuple[dataclasses.Field[Any], ...]:
    """The fields of :class:`SearchRequest`, in order (for generating CLI and HTTP options)."""
    return dataclasses.fields(SearchRequest)


def defaults() -> Mapping[str, Any]:
    """Each option's default value, by field name."""
    return {f.name: f.default for f in request_fields()}


__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_DEPTH",
    "MAX_FACET_LIMIT",
    "MAX_FILTER_VALUES",
    "MAX_LIMIT",
    "Exclusion",
    "IntervalChoice",
    "Match",
    "SearchRequest",
    "Sort",
    "defaults",
    "literal_choices",
    "parse_half_life",
    "request_fields",
]
