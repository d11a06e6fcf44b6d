"""The desk's business hours, and time counted in them: pure arithmetic, no I/O.

A week is seven lists of working windows (Monday first), each a pair of minutes
of the local day (``540, 1020`` is 09:00 to 17:00; the end may be 1440, midnight).
Windows are laid on local dates in the desk's IANA time zone, so a day that
changes the clocks still works from 09:00 to 17:00 local time; holidays (local
dates) have no windows. Every instant in and out is timezone-aware; those out are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Window = tuple[int, int]  # minutes of the local day: start < end <= 1440
# Counting stops this many days past its start: a week with no working window never ends.
LONGEST_SPAN_DAYS = 3660


@dataclass(frozen=True)
class BusinessHours:
    zone: ZoneInfo
    week: tuple[tuple[Window, ...], ...]  # seven entries, Monday first
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("business hours: a week has seven days")
        for windows in self.week:
            for start, end in windows:
                if not 0 <= start < end <= 1440:
                    raise ValueError(f"business hours: {start}-{end} is not a window of a day's minutes")


def parse_window(text: str) -> Window:
    """``"09:00-17:00"`` as minutes of the day; ``"24:00"`` may end a window."""
    try:
        first, last = text.split("-")
        start, end = _minutes(first), _minutes(last)
    except ValueError:
        raise ValueError(f"{text!r} is not a window such as '09:00-17:00'") from None
    if not 0 <= start < end <= 1440:
        raise ValueError(f"{text!r}: the window must start before it ends, within one day")
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if len(minutes) != 2 or not 0 <= int(minutes) < 60 or not 0 <= int(hours) <= 24:
        raise ValueError(text)
    return int(hours) * 60 + int(minutes)


def windows_of(hours: BusinessHours, day: date) -> list[tuple[datetime, datetime]]:
    """The working windows of the local date ``day``, as aware instants (none on a holiday)."""
    if day in hours.holidays:
        return []
    midnight = datetime.combine(day, time(), hours.zone)
    # In UTC: instants of one zone subtract as wall-clock times, which a change of the clocks breaks.
    return [(_at(midnight, start).astimezone(UTC), _at(midnight, end).astimezone(UTC))
            for start, end in sorted(hours.week[day.weekday()])]


def _at(midnight: datetime, minutes: int) -> datetime:
    """The local wall-clock time ``minutes`` after ``midnight`` (1440: the next midnight)."""
    day = midnight.date() + timedelta(days=minutes // 1440)
    minutes %= 1440
    return datetime.combine(day, time(minutes // 60, minutes % 60), midnight.tzinfo)


def _days_from(hours: BusinessHours, start: datetime) -> Iterator[date]:
    # A window of the day before may reach past midnight in another zone's reckoning: start a day early.
    first = start.astimezone(hours.zone).date() - timedelta(days=1)
    for offset in range(LONGEST_SPAN_DAYS):
        yield first + timedelta(days=offset)


def business_time(hours: BusinessHours, start: datetime, end: datetime) -> timedelta:
    """The working time between ``start`` and ``end`` (zero when ``end`` is not after ``start``)."""
    counted, start, end = timedelta(), start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return counted
    last_day = end.astimezone(hours.zone).date()
    for day in _days_from(hours, start):
        if day > last_day:
            break
        for open_at, close_at in windows_of(hours, day):
            overlap = min(close_at, end) - max(open_at, start)
            if overlap > timedelta():
                counted += overlap
    return counted


def add_business_time(hours: BusinessHours, start: datetime, amount: timedelta) -> datetime | None:
    """The instant at which ``amount`` of working time, counted from ``start``, has passed; None when
    the hours have no working window within ``LONGEST_SPAN_DAYS``. Zero is ``start`` itself."""
    if amount <= timedelta():
        return start
    left, start = amount, start.astimezone(UTC)
    for day in _days_from(hours, start):
        for open_at, close_at in windows_of(hours, day):
            begin = max(open_at, start)
            if close_at <= begin:
                continue
            if left <= close_at - begin:
                return begin + left
            left -= close_at - begin
    return None
