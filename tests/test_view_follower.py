"""The views and detectors of ``casetrail consume``, in a process of their own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.processes.view_follower import ViewFollower
from casetrail.adapters.settings import Settings
from casetrail.projections.findings import Finding
from tests.conftest import all_scenario_lines, inputs

ROOT = Path(__file__).resolve().parent.parent


def expected_case_refs(lines: list[bytes]) -> set[str]:
    """Every case the samples' helpdesks opened, and the three incidents the detectors find in them
    (``scenarios/README.md``): the overbooked night, the card rejections, the twenty contacts."""
    events = [json.loads(line) for line in lines]
    opened = {e["data"]["case_ref"] for e in events if e["type"] == "case.opened"}
    found = {Finding(detector, incident, opened_at="", factors=()).case_ref for detector, incident in [
        ("overbooking", "seaside:standard/2019-06-21"),
        ("payment_failures", "krzysztof/web:checkout#pay-1"),
        ("service_signals", "cust-3307"),
    ]}
    return opened | found


def test_the_follower_finds_the_same_cases_as_catching_up_in_process(database_url: str, tmp_path: Path) -> None:
    lines = all_scenario_lines()
    followed = bootstrap(Settings(database_url=database_url))
    inline = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'inline.db'}"))
    try:
        follower = ViewFollower(followed.settings)
        follower.start()
        assert followed.ingestion.ingest(inputs(lines), backfill=True).accepted == len(lines)
        follower.stop()  # returns once it has caught up with everything stored before
        assert inline.ingestion.ingest(inputs(lines), backfill=True).accepted == len(lines)
        inline.catch_up()

        assert followed.cases.list_cases() == inline.cases.list_cases()
        assert {case["case_ref"] for case in followed.cases.list_cases()} == expected_case_refs(lines)
        assert followed.catch_up() == 0, "the follower left nothing to apply"
    finally:
        followed.close()
        inline.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of this process that exited stays a zombie until reaped: it is gone all the same.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(") ", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def _start_parent(database_url: str, then: str) -> tuple[subprocess.Popen[bytes], int]:
    """A process that starts a follower, prints its pid, then runs ``then``."""
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from casetrail.adapters.logs import configure_logging\n"
         "from casetrail.adapters.settings import Settings\n"
         "from casetrail.adapters.processes.view_follower import ViewFollower\n"
         "configure_logging()\n"
         "follower = ViewFollower(Settings(database_url=sys.argv[1]))\n"
         "follower.start()\n"
         "print(follower.pid, flush=True)\n"
         f"{then}\n",
         database_url],
        cwd=ROOT, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    return parent, int(parent.stdout.readline())


def _ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


def test_a_follower_whose_parent_is_killed_ends_by_itself(sqlite_url: str) -> None:
    parent, follower_pid = _start_parent(sqlite_url, "time.sleep(60)")
    time.sleep(1.0)  # long enough for the follower to be up and idle
    assert _alive(follower_pid)
    parent.kill()
    parent.wait()
    assert _ends_within(follower_pid, 20), "the follower outlived its killed parent"


def test_a_parent_that_leaves_without_stopping_its_follower_ends_with_it(sqlite_url: str) -> None:
    parent, follower_pid = _start_parent(sqlite_url, "time.sleep(1.0)")
    assert parent.wait(timeout=20) == 0
    assert _ends_within(follower_pid, 20)


def test_a_follower_sent_sigterm_ends(sqlite_url: str) -> None:
    parent, follower_pid = _start_parent(sqlite_url, "time.sleep(60)")
    try:
        time.sleep(1.0)
        for _ in range(5):  # whatever it is doing when the signal lands
            os.kill(follower_pid, signal.SIGTERM)
            time.sleep(0.05)
        assert _ends_within(follower_pid, 20)
    finally:
        parent.kill()
        parent.wait()
