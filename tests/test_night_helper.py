"""The detectors' helper process, which checks half the nights of a large backlog."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.importers import hotel_bookings
from casetrail.adapters.settings import Settings
from casetrail.services import detection
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


def _command(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read().replace(b"\0", b" ").decode()


def test_a_helper_whose_parent_is_killed_ends_by_itself(sqlite_url: str) -> None:
    # The parent keeps its helper and has it answer once, so the helper's process is up, has opened
    # the views, and would wait for work for as long as the parent lives.
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from casetrail.adapters.processes.night_helper import ProcessNightHelper\n"
         "from casetrail.adapters.settings import Settings\n"
         "if __name__ == '__main__':\n"
         "    helper = ProcessNightHelper(Settings(database_url=sys.argv[1]))\n"
         "    print(helper.overbookings([]).result(), *helper._pool._processes, flush=True)\n"
         "    time.sleep(60)\n",
         sqlite_url],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        answer, worker = parent.stdout.readline().split()
        assert answer == "{}", "the helper did not answer"
        children = _children(parent.pid)
        # Exactly the pool's one spawned process and multiprocessing's resource tracker, both running.
        kinds = {child: _command(child) for child in children}
        assert len(children) == 2, kinds
        assert "from multiprocessing.spawn import spawn_main" in kinds[int(worker)]
        [tracker] = [child for child in children if child != int(worker)]
        assert "from multiprocessing.resource_tracker import main" in kinds[tracker]
        assert all(_alive(child) for child in children)
    finally:
        parent.kill()
        parent.wait()
    assert all(_ends_within(child, 20) for child in children), "the helper outlived its killed parent"
    assert not any(_alive(child) for child in children)
