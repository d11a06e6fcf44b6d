"""Ingestion rate against the raw batched rate of eventsourcing's own recorder.

Both write the same stored events in batches of the same size into a fresh
store of the same kind, in the same run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from benchmarks.stores import fresh_store
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion, RawInput

BATCH = 500


@dataclass(frozen=True)
class IngestFigures:
    store: str
    inbound: int
    stored: int
    seconds: float
    raw_seconds: float

    @property
    def inbound_rate(self) -> float:
        return self.inbound / self.seconds

    @property
    def stored_rate(self) -> float:
        return self.stored / self.seconds

    @property
    def raw_rate(self) -> float:
        return self.stored / self.raw_seconds


def measure_ingest(kind: str, lines: list[bytes]) -> IngestFigures:
    with fresh_store(kind) as url:
        app = Ingestion(env=persistence_env(url), config=Config())
        seconds = ingest_seconds(app, lines)
        stored = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                  for n in app.recorder.select_notifications(start=1, limit=10 * len(lines))]
        app.close()
    return IngestFigures(kind, len(lines), len(stored), seconds, raw_insert_seconds(kind, stored))


def ingest_seconds(app: Ingestion, lines: list[bytes]) -> float:
    """``lines`` ingested as ``casetrail ingest`` stores them, ``BATCH`` a transaction."""
    inputs = [RawInput(raw=line, entrance=f"bench:{n}") for n, line in enumerate(lines)]
    started = time.perf_counter()
    counts = app.ingest(inputs, batch_size=BATCH)
    seconds = time.perf_counter() - started
    if counts.accepted != len(lines):
        raise RuntimeError(f"the generated traffic was not all accepted: {counts}")
    return seconds


def raw_insert_seconds(kind: str, stored: list[StoredEvent]) -> float:
    """The same stored events through the library's plain recorder, ``BATCH`` per transaction."""
    with fresh_store(kind) as url:
        env = {k: v for k, v in persistence_env(url).items() if k != "APPLICATION_RECORDER_TOPIC"}
        app: Application[UUID] = Application(env=env)
        started = time.perf_counter()
        for start in range(0, len(stored), BATCH):
            app.recorder.insert_events(stored[start : start + BATCH])
        seconds = time.perf_counter() - started
        app.close()
    return seconds
