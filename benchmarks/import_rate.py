"""The whole hotel booking data set: import (with every view and the detectors), the raw
batched recorder on the same stored events, a full replay, and case reports in that store."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from benchmarks.ingest_rate import raw_insert_seconds
from benchmarks.stores import fresh_store
from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA_SET = ROOT.parent / "shared" / "data" / "hotel_bookings.csv.gz"
CASES_TIMED = 100


@dataclass(frozen=True)
class ImportFigures:
    store: str
    rows: int
    events: int
    stored: int  # with the detectors' case events
    seconds: float
    peak_rss_mb: float
    raw_seconds: float
    replay_seconds: float
    case_p50_ms: float
    case_p95_ms: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def raw_rate(self) -> float:
        return self.stored / self.raw_seconds


def measure_import(kind: str, path: Path = DATA_SET) -> ImportFigures:
    with fresh_store(kind) as url:
        done = _worker("benchmarks.import_worker", url, str(path))
        system = bootstrap(Settings(database_url=url))
        stored = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                  for n in system.ingestion.recorder.select_notifications(start=1, limit=10_000_000)]
        p50, p95 = _case_latency(system)
        system.close()
        replayed = _worker("benchmarks.rebuild_worker", url)
        raw = raw_insert_seconds(kind, stored)
    return ImportFigures(kind, done["rows"], done["events"], len(stored), done["seconds"], done["peak_rss_mb"], raw,
                         replayed["seconds"], p50, p95)


def _worker(module: str, *args: str) -> dict[str, Any]:
    finished = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, check=True, capture_output=True,
                              text=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _case_latency(system: System) -> tuple[float, float]:
    """``case --json`` in process for up to ``CASES_TIMED`` cases of the store: query, fold and JSON."""
    refs = [c["case_ref"] for c in system.cases.list_cases()][:CASES_TIMED]
    timings = []
    for ref in refs:
        started = time.perf_counter()
        json.dumps(system.cases.case_report(ref))
        timings.append((time.perf_counter() - started) * 1000)
    if len(timings) < 2:
        return (timings or [0.0])[0], (timings or [0.0])[0]
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]
