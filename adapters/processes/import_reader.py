"""A data set read and turned into inbound events in a process of its own.

An import's own process is its bottleneck: it decides and stores every event.
Reading the file and writing each event's JSON needs nothing from it and is
about a sixth of its work, so a spawned process does that on the other core
and sends the lines over in chunks, which are stored while it reads on. The
lines and their order are those of ``hotel_bookings.events``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Iterator
from multiprocessing.sharedctypes import Synchronized

from casetrail.adapters.importers import hotel_bookings
from casetrail.adapters.processes.child_process import exit_with_parent

CHUNK_LINES = 5_000
# Chunks waiting to be stored: a bound on the memory they take, a few megabytes each. The
# whole hotel data set fits, so its count of events is known early, for the progress bar.
WAITING_CHUNKS = 64
# How long the import waits for a chunk before it looks whether the reader is still there.
POLL_S = 1.0


class HotelBookingsReader:
    """Reads ``path`` (its first ``rows`` rows, if given) in the background, once started."""

    def __init__(self, path: str, rows: int | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # the parent may hold database connections
        self._chunks: multiprocessing.Queue[object] = context.Queue(WAITING_CHUNKS)
        self._events = context.Value("q", -1)  # set once every line has been made
        self._process = context.Process(target=_read, name="casetrail-reader", daemon=True,
                                        args=(path, rows, self._chunks, self._events, os.getpid()))

    def start(self) -> int:
        """Start reading; returns the number of rows once the file has been read."""
        self._process.start()
        rows = self._next()
        assert isinstance(rows, int)
        return rows

    @property
    def events(self) -> int | None:
        """How many lines there are, once the reader has made them all."""
        count = int(self._events.value)
        return count if count >= 0 else None

    def lines(self) -> Iterator[bytes]:
        while (chunk := self._next()) is not None:
            assert isinstance(chunk, list)
            yield from chunk
        self._process.join()

    def _next(self) -> object:
        while True:
            try:
                item = self._chunks.get(timeout=POLL_S)
            except queue.Empty:
                if not self._process.is_alive():
                    raise RuntimeError(f"the reader process ended with exit code {self._process.exitcode}") from None
                continue
            if isinstance(item, BaseException):
                raise item  # the file's own error (missing, unreadable, not the data set), as read in process
            return item


def _read(path: str, rows: int | None, chunks: multiprocessing.Queue[object], events: Synchronized[int],
          parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    exit_with_parent(parent_pid)  # a killed import would leave it blocked on a full queue
    try:
        stays = hotel_bookings.read_stays(path)[:rows]
    except (OSError, ValueError) as error:
        chunks.put(error)
        return
    chunks.put(len(stays))
    made, chunk = 0, []
    for line in hotel_bookings.events(stays):
        chunk.append(line)
        if len(chunk) == CHUNK_LINES:
            made += len(chunk)
            chunks.put(chunk)
            chunk = []
    made += len(chunk)
    events.value = made
    chunks.put(chunk)
    chunks.put(None)
