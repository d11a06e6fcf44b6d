"""Any arrival order, with repeats, gives the same cases and reports apart
from when casetrail recorded each event."""

from __future__ import annotations

import json
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.conftest import all_scenario_lines, inputs

LINES = all_scenario_lines()


def reports_apart_from_recorded_at(lines: list[bytes], batch_size: int, follow: bool = False) -> list[dict[str, Any]]:
    """``follow``: views and detectors catch up after every batch, seeing the incidents grow."""
    with tempfile.TemporaryDirectory() as folder:
        system = bootstrap(Settings(database_url=f"sqlite:///{folder}/casetrail.db"))
        try:
            system.ingestion.ingest(inputs(lines), batch_size=batch_size, backfill=True,
                                    on_batch=(lambda _: system.catch_up()) if follow else None)
            system.catch_up()
            reports = [system.cases.case_report(c["case_ref"]) for c in system.cases.list_cases()]
        finally:
            system.close()
    for report in reports:
        for entry in report["timeline"]:
            del entry["recorded_at"]
    return reports


IN_FILE_ORDER = json.dumps(reports_apart_from_recorded_at(LINES, batch_size=500), sort_keys=True)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(LINES),
    repeats=st.lists(st.sampled_from(LINES), max_size=30),
    batch_size=st.integers(min_value=1, max_value=300),
)
def test_any_arrival_order_with_repeats_gives_the_same_reports(
    order: list[bytes], repeats: list[bytes], batch_size: int
) -> None:
    reports = reports_apart_from_recorded_at([*order, *repeats], batch_size)
    assert json.dumps(reports, sort_keys=True) == IN_FILE_ORDER


@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_a_live_feed_in_time_order_caught_up_after_every_batch_gives_the_same_reports(batch_size: int) -> None:
    # Detectors then see each incident grow piece by piece, as in production.
    reports = reports_apart_from_recorded_at(LINES, batch_size, follow=True)
    assert json.dumps(reports, sort_keys=True) == IN_FILE_ORDER
