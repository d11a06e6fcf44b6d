"""Rebuilding the views from a large log, and answering for one case in it.

The rebuild rate is printed beside a raw read of the same log's rows (the
floor of any rebuild), and beside one transaction per event on the same log:
eventsourcing's own ProjectionRunner on PostgreSQL; on SQLite, which has no
subscriptions in eventsourcing 9.5, our runner with batches of one event.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.sql import SQL, Composed

from benchmarks.traffic import stream_events
from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.projections.recorded import Recorded
from casetrail.projections.timeline import SCHEMA, entry_row, upsert_into
from casetrail.projections.view import View
from casetrail.services.application import CasetrailApplication
from casetrail.services.batches import RawInput
from casetrail.services.view_runner import ViewRunner

ROOT = Path(__file__).resolve().parent.parent
CASE_ENTRIES = 200
CASE_QUERIES = 100


@dataclass(frozen=True)
class RebuildFigures:
    store: str
    stored: int
    seconds: float
    peak_rss_mb: float
    raw_read_seconds: float  # every row of the same log, as the driver returns them
    per_event_rate: float
    per_event_sample: int
    case_p50_ms: float
    case_p95_ms: float

    @property
    def rate(self) -> float:
        return self.stored / self.seconds

    @property
    def raw_read_rate(self) -> float:
        return self.stored / self.raw_read_seconds


def measure_rebuild(kind: str, url: str, events: int, per_event_sample: int) -> RebuildFigures:
    populate(url, events)
    worker = subprocess.run([sys.executable, "-m", "benchmarks.rebuild_worker", url], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    rebuilt = json.loads(worker.stdout.strip().splitlines()[-1])
    raw = subprocess.run([sys.executable, "-m", "benchmarks.chain_worker", url, "raw"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    raw_seconds = json.loads(raw.stdout.strip().splitlines()[-1])["seconds"]
    per_event = per_event_library_rate(url, per_event_sample) if kind == "postgres" else \
        per_event_own_rate(url, per_event_sample)
    p50, p95 = case_latency(url)
    return RebuildFigures(kind, rebuilt["events"], rebuilt["seconds"], rebuilt["peak_rss_mb"], raw_seconds, per_event,
                          per_event_sample, p50, p95)


def populate(url: str, events: int) -> None:
    """The generated traffic, and one case whose timeline has ``CASE_ENTRIES`` entries."""
    system = bootstrap(Settings(database_url=url))
    lines = (RawInput(line, "bench") for line in chain(stream_events(events - CASE_ENTRIES), _case_with_entries()))
    system.ingestion.ingest(lines, batch_size=1000)
    system.close()


def _case_with_entries() -> Iterator[bytes]:
    def event(kind: str, n: int, data: dict[str, Any], source: str = "pms:seaside") -> bytes:
        return json.dumps({"specversion": "1.0", "id": f"bench-case-{n}", "source": source, "type": kind,
                           "time": f"2024-03-01T{8 + n // 60 % 12:02d}:{n % 60:02d}:00+07:00", "data": data}).encode()

    yield event("booking.created", 0, {"booking_ref": "BENCH-1", "resource": "seaside:suite", "date": "2024-04-01",
                                       "channel": "phone", "guest_ref": "bench-guest"})
    yield event("case.opened", 1, {"case_ref": "BENCH-CASE", "category": "booking_error", "summary": "benchmark",
                                   "booking_ref": "BENCH-1"}, source="helpdesk:zendesk")
    for n in range(2, CASE_ENTRIES):
        yield event("booking.modified", n, {"booking_ref": "BENCH-1", "changes": {"nights": 1 + n % 5}})


def case_latency(url: str) -> tuple[float, float]:
    system = bootstrap(Settings(database_url=url))
    for runner in system.views:
        runner.catch_up()
    assert len(system.cases.case_report("BENCH-CASE")["timeline"]) >= CASE_ENTRIES
    timings = []
    for _ in range(CASE_QUERIES):
        started = time.perf_counter()
        json.dumps(system.cases.case_report("BENCH-CASE"))
        timings.append((time.perf_counter() - started) * 1000)
    system.close()
    quantiles = statistics.quantiles(timings, n=20)
    return statistics.median(timings), quantiles[18]


PER_EVENT_TABLE = "per_event_timeline_entries"


def _write_per_event_table(cursor: Any, batch: Sequence[Recorded]) -> None:
    rows = [row for row in map(entry_row, batch) if row is not None]
    if rows:
        cursor.executemany(upsert_into(PER_EVENT_TABLE), rows)


def per_event_own_rate(url: str, sample: int) -> float:
    """Our runner on a copy of the view, one transaction per event, over the first ``sample`` events."""
    system = bootstrap(Settings(database_url=url))
    view = View(name="per_event_timeline", version=1, tables=[PER_EVENT_TABLE],
                schema=[SCHEMA[0].replace("timeline_entries", PER_EVENT_TABLE)], write=_write_per_event_table)
    runner = ViewRunner(system.ingestion.recorder, system.view_store, view, batch_size=1)
    started = time.perf_counter()
    applied = runner.catch_up(until=sample)
    seconds = time.perf_counter() - started
    system.close()
    return applied / seconds


class _Log(CasetrailApplication):
    def __init__(self, env: Any = None) -> None:
        super().__init__(dict(env or {}), Config())


class _TimelineTable(PostgresTrackingRecorder):
    """The same timeline rows in a table of their own, written with the library's tracking, per event."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = f'"{self.datastore.schema}".library_timeline_entries'
        self.sql_create_statements += [Composed([SQL(SCHEMA[0].replace("timeline_entries", table))])]
        self.upsert = upsert_into(table).replace("?", "%s")

    def write(self, row: tuple[Any, ...], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self.upsert, row)
            self._insert_tracking(cursor, tracking)


class _TimelineProjection(Projection[_TimelineTable]):
    name = "library_timeline"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        state = domain_event.model_dump(mode="json", exclude={"originator_id", "originator_version"}, exclude_none=True)
        row = entry_row(Recorded(tracking.notification_id, state))
        if row is not None:
            self.view.write(row, tracking)


def per_event_library_rate(url: str, sample: int) -> float:
    """eventsourcing's ProjectionRunner over the first ``sample`` events of the same log."""
    # The store's own recorder: the events' sealed personal fields are opened with its parties' keys.
    env = persistence_env(url)
    started = time.perf_counter()
    with ProjectionRunner(application_class=_Log, projection_class=_TimelineProjection,
                          view_class=_TimelineTable, env=env) as runner:
        runner.wait(sample, timeout=600)
        seconds = time.perf_counter() - started
    return sample / seconds
