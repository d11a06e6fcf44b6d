"""The running system behind the server, and the thread that keeps its views current.

Reads only query the views; they never catch them up. A follower thread does,
polling the log, so that events stored by any writer (this server's posts, a
``casetrail ingest`` beside it, a consumer) reach the cases and reports a
moment later; ``/readyz`` says how far behind they are. A writer's NOTIFY wakes
it on PostgreSQL (``log_signal``). The system's connections are shared, so one
lock serialises every write and the follower. Reads go around it: each takes a
read-only connection of its own from a small pool (``adapters.reading``), so a
case or a report never waits for a batch being written or the views catching up.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TypeVar

import structlog

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.config_file import load_config
from casetrail.adapters.http.checkpoint_schedule import CheckpointSchedule
from casetrail.adapters.http.log_signal import LogSignal
from casetrail.adapters.reading import Reader, open_reader
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.outages import FIRST_BACKOFF_S, first_line, next_backoff

log = structlog.get_logger("casetrail.http")

T = TypeVar("T")

# How often an idle follower looks at the log again.
IDLE_WAIT_S = 0.2
# How long a follower that has just caught up lets new events gather before it catches up again.
GATHER_S = 0.25
# Read-only connections kept open between requests: as many as the threads that serve them at once
# (a request finding none idle opens one, and closes it after if this many are kept already).
KEPT_READERS = 8


class LiveSystem:
    def __init__(self, settings: Settings, idle_wait_s: float = IDLE_WAIT_S) -> None:
        every = load_config(settings.config_path).integrity.checkpoint_every
        self._checkpoints = CheckpointSchedule(settings, every) if every else None
        self.system = bootstrap(settings)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._idle_wait_s = idle_wait_s
        self._thread = threading.Thread(target=self._follow, name="casetrail-views", daemon=True)
        self._settings = settings
        self._signal = LogSignal(settings.database_url, getattr(self.system.ingestion.recorder, "channel_name", None),
                                 self._stop)
        self._readers: queue.LifoQueue[Reader] = queue.LifoQueue()

    def start(self) -> None:
        self._thread.start()
        if self._checkpoints is not None:
            self._checkpoints.start()

    def using(self, work: Callable[[System], T]) -> T:
        """Do ``work`` with the whole system, one request or the follower at a time: for writes."""
        with self._lock:
            return work(self.system)

    def reading(self, work: Callable[[Reader], T]) -> T:
        """Do ``work`` through a read-only connection of its own, beside any write."""
        from casetrail.adapters.storage.outages import DATABASE_ERRORS

        try:
            reader = self._readers.get_nowait()
        except queue.Empty:
            reader = open_reader(self._settings)
        try:
            done = work(reader)
        except DATABASE_ERRORS:
            reader.close()  # its connection may be gone: the next request opens a fresh one
            raise
        except BaseException:
            self._keep(reader)
            raise
        self._keep(reader)
        return done

    def _keep(self, reader: Reader) -> None:
        if self._readers.qsize() < KEPT_READERS and not self._stop.is_set():
            self._readers.put(reader)
        else:
            reader.close()

    def lag(self) -> int:
        """How many log positions the furthest-behind view, or the detectors, are behind the log."""
        def measure(system: System) -> int:
            head = system.ingestion.recorder.max_notification_id() or 0
            return max(0, head - min(system.detectors.position(), *(runner.position() for runner in system.views)))

        return self.using(measure)

    def _follow(self) -> None:
        from casetrail.adapters.storage.outages import DATABASE_ERRORS

        delay = FIRST_BACKOFF_S
        while not self._stop.is_set():
            try:
                applied = self.using(System.catch_up)
            except DATABASE_ERRORS as error:
                log.warning("database unavailable; the views follow again after a pause", error=first_line(error),
                            retry_in_s=delay)
                self._stop.wait(delay)
                delay = next_backoff(delay)
                continue
            delay = FIRST_BACKOFF_S
            if applied:
                # Let the posts of a burst gather: the detectors cost far less caught up once over
                # several batches than after each, and a post never waits behind more than one catch-up.
                self._stop.wait(GATHER_S)
            else:
                self._signal.wait(self._idle_wait_s)

    def _last_catch_up(self) -> None:
        """What the last posts stored reaches the cases before the server leaves (the next writer or
        server would catch it up otherwise)."""
        from casetrail.adapters.storage.outages import DATABASE_ERRORS

        try:
            self.using(System.catch_up)
        except DATABASE_ERRORS as error:
            log.warning("database unavailable; the views catch up when casetrail next writes", error=first_line(error))

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self._last_catch_up()
        self._signal.close()
        while not self._readers.empty():
            self._readers.get_nowait().close()
        if self._checkpoints is not None:
            self._checkpoints.close()
        self.system.close()
