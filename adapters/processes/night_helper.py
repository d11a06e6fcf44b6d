"""A second process for the detectors' overbooking checks of a large backlog.

The detectors read the index night by night, in one process. After a bulk
import they check every night of the data set at once, while the other core
has nothing to do: the helper checks half of the nights there. It reads the
same views through a connection of its own and only returns findings; the
detectors record them, so the result is the same with or without it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor

from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.config_file import load_config
from casetrail.adapters.logs import configure_logging
from casetrail.adapters.processes.child_process import exit_with_parent
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import open_view_store
from casetrail.domain.config import Config
from casetrail.projections.findings import Finding
from casetrail.services.case_queries import CaseQueries
from casetrail.services.detection import Run, overbookings

# What the helper process reads with, set once when it starts.
_reading: tuple[CaseQueries, Config] | None = None


class ProcessNightHelper:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the process now, so that it is ready when the nights are."""
        if self._pool is None:
            # Spawned, not forked: the parent holds database connections.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_open, initargs=(self._settings, os.getpid()))
            self._pool.submit(int)  # a pool starts its process with the first task

    def overbookings(self, runs: list[Run]) -> Future[dict[tuple[str, str], Finding]]:
        self.start()
        assert self._pool is not None
        return self._pool.submit(_overbookings, runs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _open(settings: Settings, parent_pid: int) -> None:
    global _reading
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    exit_with_parent(parent_pid)  # a pool's process would wait for work forever
    configure_logging(settings.log_level)
    tune_for_batches()
    _reading = (CaseQueries(open_view_store(settings.database_url)), load_config(settings.config_path))


def _overbookings(runs: list[Run]) -> dict[tuple[str, str], Finding]:
    assert _reading is not None
    return overbookings(*_reading, runs)
