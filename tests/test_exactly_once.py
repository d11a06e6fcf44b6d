"""A view process killed at random points while catching up, then restarted,
ends identical to one that was never interrupted."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from casetrail.adapters.bootstrap import System
from casetrail.projections.timeline import COLUMNS
from tests.catch_up_worker import runners
from tests.conftest import inputs

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 20_000


def contact_events(count: int) -> list[bytes]:
    """Contacts of many parties: started, held, ended, one event per line."""
    lines = []
    for n in range(count):
        contact, step = divmod(n, 3)
        kind, data = [("contact.started", {"party_ref": f"p-{contact % 997}", "medium": "phone",
                                           "direction": "inbound", "topic": "refund"}),
                      ("contact.held", {"seconds": n % 600}),
                      ("contact.ended", {"outcome": "resolved"})][step]
        lines.append(json.dumps({
            "specversion": "1.0", "id": f"e-{n}", "source": "phone:pbx", "type": kind,
            "time": f"2024-06-{1 + contact % 28:02d}T{step + 9:02d}:{contact % 60:02d}:00+02:00",
            "data": {"contact_ref": f"C-{contact}", **data},
        }).encode())
    return lines


def view_rows(system: System) -> list[tuple[object, ...]]:
    return system.view_store.query(f"SELECT {', '.join(COLUMNS)} FROM timeline_entries ORDER BY source, source_id")


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tests.catch_up_worker", database_url, "200"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_view_killed_at_random_points_ends_identical_to_an_uninterrupted_one(database_url: str) -> None:
    system, (runner, *_, counting) = runners(database_url, batch_size=200)
    try:
        counts = system.ingestion.ingest(inputs(contact_events(EVENTS)), batch_size=1000, backfill=True)
        assert counts.accepted == EVENTS
        last = system.ingestion.recorder.max_notification_id()
        chance = random.Random(11)
        killed_mid_way = []
        for _ in range(5):
            before = runner.position()
            worker = start_worker(database_url)
            while runner.position() == before and worker.poll() is None:
                time.sleep(0.005)
            time.sleep(chance.uniform(0, 0.15))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed_mid_way.append(0 < runner.position() < last)
        assert any(killed_mid_way), "no kill landed while the view was catching up"

        finisher = start_worker(database_url)
        assert finisher.wait(timeout=120) == 0
        assert runner.position() == last and counting.position() == last
        interrupted = view_rows(system)
        # Every event counted exactly once, despite the kills.
        assert dict(system.view_store.query("SELECT type, n FROM event_counts")) == {
            "contact.started": EVENTS // 3 + 1, "contact.held": EVENTS // 3 + 1, "contact.ended": EVENTS // 3}

        runner.rebuild()
        assert runner.position() == last
        assert view_rows(system) == interrupted
        assert len(interrupted) == EVENTS
    finally:
        system.close()
