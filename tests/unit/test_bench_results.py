"""The benchmark table and its JSON come from the same rows: every row printed is an object written,
with the same figure name and the numbers behind the text."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from benchmarks.results import Results


def test_the_json_holds_each_row_of_the_table_with_its_numbers(tmp_path: Path) -> None:
    results = Results("a run")
    results.add("ingest 10 events, SQLite", "5,000 events/s", "8,000 stored/s: the recorder", "≥ 0.6",
                value=5000.0, unit="events/s", baseline=8000.0, ratio=0.625)
    results.add("verify, SQLite", "4 s", "raw read", "≥ 0.5", value=250.0, unit="events/s", baseline=400.0,
                ratio=0.625, ratio_shown="0.62 (rounds 0.60, 0.62)")
    results.add("CPU µs per event by stage", "reading 5.4, hashing 1.2", value=None, unit="µs per event")
    results.write_json(tmp_path / "bench.json")

    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert written == [
        {"figure": "ingest 10 events, SQLite", "value": 5000.0, "unit": "events/s", "baseline": 8000.0,
         "ratio": 0.625, "target": "≥ 0.6"},
        {"figure": "verify, SQLite", "value": 250.0, "unit": "events/s", "baseline": 400.0, "ratio": 0.625,
         "target": "≥ 0.5"},
        {"figure": "CPU µs per event by stage", "value": None, "unit": "µs per event", "baseline": None,
         "ratio": None, "target": ""},
    ]
    console = Console(width=200, record=True)
    console.print(results.table())
    shown = console.export_text()
    assert all(row["figure"] in shown for row in written)
    assert "0.62 (rounds 0.60, 0.62)" in shown
