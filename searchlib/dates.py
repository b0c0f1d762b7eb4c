"""Strict date parsing with a configurable day/month order.

News archives write dates in many ways: ``2016-10-07``, ``07/10/2016`` (day first, most of the
world), ``10/07/2016`` (month first, US outlets), ``7 October 2016``, ``Friday, October 7, 2016``.
:func:`parse_date` reads all of these, and is strict about it:

* ISO dates and datetimes (``1987-02-26``, ``1987-02-26T15:01:01Z``) are always year-month-day,
  whatever the configured order.
* All-numeric dates with the year last (``dd/mm/yyyy``, ``d/m/yyyy``, ``dd-mm-yyyy``,
  ``dd.mm.yyyy``) follow the configured :class:`DateOrder`.
* Dates with an English month name are unambiguous and ignore the order.
* An impossible date (``13/13/2016``, ``31/02/2016``) raises :class:`~searchlib.errors.InputError`;
  the day and month are never silently swapped. Two-digit years are rejected as ambiguous.
* A time of day after the date is allowed and ignored; the date is returned as written (no time
  zone conversion).

:func:`check_plausible` is the one place that says whether a valid date is believable as the date
of an article: readers call it after :func:`parse_date`, and refuse a date more than
:data:`MAX_FUTURE_DAYS` days after today (``07/10/2916`` is a typo, and one such article would
stretch every date histogram by centuries). Queries do not call it: searching the future is fine.

:func:`looks_like_date` is the cheap shape check a reader uses to decide whether a line is meant to
be a date at all, so that ``13/13/2016`` is reported as a bad date rather than read as text.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from searchlib.errors import InputError

MAX_FUTURE_DAYS = 366
"""How many days after today an article's date may be (see :func:`check_plausible`)."""


class DateOrder(str, Enum):
    """The order of day, month and year in all-numeric dates such as ``07/10/2016``."""

    DMY = "dmy"
    """Day first: ``07/10/2016`` is 7 October 2016 (the default)."""
    MDY = "mdy"
    """Month first, as US outlets write: ``07/10/2016`` is 10 July 2016."""
    YMD = "ymd"
    """Year first: ``2016/10/07``. Numeric dates with the year last are rejected."""

    @classmethod
    def coerce(cls, value: DateOrder | str) -> DateOrder:
        """Return ``value`` as a :class:`DateOrder`, accepting ``"dmy"``, ``"MDY"`` and the like.

        Raises :class:`ValueError` naming the valid orders for anything else.
        """
        if isinstance(value, DateOrder):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(o.value for o in cls)
            raise ValueError(f"unknown date order {value!r} (use one of: {valid})") from None


def _name_table(groups: tuple[tuple[str, ...], ...], start: int) -> Mapping[str, int]:
    """Map every spelling in ``groups`` to its group's number, counting from ``start``."""
    return MappingProxyType(
        {name: number for number, names in enumerate(groups, start) for name in names}
    )


_MONTHS = _name_table(
    (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sept", "sep"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
)
_WEEKDAYS = _name_table(
    (
        ("monday", "mon"),
        ("tuesday", "tues", "tue"),
        ("wednesday", "wed"),
        ("thursday", "thurs", "thur", "thu"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    ),
    start=0,  # as date.weekday()
)
_WEEKDAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def _alternation(names: Mapping[str, int]) -> str:
    # Longest first, so that "sept" wins over "sep" and "thurs" over "thu".
    return "|".join(sorted(names, key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternation(_MONTHS)})\.?"
_WEEKDAY = rf"(?:(?P<weekday>{_alternation(_WEEKDAYS)})\.?,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?"
_YEAR = r"(?P<year>\d{2,4})"
_ZONE = r"(?:z|gmt|utc|[ecmp][sd]t|bst|cest|cet|eest|eet|msk|(?:gmt|utc)?[+-]\d{1,2}(?::?\d{2})?)"
# A time of day after a non-ISO date: ", 14:30", " at 2.30 pm", " 14:30:05 GMT".
_TIME = (
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    rf"(?:\s*(?P<ampm>[ap])\.?m\.?)?(?:\s*{_ZONE})?)?"
)

_ISO_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.IGNORECASE,
)
# Year first, but not strict ISO: 2016/10/07, 2016.10.07, 2016-1-7.
_YEAR_FIRST_RE = re.compile(
    r"(?P<year>\d{4})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _TIME,
    re.IGNORECASE,
)
# Year last: 07/10/2016, 7-10-2016, 07.10.2016 (and 07/10/16, to reject it clearly).
_YEAR_LAST_RE = re.compile(
    r"(?P<first>\d{1,2})(?P<sep>[/.-])(?P<second_field>\d{1,2})(?P=sep)(?P<year>\d{2,4})" + _TIME,
    re.IGNORECASE,
)
# 7 October 2016, Friday, 7 Oct. 2016, 7th of October, 2016.
_DAY_MONTH_RE = re.compile(
    _WEEKDAY + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + _TIME,
    re.IGNORECASE,
)
# October 7, 2016, Oct 7 2016, Friday, October 7th, 2016.
_MONTH_DAY_RE = re.compile(
    _WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + _TIME,
    re.IGNORECASE,
)

_SHAPES = (_ISO_RE, _YEAR_LAST_RE, _DAY_MONTH_RE, _MONTH_DAY_RE, _YEAR_FIRST_RE)
_MAX_DATE_LENGTH = 64
_DIGIT = re.compile(r"\d")
_EXAMPLES = "expected e.g. 2016-10-07, 07/10/2016 or 7 October 2016"


def looks_like_date(text: str) -> bool:
    """Tell whether ``text`` (one line) is written as a date, valid or not.

    This checks only the shape: ``13/13/2016`` and ``07/10/16`` look like dates (so a reader
    can report them), ``Hello world`` and ``10 people died`` do not. :func:`parse_date` gives
    the value.
    """
    if len(text) > _MAX_DATE_LENGTH * 2:
        return False
    normal = " ".join(text.split())
    if not normal or len(normal) > _MAX_DATE_LENGTH or not _DIGIT.search(normal):
        return False
    return any(shape.fullmatch(normal) for shape in _SHAPES)


def parse_date(text: str, *, order: DateOrder | str = DateOrder.DMY) -> _dt.date:
    """Parse one date written by a person or a program, strictly.

    ``order`` says how to read all-numeric dates with the year last (``07/10/2016`` is 7 October
    in the default :attr:`DateOrder.DMY`, 10 July in :attr:`DateOrder.MDY`). ISO dates and dates
    with a month name are unambiguous and ignore it. A trailing time of day is accepted and
    dropped.

    Raises :class:`~searchlib.errors.InputError` with a one-line message for an impossible date
    (``impossible date '13/13/2016' (day/month order dmy)``), a two-digit year, a weekday that
    does not match the date, or text that is not a date. Raises :class:`ValueError` for an
    unknown ``order``.
    """
    day_month_order = DateOrder.coerce(order)
    normal = " ".join(text.split())
    if not normal:
        raise InputError("empty date")
    if len(normal) > _MAX_DATE_LENGTH:
        raise InputError(f"unrecognised date {_clip(normal)!r}: too long; {_EXAMPLES}")

    match = _ISO_RE.fullmatch(normal)
    if match:
        _check_time(match, normal)
        return _make_date(normal, int(match["year"]), int(match["month"]), int(match["day"]))

    match = _YEAR_LAST_RE.fullmatch(normal)
    if match:
        return _numeric_year_last(normal, match, day_month_order)

    match = _DAY_MONTH_RE.fullmatch(normal) or _MONTH_DAY_RE.fullmatch(normal)
    if match:
        _check_time(match, normal)
        year = _full_year(normal, match["year"])
        month = _MONTHS[match["month"].lower()]
        value = _make_date(normal, year, month, int(match["day"]))
        _check_weekday(normal, match["weekday"], value)
        return value

    match = _YEAR_FIRST_RE.fullmatch(normal)
    if match:
        _check_time(match, normal)
        return _make_date(normal, int(match["year"]), int(match["month"]), int(match["day"]))

    raise InputError(f"unrecognised date {normal!r}; {_EXAMPLES}")


def check_plausible(
    value: _dt.date, *, text: str | None = None, today: _dt.date | None = None
) -> None:
    """Refuse a valid date that cannot be an article's: more than a year in the future.

    Raises :class:`~searchlib.errors.InputError` (``implausible date 2916-10-07: more than a year
    in the future``) when ``value`` is more than :data:`MAX_FUTURE_DAYS` days after ``today``
    (default: the local date today). ``text``, the date as written, is quoted in the message when
    it differs from the ISO form. A datetime is judged by its date. Readers call this after
    :func:`parse_date`.
    """
    if isinstance(value, _dt.datetime):
        value = value.date()
    today = today or _dt.date.today()
    if (value - today).days <= MAX_FUTURE_DAYS:
        return
    shown = value.isoformat()
    written = " ".join(text.split()) if text is not None else shown
    if written != shown:
        shown = f"{_clip(written)!r} ({shown})"
    raise InputError(f"implausible date {shown}: more than a year in the future")


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date_bound(text: str, *, upper: bool) -> _dt.date:
    """A strict ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first day it covers, or the last
    (``upper=True``): ``2016`` is 2016-01-01 as a lower bound and 2016-12-31 as an upper one.

    This is how queries and date filters read dates. Raises
    :class:`~searchlib.errors.QueryError` for anything else, or an impossible date.
    """
    from searchlib.errors import QueryError

    m = _ISO_PARTIAL.match(text.strip())
    if not m:
        raise QueryError(f"bad date '{text}': use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if month is None:
            return _dt.date(year, 12, 31) if upper else _dt.date(year, 1, 1)
        if day is None:
            first = _dt.date(year, int(month), 1)
            if not upper:
                return first
            nxt = _dt.date(year + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
        return _dt.date(year, int(month), int(day))
    except ValueError:
        raise QueryError(f"impossible date '{text}'") from None


def _numeric_year_last(text: str, match: re.Match[str], order: DateOrder) -> _dt.date:
    year = _full_year(text, match["year"])
    if order is DateOrder.YMD:
        raise InputError(
            f"date {text!r} has the year last, which does not fit day/month order ymd"
            " (use dmy or mdy)"
        )
    _check_time(match, text)
    first, second = int(match["first"]), int(match["second_field"])
    day, month = (first, second) if order is DateOrder.DMY else (second, first)
    try:
        return _dt.date(year, month, day)
    except ValueError:
        pass
    message = f"impossible date {text!r} (day/month order {order.value})"
    other = DateOrder.MDY if order is DateOrder.DMY else DateOrder.DMY
    if _is_valid(year, day, month):
        message += f"; it would be valid with order {other.value}"
    raise InputError(message)


def _full_year(text: str, year: str) -> int:
    if len(year) == 2:
        raise InputError(f"ambiguous two-digit year in date {text!r}; write the year in full")
    if len(year) != 4:
        raise InputError(f"the year in date {text!r} must have four digits")
    return int(year)


def _is_valid(year: int, month: int, day: int) -> bool:
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _make_date(text: str, year: int, month: int, day: int) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise InputError(f"impossible date {text!r}") from None


def _check_time(match: re.Match[str], text: str) -> None:
    hour = match["hour"]
    if hour is None:
        return
    max_hour = 12 if match.groupdict().get("ampm") else 23
    second = match["second"]
    if int(hour) > max_hour or int(match["minute"]) > 59 or (second and int(second) > 60):
        raise InputError(f"impossible time of day in date {text!r}")


def _check_weekday(text: str, weekday: str | None, value: _dt.date) -> None:
    if weekday is None:
        return
    if _WEEKDAYS[weekday.lower()] != value.weekday():
        raise InputError(
            f"weekday in date {text!r} does not match: {value.isoformat()} is a "
            f"{_WEEKDAY_NAMES[value.weekday()]}"
        )


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "MAX_FUTURE_DAYS",
    "DateOrder",
    "check_plausible",
    "looks_like_date",
    "parse_date",
    "parse_date_bound",
]
