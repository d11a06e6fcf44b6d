"""The figures of a benchmark run: the table ``make bench`` prints, and the same rows as JSON
(``python -m benchmarks --json FILE``) for whoever compares runs or charts them.

Each row is declared once, with its numbers and the text the table shows of them, so the table and
the JSON never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table


@dataclass(frozen=True)
class Figure:
    figure: str  # what was measured: the table's first column, and the JSON's name for the row
    value: float | None  # the measured number, in ``unit`` (None for a row of text only)
    unit: str
    baseline: float | None  # the baseline measured in the same run, in ``unit``, where the row has one
    ratio: float | None  # the figure against its baseline, as the target reads it
    target: str
    shown: str  # the table's columns: casetrail, the baseline, the ratio
    baseline_shown: str
    ratio_shown: str

    def document(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "unit": self.unit, "baseline": self.baseline,
                "ratio": self.ratio, "target": self.target}


class Results:
    def __init__(self, title: str) -> None:
        self.title = title
        self.figures: list[Figure] = []

    def add(self, figure: str, shown: str, baseline_shown: str = "", target: str = "", *,
            value: float | None, unit: str, baseline: float | None = None, ratio: float | None = None,
            ratio_shown: str | None = None) -> None:
        """A row; its ratio is shown to two places unless ``ratio_shown`` says more (the rounds)."""
        if ratio_shown is None:
            ratio_shown = "" if ratio is None else f"{ratio:.2f}"
        self.figures.append(Figure(figure, value, unit, baseline, ratio, target, shown, baseline_shown, ratio_shown))

    def table(self) -> Table:
        table = Table("figure", "casetrail", "baseline, same run", "ratio", "target", title=self.title)
        for row in self.figures:
            table.add_row(row.figure, row.shown, row.baseline_shown, row.ratio_shown, row.target)
        return table

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps([row.document() for row in self.figures], indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
