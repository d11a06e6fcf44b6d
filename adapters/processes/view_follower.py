"""The views and detectors of a long-running entrance, in a process of their own;
or the views alone, beside a bulk import.

``casetrail consume`` stores what arrives; the views and detectors follow the
log behind it. In the consumer's own process they took most of its time (the
detectors read the index night by night), so the consumer stored a few
thousand events a second where storing alone does ten thousand. Here they run
on the other core, catching up as soon as there is something new, so cases
and alerts stay a moment behind the input instead of waiting for a pause.
An import runs only the views beside it: the detectors evaluate each incident
they are shown, and are cheapest shown the whole data set once, at the end.

Both processes follow the log from tracked positions that each batch claims
in its own transaction, so a follower left running by a killed consumer and
the next consumer's follower never apply an event twice.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.synchronize import Event

import structlog

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.logs import configure_logging
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.outages import DATABASE_ERRORS, FIRST_BACKOFF_S, first_line, next_backoff

log = structlog.get_logger("casetrail.views")

# How often an idle follower looks at the log again.
IDLE_WAIT_S = 0.2


class ViewFollower:
    """Starts the follower process, restarts it if it dies, and stops it once it has caught up."""

    def __init__(self, settings: Settings, detectors: bool = True) -> None:
        self._settings = settings
        self._detectors = detectors
        # Spawned, not forked: the parent holds database connections and broker threads.
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._process: multiprocessing.process.BaseProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        # Daemonic: should the parent leave without stopping it, its exit sends the
        # follower SIGTERM (finish the catch-up in hand) instead of waiting for it forever.
        self._process = self._context.Process(target=follow, name="casetrail-views", daemon=True,
                                              args=(self._settings, self._stop, os.getpid(), self._detectors))
        self._process.start()
        log.info("views follow the log in their own process", pid=self._process.pid, detectors=self._detectors)

    def keep_alive(self) -> None:
        """Start the follower again if it ended without being asked to."""
        if self._process is not None and not self._process.is_alive() and not self._stop.is_set():
            log.error("the views and detectors process ended; starting it again", exit_code=self._process.exitcode)
            self.start()

    def stop(self) -> None:
        """Ask the follower to catch up with everything stored so far, and wait until it has."""
        self._stop.set()
        if self._process is not None:
            self._process.join()
            if self._process.exitcode != 0:
                log.error("the views and detectors process failed", exit_code=self._process.exitcode)
            self._process = None


def follow(settings: Settings, stop: Event, parent_pid: int, detectors: bool = True) -> None:
    """The follower process: catch up, wait for more, until asked to stop or the parent is gone."""
    # Ctrl-C reaches the whole process group; the parent decides when the follower stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM (the parent's exit, or a supervisor's): finish the catch-up in hand and leave. Not
    # ``stop.set()``: the handler may run while this process holds the shared event's lock.
    terminated = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: terminated.set())
    configure_logging(settings.log_level)
    tune_for_batches()
    system = bootstrap(settings)
    catch_up = system.catch_up if detectors else system.catch_up_views
    delay = FIRST_BACKOFF_S
    try:
        while True:
            stopping = stop.is_set() or terminated.is_set()
            try:
                applied = catch_up()
            except DATABASE_ERRORS as error:
                log.warning("database unavailable; retrying", error=first_line(error), retry_in_s=delay)
                if stop.wait(delay) or terminated.is_set() or os.getppid() != parent_pid:
                    return  # what is left is caught up by the next follower
                delay = next_backoff(delay)
                continue
            delay = FIRST_BACKOFF_S
            if stopping or os.getppid() != parent_pid:
                return  # caught up with all the parent stored, or the parent was killed
            if not applied:
                stop.wait(IDLE_WAIT_S)
    finally:
        system.close()
