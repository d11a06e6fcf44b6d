"""The detectors' helper process, which checks half the nights of a large backlog."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters import hotel_bookings
from adapters.bootstrap import System, bootstrap
from adapters.settings import Settings
from services import detection
from tests.conftest import all_scenario_lines, inputs
from tests.test_hotel_bookings import SLICE
from tests.test_view_follower import ROOT, _alive, _children, _ends_within


def _loaded(url: str) -> System:
    system = bootstrap(Settings(database_url=url))
    lines = all_scenario_lines() + list(hotel_bookings.events(hotel_bookings.read_stays(str(SLICE))))
    assert system.ingestion.ingest(inputs(lines), backfill=True).rejected == 0
    return system


def _findings(system: System) -> tuple[object, ...]:
    factors = system.view_store.query("SELECT * FROM report_factors ORDER BY case_ref, code, department, subject")
    return system.cases.list_cases(), factors


def test_the_helper_finds_what_the_detectors_find_alone(database_url: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detection, "SHARE_FROM_NIGHTS", 1)
    shared, alone = _loaded(database_url), _loaded(f"sqlite:///{tmp_path / 'alone.db'}")
    try:
        alone.detectors.helper = None
        shared.catch_up()
        alone.catch_up()
        assert shared.helper._pool is not None, "the helper was not asked"
        assert _findings(shared) == _findings(alone)
        assert sum(case["category"] == "overbooking" for case in shared.cases.list_cases()) >= 2
    finally:
        shared.close()
        alone.close()


def test_a_helper_whose_parent_is_killed_ends_by_itself(sqlite_url: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from adapters.night_helper import ProcessNightHelper\n"
         "from adapters.settings import Settings\n"
         "if __name__ == '__main__':\n"
         "    ProcessNightHelper(Settings(database_url=sys.argv[1])).start()\n"
         "    time.sleep(60)\n",
         sqlite_url],
        cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while len(children := _children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # the pool's process and multiprocessing's resource tracker
        assert children, "the helper did not start"
    finally:
        parent.kill()
        parent.wait()
    assert all(_ends_within(child, 20) for child in children), "the helper outlived its killed parent"
    assert not any(_alive(child) for child in children)
