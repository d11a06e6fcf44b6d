"""``make bench``: every figure beside its baseline, measured in the same run, in one table.

Speed targets are read off this table, never asserted in tests.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

from rich.console import Console
from rich.table import Table

from benchmarks.ingest_rate import measure_ingest
from benchmarks.traffic import generate_events


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--events", type=int, default=100_000, help="generated inbound events to ingest")
    args = parser.parse_args()

    console = Console()
    console.print(f"machine: {platform.machine()}, {_cpus()} cores, Python {platform.python_version()}")
    started = time.perf_counter()
    lines = generate_events(args.events)
    table = Table("figure", "casetrail", "baseline (same run)", "ratio", "target", title="casetrail benchmarks")
    for kind, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        figures = measure_ingest(kind, lines)
        target = "≥ 20,000/s and ≥ 0.6" if kind == "postgres" else ""
        table.add_row(
            f"ingest {args.events:,} events into {label} (inbound events/s)",
            f"{figures.inbound_rate:,.0f}/s ({figures.stored_rate:,.0f} stored events/s)",
            f"{figures.raw_rate:,.0f} stored events/s (library recorder, same batches)",
            f"{figures.stored_rate / figures.raw_rate:.2f}",
            target,
        )
    table.add_row("peak resident memory", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
                  "", "", "")
    console.print(table)
    console.print(f"total {time.perf_counter() - started:.0f} s")


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
