"""A time axis for the server's SVG: moments to x, and ticks at round intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Tick intervals, smallest first: the first that gives at most MAX_TICKS ticks is used.
STEPS = [timedelta(minutes=m) for m in (1, 5, 10, 15, 30)] + [timedelta(hours=h) for h in (1, 2, 3, 6, 12)] + [
    timedelta(days=d) for d in (1, 2, 7, 14, 30, 91, 182, 365)]
MAX_TICKS = 9


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class TimeAxis:
    start: datetime
    end: datetime
    left: float
    right: float

    @classmethod
    def spanning(cls, moments: list[datetime], left: float, right: float) -> TimeAxis:
        first, last = min(moments), max(moments)
        pad = max((last - first) * 0.03, timedelta(minutes=1))
        return cls(first - pad, last + pad, left, right)

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return round(self.left + (moment - self.start).total_seconds() / span * (self.right - self.left), 1)

    def ticks(self) -> list[Tick]:
        span = self.end - self.start
        step = next((s for s in STEPS if span / s <= MAX_TICKS), STEPS[-1] * (span // (STEPS[-1] * MAX_TICKS) + 1))
        epoch = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: weekly ticks fall on Mondays
        moment = epoch + ((self.start - epoch) // step + 1) * step
        shown = "%Y-%m-%d" if step >= timedelta(days=1) else "%m-%d %H:%M"
        ticks = []
        while moment < self.end:
            ticks.append(Tick(self.x(moment), moment.astimezone(UTC).strftime(shown)))
            moment += step
        return ticks
