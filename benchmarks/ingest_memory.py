"""Peak memory of ``casetrail ingest`` as a user runs it: the ordinary run of
generated events beside lines at the 1 MiB limit and a long stream on standard
input. Memory must follow the bytes in hand, not the lines or the stream.

Each run is a process of its own; its peak is read from the kernel's account
of that one child (``wait4``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

from benchmarks.stores import fresh_store
from benchmarks.traffic import stream_events
from casetrail.services.limits import MAX_LINE_BYTES, MAX_TEXT

# Events between two lines of progress on a long stream.
PROGRESS_EVERY = 100_000


@dataclass(frozen=True)
class MemoryFigures:
    ordinary_events: int
    ordinary_peak_mb: float
    large_lines: int
    large_peak_mb: float
    stream_mb: int
    stream_events: int
    stream_peak_mb: float


def measure_ingest_memory(kind: str, events: int, large_lines: int = 100, stream_mb: int = 1024) -> MemoryFigures:
    with tempfile.TemporaryDirectory() as folder:
        ordinary = Path(folder) / "ordinary.jsonl"
        with ordinary.open("wb") as out:
            for line in stream_events(events):
                out.write(line + b"\n")
        with fresh_store(kind) as url:
            ordinary_peak = _peak_mb(url, [str(ordinary)])
        ordinary.unlink()

        large = Path(folder) / "large.jsonl"
        with large.open("wb") as out:
            for n in range(large_lines):
                out.write(line_at_the_limit(n) + b"\n")
        with fresh_store(kind) as url:
            large_peak = _peak_mb(url, [str(large)])

    fed = {"events": 0, "bytes": 0}
    started = time.perf_counter()

    def feed(stdin: IO[bytes], pid: int) -> None:
        """Writes generated events until ``stream_mb`` have gone in, saying how far it got and
        the ingest's memory so far: the run is long, and the curve tells growth from a plateau."""
        try:
            for line in stream_events(10**9, seed=11):
                stdin.write(line + b"\n")
                fed["events"] += 1
                fed["bytes"] += len(line) + 1
                if fed["events"] % PROGRESS_EVERY == 0:
                    print(f"memory: {fed['events']:,} events ({fed['bytes'] >> 20:,} of {stream_mb:,} MB) fed in "
                          f"{time.perf_counter() - started:,.0f} s; ingest {_memory_of(pid)}", file=sys.stderr,
                          flush=True)
                if fed["bytes"] >= stream_mb << 20:
                    break
        finally:
            stdin.close()

    with fresh_store(kind) as url:
        stream_peak = _peak_mb(url, ["-"], feed)
    return MemoryFigures(events, ordinary_peak, large_lines, large_peak, stream_mb, fed["events"], stream_peak)


def line_at_the_limit(n: int) -> bytes:
    """A valid event just under 1 MiB: an extension of many texts of the longest length."""
    texts = [f"{n:06d}" + "x" * (MAX_TEXT - 6)] * (MAX_LINE_BYTES // (MAX_TEXT + 3) - 1)
    event = {"specversion": "1.0", "id": f"large-{n}", "source": "pms:seaside", "type": "inventory.set",
             "time": "2024-01-01T08:00:00+07:00", "notes": texts,
             "data": {"resource": "seaside:standard", "date": "2024-01-02", "available": n % 7}}
    line = orjson.dumps(event)
    assert len(line) <= MAX_LINE_BYTES, len(line)
    return line


def _peak_mb(url: str, paths: list[str], feed: Callable[[IO[bytes], int], None] | None = None) -> float:
    """Runs ``casetrail ingest`` on ``paths`` and returns its peak resident memory."""
    env = {**os.environ, "CASETRAIL_DATABASE": url}
    process = subprocess.Popen([sys.executable, "-m", "casetrail", "ingest", *paths, "--json"], env=env,
                               stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    feeder = None
    if feed is not None:
        assert process.stdin is not None
        feeder = threading.Thread(target=feed, args=(process.stdin, process.pid), daemon=True)
        feeder.start()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if feeder is not None:
        feeder.join()
    if process.returncode not in (0, 3):
        raise RuntimeError(f"casetrail ingest {' '.join(paths)} exited {process.returncode}")
    return usage.ru_maxrss / 1024


def _memory_of(pid: int) -> str:
    """A running process's resident memory and its peak so far, as the kernel counts them."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status)
    except OSError:
        return "memory unknown"
    return (f"resident {int(fields['VmRSS'].split()[0]) >> 10:,} MB, "
            f"peak {int(fields['VmHWM'].split()[0]) >> 10:,} MB")
