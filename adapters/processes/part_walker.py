"""The second half of ``casetrail verify``'s walk, in a process of its own.

Recomputing the chain is Python arithmetic on every event (its canonical bytes and a SHA-256),
which alone takes longer than the driver's read of the log: one process cannot verify at the
speed the log can be read. Each position's link depends only on its event and the link kept
before it, so this process walks the second half of the log from the link kept before that half,
on the other core, while ``verify`` walks the first.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized

from casetrail.adapters.config_file import load_config
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage import outages
from casetrail.adapters.storage.database import persistence_env
from casetrail.services.application import CasetrailApplication
from casetrail.services.verification import Part, Walked, walk_part


class PartWalkerFailed(RuntimeError):
    """The helper process could not walk its part."""


class ProcessPartWalker:
    """A ``PartWalker`` that walks its part in a spawned process on the store of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # Spawned, not forked: the parent holds database connections.
        self._context = multiprocessing.get_context("spawn")
        self._checked: Synchronized[int] = self._context.Value("q", 0)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._results: Connection | None = None

    def start(self, part: Part) -> None:
        self._results, sender = self._context.Pipe(duplex=False)
        self._process = self._context.Process(target=walk, name="casetrail-verify", daemon=True,
                                              args=(self._settings, part, self._checked, sender))
        self._process.start()
        sender.close()  # the child's end: its exit then reads as the pipe's end here

    def checked(self) -> int:
        return int(self._checked.value)

    def result(self, timeout: float) -> Walked | None:
        assert self._results is not None and self._process is not None, "start it first"
        if not self._results.poll(timeout):
            return None
        try:
            outcome: Walked | str = self._results.recv()
        except EOFError:
            self._process.join()
            raise PartWalkerFailed(f"verify's helper process ended without an answer (exit code "
                                   f"{self._process.exitcode})") from None
        if isinstance(outcome, str):
            raise PartWalkerFailed(f"verify's helper process failed: {outcome}")
        return outcome

    def stop(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None
        if self._results is not None:
            self._results.close()
            self._results = None


def walk(settings: Settings, part: Part, checked: Synchronized[int], results: Connection) -> None:
    """The helper process: walk ``part`` on a store of its own and send back the walk, or what failed."""

    def count(walked: int) -> None:
        with checked.get_lock():
            checked.value += walked

    try:
        app = CasetrailApplication(env=persistence_env(settings.database_url), config=load_config(settings.config_path))
        try:
            results.send(walk_part(app.chained_log, part, count))
        finally:
            app.close()
    # Named only if raised (it imports psycopg, which a SQLite walk starts sooner without).
    except outages.DATABASE_ERRORS as error:  # the parent says it where the user sees it
        results.send(f"database: {outages.first_line(error)}")
    finally:
        results.close()

