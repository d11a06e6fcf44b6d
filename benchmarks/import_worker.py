"""Imports the hotel booking data set through the command line in a process of its own,
so that its peak memory is the import's alone (with the views process it starts); prints one
JSON line with the figures.

``--without reader`` reads the file in the import's own process, ``--without night-helper``
checks every night there: what the import would cost without that helper process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import time
from collections.abc import Iterator
from typing import Any

from benchmarks.rebuild_worker import peak_resident_mb
from casetrail.adapters import bootstrap
from casetrail.adapters.cli.main import main
from casetrail.adapters.importers import hotel_bookings
from casetrail.adapters.processes import import_reader

HELPERS = ("reader", "night-helper")


class InProcessReader:
    """The reader's interface, reading the file in the calling process."""

    def __init__(self, path: str, rows: int | None = None) -> None:
        self._path, self._rows = path, rows
        self.events: int | None = None

    def start(self) -> int:
        self._stays = hotel_bookings.read_stays(self._path)[:self._rows]
        return len(self._stays)

    def lines(self) -> Iterator[bytes]:
        yield from hotel_bookings.events(self._stays)


def without(helpers: list[str]) -> None:
    # Replaced where the command and the composition root look them up, for this process's life.
    if "reader" in helpers:
        vars(import_reader)["HotelBookingsReader"] = InProcessReader
    if "night-helper" in helpers:
        detector_runner = vars(bootstrap)["DetectorRunner"]

        def alone(*args: Any, helper: object = None, **kwargs: Any) -> Any:
            return detector_runner(*args, **kwargs)

        vars(bootstrap)["DetectorRunner"] = alone


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("path")
    parser.add_argument("--without", action="append", choices=HELPERS, default=[])
    args = parser.parse_args()
    without(args.without)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        status = main(["--database", args.url, "import", "hotel-bookings", args.path, "--json"])
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"import failed with status {status}")
    # The views follow the import in a child process: its peak counts too (both live at once).
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({**json.loads(printed.getvalue()), "seconds": seconds,
                      "cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
                      "peak_rss_mb": peak_resident_mb() + children.ru_maxrss / 1024}))
