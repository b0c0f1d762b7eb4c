"""Tests for searchlib.dates: strict parsing, day/month order, and the looks-like-a-date check."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchlib.dates import (
    MAX_FUTURE_DAYS,
    DateOrder,
    check_plausible,
    looks_like_date,
    parse_date,
)
from searchlib.errors import InputError, SearchlibError

OCT_7 = dt.date(2016, 10, 7)


@pytest.mark.parametrize(
    "text",
    [
        "07/10/2016",
        "7/10/2016",
        "07-10-2016",
        "07.10.2016",
        "  07/10/2016  ",
        "07/10/2016 14:30",
        "2016-10-07",
        "2016-10-07T15:01:01",
        "2016-10-07T15:01:01Z",
        "2016-10-07T15:01:01.79+05:30",
        "2016-10-07 15:01",
        "2016/10/07",
        "7 October 2016",
        "7 october 2016",
        "October 7, 2016",
        "Oct 7 2016",
        "Oct. 7, 2016",
        "7 Oct. 2016",
        "7 Oct 2016",
        "Friday, 7 October 2016",
        "Friday, October 7, 2016",
        "Fri 07 Oct 2016",
        "7th October 2016",
        "7th of October, 2016",
        "October 7th, 2016",
        "Oct 7, 2016 at 2:30 pm GMT",
        "7 October 2016, 14:30 BST",
    ],
)
def test_forms_of_7_october_2016(text: str) -> None:
    assert parse_date(text) == OCT_7
    assert looks_like_date(text)


def test_day_month_order() -> None:
    assert parse_date("07/10/2016") == dt.date(2016, 10, 7)
    assert parse_date("07/10/2016", order=DateOrder.DMY) == dt.date(2016, 10, 7)
    assert parse_date("07/10/2016", order=DateOrder.MDY) == dt.date(2016, 7, 10)
    assert parse_date("07/10/2016", order="mdy") == dt.date(2016, 7, 10)
    assert parse_date("07/10/2016", order="MDY") == dt.date(2016, 7, 10)
    assert parse_date("1/2/2016", order="mdy") == dt.date(2016, 1, 2)  # FA-KES style M/D/YYYY


@pytest.mark.parametrize("order", list(DateOrder))
def test_iso_is_always_iso(order: DateOrder) -> None:
    assert parse_date("2016-02-03", order=order) == dt.date(2016, 2, 3)
    assert parse_date("1987-02-26T15:01:01", order=order) == dt.date(1987, 2, 26)
    assert parse_date("2016/02/03", order=order) == dt.date(2016, 2, 3)


@pytest.mark.parametrize("order", list(DateOrder))
def test_month_names_ignore_the_order(order: DateOrder) -> None:
    assert parse_date("3 February 2016", order=order) == dt.date(2016, 2, 3)
    assert parse_date("Feb 3, 2016", order=order) == dt.date(2016, 2, 3)


@pytest.mark.parametrize(
    ("text", "order", "message"),
    [
        ("13/13/2016", "dmy", "impossible date '13/13/2016' (day/month order dmy)"),
        ("31/02/2016", "dmy", "impossible date '31/02/2016' (day/month order dmy)"),
        ("10/13/2016", "dmy", "impossible date '10/13/2016' (day/month order dmy)"),
        ("13/10/2016", "mdy", "impossible date '13/10/2016' (day/month order mdy)"),
        ("00/10/2016", "dmy", "impossible date '00/10/2016' (day/month order dmy)"),
        ("29/02/2015", "dmy", "impossible date '29/02/2015' (day/month order dmy)"),
        ("2016-02-30", "dmy", "impossible date '2016-02-30'"),
        ("2016-13-01", "mdy", "impossible date '2016-13-01'"),
        ("31 February 2016", "dmy", "impossible date '31 February 2016'"),
        ("February 30, 2016", "mdy", "impossible date 'February 30, 2016'"),
    ],
)
def test_impossible_dates_are_errors_never_swaps(text: str, order: str, message: str) -> None:
    assert looks_like_date(text)
    with pytest.raises(InputError) as caught:
        parse_date(text, order=order)
    assert str(caught.value).startswith(message)


def test_impossible_date_hints_at_the_other_order() -> None:
    with pytest.raises(InputError, match="valid with order mdy"):
        parse_date("10/13/2016")
    with pytest.raises(InputError) as caught:
        parse_date("13/13/2016")
    assert "valid with" not in str(caught.value)


def test_leap_day_and_month_spellings() -> None:
    assert parse_date("29/02/2016") == dt.date(2016, 2, 29)
    assert parse_date("7 Sept 2016") == dt.date(2016, 9, 7)
    assert parse_date("Sep 7, 2016") == dt.date(2016, 9, 7)
    assert parse_date("May 7 2016") == dt.date(2016, 5, 7)


@pytest.mark.parametrize("text", ["07/10/16", "7 Oct 16", "Oct 7, 16"])
def test_two_digit_years_are_rejected(text: str) -> None:
    assert looks_like_date(text)
    with pytest.raises(InputError, match="two-digit year"):
        parse_date(text)


def test_year_last_under_ymd_is_rejected() -> None:
    with pytest.raises(InputError, match="year last"):
        parse_date("07/10/2016", order=DateOrder.YMD)


def test_weekday_must_match() -> None:
    with pytest.raises(InputError, match="2016-10-07 is a Friday"):
        parse_date("Monday, 7 October 2016")


@pytest.mark.parametrize("text", ["07/10/2016 25:00", "2016-10-07T24:30", "Oct 7, 2016 13:00 pm"])
def test_impossible_times(text: str) -> None:
    with pytest.raises(InputError, match="impossible time"):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Hello world", "yesterday", "2016", "October 2016", "7/10", "32 Octember 2016"],
)
def test_unparseable(text: str) -> None:
    with pytest.raises(InputError):
        parse_date(text)


def test_errors_are_searchlib_errors_with_one_line_messages() -> None:
    with pytest.raises(SearchlibError) as caught:
        parse_date("Hello world")
    assert "\n" not in str(caught.value)
    assert "'Hello world'" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "Hello world",
        "",
        "10 people died",
        "Chelsea sack Mutu",
        "Trends [Syria unrest](#)",
        "On 7 October 2016 Lavrov said that Russia is ready.",
        "1,750 to 1,780 dlrs",
        "3.5 pct",
        "x" * 500,
    ],
)
def test_does_not_look_like_a_date(text: str) -> None:
    assert not looks_like_date(text)


def test_unknown_order() -> None:
    with pytest.raises(ValueError, match="unknown date order"):
        parse_date("07/10/2016", order="ydm")
    assert DateOrder.coerce("dmy") is DateOrder.DMY
    assert DateOrder.coerce(DateOrder.MDY) is DateOrder.MDY


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_round_trip_every_order(day: dt.date) -> None:
    assert parse_date(day.isoformat(), order="mdy") == day
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}") == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}", order="mdy") == day
    assert parse_date(f"{day.day}.{day.month}.{day.year}") == day
    assert parse_date(day.strftime("%A, %d %B %Y")) == day
    assert parse_date(day.strftime("%b %d, %Y")) == day


# -- plausibility --------------------------------------------------------------------------------


def test_a_date_up_to_a_year_ahead_is_plausible() -> None:
    today = dt.date(2024, 2, 29)
    for value in (dt.date(1066, 10, 14), today, today + dt.timedelta(days=MAX_FUTURE_DAYS)):
        check_plausible(value, today=today)
    check_plausible(dt.datetime(2024, 3, 1, 12, 0), today=today)
    assert MAX_FUTURE_DAYS == 366


def test_a_date_more_than_a_year_ahead_is_refused() -> None:
    today = dt.date(2024, 2, 29)
    with pytest.raises(InputError) as caught:
        check_plausible(today + dt.timedelta(days=MAX_FUTURE_DAYS + 1), today=today)
    assert str(caught.value) == "implausible date 2025-03-02: more than a year in the future"
    with pytest.raises(InputError) as caught:
        check_plausible(dt.date(2916, 10, 7), text="  07/10/2916 ", today=today)
    assert str(caught.value) == (
        "implausible date '07/10/2916' (2916-10-07): more than a year in the future"
    )
    with pytest.raises(InputError, match=r"^implausible date 9999-12-31: more than a year"):
        check_plausible(dt.date(9999, 12, 31), text="9999-12-31")


def test_plausibility_is_judged_against_today_by_default() -> None:
    check_plausible(dt.date.today() + dt.timedelta(days=MAX_FUTURE_DAYS))
    with pytest.raises(InputError):
        check_plausible(dt.date.today() + dt.timedelta(days=MAX_FUTURE_DAYS + 1))


def test_parse_date_itself_accepts_future_dates() -> None:
    """Queries parse dates too, and may well ask about the future; only readers refuse them."""
    assert parse_date("07/10/2916") == dt.date(2916, 10, 7)
