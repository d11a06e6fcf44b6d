"""Concurrent writers on overlapping input: their combined rate beside one writer's.

One writer ingests the generated traffic alone. Then two, then three writers,
each a process of its own, ingest it together into a fresh store of the same
kind: every input goes to one writer, and one input in ``writers + 1`` to all of
them, so half of each writer's input is shared with the others (they race for
those keys and for the streams every story touches). The combined rate counts
each input once, over the time from the first writer's start to the last one's
end; the workers start together, once all are ready.

``python -m benchmarks.concurrent_writers --events 6000`` runs this figure alone.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.results import Results
from benchmarks.stores import fresh_store
from benchmarks.traffic import generate_events
from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.logs import configure_logging
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion, RawInput

ROOT = Path(__file__).resolve().parent.parent
BATCH = 500
WRITERS = (1, 2, 3)


@dataclass(frozen=True)
class ConcurrentFigures:
    store: str
    writers: int
    inputs: int  # distinct inputs, stored once whoever wrote them
    per_writer: int  # lines each writer was given
    seconds: float
    raced: int  # batches that collided with another writer and were decided again

    @property
    def rate(self) -> float:
        return self.inputs / self.seconds


def split(lines: list[bytes], writers: int) -> list[list[bytes]]:
    """Each writer's lines, in order: one in ``writers + 1`` to every writer, the rest each to one."""
    if writers == 1:
        return [lines]
    return [[line for n, line in enumerate(lines) if n % (writers + 1) in (0, 1 + w)] for w in range(writers)]


def measure_concurrent(kind: str, lines: list[bytes], writers: int) -> ConcurrentFigures:
    inputs_of = split(lines, writers)
    with tempfile.TemporaryDirectory() as folder, fresh_store(kind) as url:
        paths = []
        for w, own in enumerate(inputs_of):
            paths.append(Path(folder) / f"writer-{w}.jsonl")
            paths[-1].write_bytes(b"".join(line + b"\n" for line in own))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CASETRAIL_LOG_LEVEL": "info"}
        workers = [subprocess.Popen([sys.executable, "-m", "benchmarks.concurrent_writers", "--worker", url, str(path)],
                                    cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for path in paths]
        for worker in workers:  # each has read its input and opened the store
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a writer did not start: {worker.communicate()[1][-2000:]}")
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        done: list[dict[str, Any]] = []
        for worker in workers:
            out, err = worker.communicate()
            if worker.returncode != 0:
                raise RuntimeError(f"a writer failed with status {worker.returncode}: {err[-2000:]}")
            done.append({**json.loads(out), "raced": err.count("raced another writer")})
    accepted = sum(d["accepted"] for d in done)
    if accepted != len(lines) or any(d["rejected"] for d in done):
        raise RuntimeError(f"the writers did not store each input once: {done}")
    seconds = max(d["ended"] for d in done) - min(d["started"] for d in done)
    return ConcurrentFigures(kind, writers, len(lines), len(inputs_of[0]), seconds, sum(d["raced"] for d in done))


def _work(url: str, path: str) -> None:
    """A writer: open the store, read the input, say ready, wait for go, ingest, print the figures."""
    configure_logging(os.environ.get("CASETRAIL_LOG_LEVEL", "warning"))
    tune_for_batches()
    app = Ingestion(env=persistence_env(url), config=Config())
    items = [RawInput(raw=line, entrance=f"bench:{n}") for n, line in enumerate(Path(path).read_bytes().splitlines())]
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()  # wall clock: compared across processes
    counts = app.ingest(items, batch_size=BATCH)
    ended = time.time()
    app.close()
    print(json.dumps({**vars(counts), "started": started, "ended": ended}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrent_writers")
    parser.add_argument("--events", type=int, default=60_000, help="generated inbound events")
    parser.add_argument("--worker", nargs=2, metavar=("URL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _work(*args.worker)
        return

    results = Results("concurrent writers")
    add_rows(results, generate_events(args.events))
    Console(width=160).print(results.table())


def add_rows(results: Results, lines: list[bytes]) -> None:
    """The figure's rows, as ``make bench`` prints them."""
    for kind, label in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        alone = measure_concurrent(kind, lines, 1)
        for writers in WRITERS[1:]:
            together = measure_concurrent(kind, lines, writers)
            results.add(f"{writers} concurrent writers, {len(lines):,} generated events, each given "
                        f"{together.per_writer:,} (half shared), {label}",
                        f"{together.rate:,.0f} events/s combined ({together.raced} batches raced)",
                        f"{alone.rate:,.0f} events/s: one writer, all {len(lines):,}", "every event once, none fails",
                        value=together.rate, unit="events/s", baseline=alone.rate, ratio=together.rate / alone.rate)


if __name__ == "__main__":
    main()
