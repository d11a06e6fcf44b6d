"""A case's timeline as swimlanes: one lane per department, entries placed by when they occurred on
one time axis shared by every lane, the factors' evidence marked. Geometry only; the template draws it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casetrail.adapters.http.pages.palette import colour
from casetrail.adapters.http.pages.time_axis import Tick, TimeAxis

WIDTH = 1200
LABEL_WIDTH = 190  # the lanes' names, in text beside their colour
RIGHT_MARGIN = 20
AXIS_HEIGHT = 34
ROW_HEIGHT = 22  # entries too close to sit side by side stack in rows within their lane
LANE_PADDING = 14
MIN_GAP = 18  # the least distance between two entries of one row
TIP_WIDTH = 430
TIP_HEIGHT = 92


@dataclass
class Entry:
    index: int  # its place in the timeline: the id of its row in the table below the lanes
    x: float
    y: float
    source: str
    id: str
    type: str
    summary: str
    actor: str | None
    occurred_at: str
    reported_at: str
    recorded_at: str
    department: str
    factors: list[int]  # the factor cards whose evidence it is
    tip_x: float = 0.0
    tip_y: float = 0.0

    @property
    def evidence(self) -> bool:
        return bool(self.factors)

    @property
    def classes(self) -> str:
        return " ".join(["entry", *(["evidence"] if self.factors else []), *(f"ev-{i}" for i in self.factors)])


@dataclass
class Lane:
    department: str
    colour: str
    top: float
    height: float
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Swimlanes:
    lanes: list[Lane]
    ticks: list[Tick]
    width: int
    height: float
    plot_left: float
    plot_right: float
    axis_y: float


def evidence_keys(factors: list[dict[str, Any]]) -> dict[tuple[str, str], list[int]]:
    """Each evidence event and the factors (by their place in the report) it is evidence of."""
    keys: dict[tuple[str, str], list[int]] = {}
    for number, factor in enumerate(factors):
        for item in factor["evidence"]:
            keys.setdefault((item["source"], item["id"]), []).append(number)
    return keys


def swimlanes(timeline: list[dict[str, Any]], factors: list[dict[str, Any]],
              whole: list[dict[str, Any]] | None = None) -> Swimlanes | None:
    """The lanes of ``timeline``, on the time axis of ``whole`` (the case as it is now, by default the
    timeline itself): a view of an earlier moment keeps every entry where it was."""
    if not timeline:
        return None
    departments = list(dict.fromkeys(entry["department"] for entry in timeline))  # in order of first appearance
    moments = [datetime.fromisoformat(entry["occurred_at"]) for entry in timeline]
    span = [datetime.fromisoformat(entry["occurred_at"]) for entry in whole or timeline]
    axis = TimeAxis.spanning(span + moments, LABEL_WIDTH, WIDTH - RIGHT_MARGIN)
    marked = evidence_keys(factors)
    lanes: list[Lane] = []
    top = float(AXIS_HEIGHT)
    for number, department in enumerate(departments):
        lane = Lane(department, colour(number), top, 0.0)
        rows: list[float] = []  # the x of each row's last entry
        for index, (entry, moment) in enumerate(zip(timeline, moments, strict=True)):
            if entry["department"] != department:
                continue
            x = axis.x(moment)
            row = next((r for r, last in enumerate(rows) if x - last >= MIN_GAP), len(rows))
            if row == len(rows):
                rows.append(x)
            rows[row] = x
            lane.entries.append(Entry(
                index, x, top + LANE_PADDING + row * ROW_HEIGHT + ROW_HEIGHT / 2, entry["source"], entry["id"],
                entry["type"], entry["summary"], entry["actor"], entry["occurred_at"], entry["reported_at"],
                entry["recorded_at"], department, marked.get((entry["source"], entry["id"]), [])))
        lane.height = 2 * LANE_PADDING + len(rows) * ROW_HEIGHT
        lanes.append(lane)
        top += lane.height
    for lane in lanes:
        for placed in lane.entries:
            # The details shown on focus sit beside the entry, inside the drawing.
            placed.tip_x = placed.x + 12 if placed.x + 12 + TIP_WIDTH <= WIDTH else placed.x - 12 - TIP_WIDTH
            placed.tip_y = max(4.0, min(placed.y - 10, top - TIP_HEIGHT))
    return Swimlanes(lanes, axis.ticks(), WIDTH, max(top + 8, TIP_HEIGHT + 12), LABEL_WIDTH, WIDTH - RIGHT_MARGIN,
                     AXIS_HEIGHT - 6)
