"""Ingestion throughput beside the raw batched rate of eventsourcing's own recorder.

``python -m benchmarks.ingest [--events N] [--json PATH]``. For SQLite and then
PostgreSQL: ingest a generated workload through the real application into a
fresh store, read back the stored events it wrote, and insert exactly those
into another fresh store of the same kind through the library's plain
recorder, in batches of the same size. The raw rate is the ceiling: the same
rows, without parsing, validation, aggregates or the inbound ledger.
Figures are printed, never asserted: speed depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from rich.console import Console
from rich.table import Table

from adapters.database import persistence_env
from adapters.logs import configure_logging
from benchmarks.workload import generate_events, mix
from domain.config import Config
from services.ingestion import Ingestion, RawInput

BATCH_SIZE = 500
PAGE = 10_000  # notifications read back per query
POSTGRES = os.environ.get("CASETRAIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
TARGET = "target: ≥20,000 inbound events/s into PostgreSQL and ≥0.6 of the raw batched rate"


@dataclass(frozen=True)
class Row:
    name: str
    events: int  # inbound events accepted (ingest rows) or stored events inserted (raw rows)
    stored: int
    seconds: float
    inbound_per_s: float | None  # raw rows have no inbound events
    stored_per_s: float
    ratio_stored: float | None = None  # ingest stored/s ÷ raw stored/s of the same store kind
    ratio_inbound: float | None = None  # ingest inbound/s ÷ raw stored/s
    peak_rss_mb: float = 0.0


def peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux, and the peak of the whole process so far, not of one measurement.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def fresh_store(kind: str) -> Iterator[str]:
    """The URL of an empty store, removed afterwards."""
    if kind == "SQLite":
        with tempfile.TemporaryDirectory(prefix="casetrail-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    schema = f"bench_{secrets.token_hex(6)}"
    # The plain library recorder does not create its schema; casetrail's does, so create it for both.
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure_ingest(kind: str, lines: list[bytes]) -> tuple[Row, list[StoredEvent]]:
    """Time the real ingestion; return its figures and the stored events it wrote."""
    with fresh_store(kind) as url:
        app = Ingestion(env=persistence_env(url), config=Config())
        inputs = (RawInput(raw=line, entrance=f"bench:{i}") for i, line in enumerate(lines))
        started = time.perf_counter()
        counts = app.ingest(inputs, batch_size=BATCH_SIZE)
        seconds = time.perf_counter() - started
        rss = peak_rss_mb()
        # Every generated event is valid and unique: anything else is a bug, not a figure.
        if counts.accepted != len(lines) or counts.rejected or counts.duplicates:
            raise SystemExit(f"ingest {kind}: expected {len(lines)} accepted and 0 rejected, got {counts}")
        stored = read_back(app)
        app.close()
    row = Row(f"ingest {kind}", counts.accepted, len(stored), seconds, counts.accepted / seconds,
              len(stored) / seconds, peak_rss_mb=rss)
    return row, stored


def read_back(app: Ingestion) -> list[StoredEvent]:
    stored: list[StoredEvent] = []
    while page := app.recorder.select_notifications(start=len(stored) + 1, limit=PAGE):
        stored.extend(StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in page)
    return stored


def measure_raw(kind: str, stored: list[StoredEvent]) -> Row:
    """Time the same stored events through the library's plain application recorder."""
    with fresh_store(kind) as url:
        env = persistence_env(url)
        del env["APPLICATION_RECORDER_TOPIC"]  # the library's own recorder, not casetrail's ledger
        app = Application[UUID](env=env)
        started = time.perf_counter()
        for start in range(0, len(stored), BATCH_SIZE):
            app.recorder.insert_events(stored[start : start + BATCH_SIZE])
        seconds = time.perf_counter() - started
        rss = peak_rss_mb()
        app.close()
    return Row(f"raw recorder {kind}", len(stored), len(stored), seconds, None, len(stored) / seconds,
               peak_rss_mb=rss)


def compared(ingest: Row, raw: Row) -> Row:
    assert ingest.inbound_per_s is not None
    return Row(**{**asdict(ingest), "ratio_stored": ingest.stored_per_s / raw.stored_per_s,
                  "ratio_inbound": ingest.inbound_per_s / raw.stored_per_s})


def show(rows: list[Row], console: Console) -> None:
    def num(value: float | None, digits: int = 0) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    table = Table(title=f"Ingestion throughput, batches of {BATCH_SIZE}")
    for column in ("", "events", "stored events", "seconds", "inbound events/s", "stored events/s",
                   "stored/s ÷ raw", "inbound/s ÷ raw", "peak RSS MB"):
        table.add_column(column, justify="left" if not column else "right")
    for row in rows:
        table.add_row(row.name, num(row.events), num(row.stored), num(row.seconds, 2), num(row.inbound_per_s),
                      num(row.stored_per_s), num(row.ratio_stored, 2), num(row.ratio_inbound, 2),
                      num(row.peak_rss_mb, 1))
    console.print(table)
    for row in rows:  # one plain line per row, for grep
        figures = {key: "-" if value is None else f"{value:.3f}" if isinstance(value, float) else value
                   for key, value in asdict(row).items() if key != "name"}
        print(f"{row.name}: " + " ".join(f"{key}={value}" for key, value in figures.items()))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest",
                                     description="Ingestion throughput beside the raw batched recorder rate.")
    parser.add_argument("--events", type=int, default=100_000, help="inbound events to generate (default 100000)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args()
    configure_logging("warning")  # as the CLI does by default: no log line per batch

    console = Console(width=None if sys.stdout.isatty() else 150)  # piped, rich would squeeze it into 80 columns
    lines = generate_events(args.events)
    families = ", ".join(f"{family} {count / len(lines):.0%}" for family, count in mix(lines).items())
    console.print(f"{len(lines):,} inbound events ({families}); peak RSS after generating: {peak_rss_mb():.1f} MB")

    rows: list[Row] = []
    for kind in ("SQLite", "PostgreSQL"):
        ingest, stored = measure_ingest(kind, lines)
        raw = measure_raw(kind, stored)
        del stored  # free them before the next ingest, whose peak RSS would otherwise include them
        rows += [compared(ingest, raw), raw]

    show(rows, console)
    print(TARGET)
    postgres = next(row for row in rows if row.name == "ingest PostgreSQL")
    print(f"PostgreSQL now: {postgres.inbound_per_s:,.0f} inbound events/s, "
          f"{postgres.ratio_stored:.2f} (stored) / {postgres.ratio_inbound:.2f} (inbound) of the raw batched rate")
    print("peak RSS is the process-wide peak so far, so it only grows down the table")
    if args.json:
        figures = {"events": args.events, "seed": 7, "batch_size": BATCH_SIZE, "target": TARGET,
                   "rows": [asdict(row) for row in rows]}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
