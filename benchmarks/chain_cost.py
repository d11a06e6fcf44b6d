"""The hash chain's cost: ingest with the chain beside ingest without it, and ``verify`` of a large
log beside a raw read of the same log.

The chain's write is turned off only here, by a recorder whose ``_chain_up`` does nothing; casetrail
itself has no way to store an event without its link.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteCursor
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from benchmarks.ingest_rate import BATCH
from benchmarks.stores import fresh_store
from benchmarks.traffic import generate_events
from casetrail.adapters.storage.database import persistence_env
from casetrail.adapters.storage.postgres_store import PostgresLedgerRecorder
from casetrail.adapters.storage.sqlite_store import SQLiteLedgerRecorder
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion, RawInput
from casetrail.services.verification import verify_log

ROOT = Path(__file__).resolve().parent.parent
# Generated events ingested at the head of the large log; their stored events are then copied,
# under fresh stream ids, until the log has the size asked for.
SEED_EVENTS = 20_000
# Lines ingested, unmeasured, before the rounds.
WARM_UP = 2_000
# Stored events per transaction while building the large log.
BUILD_BATCH = 20_000


class UnchainedSQLiteRecorder(SQLiteLedgerRecorder):
    """casetrail's SQLite recorder with the chain's write left out."""

    def _chain_up(self, c: SQLiteCursor, fresh: Sequence[StoredEvent] = ()) -> None:
        return None


class UnchainedPostgresRecorder(PostgresLedgerRecorder):
    """casetrail's PostgreSQL recorder with the chain's write left out."""

    def _chain_up(self, curs: Cursor[DictRow], fresh: Sequence[StoredEvent] = ()) -> None:
        return None


def unchained_env(url: str) -> dict[str, str]:
    env = persistence_env(url)
    unchained = UnchainedSQLiteRecorder if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite" \
        else UnchainedPostgresRecorder
    return {**env, "APPLICATION_RECORDER_TOPIC": get_topic(unchained)}


# A write's wall and CPU seconds (the CPU of this process, all its threads: what other work on the
# machine takes from it moves its wall time far more).
Timing = tuple[float, float]


@dataclass(frozen=True)
class ChainCost:
    """The same writes of ``count`` items with and without the chain, round after round."""

    count: int
    # Every round's (chained, unchained) timings, each into a fresh store; the best of each is the figure.
    rounds: tuple[tuple[Timing, Timing], ...]

    def _best(self, chained: bool, cpu: bool) -> float:
        return min(pair[0 if chained else 1][1 if cpu else 0] for pair in self.rounds)

    @property
    def chained_rate(self) -> float:
        return self.count / self._best(chained=True, cpu=False)

    @property
    def unchained_rate(self) -> float:
        return self.count / self._best(chained=False, cpu=False)

    @property
    def ratio(self) -> float:
        return self._best(chained=False, cpu=False) / self._best(chained=True, cpu=False)

    @property
    def cpu_ratio(self) -> float:
        return self._best(chained=False, cpu=True) / self._best(chained=True, cpu=True)

    def spread(self, cpu: bool = False) -> str:
        which = 1 if cpu else 0
        return ", ".join(f"{unchained[which] / chained[which]:.2f}" for chained, unchained in self.rounds)


def measure_chain_ingest(kind: str, lines: list[bytes], rounds: int = 2) -> tuple[ChainCost, ChainCost]:
    """``Ingestion.ingest`` of the same lines with and without the chain; then their stored events
    inserted through the recorder alone, ``BATCH`` per transaction, with and without it. Each
    round alternates which goes first."""
    _ingest_seconds(kind, lines[:WARM_UP], chained=True)  # the first ingest of a process pays its imports
    ingests: list[tuple[Timing, Timing]] = []
    inserts: list[tuple[Timing, Timing]] = []
    stored: list[StoredEvent] = []
    for round_number in range(rounds):
        order = (True, False) if round_number % 2 == 0 else (False, True)
        ingest: dict[bool, Timing] = {}
        for chained in order:
            ingest[chained], stored = _ingest_seconds(kind, lines, chained)
        ingests.append((ingest[True], ingest[False]))
        insert = {chained: _insert_seconds(kind, stored, chained) for chained in order}
        inserts.append((insert[True], insert[False]))
    return ChainCost(len(lines), tuple(ingests)), ChainCost(len(stored), tuple(inserts))


def _ingest_seconds(kind: str, lines: list[bytes], chained: bool) -> tuple[Timing, list[StoredEvent]]:
    with fresh_store(kind) as url:
        app = Ingestion(env=persistence_env(url) if chained else unchained_env(url), config=Config())
        inputs = [RawInput(raw=line, entrance=f"bench:{n}") for n, line in enumerate(lines)]
        started, cpu = time.perf_counter(), time.process_time()
        counts = app.ingest(inputs, batch_size=BATCH)
        seconds = time.perf_counter() - started, time.process_time() - cpu
        if counts.accepted != len(lines):
            raise RuntimeError(f"the generated traffic was not all accepted: {counts}")
        stored = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                  for n in app.recorder.select_notifications(start=1, limit=10 * len(lines))]
        _check_chain(app, len(stored), chained)
        app.close()
    return seconds, stored


def _insert_seconds(kind: str, stored: list[StoredEvent], chained: bool) -> Timing:
    with fresh_store(kind) as url:
        app = Ingestion(env=persistence_env(url) if chained else unchained_env(url), config=Config())
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(stored), BATCH):
            app.recorder.insert_events(stored[start : start + BATCH])
        seconds = time.perf_counter() - started, time.process_time() - cpu
        _check_chain(app, len(stored), chained)
        app.close()
    return seconds


def _check_chain(app: Ingestion, stored: int, chained: bool) -> None:
    """Each store is what it claims: every position linked, or none."""
    checked, broken = verify_log(app.chained_log)
    if chained and (broken is not None or checked != stored):
        raise RuntimeError(f"the chained write left a log that does not verify: {checked} of {stored}, {broken}")
    if not chained and app.chained_log.link_after(0) is not None:
        raise RuntimeError("the unchained write wrote links")


@dataclass(frozen=True)
class VerifyFigures:
    store: str
    events: int
    build_seconds: float
    # The best of the rounds, each round one verify and one raw read, each in a process of its own.
    verify_seconds: float
    raw_seconds: float
    verify_peak_mb: float
    raw_peak_mb: float
    rounds: tuple[tuple[float, float], ...]
    # CPU microseconds per event: verify's stages, each timed over whole pages, and the whole of
    # verify and of the raw read.
    stages: dict[str, float]

    @property
    def verify_rate(self) -> float:
        return self.events / self.verify_seconds

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_seconds

    @property
    def ratio(self) -> float:
        return self.raw_seconds / self.verify_seconds


def measure_verify(kind: str, url: str, events: int, rounds: int = 2, profile: bool = True) -> VerifyFigures:
    """Build a log of ``events`` stored events (chain included), then verify it and read it raw."""
    started = time.perf_counter()
    built = build_log(url, events)
    build_seconds = time.perf_counter() - started
    runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for round_number in range(rounds):
        order = ("verify", "raw") if round_number % 2 == 0 else ("raw", "verify")
        result = {mode: _worker(url, mode) for mode in order}
        for mode in order:
            if result[mode]["events"] != built:
                raise RuntimeError(f"{mode} read {result[mode]['events']} of the log's {built} events")
        runs.append((result["verify"], result["raw"]))
    stages: dict[str, float] = {}
    if profile:
        staged = _worker(url, "stages")
        if staged["events"] != built:
            raise RuntimeError(f"the staged verify read {staged['events']} of the log's {built} events")
        stages = {**staged["stages"], "verify, whole": _cpu_per_event(runs, 0), "raw read, whole": _cpu_per_event(runs, 1)}
    return VerifyFigures(kind, built, build_seconds, min(v["seconds"] for v, _ in runs),
                         min(r["seconds"] for _, r in runs), max(v["peak_rss_mb"] for v, _ in runs),
                         max(r["peak_rss_mb"] for _, r in runs),
                         tuple((v["seconds"], r["seconds"]) for v, r in runs), stages)


def _cpu_per_event(runs: list[tuple[dict[str, Any], dict[str, Any]]], which: int) -> float:
    """The CPU microseconds per event of the fastest run of verify (0) or the raw read (1)."""
    fastest = min((run[which] for run in runs), key=lambda figures: figures["seconds"])
    return float(fastest["cpu_seconds"]) / int(fastest["events"]) * 1e6


def _worker(url: str, mode: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.chain_worker", url, mode]
    worker = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(worker.stdout.strip().splitlines()[-1])
    return figures


def build_log(url: str, events: int) -> int:
    """A log of ``events`` stored events with its chain: generated traffic ingested at its head, then its
    stored events copied under fresh stream ids, written through casetrail's recorder in big batches
    (each batch linked in its transaction, as every write is). Returns the log's size."""
    app = Ingestion(env=persistence_env(url), config=Config())
    counts = app.ingest((RawInput(line, "bench") for line in generate_events(min(SEED_EVENTS, events))),
                        batch_size=1000)
    if counts.accepted != min(SEED_EVENTS, events):
        raise RuntimeError(f"the generated traffic was not all accepted: {counts}")
    seed = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=1, limit=10 * SEED_EVENTS)]
    size = len(seed)
    with Progress(TextColumn("building the log"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("", total=max(events, size), completed=size)
        batch: list[StoredEvent] = []
        for event in _copies(seed, max(events - size, 0)):
            batch.append(event)
            if len(batch) == BUILD_BATCH:
                app.recorder.insert_events(batch)
                bar.advance(task, len(batch))
                size, batch = size + len(batch), []
        if batch:
            app.recorder.insert_events(batch)
            size += len(batch)
    app.close()
    return size


def _copies(seed: list[StoredEvent], count: int) -> Iterator[StoredEvent]:
    """``count`` stored events: the seed's, again and again, each round's streams under new ids."""
    made, round_number = 0, 0
    while True:
        round_number += 1
        ids: dict[UUID, UUID] = {}
        for event in seed:
            if made == count:
                return
            original = UUID(str(event.originator_id))
            stream = ids.get(original) or ids.setdefault(original, uuid5(original, str(round_number)))
            yield StoredEvent(stream, event.originator_version, event.topic, event.state)
            made += 1
