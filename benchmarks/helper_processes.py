"""Whether the hotel import's helper processes earn their place: the import with both, then
without each, back to back on fresh stores; each must save at least 15% of the import's time."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks.import_rate import DATA_SET, _worker
from benchmarks.import_worker import HELPERS
from benchmarks.stores import fresh_store

TARGET_SAVING = 0.15


@dataclass(frozen=True)
class HelperFigures:
    store: str
    with_both_s: float
    without_s: dict[str, float]  # by helper

    def saving(self, helper: str) -> float:
        return 1 - self.with_both_s / self.without_s[helper]


def measure_helpers(kind: str, rounds: int = 1) -> HelperFigures:
    """The median of ``rounds`` rounds, each timing the three variants in turn, so that the
    machine's drift falls on all three alike."""
    timings: dict[str, list[float]] = {"": [], **{helper: [] for helper in HELPERS}}
    for _ in range(rounds):
        for helper, seconds in timings.items():
            with fresh_store(kind) as url:
                flags = ["--without", helper] if helper else []
                seconds.append(_worker("benchmarks.import_worker", url, str(DATA_SET), *flags)["seconds"])
    return HelperFigures(kind, statistics.median(timings[""]),
                         {helper: statistics.median(timings[helper]) for helper in HELPERS})


def table_rows(figures: HelperFigures, label: str) -> list[tuple[str, str, str, str, str]]:
    return [(f"hotel import without the {helper} process, {label}",
             f"{figures.with_both_s:.0f} s with it",
             f"{figures.without_s[helper]:.0f} s without it, same run",
             f"saves {figures.saving(helper):.0%}", f"saves ≥ {TARGET_SAVING:.0%}")
            for helper in HELPERS]

