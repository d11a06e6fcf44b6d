"""Detectors killed mid-run and restarted lose no factor and double none."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.domain import ids
from tests.conftest import inputs, lines_of

ROOT = Path(__file__).resolve().parent.parent
COPIES = 30
SAMPLES = ["01-overbooking-after-stop-sell.jsonl", "02-proactive-payment-rescue.jsonl",
           "04-twenty-contacts-nine-weeks.jsonl"]


def copies_of_the_samples() -> list[bytes]:
    """Each sample again and again, with its references made distinct: many independent incidents."""
    lines = []
    for copy in range(COPIES):
        for sample in SAMPLES:
            for line in lines_of(sample):
                document = json.loads(line)
                document["id"] += f"-{copy}"
                for name, value in document["data"].items():
                    if name.endswith("_ref") or name in ("update_id", "resource"):
                        document["data"][name] = f"{value}-{copy}"
                lines.append(json.dumps(document).encode())
    return lines


def test_detectors_killed_at_random_points_end_with_every_factor_once(database_url: str) -> None:
    system = bootstrap(Settings(database_url=database_url))
    try:
        system.ingestion.ingest(inputs(copies_of_the_samples()), backfill=True)
        for runner in system.views:
            runner.catch_up()
        chance, kills_mid_way = random.Random(5), 0
        for _ in range(5):
            before = system.detectors.position()
            worker = subprocess.Popen([sys.executable, "-m", "tests.catch_up_worker", database_url, "40", "detectors"],
                                      cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            while system.detectors.position() == before and worker.poll() is None:
                time.sleep(0.005)
            time.sleep(chance.uniform(0, 0.2))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills_mid_way += 0 < system.detectors.position() < (system.ingestion.recorder.max_notification_id() or 0)
        assert kills_mid_way, "no kill landed while the detectors were running"
        system.catch_up()
        cases = [c for c in system.cases.list_cases() if c["case_ref"][:3] in ("OVB", "PAY", "SVC")]
        assert len(cases) == 3 * COPIES
        for case in cases:
            report = system.cases.case_report(case["case_ref"])
            # Counted in the case's own stream: the timeline would show a doubled event once.
            topics = [e.topic for e in system.ingestion.recorder.select_events(ids.case_id(case["case_ref"]))]
            assert sum(t.endswith("Case.Opened") for t in topics) == 1
            assert sum(t.endswith("Case.FactorProposed") for t in topics) == len(report["factors"])
            assert len(report["factors"]) == {"OVB": 1, "PAY": 1, "SVC": 7}[case["case_ref"][:3]]
    finally:
        system.close()
