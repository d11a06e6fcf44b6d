"""Time counted in the desk's business hours (``domain.business_hours``): pure arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.domain.business_hours import BusinessHours, add_business_time, business_time, parse_window

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE = ((540, 1020),)
WEEKDAYS_ONLY = BusinessHours(AMSTERDAM, (NINE_TO_FIVE,) * 5 + ((), ()), frozenset({date(2024, 12, 25)}))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def test_a_weekend_is_not_counted() -> None:
    # Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    assert business_time(WEEKDAYS_ONLY, local("2024-06-07T16:00"), local("2024-06-10T10:00")) == timedelta(hours=2)
    assert add_business_time(WEEKDAYS_ONLY, local("2024-06-07T16:00"), timedelta(hours=2)) == local("2024-06-10T10:00")


def test_a_holiday_is_not_counted() -> None:
    # Tuesday 24 December 16:30 plus one working hour: Christmas Day is a holiday, so Thursday 09:30.
    assert add_business_time(WEEKDAYS_ONLY, local("2024-12-24T16:30"), timedelta(hours=1)) == local("2024-12-26T09:30")
    assert business_time(WEEKDAYS_ONLY, local("2024-12-24T00:00"), local("2024-12-27T00:00")) == timedelta(hours=16)


def test_time_outside_the_hours_starts_at_the_next_window() -> None:
    assert add_business_time(WEEKDAYS_ONLY, local("2024-06-08T03:00"), timedelta(minutes=30)) == local("2024-06-10T09:30")
    assert add_business_time(WEEKDAYS_ONLY, local("2024-06-08T03:00"), timedelta()) == local("2024-06-08T03:00")
    assert business_time(WEEKDAYS_ONLY, local("2024-06-08T03:00"), local("2024-06-09T23:00")) == timedelta()


def test_a_change_of_the_clocks_keeps_the_local_working_day() -> None:
    # 31 March 2024 the Netherlands went to summer time; Monday still works 09:00-17:00 local, 07:00-15:00 UTC.
    friday_close = local("2024-03-29T17:00")
    monday_ten = add_business_time(WEEKDAYS_ONLY, friday_close, timedelta(hours=1))
    assert monday_ten == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    assert business_time(WEEKDAYS_ONLY, friday_close, monday_ten) == timedelta(hours=1)


def test_a_week_without_hours_never_reaches_a_target() -> None:
    closed = BusinessHours(UTC_ZONE, ((),) * 7)
    assert add_business_time(closed, local("2024-06-07T16:00"), timedelta(minutes=1)) is None


UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(("text", "window"), [("09:00-17:00", (540, 1020)), ("00:00-24:00", (0, 1440))])
def test_windows_are_read_from_text(text: str, window: tuple[int, int]) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["17:00-09:00", "9-17", "09:00-25:00", "09:60-10:00", ""])
def test_a_bad_window_is_refused_naming_it(text: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_window(text)


SPLIT_DAY = BusinessHours(AMSTERDAM, (((480, 720), (780, 1080)),) * 5 + (((600, 840),), ()),
                          frozenset({date(2024, 12, 25), date(2025, 1, 1)}))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC))
amounts = st.integers(min_value=0, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(start=instants, amount=amounts)
def test_adding_business_time_is_undone_by_measuring_it(start: datetime, amount: timedelta) -> None:
    end = add_business_time(SPLIT_DAY, start, amount)
    assert end is not None and end >= start
    assert business_time(SPLIT_DAY, start, end) == amount


@settings(max_examples=150, deadline=None)
@given(first=instants, second=instants, third=instants)
def test_business_time_adds_up_over_consecutive_spans(first: datetime, second: datetime, third: datetime) -> None:
    a, b, c = sorted([first, second, third])
    assert business_time(SPLIT_DAY, a, c) == business_time(SPLIT_DAY, a, b) + business_time(SPLIT_DAY, b, c)
    assert business_time(SPLIT_DAY, a, c) <= c - a
